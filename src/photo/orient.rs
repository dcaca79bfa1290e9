//! EXIF orientation (1–8) and the user's extra quarter turns.

use image::RgbImage;
use image::imageops::{flip_horizontal, flip_vertical, rotate90, rotate180, rotate270};

/// Does this orientation swap width and height?
pub(crate) fn swaps(orientation: u8) -> bool {
    matches!(orientation, 5..=8)
}

/// Upright size after EXIF orientation and `quarter_turns` clockwise turns.
pub fn upright_dims(width: u32, height: u32, orientation: u8, quarter_turns: u8) -> (u32, u32) {
    let (w, h) = if swaps(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    turned_dims(w, h, quarter_turns)
}

/// Size after `quarter_turns` clockwise turns of an already upright picture.
pub fn turned_dims(width: u32, height: u32, quarter_turns: u8) -> (u32, u32) {
    if quarter_turns % 2 == 1 {
        (height, width)
    } else {
        (width, height)
    }
}

/// Turn a stored picture upright: EXIF orientation first, then clockwise quarter turns.
pub fn apply(img: RgbImage, orientation: u8, quarter_turns: u8) -> RgbImage {
    let img = match orientation {
        2 => flip_horizontal(&img),
        3 => rotate180(&img),
        4 => flip_vertical(&img),
        5 => flip_horizontal(&rotate90(&img)),
        6 => rotate90(&img),
        7 => flip_horizontal(&rotate270(&img)),
        8 => rotate270(&img),
        _ => img,
    };
    turn(img, quarter_turns)
}

/// Clockwise quarter turns of an already upright picture (the crop canvas's rotate buttons).
pub fn turn(img: RgbImage, quarter_turns: u8) -> RgbImage {
    match quarter_turns % 4 {
        1 => rotate90(&img),
        2 => rotate180(&img),
        3 => rotate270(&img),
        _ => img,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// 2×1 picture: left red, right blue. Orientation 6 stores a picture that must be turned
    /// 90° clockwise: red ends on top.
    #[test]
    fn rotate_six_puts_left_on_top() {
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(0, 0, Rgb([255, 0, 0]));
        img.put_pixel(1, 0, Rgb([0, 0, 255]));
        let up = apply(img, 6, 0);
        assert_eq!(up.dimensions(), (1, 2));
        assert_eq!(up.get_pixel(0, 0), &Rgb([255, 0, 0]));
        assert_eq!(upright_dims(2, 1, 6, 0), (1, 2));
        assert_eq!(upright_dims(2, 1, 6, 1), (2, 1));
    }

    /// The crop canvas used to turn by repeated 90° steps; `turn` must give the same pixels.
    #[test]
    fn turn_is_repeated_quarter_turns() {
        let img = RgbImage::from_fn(3, 2, |x, y| Rgb([x as u8, y as u8, 7]));
        for k in 0..8u8 {
            let mut stepped = img.clone();
            for _ in 0..k % 4 {
                stepped = rotate90(&stepped);
            }
            let turned = turn(img.clone(), k);
            assert_eq!(turned, stepped, "{k} turns");
            assert_eq!(turned.dimensions(), turned_dims(3, 2, k));
        }
    }
}
