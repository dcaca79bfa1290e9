//! Baseline JPEG (4:2:0, one interleaved scan, no metadata) at the highest quality that fits
//! the byte budget.
//!
//! Not optimised Huffman tables: jpeg-encoder 0.7 then writes one scan per component
//! (non-interleaved sequential), which the `image` crate's own decoder (zune-jpeg) reads with
//! wrong colours; a photo every reader gets right matters more than the ~5 % it would save.

use image::RgbImage;
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

use super::{PhotoError, resize};

/// Lowest quality we accept before making the picture smaller instead.
pub const QUALITY_FLOOR: u8 = 30;
pub const QUALITY_CEILING: u8 = 95;
/// Never shrink below this side while fitting.
const MIN_SIDE: u32 = 8;

/// One encode.
pub fn encode(img: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let (w, h) = img.dimensions();
    if w > u16::MAX as u32 || h > u16::MAX as u32 {
        return Err(PhotoError::Encode("picture too large for JPEG".into()));
    }
    let mut out = Vec::with_capacity(16 * 1024);
    let mut enc = Encoder::new(&mut out, quality);
    enc.set_sampling_factor(SamplingFactor::F_2_2);
    enc.set_optimized_huffman_tables(false);
    enc.encode(img.as_raw(), w as u16, h as u16, ColorType::Rgb)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

/// The result of fitting.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub quality: u8,
}

/// Highest quality in [QUALITY_FLOOR, QUALITY_CEILING] whose encoding is ≤ `budget` bytes;
/// if none, shrink by ~10% and try again. The result is never larger than the budget.
pub fn fit_budget(img: &RgbImage, budget: usize) -> Result<Fitted, PhotoError> {
    let mut current: Option<RgbImage> = None;
    loop {
        let im = current.as_ref().unwrap_or(img);
        if let Some((q, jpeg)) = search_quality(im, budget)? {
            debug_assert!(jpeg.len() <= budget);
            return Ok(Fitted {
                jpeg,
                width: im.width(),
                height: im.height(),
                quality: q,
            });
        }
        let (w, h) = im.dimensions();
        if w.max(h) <= MIN_SIDE {
            return Err(PhotoError::CannotFitBudget { budget });
        }
        let nw = ((w as f32 * 0.9) as u32).max(1);
        let nh = ((h as f32 * 0.9) as u32).max(1);
        let smaller =
            resize::crop_resize(im, (0.0, 0.0, w as f64, h as f64), nw.min(w - 1).max(1), nh)?;
        current = Some(smaller);
    }
}

fn search_quality(img: &RgbImage, budget: usize) -> Result<Option<(u8, Vec<u8>)>, PhotoError> {
    // Try the ceiling first: small pictures usually fit at once.
    let top = encode(img, QUALITY_CEILING)?;
    if top.len() <= budget {
        return Ok(Some((QUALITY_CEILING, top)));
    }
    let (mut lo, mut hi) = (QUALITY_FLOOR, QUALITY_CEILING - 1);
    let mut best: Option<(u8, Vec<u8>)> = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let bytes = encode(img, mid)?;
        if bytes.len() <= budget {
            best = Some((mid, bytes));
            lo = mid + 1;
        } else {
            if mid == QUALITY_FLOOR {
                break;
            }
            hi = mid - 1;
        }
    }
    Ok(best)
}
