//! The app icon, drawn by `assets/icon/make-icon.sh`.
//!
//! The GUI turns [`ICON_PNG_256`] into eframe's `IconData` (window and taskbar icon); the
//! Windows executable gets `assets/icon/adphoto.ico` from `build.rs`, and the installers take
//! the PNG set.

/// The icon as a 256×256 RGBA PNG.
pub const ICON_PNG_256: &[u8] = include_bytes!("../assets/icon/adphoto-256.png");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icon_is_a_256px_png() {
        let img = image::load_from_memory_with_format(ICON_PNG_256, image::ImageFormat::Png)
            .expect("the icon decodes as PNG");
        assert_eq!((img.width(), img.height()), (256, 256));
        assert!(
            img.color().has_alpha(),
            "the icon's corners are transparent"
        );
    }
}
