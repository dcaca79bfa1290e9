//! Is a matched picture fit to be someone's photo? Found before anything is written, in
//! Automatch: a picture with no face (a logo, a scan of a badge, the back of a head), one
//! where the face is a small part of it (a group or full-length shot), or one smaller than the
//! stored size (it would be enlarged and look soft).

use super::{PhotoError, Target, decode_upright, face, inspect};

/// What a picture is, as far as the warnings need: its upright size and its face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhotoFacts {
    /// Upright width in pixels.
    pub width: u32,
    /// Upright height in pixels.
    pub height: u32,
    /// The face's width as a share of the picture's short side; `None`: no face found.
    pub face_share: Option<f32>,
}

/// Below this share of the short side a face is "small" (portrait crops have 30–60 %; the
/// detector does not look for faces under 1/7).
const SMALL_FACE: f32 = 0.2;

/// Reads the header and looks for a face in a picture decoded at the detector's size (scaled
/// in the DCT for JPEG: a few milliseconds, plus ~13 ms of detection).
pub fn facts(input: &[u8]) -> Result<PhotoFacts, PhotoError> {
    let info = inspect(input)?;
    let img = decode_upright(input, super::DEFAULT_MAX_PIXELS, Some(face::DETECT_SIDE))?;
    let short = img.width().min(img.height()).max(1) as f32;
    Ok(PhotoFacts {
        width: info.width,
        height: info.height,
        face_share: face::detect(&img).map(|f| f.width / short),
    })
}

/// The warnings for a picture about to be stored at `target`, in words for the person choosing.
pub fn warnings(f: &PhotoFacts, target: &Target) -> Vec<String> {
    let mut out = Vec::new();
    match f.face_share {
        None => out.push("no face found".to_string()),
        Some(s) if s < SMALL_FACE => out.push(format!(
            "the face is small ({:.0} % of the picture's width): crop closer",
            s * 100.0
        )),
        Some(_) => {}
    }
    if f.width.min(f.height) < target.size {
        out.push(format!(
            "smaller than {} px ({} × {}): it would be enlarged",
            target.size, f.width, f.height
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(w: u32, h: u32, face: Option<f32>) -> PhotoFacts {
        PhotoFacts {
            width: w,
            height: h,
            face_share: face,
        }
    }

    #[test]
    fn each_warning_has_its_cause() {
        let outlook = Target::outlook();
        assert!(warnings(&facts(400, 500, Some(0.45)), &outlook).is_empty());
        assert_eq!(
            warnings(&facts(400, 500, None), &outlook),
            ["no face found"]
        );
        let w = warnings(&facts(400, 500, Some(0.1)), &outlook);
        assert!(w[0].contains("small (10 %"), "{w:?}");
        let w = warnings(&facts(80, 90, Some(0.5)), &outlook);
        assert!(w[0].contains("smaller than 96 px (80 × 90)"), "{w:?}");
    }

    #[test]
    fn a_picture_without_a_face_is_found_so() {
        // A flat gradient: decodes, has no face.
        let img = image::RgbImage::from_fn(300, 360, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let f = super::facts(&png).unwrap();
        assert_eq!((f.width, f.height, f.face_share), (300, 360, None));
        assert!(super::facts(b"not a picture").is_err());
    }
}
