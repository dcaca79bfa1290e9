//! JPEG through libjpeg-turbo (mozjpeg's build of it): every kind — baseline, progressive,
//! restart markers, CMYK/YCCK, grayscale — decoded at 1/2, 1/4 or 1/8 size in the DCT, so a
//! 12-megapixel camera picture becomes a 96 px photo without ever existing at full size.
//!
//! Damaged data is refused: libjpeg-turbo reports a truncated file or corrupt entropy data as a
//! *warning* and goes on with grey blocks; our error manager turns those warnings into errors,
//! so a damaged file never becomes a grey photo in the directory.

use std::mem;
use std::os::raw::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use image::RgbImage;
use mozjpeg::{ColorSpace, Decompress, Marker};
use mozjpeg_sys as ffi;

use super::PhotoError;

/// What the markers before the first scan say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JpegHeader {
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1–8 (1 when there is none).
    pub orientation: u8,
    pub icc: Option<Vec<u8>>,
}

/// The markers we read: EXIF (orientation) and ICC profile chunks.
const MARKERS: &[Marker] = &[Marker::APP(1), Marker::APP(2)];

/// Warnings that say nothing about the picture data itself; every other warning means damage.
const HARMLESS_WARNINGS: &[c_int] = &[
    ffi::JWRN_JFIF_MAJOR,
    ffi::JWRN_ADOBE_XFORM,
    ffi::JWRN_BOGUS_ICC,
];

/// Our error manager: fatal errors and damage warnings unwind with the library's message (caught
/// in [`run`]); trace messages are ignored.
fn strict_errors() -> ffi::jpeg_error_mgr {
    // SAFETY: jpeg_std_error fills every field of a zeroed struct; we then replace two hooks.
    unsafe {
        let mut err: ffi::jpeg_error_mgr = mem::zeroed();
        ffi::jpeg_std_error(&mut err);
        err.error_exit = Some(fatal);
        err.emit_message = Some(message);
        err
    }
}

/// The library's message for the current error or warning.
fn text(cinfo: &mut ffi::jpeg_common_struct) -> String {
    // SAFETY: `err` is the manager we installed; format_message writes at most JMSG_LENGTH_MAX
    // (200) bytes, NUL-terminated.
    unsafe {
        let Some(err) = cinfo.err.as_ref() else {
            return String::new();
        };
        let code = err.msg_code;
        match err.format_message {
            Some(format) => {
                let mut buf = [0u8; 200];
                let f: unsafe extern "C-unwind" fn(&mut ffi::jpeg_common_struct, &mut [u8; 200]) =
                    mem::transmute(format);
                f(cinfo, &mut buf);
                let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
                String::from_utf8_lossy(&buf[..end]).into_owned()
            }
            None => format!("libjpeg error {code}"),
        }
    }
}

/// Why decoding stopped, carried through the unwind.
struct Stop(String);

extern "C-unwind" fn fatal(cinfo: &mut ffi::jpeg_common_struct) {
    let msg = text(cinfo);
    resume_unwind(Box::new(Stop(msg)));
}

extern "C-unwind" fn message(cinfo: &mut ffi::jpeg_common_struct, level: c_int) {
    // level < 0: a warning (damage); level ≥ 0: trace output, which we do not want.
    if level >= 0 {
        return;
    }
    // SAFETY: `err` is the manager we installed.
    let code = unsafe { cinfo.err.as_ref().map_or(0, |e| e.msg_code) };
    if HARMLESS_WARNINGS.contains(&code) {
        return;
    }
    let msg = text(cinfo);
    resume_unwind(Box::new(Stop(msg)));
}

/// Runs libjpeg code; its errors and damage warnings come back as [`PhotoError::Corrupt`].
fn run<T>(f: impl FnOnce() -> std::io::Result<T>) -> Result<T, PhotoError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(PhotoError::corrupt(e.to_string())),
        Err(payload) => Err(PhotoError::corrupt(match payload.downcast::<Stop>() {
            Ok(stop) => plain(&stop.0),
            Err(_) => "the decoder could not make sense of it".into(),
        })),
    }
}

/// libjpeg's wording, said for a helpdesk user where it matters.
fn plain(msg: &str) -> String {
    let m = msg.trim().trim_end_matches('.');
    if m.starts_with("Premature end of JPEG file") {
        "the file ends too early (truncated)".into()
    } else if m.starts_with("Corrupt JPEG data") {
        format!("corrupt picture data ({m})")
    } else if m.is_empty() {
        "the decoder could not make sense of it".into()
    } else {
        m.to_string()
    }
}

fn open(input: &[u8]) -> std::io::Result<Decompress<&[u8]>> {
    Decompress::builder()
        .with_err(strict_errors())
        .with_markers(MARKERS)
        .from_mem(input)
}

/// Size, orientation and ICC profile from the markers; no picture data is decoded.
pub(crate) fn header(input: &[u8]) -> Result<JpegHeader, PhotoError> {
    let h = run(|| {
        let d = open(input)?;
        Ok(header_of(&d))
    })?;
    if h.width == 0 || h.height == 0 {
        return Err(PhotoError::corrupt("the frame header gives no size"));
    }
    Ok(h)
}

fn header_of(d: &Decompress<&[u8]>) -> JpegHeader {
    let mut orientation = 1;
    let mut icc: Vec<(u8, &[u8])> = Vec::new();
    for m in d.markers() {
        match m.marker {
            Marker::APP(1) if orientation == 1 => {
                if let Some(o) = m
                    .data
                    .strip_prefix(b"Exif\0\0")
                    .and_then(image::metadata::Orientation::from_exif_chunk)
                {
                    orientation = o.to_exif();
                }
            }
            Marker::APP(2) => {
                if let Some(rest) = m.data.strip_prefix(b"ICC_PROFILE\0")
                    && rest.len() > 2
                {
                    icc.push((rest[0], &rest[2..]));
                }
            }
            _ => {}
        }
    }
    // Chunks in their sequence order; a profile that does not add up is checked (and dropped)
    // by the colour conversion.
    icc.sort_by_key(|(seq, _)| *seq);
    let icc = (!icc.is_empty()).then(|| icc.into_iter().flat_map(|(_, c)| c).copied().collect());
    JpegHeader {
        width: d.width() as u32,
        height: d.height() as u32,
        orientation,
        icc,
    }
}

/// Decodes at 1/`scale` (1, 2, 4 or 8) of the stored size, to RGB in stored orientation. The
/// ICC profile is returned for the caller to convert with.
pub(crate) fn decode(input: &[u8], scale: u32) -> Result<(RgbImage, Option<Vec<u8>>), PhotoError> {
    let scale = match scale {
        8.. => 8,
        4..=7 => 4,
        2 | 3 => 2,
        _ => 1,
    };
    run(|| {
        let mut d = open(input)?;
        let mut icc = header_of(&d).icc;
        // The numerator over 8: 1 = one eighth.
        d.scale((8 / scale) as u8);
        let cmyk = matches!(d.color_space(), ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK);
        let (w, h, rgb) = if cmyk {
            // libjpeg turns YCCK into CMYK; the RGB from it is ours (below).
            let mut s = d.to_colorspace(ColorSpace::JCS_CMYK)?;
            let (w, h) = (s.width(), s.height());
            let px: Vec<[u8; 4]> = s.read_scanlines()?;
            s.finish()?;
            // A CMYK profile is not one to convert RGB with.
            icc = None;
            (w, h, cmyk_to_rgb(&px))
        } else {
            let mut s = d.rgb()?;
            let (w, h) = (s.width(), s.height());
            let px: Vec<u8> = s.read_scanlines()?;
            s.finish()?;
            (w, h, px)
        };
        let img = RgbImage::from_raw(w as u32, h as u32, rgb)
            .ok_or_else(|| std::io::Error::other("the picture data is shorter than its size"))?;
        Ok((img, icc))
    })
}

/// CMYK as Adobe writes it in JPEG (inverted: 255 = no ink) to RGB, the naive way browsers use
/// when they do not colour-manage CMYK: close enough for a 96 px face.
fn cmyk_to_rgb(px: &[[u8; 4]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(px.len() * 3);
    for &[c, m, y, k] in px {
        let k = k as u32;
        for v in [c, m, y] {
            out.push(((v as u32 * k + 127) / 255) as u8);
        }
    }
    out
}
