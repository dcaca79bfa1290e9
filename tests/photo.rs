//! The photo core over a corpus generated here: every format, EXIF orientations 1–8, budgets,
//! bad input of every kind, bombs.

use std::io::Cursor;

use adphoto::photo::{
    self, CropRect, Format, PhotoError, PrepareOptions, Prepared, Preset, Target,
};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

const RED: [u8; 3] = [220, 30, 30];
const GREEN: [u8; 3] = [30, 200, 40];
const BLUE: [u8; 3] = [30, 40, 220];
const WHITE: [u8; 3] = [250, 250, 250];

/// Quadrants: top-left red, top-right green, bottom-left blue, bottom-right white.
fn quadrants(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb(match (x < w / 2, y < h / 2) {
            (true, true) => RED,
            (false, true) => GREEN,
            (true, false) => BLUE,
            (false, false) => WHITE,
        })
    })
}

/// Camera-like content: gradients and noise (hard to compress).
fn noisy(w: u32, h: u32, seed: u64) -> RgbImage {
    let mut s = seed | 1;
    RgbImage::from_fn(w, h, |x, y| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let n = (s & 63) as i32 - 32;
        let c = |base: i32| (base + n).clamp(0, 255) as u8;
        Rgb([
            c((x * 255 / w) as i32),
            c((y * 255 / h) as i32),
            c(128 + ((x + y) % 64) as i32),
        ])
    })
}

fn encode_with(img: &DynamicImage, f: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, f).unwrap();
    out.into_inner()
}

fn jpeg(img: &RgbImage, q: u8, setup: impl FnOnce(&mut Encoder<&mut Vec<u8>>)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, q);
    setup(&mut e);
    e.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        ColorType::Rgb,
    )
    .unwrap();
    out
}

fn decode(p: &Prepared) -> RgbImage {
    image::load_from_memory_with_format(&p.jpeg, ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8()
}

fn close(a: &Rgb<u8>, b: [u8; 3], tol: i32) -> bool {
    a.0.iter()
        .zip(b)
        .all(|(&x, y)| (x as i32 - y as i32).abs() <= tol)
}

/// The four quadrant colours at the quadrant centres.
fn assert_quadrants(img: &RgbImage, what: &str) {
    let (w, h) = img.dimensions();
    let at = |fx: f32, fy: f32| img.get_pixel((w as f32 * fx) as u32, (h as f32 * fy) as u32);
    for (fx, fy, want, name) in [
        (0.25, 0.25, RED, "red top-left"),
        (0.75, 0.25, GREEN, "green top-right"),
        (0.25, 0.75, BLUE, "blue bottom-left"),
        (0.75, 0.75, WHITE, "white bottom-right"),
    ] {
        let got = at(fx, fy);
        assert!(close(got, want, 40), "{what}: expected {name}, got {got:?}");
    }
}

/// Whole-picture crop, so quadrants stay where they are.
fn full(w: u32, h: u32) -> PrepareOptions {
    PrepareOptions {
        crop: Some(CropRect::new(0, 0, w, h)),
        ..Default::default()
    }
}

fn check_output(p: &Prepared, t: Target) {
    assert!(
        p.jpeg.len() <= t.max_bytes,
        "{} > {}",
        p.jpeg.len(),
        t.max_bytes
    );
    assert!(p.width <= t.size && p.height <= t.size);
    // Baseline (SOF0), no EXIF/APP1, 4:2:0 luma sampling.
    let sof = p
        .jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0");
    assert!(
        !p.jpeg.windows(2).any(|w| w == [0xFF, 0xE1]),
        "metadata left in"
    );
    assert!(!p.jpeg.windows(2).any(|w| w == [0xFF, 0xC2]), "progressive");
    if p.jpeg[sof + 9] == 3 {
        assert_eq!(p.jpeg[sof + 11], 0x22, "4:2:0");
    }
    let d = decode(p);
    assert_eq!(d.dimensions(), (p.width, p.height));
}

// ---------------------------------------------------------------------------------------------
// Formats

#[test]
fn every_format_reads_with_the_right_colours() {
    let q = quadrants(256, 256);
    let dyn_rgb = DynamicImage::ImageRgb8(q.clone());
    let mut cases: Vec<(&str, Vec<u8>, Format)> = vec![
        (
            "png rgb8",
            encode_with(&dyn_rgb, ImageFormat::Png),
            Format::Png,
        ),
        (
            "png rgb16",
            encode_with(
                &DynamicImage::ImageRgb16(dyn_rgb.to_rgb16()),
                ImageFormat::Png,
            ),
            Format::Png,
        ),
        (
            "png rgba8",
            encode_with(
                &DynamicImage::ImageRgba8(dyn_rgb.to_rgba8()),
                ImageFormat::Png,
            ),
            Format::Png,
        ),
        ("png palette", palette_png(&q), Format::Png),
        (
            "gif",
            encode_with(
                &DynamicImage::ImageRgba8(dyn_rgb.to_rgba8()),
                ImageFormat::Gif,
            ),
            Format::Gif,
        ),
        ("bmp", encode_with(&dyn_rgb, ImageFormat::Bmp), Format::Bmp),
        (
            "tiff",
            encode_with(&dyn_rgb, ImageFormat::Tiff),
            Format::Tiff,
        ),
        (
            "webp",
            encode_with(&dyn_rgb, ImageFormat::WebP),
            Format::WebP,
        ),
        ("jpeg baseline 4:2:0", jpeg(&q, 92, |_| {}), Format::Jpeg),
        (
            "jpeg 4:4:4",
            jpeg(&q, 92, |e| e.set_sampling_factor(SamplingFactor::F_1_1)),
            Format::Jpeg,
        ),
        (
            "jpeg progressive",
            jpeg(&q, 92, |e| e.set_progressive(true)),
            Format::Jpeg,
        ),
        (
            "jpeg restart intervals",
            jpeg(&q, 92, |e| e.set_restart_interval(2)),
            Format::Jpeg,
        ),
        ("jpeg cmyk", cmyk_jpeg(&q, ColorType::Cmyk), Format::Jpeg),
        (
            "jpeg ycck",
            cmyk_jpeg(&q, ColorType::CmykAsYcck),
            Format::Jpeg,
        ),
    ];
    // 16-bit PNG with alpha too.
    cases.push((
        "png rgba16",
        encode_with(
            &DynamicImage::ImageRgba16(dyn_rgb.to_rgba16()),
            ImageFormat::Png,
        ),
        Format::Png,
    ));
    for (name, bytes, format) in &cases {
        let info = photo::inspect(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.format, *format, "{name}");
        assert_eq!((info.width, info.height), (256, 256), "{name}");
        let p = photo::prepare(bytes, &PrepareOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check_output(&p, Target::outlook());
        assert_eq!((p.width, p.height), (96, 96), "{name}");
        assert_quadrants(&decode(&p), name);
    }
}

#[test]
fn grayscale_jpeg_reads() {
    let q = quadrants(200, 200);
    let g: Vec<u8> = q.as_raw().chunks(3).map(|p| p[1]).collect();
    let mut out = Vec::new();
    Encoder::new(&mut out, 90)
        .encode(&g, 200, 200, ColorType::Luma)
        .unwrap();
    for crop in [None, Some(CropRect::new(0, 0, 200, 200))] {
        let opts = PrepareOptions {
            crop,
            ..Default::default()
        };
        let p = photo::prepare(&out, &opts).unwrap();
        check_output(&p, Target::outlook());
        let d = decode(&p);
        // Top-right was green 200 → grey 200; bottom-left blue 40 → grey 40.
        assert!(close(d.get_pixel(72, 24), [200, 200, 200], 30));
        assert!(close(d.get_pixel(24, 72), [40, 40, 40], 30));
    }
}

fn palette_png(img: &RgbImage) -> Vec<u8> {
    let palette = [RED, GREEN, BLUE, WHITE].concat();
    let idx: Vec<u8> = img
        .pixels()
        .map(|p| {
            [RED, GREEN, BLUE, WHITE]
                .iter()
                .position(|c| *c == p.0)
                .unwrap() as u8
        })
        .collect();
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.width(), img.height());
        enc.set_color(png::ColorType::Indexed);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_palette(palette);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&idx).unwrap();
    }
    out
}

fn cmyk_jpeg(img: &RgbImage, ct: ColorType) -> Vec<u8> {
    // Plain (non-inverted) CMYK from RGB; the encoder writes the Adobe marker.
    let cmyk: Vec<u8> = img
        .pixels()
        .flat_map(|p| {
            let [r, g, b] = p.0;
            let k = 255 - r.max(g).max(b);
            let f = |c: u8| {
                if k == 255 {
                    0
                } else {
                    ((255 - c as u32 - k as u32) * 255 / (255 - k as u32)) as u8
                }
            };
            [f(r), f(g), f(b), k]
        })
        .collect();
    let mut out = Vec::new();
    Encoder::new(&mut out, 95)
        .encode(&cmyk, img.width() as u16, img.height() as u16, ct)
        .unwrap();
    out
}

#[test]
fn transparency_goes_over_the_background() {
    let img = RgbaImage::from_fn(120, 120, |x, _| {
        if x < 60 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([200, 20, 20, 255])
        }
    });
    let bytes = encode_with(&DynamicImage::ImageRgba8(img), ImageFormat::Png);
    let p = photo::prepare(&bytes, &PrepareOptions::default()).unwrap();
    let d = decode(&p);
    assert!(
        close(d.get_pixel(10, 48), [255, 255, 255], 12),
        "{:?}",
        d.get_pixel(10, 48)
    );
    assert!(close(d.get_pixel(85, 48), [200, 20, 20], 30));
    let opts = PrepareOptions {
        background: [0, 0, 255],
        ..Default::default()
    };
    let d = decode(&photo::prepare(&bytes, &opts).unwrap());
    assert!(
        close(d.get_pixel(10, 48), [0, 0, 255], 30),
        "{:?}",
        d.get_pixel(10, 48)
    );
}

// ---------------------------------------------------------------------------------------------
// EXIF orientation

/// A minimal big-endian APP1 Exif payload with one IFD0 entry: Orientation.
fn exif_orientation(o: u16) -> Vec<u8> {
    let mut v = b"Exif\0\0MM\0\x2a\0\0\0\x08".to_vec();
    v.extend_from_slice(&1u16.to_be_bytes()); // one entry
    v.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    v.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    v.extend_from_slice(&1u32.to_be_bytes()); // count
    v.extend_from_slice(&o.to_be_bytes());
    v.extend_from_slice(&[0, 0]); // padding of the value field
    v.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    v
}

/// How the picture must be stored so that orientation `o` turns it back into `upright`.
fn stored_for(upright: &RgbImage, o: u8) -> RgbImage {
    use image::imageops::*;
    match o {
        1 => upright.clone(),
        2 => flip_horizontal(upright),
        3 => rotate180(upright),
        4 => flip_vertical(upright),
        5 => flip_horizontal(&rotate90(upright)), // transpose is its own inverse
        6 => rotate270(upright),
        7 => flip_horizontal(&rotate270(upright)), // transverse, its own inverse
        8 => rotate90(upright),
        _ => unreachable!(),
    }
}

#[test]
fn exif_orientations_one_to_eight_come_out_upright() {
    // Small (full decode) and large (scaled decode) pictures.
    for (w, h) in [(160u32, 120u32), (1600, 1200)] {
        let upright = quadrants(w, h);
        for o in 1..=8u8 {
            let stored = stored_for(&upright, o);
            let bytes = jpeg(&stored, 90, |e| {
                e.add_app_segment(1, exif_orientation(o as u16)).unwrap()
            });
            let info = photo::inspect(&bytes).unwrap();
            assert_eq!(info.orientation, o);
            assert_eq!((info.width, info.height), (w, h), "orientation {o}");
            let p = photo::prepare(&bytes, &full(w, h)).unwrap();
            assert_eq!((p.width, p.height), (96, 72), "orientation {o}");
            assert_quadrants(&decode(&p), &format!("{w}×{h} orientation {o}"));
            // Progressive goes through the other decoder: same answer.
            let prog = jpeg(&stored, 90, |e| {
                e.set_progressive(true);
                e.add_app_segment(1, exif_orientation(o as u16)).unwrap()
            });
            let p = photo::prepare(&prog, &full(w, h)).unwrap();
            assert_quadrants(&decode(&p), &format!("progressive {w}×{h} orientation {o}"));
            // And the display path.
            let t = photo::decode_upright(&bytes, photo::DEFAULT_MAX_PIXELS, Some(80)).unwrap();
            assert_eq!(t.dimensions(), (80, 60));
            assert_quadrants(&t, &format!("decode_upright orientation {o}"));
        }
    }
}

#[test]
fn extra_quarter_turns_rotate_clockwise() {
    let bytes = jpeg(&quadrants(200, 200), 90, |_| {});
    let opts = PrepareOptions {
        rotate_quarter_turns: 1,
        ..Default::default()
    };
    let d = decode(&photo::prepare(&bytes, &opts).unwrap());
    // After a clockwise turn, blue (bottom-left) is top-left and red top-right.
    assert!(close(d.get_pixel(24, 24), BLUE, 40));
    assert!(close(d.get_pixel(72, 24), RED, 40));
}

// ---------------------------------------------------------------------------------------------
// Budget, sizes, crops

#[test]
fn budget_is_never_exceeded() {
    let sizes = [16u32, 48, 96, 200, 648];
    let budgets = [1_024usize, 2_048, 5_000, 10_240, 40_000, 102_400];
    let noisy_jpeg = jpeg(&noisy(900, 700, 7), 95, |_| {});
    let noisy_png = encode_with(
        &DynamicImage::ImageRgb8(noisy(700, 900, 9)),
        ImageFormat::Png,
    );
    for input in [&noisy_jpeg, &noisy_png] {
        for &size in &sizes {
            for &budget in &budgets {
                let t = Target::custom(size, budget).unwrap();
                let p = photo::prepare(input, &PrepareOptions::with_target(t))
                    .unwrap_or_else(|e| panic!("{size}px {budget}B: {e}"));
                check_output(&p, t);
                assert!(p.quality >= photo::QUALITY_FLOOR, "{p:?}");
                if p.width < size.min(700) {
                    // Shrunk only because even the floor quality did not fit.
                    assert_eq!(p.quality, photo::QUALITY_FLOOR.max(p.quality));
                }
            }
        }
    }
}

#[test]
fn presets_and_custom_targets() {
    assert_eq!(
        Target::outlook(),
        Target {
            size: 96,
            max_bytes: 10_240
        }
    );
    assert_eq!(
        Target::large(),
        Target {
            size: 648,
            max_bytes: 102_400
        }
    );
    assert_eq!(
        "outlook".parse::<Preset>().unwrap().target(),
        Target::outlook()
    );
    assert_eq!("LARGE".parse::<Preset>().unwrap().target(), Target::large());
    assert!("huge".parse::<Preset>().is_err());
    assert!(matches!(
        Target::custom(96, 102_401),
        Err(PhotoError::BadBudget { .. })
    ));
    assert!(matches!(
        Target::custom(0, 10_000),
        Err(PhotoError::BadSize { .. })
    ));
    assert!(Target::custom(300, 102_400).is_ok());
    let big = jpeg(&noisy(1200, 1000, 3), 92, |_| {});
    let p = photo::prepare(&big, &PrepareOptions::with_target(Target::large())).unwrap();
    check_output(&p, Target::large());
    assert_eq!((p.width, p.height), (648, 648));
}

#[test]
fn small_pictures_are_not_enlarged_unless_asked() {
    let bytes = jpeg(&quadrants(50, 50), 90, |_| {});
    let p = photo::prepare(&bytes, &PrepareOptions::default()).unwrap();
    assert_eq!((p.width, p.height), (50, 50));
    let opts = PrepareOptions {
        allow_upscale: true,
        ..Default::default()
    };
    let p = photo::prepare(&bytes, &opts).unwrap();
    assert_eq!((p.width, p.height), (96, 96));
}

#[test]
fn manual_crop_is_used_and_checked() {
    let bytes = jpeg(&quadrants(400, 300), 90, |_| {});
    // The red quadrant only.
    let opts = PrepareOptions {
        crop: Some(CropRect::new(10, 10, 150, 120)),
        ..Default::default()
    };
    let p = photo::prepare(&bytes, &opts).unwrap();
    assert_eq!(p.crop, CropRect::new(10, 10, 150, 120));
    assert_eq!((p.width, p.height), (96, 77));
    let d = decode(&p);
    assert!(close(d.get_pixel(48, 38), RED, 40));
    for bad in [
        CropRect::new(300, 0, 200, 100),
        CropRect::new(0, 250, 10, 51),
    ] {
        let opts = PrepareOptions {
            crop: Some(bad),
            ..Default::default()
        };
        assert_eq!(photo::prepare(&bytes, &opts), Err(PhotoError::CropOutside));
    }
    let opts = PrepareOptions {
        crop: Some(CropRect::new(0, 0, 0, 10)),
        ..Default::default()
    };
    assert_eq!(photo::prepare(&bytes, &opts), Err(PhotoError::CropEmpty));
}

#[test]
fn automatic_crop_without_a_face_is_the_upper_centre_square() {
    let land = jpeg(&noisy(800, 600, 1), 85, |_| {});
    let p = photo::prepare(&land, &PrepareOptions::default()).unwrap();
    assert_eq!(p.crop, CropRect::new(100, 0, 600, 600));
    let port = jpeg(&noisy(600, 800, 1), 85, |_| {});
    let c = photo::auto_crop(&port, &PrepareOptions::default()).unwrap();
    assert_eq!((c.x, c.width, c.height), (0, 600, 600));
    assert!(c.y <= 100, "{c:?}");
}

#[test]
fn automatic_crop_centres_on_a_face() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/face.jpg"
    ))
    .unwrap();
    let info = photo::inspect(&bytes).unwrap();
    let p = photo::prepare(&bytes, &PrepareOptions::default()).unwrap();
    assert!(p.face_found);
    // The face in the fixture is about 120 px wide, centred near x = 150: 2.4 face widths
    // fill (nearly) the 300 px short side.
    let c = p.crop;
    assert!(
        c.width == c.height && c.width <= info.width.min(info.height) && c.width > 200,
        "{c:?}"
    );
    let cx = c.x + c.width / 2;
    assert!((110..=190).contains(&cx), "{c:?}");
    assert_eq!(
        photo::auto_crop(&bytes, &PrepareOptions::default())
            .unwrap()
            .width,
        c.width
    );
}

#[test]
fn thumbnails_for_display() {
    let bytes = jpeg(&quadrants(640, 480), 90, |_| {});
    let t = photo::thumbnail(&bytes, 64).unwrap();
    assert_eq!((t.width, t.height), (64, 48));
    assert_eq!(t.rgba.len(), 64 * 48 * 4);
    assert_eq!(&t.rgba[..4][3..], &[255]);
    let png = encode_with(
        &DynamicImage::ImageRgb8(quadrants(30, 20)),
        ImageFormat::Png,
    );
    let t = photo::thumbnail(&png, 64).unwrap();
    assert_eq!((t.width, t.height), (30, 20));
}

// ---------------------------------------------------------------------------------------------
// Bad input

fn prep(b: &[u8]) -> Result<Prepared, PhotoError> {
    photo::prepare(b, &PrepareOptions::default())
}

#[test]
fn bad_input_gives_clear_errors() {
    assert_eq!(prep(b""), Err(PhotoError::Empty));
    assert_eq!(photo::inspect(b""), Err(PhotoError::Empty));
    assert_eq!(
        prep(b"Dear helpdesk, here is my photo.\n"),
        Err(PhotoError::NotAnImage)
    );
    assert_eq!(prep(&[0x13; 1000]), Err(PhotoError::NotAnImage));
    assert!(matches!(
        prep(b"%PDF-1.7\n..."),
        Err(PhotoError::Unsupported { .. })
    ));
    assert!(matches!(
        prep(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
        Err(PhotoError::Unsupported { ref format }) if format == "HEIC"
    ));
    let good_jpeg = jpeg(&noisy(300, 200, 5), 90, |_| {});
    let good_png = encode_with(
        &DynamicImage::ImageRgb8(noisy(300, 200, 5)),
        ImageFormat::Png,
    );
    for (name, good) in [("jpeg", &good_jpeg), ("png", &good_png)] {
        for cut in [3, 20, good.len() / 3, good.len() / 2, good.len() - 30] {
            let r = prep(&good[..cut]).map(|p| p.jpeg.len());
            assert!(
                matches!(
                    r,
                    Err(PhotoError::Corrupt { .. }) | Err(PhotoError::NotAnImage)
                ),
                "{name} cut at {cut}: {r:?}"
            );
        }
    }
    // Messages are one line for a helpdesk user.
    let e = prep(&good_jpeg[..good_jpeg.len() / 2])
        .unwrap_err()
        .to_string();
    assert!(!e.contains('\n') && e.contains("truncated"), "{e}");
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    v.extend_from_slice(&13u32.to_be_bytes());
    v.extend_from_slice(&ihdr);
    v.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    // A tiny IDAT that would "decompress" to nothing useful.
    let idat = b"IDAT\x78\x9c\x03\x00\x00\x00\x00\x01";
    v.extend_from_slice(&((idat.len() - 4) as u32).to_be_bytes());
    v.extend_from_slice(idat);
    v.extend_from_slice(&crc32(idat).to_be_bytes());
    v
}

fn gif_header_only(w: u16, h: u16) -> Vec<u8> {
    let mut v = b"GIF89a".to_vec();
    v.extend_from_slice(&w.to_le_bytes());
    v.extend_from_slice(&h.to_le_bytes());
    v.extend_from_slice(&[0x80, 0, 0]); // global colour table of 2
    v.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    v.push(0x2C);
    v.extend_from_slice(&[0, 0, 0, 0]);
    v.extend_from_slice(&w.to_le_bytes());
    v.extend_from_slice(&h.to_le_bytes());
    v.push(0);
    v.extend_from_slice(&[2, 2, 0x4C, 0x01, 0, 0x3B]);
    v
}

/// A frame header and the start of a scan (libjpeg reads the header up to the scan), no data.
fn jpeg_header_only(w: u16, h: u16) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 11, 8];
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&[1, 1, 0x11, 0]);
    v.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0xFF, 0xD9]);
    v
}

fn bmp_header_only(w: i32, h: i32) -> Vec<u8> {
    let mut v = b"BM".to_vec();
    v.extend_from_slice(&(54u32 + 16).to_le_bytes());
    v.extend_from_slice(&[0; 4]);
    v.extend_from_slice(&54u32.to_le_bytes());
    v.extend_from_slice(&40u32.to_le_bytes());
    v.extend_from_slice(&w.to_le_bytes());
    v.extend_from_slice(&h.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&24u16.to_le_bytes());
    v.extend_from_slice(&[0; 24]);
    v.extend_from_slice(&[0; 16]);
    v
}

#[test]
fn bombs_are_refused_from_the_header() {
    for (name, bytes) in [
        ("png", png_header_only(50_000, 50_000)),
        ("gif", gif_header_only(50_000, 50_000)),
        ("jpeg", jpeg_header_only(50_000, 50_000)),
        ("bmp", bmp_header_only(50_000, 50_000)),
    ] {
        let info = photo::inspect(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((info.width, info.height), (50_000, 50_000), "{name}");
        for r in [
            prep(&bytes).map(|_| ()),
            photo::auto_crop(&bytes, &PrepareOptions::default()).map(|_| ()),
            photo::thumbnail(&bytes, 64).map(|_| ()),
        ] {
            assert_eq!(
                r,
                Err(PhotoError::TooManyPixels {
                    width: 50_000,
                    height: 50_000,
                    limit: 100_000_000
                }),
                "{name}"
            );
        }
    }
    // The limit is configurable.
    let bytes = jpeg(&quadrants(200, 200), 90, |_| {});
    let opts = PrepareOptions {
        max_pixels: 10_000,
        ..Default::default()
    };
    assert!(matches!(
        photo::prepare(&bytes, &opts),
        Err(PhotoError::TooManyPixels { limit: 10_000, .. })
    ));
}

/// Fuzz-ish: truncations and byte flips of valid files of every format never panic, and
/// whatever succeeds still fits the budget.
#[test]
fn mangled_files_never_panic() {
    let img = DynamicImage::ImageRgb8(noisy(96, 64, 11));
    let samples: Vec<Vec<u8>> = vec![
        jpeg(img.as_rgb8().unwrap(), 80, |_| {}),
        jpeg(img.as_rgb8().unwrap(), 80, |e| e.set_progressive(true)),
        jpeg(img.as_rgb8().unwrap(), 80, |e| e.set_restart_interval(1)),
        encode_with(&img, ImageFormat::Png),
        encode_with(&img, ImageFormat::Gif),
        encode_with(&img, ImageFormat::Bmp),
        encode_with(&img, ImageFormat::Tiff),
        encode_with(&img, ImageFormat::WebP),
    ];
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut rnd = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let opts = PrepareOptions {
        max_pixels: 4_000_000,
        ..Default::default()
    };
    for sample in &samples {
        for i in 0..60 {
            let mut b = sample.clone();
            match i % 3 {
                0 => b.truncate(rnd() as usize % b.len()),
                1 => {
                    for _ in 0..1 + rnd() % 8 {
                        let at = rnd() as usize % b.len();
                        b[at] = rnd() as u8;
                    }
                }
                _ => {
                    // Flip bytes in the first 64: headers, where sizes live.
                    let at = rnd() as usize % b.len().min(64);
                    b[at] ^= 1 << (rnd() % 8);
                }
            }
            if let Ok(p) = photo::prepare(&b, &opts) {
                assert!(p.jpeg.len() <= opts.target.max_bytes);
            }
            let _ = photo::inspect(&b);
        }
    }
    // Pure noise, of many lengths.
    for len in 0..200 {
        let b: Vec<u8> = (0..len).map(|_| rnd() as u8).collect();
        assert!(prep(&b).is_err());
    }
}

/// A camera's Adobe RGB or a phone's Display P3 photo is converted to sRGB (what Outlook shows),
/// whether it comes as a JPEG decoded at reduced scale or as a PNG decoded in full.
#[test]
fn icc_tagged_photos_are_converted_to_srgb() {
    let mid_green = RgbImage::from_pixel(800, 800, Rgb([40, 160, 60]));
    let centre = |bytes: &[u8]| {
        let p = photo::prepare(bytes, &PrepareOptions::default()).unwrap();
        *decode(&p).get_pixel(48, 48)
    };
    let adobe = moxcms::ColorProfile::new_adobe_rgb().encode().unwrap();
    let p3 = moxcms::ColorProfile::new_display_p3().encode().unwrap();

    // How far green stands out from the other two channels.
    let greenness = |p: Rgb<u8>| p.0[1] as i32 - (p.0[0] as i32 + p.0[2] as i32) / 2;
    let plain = centre(&jpeg(&mid_green, 95, |_| {}));
    assert!(close(&plain, [40, 160, 60], 6), "untagged stays: {plain:?}");
    for (name, icc) in [("Adobe RGB", &adobe), ("Display P3", &p3)] {
        let tagged = centre(&jpeg(&mid_green, 95, |e| e.add_icc_profile(icc).unwrap()));
        // Both spaces have a wider green than sRGB: the same numbers mean a stronger green.
        assert!(
            greenness(tagged) > greenness(plain) + 10,
            "{name} JPEG: {plain:?} -> {tagged:?}"
        );
    }

    let mut png_bytes = Vec::new();
    let mut info = png::Info::with_size(800, 800);
    info.color_type = png::ColorType::Rgb;
    info.bit_depth = png::BitDepth::Eight;
    info.icc_profile = Some(adobe.clone().into());
    let mut w = png::Encoder::with_info(&mut png_bytes, info)
        .unwrap()
        .write_header()
        .unwrap();
    w.write_image_data(mid_green.as_raw()).unwrap();
    w.finish().unwrap();
    let tagged = centre(&png_bytes);
    assert!(
        greenness(tagged) > greenness(plain) + 10,
        "Adobe RGB PNG: {plain:?} -> {tagged:?}"
    );
}

/// A photo-like picture: smooth gradients, a bright disc and a dark band (edges where blocks
/// meet), sized so the last blocks are partial.
fn portrait_like(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32 / w as f32, y as f32 / h as f32);
        let d = ((fx - 0.5).powi(2) + (fy - 0.4).powi(2)).sqrt();
        if d < 0.2 {
            Rgb([230, 190, 160])
        } else if (0.75..0.8).contains(&fy) {
            Rgb([20, 20, 30])
        } else {
            Rgb([(60.0 + 150.0 * fx) as u8, (90.0 + 80.0 * fy) as u8, 170])
        }
    })
}

/// Mean absolute difference per channel, over the whole picture and over its worst 8×8 tile.
fn differences(a: &RgbImage, b: &RgbImage) -> (f64, f64) {
    assert_eq!(a.dimensions(), b.dimensions());
    let (w, h) = a.dimensions();
    let diff = |x: u32, y: u32| -> f64 {
        let (p, q) = (a.get_pixel(x, y).0, b.get_pixel(x, y).0);
        (0..3)
            .map(|c| (p[c] as f64 - q[c] as f64).abs())
            .sum::<f64>()
            / 3.0
    };
    let mut total = 0.0;
    let mut worst: f64 = 0.0;
    for ty in (0..h).step_by(8) {
        for tx in (0..w).step_by(8) {
            let (mut sum, mut n) = (0.0, 0.0);
            for y in ty..(ty + 8).min(h) {
                for x in tx..(tx + 8).min(w) {
                    sum += diff(x, y);
                    n += 1.0;
                }
            }
            total += sum;
            worst = worst.max(sum / n);
        }
    }
    (total / (w * h) as f64, worst)
}

/// Every kind of JPEG — baseline 4:2:0, 4:2:2, 4:4:4, progressive, restart markers, grayscale,
/// CMYK, quality 75 to 95 — decoded scaled in the DCT (1/2, 1/4, 1/8) comes out like the
/// reference decoder's full picture scaled down, edges and last partial blocks included (a
/// grey bottom-right corner was once found here by eye only).
#[test]
fn every_kind_of_jpeg_decodes_scaled_like_the_reference() {
    let img = portrait_like(803, 601);
    let variants: Vec<(&str, Vec<u8>)> = vec![
        ("baseline 4:2:0 q75", jpeg(&img, 75, |_| {})),
        ("baseline 4:2:0 q95", jpeg(&img, 95, |_| {})),
        (
            "4:2:2",
            jpeg(&img, 90, |e| e.set_sampling_factor(SamplingFactor::F_2_1)),
        ),
        (
            "4:4:4",
            jpeg(&img, 90, |e| e.set_sampling_factor(SamplingFactor::F_1_1)),
        ),
        ("progressive", jpeg(&img, 90, |e| e.set_progressive(true))),
        (
            "restart markers",
            jpeg(&img, 90, |e| e.set_restart_interval(3)),
        ),
        (
            "progressive 4:4:4 with restarts",
            jpeg(&img, 85, |e| {
                e.set_progressive(true);
                e.set_sampling_factor(SamplingFactor::F_1_1);
                e.set_restart_interval(5);
            }),
        ),
        ("cmyk", cmyk_jpeg(&img, ColorType::Cmyk)),
        ("ycck", cmyk_jpeg(&img, ColorType::CmykAsYcck)),
        ("grayscale", {
            let gray = DynamicImage::ImageRgb8(img.clone()).to_luma8();
            encode_with(&DynamicImage::ImageLuma8(gray), ImageFormat::Jpeg)
        }),
    ];
    for (name, bytes) in &variants {
        let reference = image::load_from_memory(bytes).unwrap().to_rgb8();
        for side in [402, 201, 101] {
            let ours = photo::decode_upright(bytes, photo::DEFAULT_MAX_PIXELS, Some(side))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let (w, h) = ours.dimensions();
            let want =
                image::imageops::resize(&reference, w, h, image::imageops::FilterType::Triangle);
            let (mean, worst) = differences(&ours, &want);
            assert!(
                mean < 3.0 && worst < 24.0,
                "{name} at {w}×{h}: mean {mean:.2}, worst tile {worst:.1}"
            );
        }
    }
}

/// A small JPEG whose header claims a large picture, and one cut inside its scan: damaged data
/// is refused with a plain reason, never decoded into a grey photo.
#[test]
fn damaged_jpeg_data_is_refused_not_written_grey() {
    let good = jpeg(&portrait_like(64, 64), 90, |_| {});
    // Patch the frame header to claim 9999×9999.
    let mut patched = good.clone();
    let sof = patched
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    patched[sof + 5..sof + 7].copy_from_slice(&9999u16.to_be_bytes());
    patched[sof + 7..sof + 9].copy_from_slice(&9999u16.to_be_bytes());
    let e = prep(&patched).unwrap_err();
    assert!(matches!(e, PhotoError::Corrupt { .. }), "{e:?}");
    // Cut inside the scan, the end marker put back: the data ends before the picture does.
    let sos = good.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let mut cut = good[..sos + (good.len() - sos) / 2].to_vec();
    cut.extend_from_slice(&[0xFF, 0xD9]);
    let e = prep(&cut).unwrap_err();
    assert!(matches!(e, PhotoError::Corrupt { .. }), "{e:?}");
    assert!(!e.to_string().contains('\n'), "{e}");
    // Flipped bits in the middle of the scan.
    let mut flipped = good.clone();
    for i in (sos + 40..good.len() - 10).step_by(17) {
        flipped[i] ^= 0x5A;
    }
    assert!(
        prep(&flipped).is_err(),
        "corrupt entropy data must be refused"
    );
}

/// The header check before Automatch: a photo whose header sits behind 240 kB of metadata is
/// still read (the first 64 KiB are not enough, the first MiB is); a text file named .jpg and
/// an empty file are refused in plain words.
#[test]
fn the_header_check_reads_past_large_metadata_and_refuses_non_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let mut small = Vec::new();
    Encoder::new(&mut small, 90)
        .encode(&[128u8; 40 * 30 * 3], 40, 30, ColorType::Rgb)
        .unwrap();
    // SOI, then four 60 kB APP13 blocks, then the rest of the JPEG.
    let mut big = small[..2].to_vec();
    for _ in 0..4 {
        let body = vec![b'x'; 60_000];
        big.extend([0xFF, 0xED]);
        big.extend(((body.len() + 2) as u16).to_be_bytes());
        big.extend(body);
    }
    big.extend(&small[2..]);
    let path = dir.path().join("metadata-heavy.jpg");
    std::fs::write(&path, &big).unwrap();
    let info = adphoto::photo::check_file(&path).unwrap();
    assert_eq!((info.width, info.height), (40, 30));

    let text = dir.path().join("notes.jpg");
    std::fs::write(&text, "a text file, not a JPEG").unwrap();
    let err = adphoto::photo::check_file(&text).unwrap_err();
    assert!(err.reason().contains("not an image"), "{err}");
    let empty = dir.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    assert!(adphoto::photo::check_file(&empty).is_err());
}
