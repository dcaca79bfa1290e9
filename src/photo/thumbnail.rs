//! Display pictures for the GUI: the grid, previews and the crop canvas.

use image::RgbImage;

use super::{PhotoError, Thumbnail, decode, orient, resize};

/// An upright picture whose long side is at most `max_side` (when given), decoded at reduced
/// scale where the format allows. Coordinates scale linearly to the full upright picture
/// (see [`super::inspect`]).
pub fn decode_upright(
    input: &[u8],
    max_pixels: u64,
    max_side: Option<u32>,
) -> Result<RgbImage, PhotoError> {
    let header = decode::read_header(input)?;
    decode::check_pixels(&header, max_pixels)?;
    let long = header.width.max(header.height);
    let scale = match max_side {
        Some(s) => decode::choose_scale(long, s.max(1)),
        None => 1,
    };
    let (img, _) = decode::decode_rgb(input, &header, max_pixels, [255, 255, 255], scale)?;
    let img = orient::apply(img, header.orientation, 0);
    match max_side {
        Some(s) if img.width().max(img.height()) > s.max(1) => {
            let (w, h) = img.dimensions();
            let (ow, oh) = resize::fit(w, h, s.max(1));
            resize::crop_resize(&img, (0.0, 0.0, w as f64, h as f64), ow, oh)
        }
        _ => Ok(img),
    }
}

/// A small RGBA8 picture (long side ≤ `max_side`) for the grid and previews.
pub fn thumbnail(input: &[u8], max_side: u32) -> Result<Thumbnail, PhotoError> {
    let img = decode_upright(input, super::DEFAULT_MAX_PIXELS, Some(max_side.max(1)))?;
    let (width, height) = img.dimensions();
    let mut rgba = Vec::with_capacity(width as usize * height as usize * 4);
    for p in img.as_raw().chunks_exact(3) {
        rgba.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    Ok(Thumbnail {
        width,
        height,
        rgba,
    })
}
