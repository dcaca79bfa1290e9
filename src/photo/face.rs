//! Face detection with rustface (a pure-Rust port of SeetaFace, BSD-2-Clause). The frontal
//! model (1.2 MB) ships in this repository under assets/, with its licence beside it.

use std::cell::RefCell;

use fast_image_resize as fr;
use image::RgbImage;
use rustface::{Detector, ImageData};

static MODEL: &[u8] = include_bytes!("../../assets/seeta_fd_frontal_v1.0.bin");

/// Long side of the greyscale picture the detector looks at. 360 rather than 480: a third of
/// the detection time (13 vs 38 ms per photo here), and portrait faces (≥ 1/7 of the short
/// side) are still ≥ 38 px, within the detector's reach.
pub const DETECT_SIDE: u32 = 360;

/// A face box in the coordinates of the picture it was found in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceBox {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width of the box.
    pub width: f32,
    /// Height of the box.
    pub height: f32,
}

thread_local! {
    // Parsing the model takes a few milliseconds: once per thread.
    static DETECTOR: RefCell<Option<Box<dyn Detector>>> = const { RefCell::new(None) };
    // rustface splits its work into thousands of tiny rayon jobs; on the global pool each is
    // handed between threads (about 10,000 futex calls and 7,000 sched_yields a photo, half of
    // `adphoto convert`'s time in the kernel). On a pool of one thread they run where they
    // are made: one photo on one thread, the cores shared out across photos instead.
    static ONE_THREAD: Option<rayon::ThreadPool> =
        rayon::ThreadPoolBuilder::new().num_threads(1).build().ok();
}

/// Find the most prominent frontal face, if any.
pub fn detect(img: &RgbImage) -> Option<FaceBox> {
    let (w, h) = img.dimensions();
    if w < 24 || h < 24 {
        return None;
    }
    let (gray, gw, gh) = grey_for_detection(img);
    let scale = w as f32 / gw as f32;
    let min_side = gw.min(gh);
    let find = || {
        DETECTOR.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                let model = rustface::read_model(std::io::Cursor::new(MODEL)).ok()?;
                *slot = Some(rustface::create_detector_with_model(model));
            }
            let det = slot.as_mut()?;
            // Portrait faces are big: not looking for tiny ones makes detection several times
            // faster (the detector's window is 40 px, so a smaller minimum means enlarging the
            // picture first). A face narrower than 1/7 of the short side is not a portrait.
            det.set_min_face_size((min_side / 7).max(20));
            det.set_max_face_size(min_side);
            det.set_score_thresh(2.0);
            det.set_pyramid_scale_factor(0.8);
            det.set_slide_window_step(4, 4);
            let faces = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                det.detect(&ImageData::new(&gray, gw, gh))
            }))
            .ok()?;
            Some(faces)
        })
    };
    let faces = ONE_THREAD.with(|pool| match pool {
        Some(pool) => pool.install(find),
        None => find(),
    })?;
    let best = faces.iter().max_by(|a, b| {
        let ka = a.bbox().width() as f64 * a.bbox().height() as f64 * a.score().max(0.0);
        let kb = b.bbox().width() as f64 * b.bbox().height() as f64 * b.score().max(0.0);
        ka.total_cmp(&kb)
    })?;
    let b = best.bbox();
    Some(FaceBox {
        x: b.x().max(0) as f32 * scale,
        y: b.y().max(0) as f32 * scale,
        width: b.width() as f32 * scale,
        height: b.height() as f32 * scale,
    })
}

/// Greyscale at about `DETECT_SIDE` on the long side (never enlarged).
fn grey_for_detection(img: &RgbImage) -> (Vec<u8>, u32, u32) {
    let (w, h) = img.dimensions();
    let grey: Vec<u8> = img
        .as_raw()
        .chunks_exact(3)
        .map(|p| ((p[0] as u32 * 77 + p[1] as u32 * 150 + p[2] as u32 * 29 + 128) >> 8) as u8)
        .collect();
    let long = w.max(h);
    if long <= DETECT_SIDE {
        return (grey, w, h);
    }
    let gw = ((w as u64 * DETECT_SIDE as u64) / long as u64).max(1) as u32;
    let gh = ((h as u64 * DETECT_SIDE as u64) / long as u64).max(1) as u32;
    let src = match fr::images::ImageRef::new(w, h, &grey, fr::PixelType::U8) {
        Ok(s) => s,
        Err(_) => return (grey, w, h),
    };
    let mut dst = fr::images::Image::new(gw, gh, fr::PixelType::U8);
    let opts =
        fr::ResizeOptions::new().resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Bilinear));
    if fr::Resizer::new().resize(&src, &mut dst, &opts).is_err() {
        return (grey, w, h);
    }
    (dst.into_vec(), gw, gh)
}
