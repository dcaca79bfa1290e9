//! The plain data the rest of the app passes in and gets back.

use std::fmt;
use std::str::FromStr;

use super::PhotoError;

/// AD's schema limit for `thumbnailPhoto` (rangeUpper = 102400).
pub const THUMBNAIL_PHOTO_MAX_BYTES: usize = 102_400;
/// The smallest budget we will try to fit (a 16 px JPEG needs a few hundred bytes of headers).
pub const MIN_BUDGET: usize = 1_024;
/// Output side limits in pixels.
pub const MIN_SIZE: u32 = 16;
/// The largest side we make: beyond it no directory client shows more.
pub const MAX_SIZE: u32 = 2_048;
/// Default decompression-bomb guard.
pub const DEFAULT_MAX_PIXELS: u64 = 100_000_000;

/// What to produce: a square of `size` pixels (at most) in at most `max_bytes` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    /// The square's side in pixels.
    pub size: u32,
    /// The JPEG's byte budget.
    pub max_bytes: usize,
}

impl Target {
    /// Outlook / Teams style: 96×96, at most 10 kB.
    pub fn outlook() -> Self {
        Target {
            size: 96,
            max_bytes: 10_240,
        }
    }

    /// The largest photo AD accepts: 648×648, at most 100 kB.
    pub fn large() -> Self {
        Target {
            size: 648,
            max_bytes: THUMBNAIL_PHOTO_MAX_BYTES,
        }
    }

    /// Microsoft 365's profile photo (Entra ID, through Graph): the largest size its apps show,
    /// at the best quality (the budget is Graph's 4 MB request limit, `cloud::MAX_PHOTO_BYTES`,
    /// which a 648 px JPEG never nears): for the eye, not for AD's 100 kB.
    pub const fn microsoft_365() -> Self {
        Target {
            size: 648,
            max_bytes: 4 * 1024 * 1024,
        }
    }

    /// Any size and budget within limits; the budget can never exceed AD's 102,400 bytes.
    pub fn custom(size: u32, max_bytes: usize) -> Result<Self, PhotoError> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&size) {
            return Err(PhotoError::BadSize {
                size,
                min: MIN_SIZE,
                max: MAX_SIZE,
            });
        }
        if !(MIN_BUDGET..=THUMBNAIL_PHOTO_MAX_BYTES).contains(&max_bytes) {
            return Err(PhotoError::BadBudget {
                bytes: max_bytes,
                min: MIN_BUDGET,
                max: THUMBNAIL_PHOTO_MAX_BYTES,
            });
        }
        Ok(Target { size, max_bytes })
    }
}

impl From<Preset> for Target {
    fn from(p: Preset) -> Self {
        match p {
            Preset::Outlook => Target::outlook(),
            Preset::Large => Target::large(),
        }
    }
}

/// Named targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// 96 px in 10 KiB: what Outlook and Exchange expect in thumbnailPhoto.
    #[default]
    Outlook,
    /// 648 px in 100 KiB: for Teams and Microsoft 365, which show photos larger.
    Large,
}

impl Preset {
    /// Every preset, in the order choices list them.
    pub const ALL: [Preset; 2] = [Preset::Outlook, Preset::Large];

    /// The size and budget it stands for.
    pub fn target(self) -> Target {
        self.into()
    }

    /// For a choice in the window: "Outlook: 96 px, ≤ 10 kB".
    pub fn describe(self) -> String {
        let t = self.target();
        let name = match self {
            Preset::Outlook => "Outlook",
            Preset::Large => "Large",
        };
        format!("{name}: {} px, ≤ {}", t.size, human_bytes(t.max_bytes))
    }
}

/// A size in one format everywhere (window, command line, reports): binary units, as the byte
/// budgets are (10 KiB = 10,240 bytes): `812 B`, `1.8 KiB`, `10 KiB`, `2.4 MiB`.
pub fn human_bytes(n: usize) -> String {
    const KIB: f64 = 1024.0;
    let n_f = n as f64;
    let (value, unit) = if n < 1024 {
        return format!("{n} B");
    } else if n_f < KIB * KIB {
        (n_f / KIB, "KiB")
    } else {
        (n_f / (KIB * KIB), "MiB")
    };
    // Whole numbers without ".0": budgets read "10 KiB".
    if (value - value.round()).abs() < 0.05 {
        format!("{:.0} {unit}", value.round())
    } else {
        format!("{value:.1} {unit}")
    }
}

impl FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "outlook" => Ok(Preset::Outlook),
            "large" => Ok(Preset::Large),
            other => Err(format!(
                "unknown preset {other:?}: use \"outlook\" (96 px, 10 KiB) or \"large\" (648 px, 100 KiB)"
            )),
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Preset::Outlook => "outlook",
            Preset::Large => "large",
        })
    }
}

/// A rectangle in the upright picture's pixel coordinates (after EXIF orientation and the
/// user's extra rotation).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct CropRect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl CropRect {
    /// The rectangle at (`x`, `y`) of `width`×`height`.
    pub fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        CropRect {
            x,
            y,
            width,
            height,
        }
    }

    /// Does the rectangle lie inside a `w`×`h` picture?
    pub fn fits_in(&self, w: u32, h: u32) -> bool {
        self.width > 0
            && self.height > 0
            && (self.x as u64 + self.width as u64) <= w as u64
            && (self.y as u64 + self.height as u64) <= h as u64
    }
}

/// How to prepare one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareOptions {
    /// Size and byte budget.
    pub target: Target,
    /// `None`: choose automatically (face-centred square, else the upper-centre square).
    pub crop: Option<CropRect>,
    /// Colour laid under transparent pixels.
    pub background: [u8; 3],
    /// Decompression-bomb guard, checked from the header before any pixel is decoded.
    pub max_pixels: u64,
    /// Enlarge pictures smaller than the target (off: a small picture stays small).
    pub allow_upscale: bool,
    /// Extra clockwise quarter turns applied after the EXIF orientation (from the crop canvas).
    pub rotate_quarter_turns: u8,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        PrepareOptions {
            target: Target::outlook(),
            crop: None,
            background: [255, 255, 255],
            max_pixels: DEFAULT_MAX_PIXELS,
            allow_upscale: false,
            rotate_quarter_turns: 0,
        }
    }
}

impl PrepareOptions {
    /// The defaults, for another size and budget.
    pub fn with_target(target: Target) -> Self {
        PrepareOptions {
            target,
            ..Default::default()
        }
    }
}

/// The result: a baseline JPEG no larger than the budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The bytes to write.
    pub jpeg: Vec<u8>,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// The JPEG quality that fit the budget.
    pub quality: u8,
    /// The crop actually used, in upright coordinates.
    pub crop: CropRect,
    /// Whether the crop was centred on a detected face.
    pub face_found: bool,
}

/// Below this JPEG quality a face turns to blocks: the budget is too small for the size.
pub const LOW_QUALITY: u8 = 40;

impl Prepared {
    /// What a person should know before this photo is written: the byte budget forced a very
    /// low quality, or the picture gave less than the size asked (photos are never enlarged).
    pub fn warnings(&self, target: &Target) -> Vec<String> {
        let mut out = Vec::new();
        if self.quality < LOW_QUALITY {
            out.push(format!(
                "low quality (JPEG quality {}): {} is a small budget for {} px",
                self.quality,
                human_bytes(target.max_bytes),
                target.size
            ));
        }
        if self.width < target.size {
            out.push(format!(
                "smaller than asked: {} px instead of {} (the picture has no more)",
                self.width, target.size
            ));
        }
        out
    }
}

/// Image formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    /// JPEG (any kind libjpeg-turbo reads).
    Jpeg,
    /// PNG.
    Png,
    /// GIF (its first frame).
    Gif,
    /// Windows bitmap.
    Bmp,
    /// TIFF.
    Tiff,
    /// WebP.
    WebP,
}

impl Format {
    /// What `bytes` are, from their signature (no decoding): the one rule for a stored photo's
    /// file name (exports, backups), its content type (Microsoft Graph) and the header check.
    pub fn of(bytes: &[u8]) -> Option<Format> {
        // Signatures only, so a stored photo is named by its first bytes whatever follows.
        match bytes {
            [0xFF, 0xD8, ..] => Some(Format::Jpeg),
            [0x89, b'P', b'N', b'G', ..] => Some(Format::Png),
            [b'G', b'I', b'F', b'8', ..] => Some(Format::Gif),
            [b'B', b'M', ..] => Some(Format::Bmp),
            [b'I', b'I', b'*', 0, ..] | [b'M', b'M', 0, b'*', ..] => Some(Format::Tiff),
            [b'R', b'I', b'F', b'F', _, _, _, _, rest @ ..] if rest.starts_with(b"WEBP") => {
                Some(Format::WebP)
            }
            _ => None,
        }
    }

    /// The file extension for this format (`jpg`, `png`, …).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpeg => "jpg",
            Format::Png => "png",
            Format::Gif => "gif",
            Format::Bmp => "bmp",
            Format::Tiff => "tif",
            Format::WebP => "webp",
        }
    }

    /// The extension for `bytes`, or `bin` for bytes that are no picture we know.
    pub fn extension_of(bytes: &[u8]) -> &'static str {
        Format::of(bytes).map_or("bin", Format::extension)
    }

    /// The MIME type (`image/jpeg`, …).
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Bmp => "image/bmp",
            Format::Tiff => "image/tiff",
            Format::WebP => "image/webp",
        }
    }

    /// Its name as people write it, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::Bmp => "BMP",
            Format::Tiff => "TIFF",
            Format::WebP => "WebP",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the header says, without decoding pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// The file's format.
    pub format: Format,
    /// Upright size (EXIF orientation applied).
    pub width: u32,
    /// Upright height.
    pub height: u32,
    /// EXIF orientation 1–8 (1 when absent).
    pub orientation: u8,
}

/// A small RGBA8 picture for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes, RGBA, rows top to bottom.
    pub rgba: Vec<u8>,
}

#[cfg(test)]
mod warning_tests {
    use super::*;

    #[test]
    fn low_quality_and_small_pictures_are_named() {
        let photo = |width: u32, quality: u8| Prepared {
            jpeg: vec![0xFF, 0xD8],
            width,
            height: width,
            quality,
            crop: CropRect::new(0, 0, width, width),
            face_found: true,
        };
        let outlook = Target::outlook();
        assert!(photo(96, 85).warnings(&outlook).is_empty());
        let w = photo(96, 12).warnings(&outlook);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("low quality (JPEG quality 12)"), "{w:?}");
        let w = photo(60, 90).warnings(&outlook);
        assert_eq!(
            w,
            ["smaller than asked: 60 px instead of 96 (the picture has no more)"]
        );
    }
}
