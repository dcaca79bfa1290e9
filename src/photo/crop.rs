//! Choosing the square: around the face when there is one, else the upper centre.

use super::{CropRect, face::FaceBox};

/// Side of the square as a multiple of the face width.
pub const FACE_WIDTHS: f32 = 2.4;
/// Where the eyes sit, as a fraction of the square's side from the top.
pub const EYES_FROM_TOP: f32 = 0.40;
/// Where the eyes sit inside a detector box, as a fraction of its height from the top.
const EYES_IN_BOX: f32 = 0.38;
/// Without a face: the free space above the square, as a fraction of all free space.
const TOP_BIAS: f32 = 0.2;

/// The automatic square crop in a `w`×`h` upright picture, given the face (in the same coordinates).
pub fn frame(w: u32, h: u32, face: Option<FaceBox>) -> CropRect {
    let max_side = w.min(h).max(1);
    match face {
        Some(f) => {
            let side = ((f.width * FACE_WIDTHS).round() as u32).clamp(1, max_side);
            let cx = f.x + f.width / 2.0;
            let eyes_y = f.y + f.height * EYES_IN_BOX;
            let x = place(cx - side as f32 / 2.0, side, w);
            let y = place(eyes_y - side as f32 * EYES_FROM_TOP, side, h);
            CropRect::new(x, y, side, side)
        }
        None => {
            let side = max_side;
            let x = (w - side) / 2;
            let y = ((h - side) as f32 * TOP_BIAS).round() as u32;
            CropRect::new(x, y, side, side)
        }
    }
}

/// Clamp a start coordinate so that `[start, start+side)` lies in `[0, limit)`.
fn place(start: f32, side: u32, limit: u32) -> u32 {
    let max = limit.saturating_sub(side) as f32;
    start.round().clamp(0.0, max) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_face_landscape_is_centred() {
        assert_eq!(frame(400, 300, None), CropRect::new(50, 0, 300, 300));
    }

    #[test]
    fn no_face_portrait_is_high() {
        let c = frame(300, 400, None);
        assert_eq!((c.x, c.width), (0, 300));
        assert!(c.y < 50, "{c:?}");
    }

    #[test]
    fn face_is_framed_and_clamped() {
        let f = FaceBox {
            x: 180.0,
            y: 100.0,
            width: 40.0,
            height: 40.0,
        };
        let c = frame(400, 300, Some(f));
        assert_eq!(c.width, 96);
        assert_eq!(c.x, 200 - 48);
        // A face in the corner: the square stays inside.
        let f = FaceBox {
            x: 0.0,
            y: 0.0,
            width: 200.0,
            height: 200.0,
        };
        let c = frame(400, 300, Some(f));
        assert!(c.fits_in(400, 300), "{c:?}");
        assert_eq!(c.width, 300);
    }
}
