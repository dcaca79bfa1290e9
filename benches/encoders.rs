//! JPEG encoders at the same byte budget: jpeg-encoder against mozjpeg (issue 13, "Encoding").
//!
//! `cargo bench --bench encoders`
//!
//! Inputs: 8 synthetic portraits (skin shaded as a lit ellipsoid with pores, hair with fine
//! strands, eyes, brows, lips, glasses on some, clothes from plain knit to fine stripes,
//! backgrounds from studio grey to bokeh, sensor noise), rendered at 2× and box-filtered to
//! 648 px, then Lanczos-downscaled for the smaller targets; plus tests/fixtures/face.jpg, a real
//! (greyscale) photograph. Budgets: Outlook 96 px ≤ 10,240 B, Large 648 px ≤ 102,400 B, and a
//! tight custom 256 px ≤ 4,096 B.
//!
//! Every encoder runs the same search as src/photo/encode.rs: the highest quality in
//! [QUALITY_FLOOR, QUALITY_CEILING] whose JPEG fits (ceiling first, then bisection). Reported: bytes,
//! the quality found (the two encoders' quality scales differ: jpeg-encoder uses the Annex K
//! tables, mozjpeg the Robidoux tables, so only bytes and DSSIM are comparable), DSSIM against
//! the input after decoding with libjpeg-turbo (lower is better), and the wall time of the whole
//! search (median of 3). Encoders:
//!   jpeg-enc   — jpeg-encoder 0.7, 4:2:0, standard Huffman tables (the settings src/photo used
//!                before mozjpeg);
//!   moz 4:2:0  — mozjpeg, trellis quantisation, optimised Huffman tables, baseline sequential
//!                (scan optimisation and progressive off), quantisers clamped to 8 bits (SOF0);
//!   moz 4:4:4  — the same without chroma subsampling.
//! The encoder src/photo ships is checked against one of these on every input (same bytes).

use std::io::Cursor;
use std::time::{Duration, Instant};

use adphoto::photo::{self, CropRect, PrepareOptions, QUALITY_CEILING, QUALITY_FLOOR, Target};
use image::imageops::FilterType;
use image::{ImageFormat, Rgb, RgbImage};

// ---------------------------------------------------------------------------------------------
// Encoders

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Enc {
    JpegEncoder,
    Moz420,
    Moz444,
}

const ENCODERS: [Enc; 3] = [Enc::JpegEncoder, Enc::Moz420, Enc::Moz444];

/// The encoder src/photo/encode.rs uses; the bench fails if its output differs.
const SHIPPED: Enc = Enc::Moz420;

impl Enc {
    fn name(self) -> &'static str {
        match self {
            Enc::JpegEncoder => "jpeg-enc",
            Enc::Moz420 => "moz 4:2:0",
            Enc::Moz444 => "moz 4:4:4",
        }
    }

    fn encode(self, img: &RgbImage, q: u8) -> Vec<u8> {
        match self {
            Enc::JpegEncoder => {
                use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
                let mut out = Vec::new();
                let mut e = Encoder::new(&mut out, q);
                e.set_sampling_factor(SamplingFactor::F_2_2);
                e.set_optimized_huffman_tables(false);
                e.encode(
                    img.as_raw(),
                    img.width() as u16,
                    img.height() as u16,
                    ColorType::Rgb,
                )
                .unwrap();
                out
            }
            Enc::Moz420 => moz(img, q, (2, 2)),
            Enc::Moz444 => moz(img, q, (1, 1)),
        }
    }
}

fn moz(img: &RgbImage, q: u8, chroma: (u8, u8)) -> Vec<u8> {
    let mut c = mozjpeg::Compress::new(mozjpeg::ColorSpace::JCS_RGB);
    c.set_size(img.width() as usize, img.height() as usize);
    // Sequential: no scan script, so one interleaved scan.
    c.set_optimize_scans(false);
    c.set_optimize_coding(true);
    // Trellis quantisation is on in mozjpeg's default profile. The default tables (Robidoux)
    // scaled by hand: QTable::scaled clamps to 1..=255, so the file stays SOF0.
    let t = mozjpeg::qtable::NRobidoux.scaled(q as f32, q as f32);
    c.set_luma_qtable(&t);
    c.set_chroma_qtable(&t);
    c.set_chroma_sampling_pixel_sizes(chroma, chroma);
    let mut s = c.start_compress(Vec::new()).unwrap();
    s.write_scanlines(img.as_raw()).unwrap();
    s.finish().unwrap()
}

/// The search of src/photo/encode.rs; `None` when even QUALITY_FLOOR is too big.
fn fit(enc: Enc, img: &RgbImage, budget: usize) -> (Option<(u8, Vec<u8>)>, u32) {
    let mut n = 1;
    let top = enc.encode(img, QUALITY_CEILING);
    if top.len() <= budget {
        return (Some((QUALITY_CEILING, top)), n);
    }
    let (mut lo, mut hi) = (QUALITY_FLOOR, QUALITY_CEILING - 1);
    let mut best = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let bytes = enc.encode(img, mid);
        n += 1;
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
    (best, n)
}

// ---------------------------------------------------------------------------------------------
// Metric

fn decode(jpeg: &[u8]) -> RgbImage {
    let d = mozjpeg::Decompress::new_mem(jpeg).unwrap();
    let mut d = d.rgb().unwrap();
    let (w, h) = (d.width() as u32, d.height() as u32);
    let px: Vec<u8> = d.read_scanlines::<u8>().unwrap();
    d.finish().unwrap();
    RgbImage::from_raw(w, h, px).unwrap()
}

fn to_dssim(d: &dssim_core::Dssim, img: &RgbImage) -> dssim_core::DssimImage<f32> {
    let px: Vec<rgb::RGB<u8>> = img
        .pixels()
        .map(|p| rgb::RGB::new(p[0], p[1], p[2]))
        .collect();
    d.create_image_rgb(&px, img.width() as usize, img.height() as usize)
        .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Inputs

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    /// Roughly normal, mean 0, deviation 1.
    fn normal(&mut self) -> f32 {
        (self.f() + self.f() + self.f() + self.f() - 2.0) * 1.732
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn hash(x: i32, y: i32, seed: u32) -> f32 {
    let mut h = (x as u32).wrapping_mul(0x8da6_b343)
        ^ (y as u32).wrapping_mul(0xd816_3841)
        ^ seed.wrapping_mul(0xcb1a_b31f);
    h ^= h >> 13;
    h = h.wrapping_mul(0x5bd1_e995);
    h ^= h >> 15;
    (h & 0xffff) as f32 / 65535.0
}

/// Smooth value noise in [0, 1].
fn noise(x: f32, y: f32, seed: u32) -> f32 {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let (i, j) = (x0 as i32, y0 as i32);
    let a = hash(i, j, seed) + (hash(i + 1, j, seed) - hash(i, j, seed)) * sx;
    let b = hash(i, j + 1, seed) + (hash(i + 1, j + 1, seed) - hash(i, j + 1, seed)) * sx;
    a + (b - a) * sy
}

fn fbm(x: f32, y: f32, seed: u32, octaves: u32) -> f32 {
    let (mut sum, mut amp, mut f, mut norm) = (0.0, 1.0, 1.0, 0.0);
    for o in 0..octaves {
        sum += amp * noise(x * f, y * f, seed + o);
        norm += amp;
        amp *= 0.5;
        f *= 2.0;
    }
    sum / norm
}

fn smooth(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn scale(a: [f32; 3], k: f32) -> [f32; 3] {
    [a[0] * k, a[1] * k, a[2] * k]
}

/// Signed: < 0 inside the ellipse, in units of the radii.
fn ellipse(u: f32, v: f32, cx: f32, cy: f32, rx: f32, ry: f32) -> f32 {
    (((u - cx) / rx).powi(2) + ((v - cy) / ry).powi(2)).sqrt() - 1.0
}

/// A head-and-shoulders portrait, `side` px square, different for every seed.
fn portrait(seed: u64, side: u32) -> RgbImage {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let s32 = seed as u32 * 97;
    let skin = r.pick(&[
        [236.0, 196.0, 168.0],
        [214.0, 164.0, 124.0],
        [176.0, 124.0, 88.0],
        [122.0, 82.0, 58.0],
        [246.0, 210.0, 186.0],
        [92.0, 62.0, 46.0],
    ]);
    let hair = r.pick(&[
        [26.0, 20.0, 18.0],
        [72.0, 46.0, 30.0],
        [186.0, 146.0, 84.0],
        [150.0, 142.0, 138.0],
        [116.0, 52.0, 26.0],
        [44.0, 32.0, 26.0],
    ]);
    let iris = r.pick(&[[70.0, 44.0, 26.0], [60.0, 100.0, 140.0], [80.0, 96.0, 60.0]]);
    let bg_kind = seed % 4;
    let cloth_kind = (seed / 2 + seed) % 4;
    let cloth = r.pick(&[
        [30.0, 36.0, 58.0],
        [58.0, 58.0, 62.0],
        [150.0, 40.0, 44.0],
        [200.0, 210.0, 228.0],
        [60.0, 110.0, 80.0],
    ]);
    let glasses = r.f() < 0.4;
    let long_hair = r.f() < 0.5;
    let cx = 0.5 + (r.f() - 0.5) * 0.08;
    let cy = 0.40 + (r.f() - 0.5) * 0.05;
    let (rx, ry) = (0.16 + r.f() * 0.03, 0.215 + r.f() * 0.03);
    let light = {
        let a = (r.f() - 0.5) * 1.6;
        let (lx, ly, lz) = (a.sin() * 0.7, -0.35, 0.75);
        let n = (lx * lx + ly * ly + lz * lz).sqrt();
        (lx / n, ly / n, lz / n)
    };
    let noise_sigma = 1.5 + r.f() * 4.0;

    let big = side * 2;
    let inv = 1.0 / big as f32;
    let px = |x: u32, y: u32| -> [f32; 3] {
        let (u, v) = ((x as f32 + 0.5) * inv, (y as f32 + 0.5) * inv);
        // Background.
        let mut c = match bg_kind {
            0 => {
                // Studio: blue-grey, lighter behind the head.
                let d = ((u - cx).powi(2) + (v - cy).powi(2)).sqrt();
                mix(
                    [150.0, 160.0, 172.0],
                    [70.0, 76.0, 90.0],
                    smooth(0.1, 0.8, d),
                )
            }
            1 => {
                // Office out of focus: window light, soft shelves, low-frequency clutter.
                let mut c = mix(
                    [225.0, 225.0, 215.0],
                    [120.0, 110.0, 100.0],
                    smooth(0.2, 0.9, u),
                );
                for k in 0..5 {
                    let sy = 0.12 + k as f32 * 0.17;
                    let t = smooth(0.015, 0.0, (v - sy).abs() - 0.02);
                    c = mix(c, [110.0, 80.0, 60.0], t * 0.7);
                }
                let n = fbm(u * 6.0, v * 6.0, s32 + 1, 3);
                mix(c, [90.0, 120.0, 160.0], smooth(0.55, 0.75, n) * 0.6)
            }
            2 => {
                // Outdoors: green bokeh with bright discs.
                let n = fbm(u * 4.0, v * 4.0, s32 + 2, 4);
                let mut c = mix([40.0, 80.0, 35.0], [170.0, 190.0, 90.0], n);
                for k in 0..14 {
                    let bx = hash(k, 1, s32);
                    let by = hash(k, 2, s32);
                    let br = 0.03 + 0.05 * hash(k, 3, s32);
                    let d = ((u - bx).powi(2) + (v - by).powi(2)).sqrt();
                    c = mix(c, [235.0, 240.0, 200.0], smooth(br, br * 0.85, d) * 0.6);
                }
                c
            }
            _ => {
                // White wall with the person's soft shadow.
                let d = ellipse(u, v, cx + 0.08, cy + 0.05, rx * 1.5, ry * 1.4);
                let c = [238.0, 236.0, 232.0];
                scale(c, 1.0 - 0.18 * smooth(0.4, -0.1, d))
            }
        };
        // Clothes: shoulders under a curve; a neck above them.
        let du = (u - cx).abs();
        let shoulder_top =
            0.72 + 1.1 * (du - 0.1).max(0.0).powi(2) - 0.02 * (du < 0.1) as u8 as f32;
        let in_body = v > shoulder_top && du < 0.48;
        let neck = ellipse(u, v, cx, cy + ry + 0.05, rx * 0.52, 0.16);
        if neck < 0.0 && !in_body {
            let shade = 0.55 + 0.25 * smooth(cy + ry - 0.02, cy + ry + 0.12, v);
            c = scale(
                skin,
                shade * (1.0 - 0.15 * (u - cx) / rx * light.0.signum()),
            );
        }
        if in_body {
            let edge = smooth(0.0, 0.004, v - shoulder_top);
            let t = match cloth_kind {
                0 => {
                    // Suit with a white shirt and a striped tie in the V.
                    let vee = du < (v - shoulder_top) * 0.45;
                    if vee {
                        let tie = du < 0.018 + (v - 0.8) * 0.08;
                        if tie && v > shoulder_top + 0.03 {
                            let st = ((u + v) * 140.0).sin() > 0.3;
                            if st {
                                [170.0, 40.0, 40.0]
                            } else {
                                [40.0, 40.0, 90.0]
                            }
                        } else {
                            scale(
                                [238.0, 240.0, 245.0],
                                0.85 + 0.15 * fbm(u * 40.0, v * 40.0, s32, 2),
                            )
                        }
                    } else {
                        scale(cloth, 0.8 + 0.4 * fbm(u * 300.0, v * 300.0, s32 + 3, 2))
                    }
                }
                1 => {
                    // Shirt with fine stripes (hard for JPEG).
                    let st = (u * 2.0 * std::f32::consts::PI / 0.011).sin();
                    mix([245.0, 245.0, 250.0], cloth, smooth(0.2, 0.6, st))
                }
                2 => {
                    // Check pattern.
                    let a = ((u / 0.04).floor() + (v / 0.04).floor()) as i32 & 1;
                    let b = ((u * 600.0).sin() * (v * 600.0).sin() > 0.0) as u8 as f32;
                    scale(
                        if a == 1 { cloth } else { [220.0, 215.0, 200.0] },
                        0.9 + 0.1 * b,
                    )
                }
                _ => {
                    // Knitted sweater.
                    let k = ((u * 500.0).sin() * (v * 250.0 + (u * 500.0).cos()).sin()).abs();
                    scale(cloth, 0.75 + 0.35 * k)
                }
            };
            let fold = 0.85 + 0.3 * fbm(u * 5.0, v * 8.0, s32 + 4, 3);
            c = mix(c, scale(t, fold), edge);
        }
        // Hair behind the face (long hair reaches the shoulders).
        let hcy = cy - 0.035;
        let hair_e = ellipse(u, v, cx, hcy, rx * 1.22, ry * 1.12);
        let long = long_hair && du < rx * 1.3 && v < 0.82 && v > hcy;
        let in_hair_back = hair_e < 0.0 || long;
        let strands = |u: f32, v: f32| -> f32 {
            let th = (v - hcy).atan2(u - cx);
            let w = 4.0 * fbm(u * 8.0, v * 8.0, s32 + 5, 2);
            let along = if long && hair_e >= 0.0 {
                u * 900.0 + w * 6.0
            } else {
                th * 420.0 + w * 8.0
            };
            0.5 * noise(along, v * 6.0, s32 + 6) + 0.5 * noise(along * 2.3, v * 9.0, s32 + 7)
        };
        if in_hair_back {
            let st = strands(u, v);
            let sheen = 0.25 * smooth(0.07, 0.0, (v - (hcy - ry * 0.6)).abs());
            let e = if long {
                1.0
            } else {
                smooth(0.0, -0.03, hair_e)
            };
            c = mix(c, scale(hair, 0.5 + 0.9 * st + sheen), e);
        }
        // Face.
        let fe = ellipse(u, v, cx, cy, rx, ry);
        if fe < 0.02 {
            let nx = ((u - cx) / rx).clamp(-1.0, 1.0);
            let ny = ((v - cy) / ry).clamp(-1.0, 1.0);
            let nz = (1.0 - nx * nx - ny * ny).max(0.0).sqrt();
            let lam = (nx * light.0 + ny * light.1 + nz * light.2).max(0.0);
            let pores = fbm(u * 400.0, v * 400.0, s32 + 8, 2) - 0.5;
            let mut f = scale(skin, 0.45 + 0.6 * lam + 0.06 * pores);
            // Cheeks.
            for sx in [-1.0f32, 1.0] {
                let d = ellipse(
                    u,
                    v,
                    cx + sx * rx * 0.55,
                    cy + ry * 0.25,
                    rx * 0.3,
                    ry * 0.2,
                );
                f = mix(
                    f,
                    [f[0] * 1.05, f[1] * 0.85, f[2] * 0.85],
                    smooth(0.5, -0.5, d) * 0.5,
                );
            }
            // Eyes and brows.
            for sx in [-1.0f32, 1.0] {
                let ex = cx + sx * rx * 0.42;
                let ey = cy - ry * 0.08;
                let eye = ellipse(u, v, ex, ey, rx * 0.2, ry * 0.065);
                if eye < 0.0 {
                    let d = ((u - ex).powi(2) + (v - ey).powi(2)).sqrt();
                    f = [235.0, 232.0, 228.0];
                    let ir = rx * 0.085;
                    if d < ir {
                        let fib =
                            0.75 + 0.5 * noise((v - ey).atan2(u - ex) * 12.0, d * 400.0, s32 + 9);
                        f = scale(iris, fib);
                    }
                    if d < ir * 0.45 {
                        f = [12.0, 10.0, 10.0];
                    }
                    if ((u - ex + ir * 0.3).powi(2) + (v - ey + ir * 0.3).powi(2)).sqrt()
                        < ir * 0.18
                    {
                        f = [250.0, 250.0, 250.0];
                    }
                }
                // Upper lid line.
                let lid = eye.abs() < 0.12 && v < ey;
                if lid {
                    f = scale(f, 0.35);
                }
                let by = ey - ry * 0.17 - 0.01 * ((u - ex) / rx * 3.0).powi(2);
                if (v - by).abs() < ry * 0.03 && (u - ex).abs() < rx * 0.3 {
                    let st = strands(u * 1.7, v * 3.0);
                    f = mix(f, scale(hair, 0.6 + 0.6 * st), 0.85);
                }
                if glasses {
                    let g = ellipse(u, v, ex, ey + 0.005, rx * 0.34, ry * 0.2).abs();
                    if g < 0.06 {
                        f = [25.0, 25.0, 30.0];
                    } else if g < 1.0 && ellipse(u, v, ex, ey + 0.005, rx * 0.34, ry * 0.2) < 0.0 {
                        f = scale(f, 0.92);
                    }
                }
            }
            if glasses && (v - (cy - ry * 0.08)).abs() < 0.004 && (u - cx).abs() < rx * 0.12 {
                f = [25.0, 25.0, 30.0];
            }
            // Nose: a shadow on the side away from the light, nostrils.
            let nose_side = (u - cx) * -light.0.signum();
            if v > cy && v < cy + ry * 0.38 && nose_side > 0.0 && nose_side < rx * 0.12 {
                f = scale(f, 0.88 + 0.12 * nose_side / (rx * 0.12));
            }
            for sx in [-1.0f32, 1.0] {
                if ellipse(
                    u,
                    v,
                    cx + sx * rx * 0.1,
                    cy + ry * 0.4,
                    rx * 0.05,
                    ry * 0.025,
                ) < 0.0
                {
                    f = scale(f, 0.45);
                }
            }
            // Mouth.
            let m = ellipse(u, v, cx, cy + ry * 0.6, rx * 0.32, ry * 0.075);
            if m < 0.0 {
                let lips = mix(f, [f[0] * 0.95, f[1] * 0.6, f[2] * 0.62], 0.8);
                f = if (v - (cy + ry * 0.6)).abs() < ry * 0.008 {
                    scale(lips, 0.4)
                } else {
                    lips
                };
            }
            // Fringe: hair over the forehead.
            let hairline =
                cy - ry * 0.5 + 0.015 * (u * 60.0).sin() + 0.03 * ((u - cx) / rx).powi(2);
            if v < hairline {
                let st = strands(u, v);
                f = scale(hair, 0.5 + 0.9 * st);
            }
            c = mix(c, f, smooth(0.02, -0.02, fe));
        }
        c
    };
    // Render at 2×, box-filter down, then sensor noise.
    RgbImage::from_fn(side, side, |x, y| {
        let mut acc = [0.0f32; 3];
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let p = px(2 * x + dx, 2 * y + dy);
            for i in 0..3 {
                acc[i] += p[i] * 0.25;
            }
        }
        let lum = r.normal() * noise_sigma;
        Rgb([
            (acc[0] + lum + r.normal()).round().clamp(0.0, 255.0) as u8,
            (acc[1] + lum + r.normal()).round().clamp(0.0, 255.0) as u8,
            (acc[2] + lum + r.normal()).round().clamp(0.0, 255.0) as u8,
        ])
    })
}

/// tests/fixtures/face.jpg: the upper square of a real photograph.
fn fixture(side: u32) -> RgbImage {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/face.jpg");
    let img = image::open(path).unwrap().to_rgb8();
    let s = img.width().min(img.height());
    let sq = image::imageops::crop_imm(&img, (img.width() - s) / 2, 0, s, s).to_image();
    image::imageops::resize(&sq, side, side, FilterType::Lanczos3)
}

// ---------------------------------------------------------------------------------------------

struct Row {
    image: usize,
    budget: usize,
    enc: Enc,
    bytes: usize,
    quality: u8,
    dssim: f64,
    time: Duration,
    encodes: u32,
}

fn median3(mut f: impl FnMut() -> Duration) -> Duration {
    let mut t = [f(), f(), f()];
    t.sort();
    t[1]
}

/// The shipped pipeline on an input of exactly the target size, the full picture as the crop:
/// its resize is then the identity and its JPEG must be the bench's `SHIPPED` encoder's.
fn shipped(img: &RgbImage, budget: usize) -> Vec<u8> {
    let mut png = Cursor::new(Vec::new());
    img.write_to(&mut png, ImageFormat::Png).unwrap();
    let opts = PrepareOptions {
        target: Target::custom(img.width(), budget).unwrap(),
        crop: Some(CropRect::new(0, 0, img.width(), img.height())),
        ..PrepareOptions::default()
    };
    photo::prepare(png.get_ref(), &opts).unwrap().jpeg
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    // Without this check the whole comparison (about a minute) ran inside every test run.
    if !std::env::args().any(|a| a == "--bench") {
        println!("{}: run it with `cargo bench --bench encoders`", file!());
        return;
    }
    let budgets: [(&str, u32, usize); 3] = [
        ("Outlook 96 px ≤ 10,240 B", 96, 10_240),
        ("custom 256 px ≤ 4,096 B", 256, 4_096),
        ("Large 648 px ≤ 102,400 B", 648, 102_400),
    ];
    let t0 = Instant::now();
    let mut sources: Vec<(String, RgbImage)> = (1..=8u64)
        .map(|s| (format!("portrait {s}"), portrait(s, 648)))
        .collect();
    sources.push(("face.jpg".into(), fixture(648)));
    println!(
        "{} inputs made in {:.1} s",
        sources.len(),
        t0.elapsed().as_secs_f64()
    );
    if let Ok(dir) = std::env::var("ADPHOTO_BENCH_SAVE") {
        for (i, (_, img)) in sources.iter().enumerate() {
            img.save(format!("{dir}/input-{i}.png")).unwrap();
        }
    }

    let dssim = dssim_core::Dssim::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut unfit: Vec<String> = Vec::new();
    println!();
    println!(
        "{:<12} {:<26} {:<10} {:>7} {:>3} {:>9} {:>8} {:>4}",
        "image", "budget", "encoder", "bytes", "q", "DSSIM", "ms", "enc"
    );
    for (bi, &(bname, side, budget)) in budgets.iter().enumerate() {
        for (ii, (iname, src)) in sources.iter().enumerate() {
            let img = if side == src.width() {
                src.clone()
            } else {
                image::imageops::resize(src, side, side, FilterType::Lanczos3)
            };
            let reference = to_dssim(&dssim, &img);
            for enc in ENCODERS {
                let (res, encodes) = fit(enc, &img, budget);
                let time = median3(|| {
                    let t = Instant::now();
                    std::hint::black_box(fit(enc, &img, budget));
                    t.elapsed()
                });
                let Some((quality, jpeg)) = res else {
                    println!(
                        "{iname:<12} {bname:<26} {:<10} does not fit at quality {QUALITY_FLOOR}",
                        enc.name()
                    );
                    unfit.push(format!("{iname} / {bname} / {}", enc.name()));
                    continue;
                };
                if enc == SHIPPED {
                    assert!(
                        shipped(&img, budget) == jpeg,
                        "src/photo's encoder differs from the bench's {}",
                        enc.name()
                    );
                }
                let decoded = decode(&jpeg);
                let (val, _) = dssim.compare(&reference, to_dssim(&dssim, &decoded));
                let row = Row {
                    image: ii,
                    budget: bi,
                    enc,
                    bytes: jpeg.len(),
                    quality,
                    dssim: f64::from(val),
                    time,
                    encodes,
                };
                println!(
                    "{:<12} {:<26} {:<10} {:>7} {:>3} {:>9.6} {:>8.2} {:>4}",
                    iname,
                    bname,
                    enc.name(),
                    row.bytes,
                    row.quality,
                    row.dssim,
                    row.time.as_secs_f64() * 1e3,
                    row.encodes
                );
                rows.push(row);
            }
        }
        println!();
    }

    // Summary: per budget, means over the images where every encoder fitted.
    let find = |i: usize, b: usize, e: Enc| {
        rows.iter()
            .find(|r| r.image == i && r.budget == b && r.enc == e)
    };
    println!(
        "Means per budget (images where all encoders fit); ratio = mean over images of DSSIM(x) / DSSIM(jpeg-enc)"
    );
    println!(
        "{:<26} {:<10} {:>5} {:>9} {:>10} {:>9} {:>8}",
        "budget", "encoder", "n", "bytes", "DSSIM", "ratio", "ms"
    );
    let mut all_ratios: Vec<Vec<f64>> = vec![Vec::new(); ENCODERS.len()];
    for (bi, &(bname, _, _)) in budgets.iter().enumerate() {
        let complete: Vec<usize> = (0..sources.len())
            .filter(|&i| ENCODERS.iter().all(|&e| find(i, bi, e).is_some()))
            .collect();
        for (ei, &e) in ENCODERS.iter().enumerate() {
            let n = complete.len() as f64;
            let rs: Vec<&Row> = complete.iter().map(|&i| find(i, bi, e).unwrap()).collect();
            let ratios: Vec<f64> = complete
                .iter()
                .map(|&i| {
                    find(i, bi, e).unwrap().dssim / find(i, bi, Enc::JpegEncoder).unwrap().dssim
                })
                .collect();
            all_ratios[ei].extend(&ratios);
            println!(
                "{:<26} {:<10} {:>5} {:>9.0} {:>10.6} {:>9.3} {:>8.2}",
                bname,
                e.name(),
                complete.len(),
                rs.iter().map(|r| r.bytes as f64).sum::<f64>() / n,
                rs.iter().map(|r| r.dssim).sum::<f64>() / n,
                ratios.iter().sum::<f64>() / n,
                rs.iter().map(|r| r.time.as_secs_f64() * 1e3).sum::<f64>() / n,
            );
        }
    }
    println!();
    for (ei, &e) in ENCODERS.iter().enumerate().skip(1) {
        let r = &all_ratios[ei];
        let better = r.iter().filter(|&&x| x < 1.0).count();
        println!(
            "mean DSSIM ratio {} / jpeg-enc over all budgets: {:.3} ({} of {} cases better, worst {:.3})",
            e.name(),
            r.iter().sum::<f64>() / r.len() as f64,
            better,
            r.len(),
            r.iter().cloned().fold(0.0, f64::max),
        );
    }
    if !unfit.is_empty() {
        println!("did not fit at quality {QUALITY_FLOOR} (src/photo then shrinks the picture):");
        for u in unfit {
            println!("  {u}");
        }
    }
    println!("total {:.1} s", t0.elapsed().as_secs_f64());
}
