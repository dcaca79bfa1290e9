//! The window's only door to image work, so the GUI never decodes images itself.
//!
//! TODO(lead): at merge, replace these bodies with calls to `crate::photo::thumbnail` and
//! `crate::photo::prepare` (the photo core); this is a small stand-in on the `image` crate so
//! the window works before the photo core lands. Keep the signatures.

use std::io::Cursor;

use image::{GenericImageView as _, ImageReader, imageops::FilterType};

/// Decoded pixels for display: RGBA8, row-major.
#[derive(Clone)]
pub struct Thumbnail {
    pub rgba: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for Thumbnail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Thumbnail({}x{})", self.width, self.height)
    }
}

/// Side of the square photo written to AD (Outlook and Teams show 96 px).
pub const AD_SIDE: u32 = 96;
/// Byte budget for the written JPEG: well under thumbnailPhoto's 100 kB, small enough for Outlook.
pub const AD_BUDGET: usize = 10 * 1024;

fn decode(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read the image: {e}"))?
        .decode()
        .map_err(|e| format!("not an image this app can read: {e}"))
}

/// A picture scaled to fit `max_side` (never enlarged), for the grid and the preview.
pub fn thumbnail(bytes: &[u8], max_side: u32) -> Result<Thumbnail, String> {
    let img = decode(bytes)?;
    let (w, h) = img.dimensions();
    let img = if w > max_side || h > max_side {
        img.resize(max_side, max_side, FilterType::Triangle)
    } else {
        img
    };
    let rgba = img.to_rgba8();
    Ok(Thumbnail {
        width: rgba.width(),
        height: rgba.height(),
        rgba: rgba.into_raw(),
    })
}

/// The pixel size of an encoded image, read from its header.
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// Any image file's bytes → the JPEG to write: centre square crop, 96 px, at most 10 kB.
pub fn prepare_for_ad(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let img = decode(bytes)?;
    let (w, h) = img.dimensions();
    let side = w.min(h);
    if side == 0 {
        return Err("the image is empty".into());
    }
    let square = img.crop_imm((w - side) / 2, (h - side) / 2, side, side);
    let small = square
        .resize_exact(AD_SIDE, AD_SIDE, FilterType::Lanczos3)
        .to_rgb8();
    for quality in [90u8, 85, 80, 75, 70, 60, 50, 40, 30] {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .encode_image(&small)
            .map_err(|e| format!("cannot encode the photo: {e}"))?;
        if out.len() <= AD_BUDGET {
            return Ok(out);
        }
    }
    Err(format!(
        "the photo does not fit in {AD_BUDGET} bytes even at low quality"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn prepare_makes_a_small_square_jpeg() {
        let jpeg = prepare_for_ad(&png(640, 480)).unwrap();
        assert!(jpeg.len() <= AD_BUDGET);
        assert_eq!(dimensions(&jpeg), Some((AD_SIDE, AD_SIDE)));
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn thumbnail_fits_and_never_enlarges() {
        let t = thumbnail(&png(400, 200), 64).unwrap();
        assert_eq!((t.width, t.height), (64, 32));
        assert_eq!(t.rgba.len(), 64 * 32 * 4);
        let t = thumbnail(&png(20, 10), 64).unwrap();
        assert_eq!((t.width, t.height), (20, 10));
        assert!(thumbnail(b"not an image", 64).is_err());
    }
}
