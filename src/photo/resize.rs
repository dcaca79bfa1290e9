//! Cropping and resizing: an integer box pre-shrink (like libvips' block shrink) when the
//! reduction is large, then Lanczos3 with fast_image_resize (SIMD).

use fast_image_resize as fr;
use image::RgbImage;

use super::PhotoError;

/// Crop the rectangle (in `src` pixels, fractional allowed) and resize to `out_w`×`out_h`.
pub fn crop_resize(
    src: &RgbImage,
    crop: (f64, f64, f64, f64),
    out_w: u32,
    out_h: u32,
) -> Result<RgbImage, PhotoError> {
    let (mut cx, mut cy, mut cw, mut ch) = crop;
    let (sw, sh) = src.dimensions();
    cx = cx.clamp(0.0, sw as f64);
    cy = cy.clamp(0.0, sh as f64);
    cw = cw.clamp(1.0, sw as f64 - cx);
    ch = ch.clamp(1.0, sh as f64 - cy);
    // Block-shrink first when the reduction is more than 3×, down to ≥ 2× the output.
    let k = ((cw / out_w as f64).min(ch / out_h as f64) / 2.0).floor() as u32;
    if k >= 2 {
        let (x0, y0) = (cx.floor() as u32, cy.floor() as u32);
        let x1 = ((cx + cw).ceil() as u32).min(sw);
        let y1 = ((cy + ch).ceil() as u32).min(sh);
        let small = box_shrink(src, x0, y0, x1 - x0, y1 - y0, k);
        let f = k as f64;
        let crop2 = ((cx - x0 as f64) / f, (cy - y0 as f64) / f, cw / f, ch / f);
        return lanczos(&small, crop2, out_w, out_h);
    }
    lanczos(src, (cx, cy, cw, ch), out_w, out_h)
}

fn lanczos(
    src: &RgbImage,
    crop: (f64, f64, f64, f64),
    out_w: u32,
    out_h: u32,
) -> Result<RgbImage, PhotoError> {
    let (sw, sh) = src.dimensions();
    let (cx, cy) = (crop.0.clamp(0.0, sw as f64), crop.1.clamp(0.0, sh as f64));
    let cw = crop.2.clamp(0.01, sw as f64 - cx);
    let ch = crop.3.clamp(0.01, sh as f64 - cy);
    let mut dst = RgbImage::new(out_w, out_h);
    let opts = fr::ResizeOptions::new()
        .resize_alg(fr::ResizeAlg::Convolution(fr::FilterType::Lanczos3))
        .crop(cx, cy, cw, ch);
    fr::Resizer::new()
        .resize(src, &mut dst, &opts)
        .map_err(|e| PhotoError::Encode(format!("resize: {e}")))?;
    Ok(dst)
}

/// Average k×k blocks of the region (x, y, w, h). Partial blocks at the edges average what
/// they have.
pub fn box_shrink(src: &RgbImage, x: u32, y: u32, w: u32, h: u32, k: u32) -> RgbImage {
    let (ow, oh) = (w.div_ceil(k), h.div_ceil(k));
    let stride = src.width() as usize * 3;
    let raw = src.as_raw();
    let mut out = vec![0u8; ow as usize * oh as usize * 3];
    let mut acc = vec![0u32; ow as usize * 3];
    for oy in 0..oh {
        acc.fill(0);
        let ry0 = y + oy * k;
        let ry1 = (ry0 + k).min(y + h);
        for ry in ry0..ry1 {
            let row = &raw[ry as usize * stride..];
            for ox in 0..ow as usize {
                let rx0 = x as usize + ox * k as usize;
                let rx1 = (rx0 + k as usize).min((x + w) as usize);
                let (mut r, mut g, mut b) = (0u32, 0u32, 0u32);
                for p in row[rx0 * 3..rx1 * 3].chunks_exact(3) {
                    r += p[0] as u32;
                    g += p[1] as u32;
                    b += p[2] as u32;
                }
                acc[ox * 3] += r;
                acc[ox * 3 + 1] += g;
                acc[ox * 3 + 2] += b;
            }
        }
        let rows = ry1 - ry0;
        for ox in 0..ow as usize {
            let rx0 = x as usize + ox * k as usize;
            let cols = ((rx0 + k as usize).min((x + w) as usize) - rx0) as u32;
            let n = rows * cols;
            let o = (oy as usize * ow as usize + ox) * 3;
            for c in 0..3 {
                out[o + c] = ((acc[ox * 3 + c] + n / 2) / n) as u8;
            }
        }
    }
    RgbImage::from_raw(ow, oh, out).expect("sized")
}

/// Fit `w`×`h` inside a `side`×`side` square, keeping the aspect ratio.
pub fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    if w >= h {
        let nh = ((h as u64 * side as u64 + w as u64 / 2) / w as u64).max(1) as u32;
        (side, nh)
    } else {
        let nw = ((w as u64 * side as u64 + h as u64 / 2) / h as u64).max(1) as u32;
        (nw, side)
    }
}
