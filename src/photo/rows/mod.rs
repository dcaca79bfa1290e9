//! PNG and TIFF decoded a few rows at a time, box-averaged to 1/`scale` as the rows arrive.
//!
//! Through `image` a picture is first decoded whole, at its own depth: a 9999×9999 16-bit RGBA
//! PNG held 800 MB before conversion and peaked at 1.44 GB (issue 13). Here memory is the
//! output plus a few rows (a TIFF strip or tile row), and 16-bit samples become 8-bit per row.
//!
//! Anything these paths do not cover returns `Ok(None)` and goes the `image` way: interlaced
//! PNGs, and TIFFs that are planar, CMYK, YCbCr, palette, float or of other depths.

use image::RgbImage;

mod from_png;
mod from_tiff;

use super::decode::{Header, guarded};
use super::{Format, PhotoError, color};

/// The picture at about 1/`scale` of its stored size (each side `ceil(side / scale)`, like a
/// JPEG's DCT scaling), transparency laid over `background`, ICC profile applied; with the
/// scale used. `None`: not a case handled here.
pub(crate) fn decode_scaled(
    input: &[u8],
    header: &Header,
    max_pixels: u64,
    background: [u8; 3],
    scale: u32,
) -> Result<Option<(RgbImage, u32)>, PhotoError> {
    let scale = scale.max(1);
    // The same allowance the `image` path gives its decoders.
    let max_alloc = usize::try_from(max_pixels.saturating_mul(8).saturating_add(64 << 20))
        .unwrap_or(usize::MAX);
    let decoded = guarded(|| match header.format {
        Format::Png => from_png::rows(input, header, max_alloc, background, scale),
        Format::Tiff => from_tiff::rows(input, header, max_alloc, background, scale),
        _ => Ok(None),
    })?;
    Ok(decoded.map(|(mut img, icc)| {
        if let Some(icc) = icc {
            color::to_srgb(&mut img, &icc);
        }
        (img, scale)
    }))
}

type Decoded = Option<(RgbImage, Option<Vec<u8>>)>;
/// A decoder's error in plain words: the file ending early, the memory allowance, or the
/// decoder's own first line.
fn read_error(truncated: bool, over_limit: bool, message: &str) -> PhotoError {
    if truncated {
        PhotoError::corrupt("the file ends too early (truncated)")
    } else if over_limit {
        PhotoError::corrupt("the image needs more memory than allowed")
    } else {
        PhotoError::corrupt(one_line(message))
    }
}

fn one_line(s: &str) -> String {
    let line: String = s
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .chars()
        .take(160)
        .collect();
    if line.is_empty() {
        "unknown decoding error".into()
    } else {
        line
    }
}

/// Takes 8-bit rows of 1–4 channels (grey, grey+alpha, RGB, RGBA) top to bottom and averages
/// `scale`×`scale` blocks into an RGB output; partial blocks at the right and bottom edges
/// average what they have, as [`super::resize::box_shrink`] does, so the result equals a full
/// decode followed by that shrink.
struct Shrink {
    width: u32,
    height: u32,
    scale: u32,
    background: [u8; 3],
    out_w: usize,
    out: Vec<u8>,
    /// Column sums of the block row being filled, 3 per output pixel.
    sums: Vec<u32>,
    /// The current source row as RGB.
    rgb: Vec<u8>,
    /// Source rows taken so far.
    y: u32,
}

impl Shrink {
    fn new(width: u32, height: u32, scale: u32, background: [u8; 3]) -> Result<Self, PhotoError> {
        let out_w = width.div_ceil(scale) as usize;
        let out_h = height.div_ceil(scale) as usize;
        let mut out = Vec::new();
        out.try_reserve_exact(out_w * out_h * 3)
            .map_err(|_| PhotoError::corrupt("the image needs more memory than allowed"))?;
        out.resize(out_w * out_h * 3, 0);
        Ok(Shrink {
            width,
            height,
            scale,
            background,
            out_w,
            out,
            sums: vec![0; if scale > 1 { out_w * 3 } else { 0 }],
            rgb: vec![0; width as usize * 3],
            y: 0,
        })
    }

    fn push(&mut self, row: &[u8], channels: usize) -> Result<(), PhotoError> {
        let w = self.width as usize;
        if self.y >= self.height || row.len() < w * channels || !(1..=4).contains(&channels) {
            return Err(PhotoError::corrupt("unexpected row layout"));
        }
        let row = &row[..w * channels];
        let bg = self.background;
        match channels {
            1 => {
                for (d, &v) in self.rgb.chunks_exact_mut(3).zip(row) {
                    d.fill(v);
                }
            }
            2 => {
                for (d, s) in self.rgb.chunks_exact_mut(3).zip(row.chunks_exact(2)) {
                    for c in 0..3 {
                        d[c] = over(s[0], bg[c], s[1]);
                    }
                }
            }
            3 => self.rgb.copy_from_slice(row),
            _ => {
                for (d, s) in self.rgb.chunks_exact_mut(3).zip(row.chunks_exact(4)) {
                    if s[3] == 255 {
                        d.copy_from_slice(&s[..3]);
                    } else {
                        for c in 0..3 {
                            d[c] = over(s[c], bg[c], s[3]);
                        }
                    }
                }
            }
        }
        let k = self.scale as usize;
        let y = self.y as usize;
        self.y += 1;
        if k == 1 {
            self.out[y * w * 3..(y + 1) * w * 3].copy_from_slice(&self.rgb);
            return Ok(());
        }
        for (acc, block) in self.sums.chunks_exact_mut(3).zip(self.rgb.chunks(k * 3)) {
            for p in block.chunks_exact(3) {
                acc[0] += p[0] as u32;
                acc[1] += p[1] as u32;
                acc[2] += p[2] as u32;
            }
        }
        if (self.y as usize).is_multiple_of(k) || self.y == self.height {
            let oy = y / k;
            let rows = (y - oy * k + 1) as u32;
            let line = &mut self.out[oy * self.out_w * 3..(oy + 1) * self.out_w * 3];
            for (ox, (d, acc)) in line
                .chunks_exact_mut(3)
                .zip(self.sums.chunks_exact_mut(3))
                .enumerate()
            {
                let cols = ((ox + 1) * k).min(w) - ox * k;
                let n = rows * cols as u32;
                for c in 0..3 {
                    d[c] = ((acc[c] + n / 2) / n) as u8;
                    acc[c] = 0;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<RgbImage, PhotoError> {
        if self.y != self.height {
            return Err(PhotoError::corrupt("the file ends too early (truncated)"));
        }
        let out_h = self.height.div_ceil(self.scale);
        RgbImage::from_raw(self.out_w as u32, out_h, self.out)
            .ok_or_else(|| PhotoError::corrupt("unexpected output size"))
    }
}

/// 16 → 8 bits, rounded as `image` converts.
fn to_8bit(v: u16) -> u8 {
    ((v as u32 + 128) / 257) as u8
}

/// `value` with opacity `alpha` over `bg`, rounded as [`super::decode::flatten`] does.
fn over(value: u8, bg: u8, alpha: u8) -> u8 {
    let a = alpha as u32;
    ((value as u32 * a + bg as u32 * (255 - a) + 127) / 255) as u8
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use image::{DynamicImage, ImageFormat, RgbImage};

    use super::*;
    use crate::photo::decode::{flatten, read_header};
    use crate::photo::resize::box_shrink;

    const BG: [u8; 3] = [200, 120, 40];

    /// Smooth colours with noise, and an alpha that runs from clear to opaque.
    fn sample(w: u32, h: u32, x: u32, y: u32) -> [u8; 4] {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) >> 24;
        [
            (x * 255 / w) as u8 ^ (n as u8 & 15),
            (y * 255 / h) as u8,
            ((x + y) % 256) as u8,
            ((x / 3 + y / 5) % 256) as u8,
        ]
    }

    fn png(w: u32, h: u32, color: png::ColorType, depth: png::BitDepth) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(color);
        enc.set_depth(depth);
        let mut data = Vec::new();
        if color == png::ColorType::Indexed {
            let palette: Vec<u8> = (0..256u32)
                .flat_map(|i| [i as u8, (i * 7) as u8, 255 - i as u8])
                .collect();
            let trns: Vec<u8> = (0..256u32).map(|i| (i * 3) as u8).collect();
            enc.set_palette(palette);
            enc.set_trns(trns);
        }
        for y in 0..h {
            for x in 0..w {
                let s = sample(w, h, x, y);
                let wide = depth == png::BitDepth::Sixteen;
                let px: &[u8] = match color {
                    png::ColorType::Grayscale => &s[..1],
                    png::ColorType::GrayscaleAlpha => &[s[0], s[3]],
                    png::ColorType::Rgb => &s[..3],
                    png::ColorType::Rgba => &s,
                    png::ColorType::Indexed => &s[2..3],
                };
                for &v in px {
                    data.push(v);
                    if wide {
                        // Low bytes that matter for rounding.
                        data.push(v ^ 0xA5);
                    }
                }
            }
        }
        enc.write_header().unwrap().write_image_data(&data).unwrap();
        out
    }

    /// What the old way gives: full decode through `image`, flattened, block-shrunk.
    fn reference(bytes: &[u8], scale: u32) -> RgbImage {
        let img = image::load_from_memory(bytes).unwrap();
        let rgb = flatten(img, BG);
        let (w, h) = rgb.dimensions();
        if scale == 1 {
            rgb
        } else {
            box_shrink(&rgb, 0, 0, w, h, scale)
        }
    }

    fn rows(bytes: &[u8], scale: u32) -> RgbImage {
        let header = read_header(bytes).unwrap();
        let (img, used) = decode_scaled(bytes, &header, 100_000_000, BG, scale)
            .unwrap()
            .expect("decoded by rows");
        assert_eq!(used, scale);
        img
    }

    fn assert_close(a: &RgbImage, b: &RgbImage, tol: u8, what: &str) {
        assert_eq!(a.dimensions(), b.dimensions(), "{what}");
        let worst = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap();
        assert!(worst <= tol, "{what}: differs by {worst}");
    }

    #[test]
    fn png_rows_match_a_full_decode_then_shrink() {
        use png::{BitDepth as D, ColorType as C};
        for (color, depth, tol) in [
            (C::Rgb, D::Eight, 0),
            (C::Rgba, D::Eight, 0),
            (C::Grayscale, D::Eight, 0),
            (C::GrayscaleAlpha, D::Eight, 0),
            (C::Indexed, D::Eight, 0),
            (C::Rgb, D::Sixteen, 0),
            (C::Rgba, D::Sixteen, 0),
            (C::GrayscaleAlpha, D::Sixteen, 0),
        ] {
            let bytes = png(1203, 901, color, depth);
            for scale in [1, 2, 4, 8] {
                let what = format!("{color:?} {depth:?} at 1/{scale}");
                assert_close(&rows(&bytes, scale), &reference(&bytes, scale), tol, &what);
            }
        }
    }

    #[test]
    fn png_icc_profile_is_applied() {
        let adobe = moxcms::ColorProfile::new_adobe_rgb().encode().unwrap();
        let mut out = Vec::new();
        let mut info = png::Info::with_size(40, 30);
        info.color_type = png::ColorType::Rgb;
        info.icc_profile = Some(adobe.clone().into());
        let enc = png::Encoder::with_info(&mut out, info).unwrap();
        let data: Vec<u8> = [40u8, 160, 60].repeat(40 * 30);
        enc.write_header().unwrap().write_image_data(&data).unwrap();
        let img = rows(&out, 2);
        let mut expected = RgbImage::from_pixel(20, 15, image::Rgb([40, 160, 60]));
        color::to_srgb(&mut expected, &adobe);
        assert_close(&img, &expected, 0, "Adobe RGB PNG");
        assert_ne!(img.get_pixel(0, 0).0, [40, 160, 60]);
    }

    #[test]
    fn interlaced_png_is_left_to_the_image_path() {
        let mut out = Vec::new();
        let img = DynamicImage::ImageRgb8(RgbImage::new(20, 20));
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        let header = read_header(&out).unwrap();
        assert!(
            decode_scaled(&out, &header, 1 << 20, BG, 2)
                .unwrap()
                .is_some()
        );
        // 1×1: Adam7's first pass holds the one pixel, so the encoder's plain rows are right.
        let mut out = Vec::new();
        let mut info = png::Info::with_size(1, 1);
        info.color_type = png::ColorType::Rgb;
        info.interlaced = true;
        let enc = png::Encoder::with_info(&mut out, info).unwrap();
        enc.write_header()
            .unwrap()
            .write_image_data(&[9; 3])
            .unwrap();
        let header = read_header(&out).unwrap();
        assert!(
            decode_scaled(&out, &header, 1 << 20, BG, 2)
                .unwrap()
                .is_none()
        );
    }

    fn tiff_strips<C: tiff::encoder::colortype::ColorType<Inner = u8>>(
        w: u32,
        h: u32,
        channels: usize,
        compression: tiff::encoder::Compression,
    ) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut enc = tiff::encoder::TiffEncoder::new(&mut out)
            .unwrap()
            .with_compression(compression);
        let mut image = enc.new_image::<C>(w, h).unwrap();
        image.rows_per_strip(7).unwrap();
        let data: Vec<u8> = (0..h)
            .flat_map(|y| (0..w).flat_map(move |x| sample(w, h, x, y)[4 - channels..].to_vec()))
            .collect();
        image.write_data(&data).unwrap();
        out.into_inner()
    }

    /// A tiled, uncompressed RGB TIFF (the encoder writes strips only).
    fn tiff_tiled(w: u32, h: u32, tile: u32) -> Vec<u8> {
        use tiff::tags::Tag;
        let mut out = Cursor::new(Vec::new());
        let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
        let mut dir = enc.image_directory().unwrap();
        let (mut offsets, mut counts) = (Vec::new(), Vec::new());
        for ty in 0..h.div_ceil(tile) {
            for tx in 0..w.div_ceil(tile) {
                let mut data = Vec::new();
                for y in ty * tile..(ty + 1) * tile {
                    for x in tx * tile..(tx + 1) * tile {
                        // Padding outside the picture: garbage that must not show.
                        let s = if x < w && y < h {
                            sample(w, h, x, y)
                        } else {
                            [7; 4]
                        };
                        data.extend_from_slice(&s[..3]);
                    }
                }
                counts.push(data.len() as u32);
                offsets.push(dir.write_data(&data[..]).unwrap() as u32);
            }
        }
        dir.write_tag(Tag::ImageWidth, w).unwrap();
        dir.write_tag(Tag::ImageLength, h).unwrap();
        dir.write_tag(Tag::BitsPerSample, &[8u16, 8, 8][..])
            .unwrap();
        dir.write_tag(Tag::Compression, 1u16).unwrap();
        dir.write_tag(Tag::PhotometricInterpretation, 2u16).unwrap();
        dir.write_tag(Tag::SamplesPerPixel, 3u16).unwrap();
        dir.write_tag(Tag::PlanarConfiguration, 1u16).unwrap();
        dir.write_tag(Tag::TileWidth, tile).unwrap();
        dir.write_tag(Tag::TileLength, tile).unwrap();
        dir.write_tag(Tag::TileOffsets, &offsets[..]).unwrap();
        dir.write_tag(Tag::TileByteCounts, &counts[..]).unwrap();
        dir.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn tiff_strips_and_tiles_match_a_full_decode_then_shrink() {
        use tiff::encoder::{Compression, DeflateLevel, colortype as ct};
        let (w, h) = (603, 451);
        let cases = [
            (
                "RGB LZW",
                tiff_strips::<ct::RGB8>(w, h, 3, Compression::Lzw),
            ),
            (
                "RGBA deflate",
                tiff_strips::<ct::RGBA8>(w, h, 4, Compression::Deflate(DeflateLevel::Fast)),
            ),
            (
                "grey",
                tiff_strips::<ct::Gray8>(w, h, 1, Compression::Uncompressed),
            ),
            ("tiled RGB", tiff_tiled(w, h, 64)),
        ];
        for (what, bytes) in &cases {
            for scale in [1, 3, 4, 8] {
                let what = format!("{what} at 1/{scale}");
                assert_close(&rows(bytes, scale), &reference(bytes, scale), 0, &what);
            }
        }
    }

    #[test]
    fn truncated_rows_are_refused_not_padded() {
        let bytes = png(300, 200, png::ColorType::Rgb, png::BitDepth::Eight);
        let header = read_header(&bytes).unwrap();
        for cut in [bytes.len() / 2, bytes.len() - 20] {
            let r = decode_scaled(&bytes[..cut], &header, 1 << 20, BG, 4);
            assert!(matches!(r, Err(PhotoError::Corrupt { .. })), "{cut}: {r:?}");
        }
    }
}
