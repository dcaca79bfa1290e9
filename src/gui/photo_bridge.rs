//! The window's only door to image work: thin calls into the photo core (`crate::photo`), so
//! the GUI never decodes or encodes images itself and shows the core's plain-words errors.

pub use crate::photo::Thumbnail;
use crate::photo::{PrepareOptions, Target};

/// A picture scaled to fit `max_side` (upright, never enlarged), for the grid and the preview.
pub fn thumbnail(bytes: &[u8], max_side: u32) -> Result<Thumbnail, String> {
    crate::photo::thumbnail(bytes, max_side).map_err(|e| e.to_string())
}

/// The picture in an image file, scaled to fit `max_side`: the wizard's matching table.
pub fn file_thumbnail(path: &std::path::Path, max_side: u32) -> Result<Thumbnail, String> {
    thumbnail(&read(path)?, max_side)
}

/// The picture in an image file for the matching table, and what the photo checks need to
/// know about it (its size, its face), from one read of the file.
pub fn file_thumbnail_and_facts(
    path: &std::path::Path,
    max_side: u32,
) -> (Result<Thumbnail, String>, Option<crate::photo::PhotoFacts>) {
    match read(path) {
        Ok(bytes) => (
            thumbnail(&bytes, max_side),
            crate::photo::facts(&bytes).ok(),
        ),
        Err(e) => (Err(e), None),
    }
}

/// A file's bytes, or why not in plain words.
fn read(path: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The pixel size of an encoded image, read from its header (upright, after EXIF orientation).
pub fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    crate::photo::inspect(bytes)
        .ok()
        .map(|i| (i.width, i.height))
}

/// An image file → the JPEG "Set photo…" writes (Outlook/Teams: 96×96, at most 10 kB), with
/// the crop and quarter turns chosen on the crop canvas, else the face-centred square. Errors
/// name the file.
pub fn prepare_file(
    path: &std::path::Path,
    crop: Option<(crate::photo::CropRect, u8)>,
) -> Result<Vec<u8>, String> {
    crate::photo::prepare_file(path, &set_photo_options(crop))
        .map(|p| p.jpeg)
        .map_err(|e| e.to_string())
}

fn set_photo_options(crop: Option<(crate::photo::CropRect, u8)>) -> PrepareOptions {
    PrepareOptions {
        crop: crop.map(|c| c.0),
        rotate_quarter_turns: crop.map_or(0, |c| c.1),
        ..PrepareOptions::with_target(Target::outlook())
    }
}

/// What the crop canvas shows: the upright picture (with `turns` extra clockwise quarter turns)
/// at most 1024 px, the full upright size, and the automatic crop in full coordinates.
#[derive(Debug)]
pub struct CropSource {
    pub image: Thumbnail,
    pub full: (u32, u32),
    pub auto: crate::photo::CropRect,
}

pub fn crop_source(
    path: &std::path::Path,
    target: Target,
    turns: u8,
) -> Result<CropSource, String> {
    let bytes = read(path)?;
    let info = crate::photo::inspect(&bytes).map_err(|e| e.to_string())?;
    let img = crate::photo::decode_upright(&bytes, crate::photo::DEFAULT_MAX_PIXELS, Some(1024))
        .map_err(|e| e.to_string())?;
    let img = crate::photo::turn(img, turns);
    let full = crate::photo::turned_dims(info.width, info.height, turns);
    let opts = PrepareOptions {
        rotate_quarter_turns: turns % 4,
        ..PrepareOptions::with_target(target)
    };
    let auto = crate::photo::auto_crop(&bytes, &opts).map_err(|e| e.to_string())?;
    let rgba = image::DynamicImage::ImageRgb8(img).to_rgba8();
    Ok(CropSource {
        image: Thumbnail {
            width: rgba.width(),
            height: rgba.height(),
            rgba: rgba.into_raw(),
        },
        full,
        auto,
    })
}

/// The photo the import would write for `target`, with a crop chosen by hand (and its quarter
/// turns) or the automatic one, and a thumbnail of it at most `max_side`: what the resize step
/// and the crop canvas show, and what Finish writes when the file has not changed since.
pub fn encode(
    path: &std::path::Path,
    target: Target,
    crop: Option<(crate::photo::CropRect, u8)>,
    max_side: u32,
) -> Result<(Thumbnail, crate::photo::Prepared), String> {
    let opts = PrepareOptions {
        crop: crop.map(|c| c.0),
        rotate_quarter_turns: crop.map_or(0, |c| c.1 % 4),
        ..PrepareOptions::with_target(target)
    };
    let prepared = crate::photo::prepare_file(path, &opts).map_err(|e| e.to_string())?;
    Ok((thumbnail(&prepared.jpeg, max_side)?, prepared))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn prepare_makes_a_small_square_jpeg() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.png");
        std::fs::write(&file, png(640, 480)).unwrap();
        let jpeg = prepare_file(&file, None).unwrap();
        assert!(jpeg.len() <= 10_240);
        assert_eq!(dimensions(&jpeg), Some((96, 96)));
        assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
        let e = prepare_file(&dir.path().join("gone.png"), None).unwrap_err();
        assert!(e.contains("gone.png"), "{e}");
    }

    #[test]
    fn thumbnail_fits_and_bad_bytes_are_plain_errors() {
        let t = thumbnail(&png(400, 200), 64).unwrap();
        assert_eq!((t.width, t.height), (64, 32));
        assert_eq!(t.rgba.len(), 64 * 32 * 4);
        let e = thumbnail(b"not an image", 64).unwrap_err();
        assert!(e.contains("not an image"), "{e}");
    }
}
