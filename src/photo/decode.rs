//! Header inspection and decoding to upright-ready RGB, with the bomb guard.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits, RgbImage};

use super::{Format, PhotoError, color, jpeg, rows};

/// What the header told us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub format: Format,
    /// Stored (not yet oriented) size.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1–8.
    pub orientation: u8,
}

/// Recognise the format from the first bytes.
pub(crate) fn sniff(input: &[u8]) -> Result<Format, PhotoError> {
    if input.is_empty() {
        return Err(PhotoError::Empty);
    }
    if let Some(f) = Format::of(input) {
        return Ok(f);
    }
    // Not one we read: name it if the image crate knows it.
    match image::guess_format(input) {
        Ok(other) => Err(PhotoError::Unsupported {
            format: format!("{other:?}"),
        }),
        Err(_) => Err(other_format(input)),
    }
}

/// Name formats we recognise but do not read, so the message says what the file is.
fn other_format(input: &[u8]) -> PhotoError {
    let unsupported = |f: &str| PhotoError::Unsupported { format: f.into() };
    if input.len() >= 12 && &input[4..8] == b"ftyp" {
        let brand = &input[8..12];
        return match brand {
            b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                unsupported("HEIC")
            }
            b"avif" | b"avis" => unsupported("AVIF"),
            _ => PhotoError::NotAnImage,
        };
    }
    if input.starts_with(b"%PDF") {
        return unsupported("PDF");
    }
    if input.starts_with(b"8BPS") {
        return unsupported("Photoshop (PSD)");
    }
    let head = &input[..input.len().min(256)];
    if head.windows(4).any(|w| w.eq_ignore_ascii_case(b"<svg")) {
        return unsupported("SVG");
    }
    PhotoError::NotAnImage
}

fn image_format(f: Format) -> ImageFormat {
    match f {
        Format::Jpeg => ImageFormat::Jpeg,
        Format::Png => ImageFormat::Png,
        Format::Gif => ImageFormat::Gif,
        Format::Bmp => ImageFormat::Bmp,
        Format::Tiff => ImageFormat::Tiff,
        Format::WebP => ImageFormat::WebP,
    }
}

/// Limits handed to the `image` decoders as a second line of defence.
fn limits(max_pixels: u64) -> Limits {
    let mut l = Limits::default();
    // RGBA16 is the widest layout we ask for; leave room for the decoder's own buffers.
    l.max_alloc = Some(max_pixels.saturating_mul(8).saturating_add(64 << 20));
    l
}

fn reader(input: &[u8], format: Format, max_pixels: u64) -> ImageReader<Cursor<&[u8]>> {
    let mut r = ImageReader::with_format(Cursor::new(input), image_format(format));
    r.limits(limits(max_pixels));
    r
}

/// Run third-party decoder code so that a panic inside it becomes an error, never a crash.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, PhotoError>) -> Result<T, PhotoError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => Err(PhotoError::corrupt(
            "the decoder could not make sense of it",
        )),
    }
}

/// Read the header only: format, stored size, EXIF orientation. No pixels are decoded.
pub(crate) fn read_header(input: &[u8]) -> Result<Header, PhotoError> {
    let format = sniff(input)?;
    if format == Format::Jpeg {
        // libjpeg-turbo reads the markers up to the first scan: nothing sized by the picture.
        let h = jpeg::header(input)?;
        return Ok(Header {
            format,
            width: h.width,
            height: h.height,
            orientation: h.orientation,
        });
    }
    guarded(|| {
        let mut dec = reader(input, format, u64::MAX)
            .into_decoder()
            .map_err(PhotoError::from_image)?;
        let (width, height) = dec.dimensions();
        if width == 0 || height == 0 {
            return Err(PhotoError::corrupt("the picture has no pixels"));
        }
        let orientation = dec.orientation().map(|o| o.to_exif()).unwrap_or(1);
        Ok(Header {
            format,
            width,
            height,
            orientation,
        })
    })
}

pub(crate) fn check_pixels(h: &Header, max_pixels: u64) -> Result<(), PhotoError> {
    if h.width as u64 * h.height as u64 > max_pixels {
        return Err(PhotoError::TooManyPixels {
            width: h.width,
            height: h.height,
            limit: max_pixels,
        });
    }
    Ok(())
}

/// Decode to RGB in stored orientation, transparency laid over `background`.
///
/// `scale` is a hint: a JPEG may be decoded at 1/`scale` size (1, 2, 4 or 8) when the format
/// allows it. Returns the picture and the scale actually used (1 = full size).
pub(crate) fn decode_rgb(
    input: &[u8],
    header: &Header,
    max_pixels: u64,
    background: [u8; 3],
    scale: u32,
) -> Result<(RgbImage, u32), PhotoError> {
    check_pixels(header, max_pixels)?;
    if header.format == Format::Jpeg {
        // Scaled in the DCT; damage (a truncated file, corrupt data) is an error, not grey.
        let (mut img, icc) = jpeg::decode(input, scale)?;
        if let Some(icc) = icc {
            color::to_srgb(&mut img, &icc);
        }
        let used = header.width.div_ceil(img.width().max(1)).max(1);
        return Ok((img, used));
    }
    // PNG and TIFF row by row, shrunk as they arrive: memory bounded by the output.
    if let Some(r) = rows::decode_scaled(input, header, max_pixels, background, scale)? {
        return Ok(r);
    }
    let (img, icc) = guarded(|| {
        let mut dec = reader(input, header.format, max_pixels)
            .into_decoder()
            .map_err(PhotoError::from_image)?;
        let (w, h) = dec.dimensions();
        if w as u64 * h as u64 > max_pixels {
            return Err(PhotoError::TooManyPixels {
                width: w,
                height: h,
                limit: max_pixels,
            });
        }
        dec.set_limits(limits(max_pixels))
            .map_err(PhotoError::from_image)?;
        // A profile that cannot be read is no reason to refuse the picture.
        let icc = dec.icc_profile().ok().flatten();
        let img = DynamicImage::from_decoder(dec).map_err(PhotoError::from_image)?;
        Ok((img, icc))
    })?;
    let mut rgb = flatten(img, background);
    if let Some(icc) = icc {
        color::to_srgb(&mut rgb, &icc);
    }
    Ok((rgb, 1))
}

/// Drop alpha by compositing over the background; drop 16-bit depth.
pub(crate) fn flatten(img: DynamicImage, bg: [u8; 3]) -> RgbImage {
    if !img.color().has_alpha() {
        return match img {
            DynamicImage::ImageRgb8(rgb) => rgb,
            other => other.to_rgb8(),
        };
    }
    // into_: an RGBA picture is not copied (400 MB at 100 MP).
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let src = rgba.into_raw();
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for px in src.chunks_exact(4) {
        let a = px[3] as u32;
        let na = 255 - a;
        for c in 0..3 {
            out.push(((px[c] as u32 * a + bg[c] as u32 * na + 127) / 255) as u8);
        }
    }
    RgbImage::from_raw(w, h, out).expect("buffer sized for w*h*3")
}

/// Largest JPEG DCT scale d ∈ {8, 4, 2, 1} such that `side / d ≥ need`.
pub(crate) fn choose_scale(side: u32, need: u32) -> u32 {
    for d in [8u32, 4, 2] {
        if side / d >= need.max(1) {
            return d;
        }
    }
    1
}
