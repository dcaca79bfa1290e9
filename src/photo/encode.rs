//! Baseline JPEG (4:2:0, one interleaved scan, no metadata) at the highest quality that fits
//! the byte budget.
//!
//! mozjpeg (libjpeg-turbo with trellis quantisation and optimised Huffman tables): at the same
//! byte budget its pictures score about 0.76× jpeg-encoder's DSSIM on average, and at tight budgets
//! it fits where jpeg-encoder has to shrink the picture (benches/encoders.rs). Its default profile
//! writes progressive JPEG; here the scan script is off (one sequential scan, which every reader,
//! the `image` crate's included, decodes right) and the quantisers are clamped to 8 bits, so the
//! file is always SOF0 baseline.

use std::panic::{AssertUnwindSafe, catch_unwind};

use image::RgbImage;
use mozjpeg::qtable::NRobidoux;

use super::{PhotoError, resize};

/// Lowest quality we accept before making the picture smaller instead.
pub const QUALITY_FLOOR: u8 = 30;
/// Highest quality tried: above it the bytes grow and the eye sees nothing more.
pub const QUALITY_CEILING: u8 = 95;
/// Never shrink below this side while fitting.
const MIN_SIDE: u32 = 8;

/// One encode.
pub fn encode(img: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let (w, h) = img.dimensions();
    if w > u16::MAX as u32 || h > u16::MAX as u32 {
        return Err(PhotoError::Encode("picture too large for JPEG".into()));
    }
    // libjpeg reports errors by unwinding through its C code (mozjpeg's error manager).
    match catch_unwind(AssertUnwindSafe(|| encode_unguarded(img, quality))) {
        Ok(r) => r.map_err(|e| PhotoError::Encode(e.to_string())),
        Err(panic) => Err(PhotoError::Encode(
            panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("JPEG encoder failed")
                .to_string(),
        )),
    }
}

fn encode_unguarded(img: &RgbImage, quality: u8) -> std::io::Result<Vec<u8>> {
    let (w, h) = img.dimensions();
    let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    c.set_size(w as usize, h as usize);
    // No scan script: one interleaved sequential scan instead of mozjpeg's progressive default.
    c.set_optimize_scans(false);
    c.set_optimize_coding(true);
    // Trellis quantisation is on in mozjpeg's default profile. Its default tables (Robidoux's),
    // scaled as jpeg_set_quality would but clamped to 1..=255: 16-bit tables would make it SOF1.
    let q = f32::from(quality.clamp(1, 100));
    let table = NRobidoux.scaled(q, q);
    c.set_luma_qtable(&table);
    c.set_chroma_qtable(&table);
    // 4:2:0.
    c.set_chroma_sampling_pixel_sizes((2, 2), (2, 2));
    let mut started = c.start_compress(Vec::with_capacity(16 * 1024))?;
    started.write_scanlines(img.as_raw())?;
    started.finish()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Markers up to the first scan, and how many scans (SOS) the file has.
    fn markers(jpeg: &[u8]) -> (Vec<u8>, usize) {
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let mut seen = Vec::new();
        let mut i = 2;
        while i + 4 <= jpeg.len() {
            assert_eq!(jpeg[i], 0xFF);
            let m = jpeg[i + 1];
            seen.push(m);
            if m == 0xDA {
                break;
            }
            i += 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        }
        // Scans after the first: SOS markers outside entropy-coded data (where 0xFF is stuffed).
        let sos = 1 + jpeg[i..]
            .windows(2)
            .skip(2)
            .filter(|w| w == &[0xFF, 0xDA])
            .count();
        (seen, sos)
    }

    fn picture(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let n = ((x * 7919 + y * 104_729) % 61) as u8;
            image::Rgb([(x * 3) as u8 ^ n, (y * 5) as u8, 128u8.wrapping_add(n)])
        })
    }

    #[test]
    fn baseline_one_scan_at_every_quality() {
        let img = picture(130, 70);
        for q in [1, QUALITY_FLOOR, 50, 75, QUALITY_CEILING, 100] {
            let jpeg = encode(&img, q).unwrap();
            let (m, scans) = markers(&jpeg);
            assert!(m.contains(&0xC0), "q{q}: no SOF0 in {m:x?}");
            assert!(
                !m.iter()
                    .any(|&x| (0xC1..=0xCF).contains(&x) && x != 0xC4 && x != 0xCC),
                "q{q}: a non-baseline SOF in {m:x?}"
            );
            assert_eq!(scans, 1, "q{q}: more than one scan");
            // (libjpeg writes SOF1 instead of SOF0 when a quantiser needs 16 bits.)
            assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9]);
        }
    }

    #[test]
    fn every_reader_gets_the_colours() {
        // Quadrants of pure colours, decoded by the `image` crate (zune-jpeg) and libjpeg-turbo.
        let cols = [
            [220u8, 30, 30],
            [30, 200, 40],
            [30, 40, 220],
            [250, 250, 250],
        ];
        let img = RgbImage::from_fn(64, 64, |x, y| {
            image::Rgb(cols[usize::from(x >= 32) + 2 * usize::from(y >= 32)])
        });
        let jpeg = encode(&img, 90).unwrap();
        let zune = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
            .unwrap()
            .to_rgb8();
        let mut d = mozjpeg::Decompress::new_mem(&jpeg).unwrap().rgb().unwrap();
        let turbo = RgbImage::from_raw(64, 64, d.read_scanlines::<u8>().unwrap()).unwrap();
        for out in [&zune, &turbo] {
            for (i, (x, y)) in [(8, 8), (56, 8), (8, 56), (56, 56)].into_iter().enumerate() {
                let p = out.get_pixel(x, y).0;
                for c in 0..3 {
                    assert!(
                        (i32::from(p[c]) - i32::from(cols[i][c])).abs() <= 12,
                        "({x},{y}): {p:?} vs {:?}",
                        cols[i]
                    );
                }
            }
        }
    }

    #[test]
    fn libjpeg_errors_come_back_as_errors() {
        // An empty picture: libjpeg's ERREXIT unwinds; it must not escape as a panic.
        match encode(&RgbImage::new(0, 0), 80) {
            Err(PhotoError::Encode(msg)) => assert!(!msg.is_empty()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fits_the_budget_at_the_highest_quality() {
        let img = picture(200, 200);
        let f = fit_budget(&img, 6_000).unwrap();
        assert!(f.jpeg.len() <= 6_000);
        assert!(f.quality >= QUALITY_FLOOR && f.quality <= QUALITY_CEILING);
        if f.quality < QUALITY_CEILING && (f.width, f.height) == (200, 200) {
            assert!(encode(&img, f.quality + 1).unwrap().len() > 6_000);
        }
    }
}
