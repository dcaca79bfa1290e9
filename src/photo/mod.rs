//! The photo core: bytes in, a JPEG that fits the byte budget out. No LDAP or UI work here, and
//! no file work but [`prepare_file`]'s one read.
//!
//! Pipeline of [`prepare`]: read the header (format, size, EXIF orientation) and refuse bombs →
//! decode, for JPEG at 1/2, 1/4 or 1/8 scale when the crop allows → orient upright →
//! crop (given, or automatic around the face) → block shrink + Lanczos3 →
//! baseline JPEG 4:2:0 at the highest quality that fits the budget.

mod color;
mod crop;
mod decode;
mod encode;
mod error;
mod face;
mod file;
mod jpeg;
mod orient;
pub(crate) mod resize;
mod rows;
mod sanity;
mod thumbnail;
mod types;

pub use crop::{EYES_FROM_TOP, FACE_WIDTHS};
pub use encode::{QUALITY_CEILING, QUALITY_FLOOR};
pub use error::PhotoError;
pub use face::FaceBox;
pub use file::{FileError, check_file, prepare_file, prepare_file_with};
pub use orient::{turn, turned_dims};
pub use sanity::{PhotoFacts, facts, warnings as photo_warnings};
pub use thumbnail::{decode_upright, thumbnail};
pub use types::*;

use image::RgbImage;

/// Format and upright size from the header; no pixels are decoded.
pub fn inspect(input: &[u8]) -> Result<ImageInfo, PhotoError> {
    let h = decode::read_header(input)?;
    let (width, height) = orient::upright_dims(h.width, h.height, h.orientation, 0);
    Ok(ImageInfo {
        format: h.format,
        width,
        height,
        orientation: h.orientation,
    })
}

/// A decoded, upright picture at reduced scale, with the factors back to full-size upright pixels.
struct Upright {
    img: RgbImage,
    /// Full upright size.
    full_w: u32,
    full_h: u32,
    /// DCT scale used (1 = full size).
    scale: u32,
}

impl Upright {
    fn fx(&self) -> f64 {
        self.img.width() as f64 / self.full_w as f64
    }
    fn fy(&self) -> f64 {
        self.img.height() as f64 / self.full_h as f64
    }
}

fn load(
    input: &[u8],
    header: &decode::Header,
    opts: &PrepareOptions,
    scale: u32,
) -> Result<Upright, PhotoError> {
    let (img, used) = decode::decode_rgb(input, header, opts.max_pixels, opts.background, scale)?;
    let turns = opts.rotate_quarter_turns % 4;
    let img = orient::apply(img, header.orientation, turns);
    let (full_w, full_h) =
        orient::upright_dims(header.width, header.height, header.orientation, turns);
    Ok(Upright {
        img,
        full_w,
        full_h,
        scale: used,
    })
}

/// Automatic square on a loaded picture: (crop in full upright pixels, face found).
fn auto_crop_on(up: &Upright) -> (CropRect, bool) {
    let face = face::detect(&up.img).map(|f| FaceBox {
        x: f.x / up.fx() as f32,
        y: f.y / up.fy() as f32,
        width: f.width / up.fx() as f32,
        height: f.height / up.fy() as f32,
    });
    (crop::frame(up.full_w, up.full_h, face), face.is_some())
}

fn header_checked(input: &[u8], max_pixels: u64) -> Result<decode::Header, PhotoError> {
    let header = decode::read_header(input)?;
    decode::check_pixels(&header, max_pixels)?;
    Ok(header)
}

/// The square the crop canvas starts from: centred on the face if one is found, else the upper
/// centre. In upright coordinates (EXIF orientation and `opts.rotate_quarter_turns` applied).
pub fn auto_crop(input: &[u8], opts: &PrepareOptions) -> Result<CropRect, PhotoError> {
    let header = header_checked(input, opts.max_pixels)?;
    let (w, h) = orient::upright_dims(header.width, header.height, header.orientation, 0);
    // Enough pixels for the detector, no more.
    let scale = decode::choose_scale(w.max(h), face::DETECT_SIDE);
    let up = load(input, &header, opts, scale)?;
    Ok(auto_crop_on(&up).0)
}

/// Any supported picture in, a JPEG no larger than `opts.target.max_bytes` out.
pub fn prepare(input: &[u8], opts: &PrepareOptions) -> Result<Prepared, PhotoError> {
    let target = opts.target;
    if target.size == 0 {
        return Err(PhotoError::BadSize {
            size: 0,
            min: MIN_SIZE,
            max: MAX_SIZE,
        });
    }
    let header = header_checked(input, opts.max_pixels)?;
    let turns = opts.rotate_quarter_turns % 4;
    let (uw, uh) = orient::upright_dims(header.width, header.height, header.orientation, turns);
    if let Some(c) = opts.crop {
        if c.width == 0 || c.height == 0 {
            return Err(PhotoError::CropEmpty);
        }
        if !c.fits_in(uw, uh) {
            return Err(PhotoError::CropOutside);
        }
    }
    // Reduced-scale decode chosen from the crop: keep ≥ 2× the target in the crop.
    let need = target.size.saturating_mul(2);
    let crop_side = |c: &CropRect| c.width.min(c.height);
    let guess_side = opts.crop.as_ref().map(crop_side).unwrap_or(uw.min(uh));
    let mut up = load(input, &header, opts, decode::choose_scale(guess_side, need))?;
    let (crop, face_found) = match opts.crop {
        Some(c) => (c, false),
        None => {
            let (c, f) = auto_crop_on(&up);
            // A small face in a big picture: decode again at a finer scale — but only when the
            // crop would have fewer pixels than the target (it would be enlarged); down to that,
            // libjpeg's DCT scaling has already averaged well and a second decode would double
            // the time (measured: 2 MP files 2× slower than 12 MP ones).
            let better = decode::choose_scale(crop_side(&c), target.size);
            if better < up.scale {
                up = load(input, &header, opts, better)?;
            }
            (c, f)
        }
    };
    // Output size: the target square, never enlarged unless asked.
    let (mut ow, mut oh) = resize::fit(crop.width, crop.height, target.size);
    if !opts.allow_upscale && (ow > crop.width || oh > crop.height) {
        (ow, oh) = (crop.width, crop.height);
    }
    let (fx, fy) = (up.fx(), up.fy());
    let src_crop = (
        crop.x as f64 * fx,
        crop.y as f64 * fy,
        crop.width as f64 * fx,
        crop.height as f64 * fy,
    );
    let small = resize::crop_resize(&up.img, src_crop, ow.max(1), oh.max(1))?;
    drop(up);
    let fitted = encode::fit_budget(&small, target.max_bytes)?;
    Ok(Prepared {
        jpeg: fitted.jpeg,
        width: fitted.width,
        height: fitted.height,
        quality: fitted.quality,
        crop,
        face_found,
    })
}
