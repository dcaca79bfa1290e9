//! Colour: pictures tagged with an ICC profile (Adobe RGB from cameras, Display P3 from phones)
//! are converted to sRGB, which is what Outlook and Teams assume for a stored photo. Without it
//! an Adobe RGB portrait comes out dull and a P3 one slightly off.

use image::RgbImage;
use moxcms::{ColorProfile, DataColorSpace, Layout, ProfileText, TransformOptions};

/// Converts `img` from the colour space `icc` describes to sRGB, in place. Leaves it alone when
/// the profile is not an RGB one (CMYK and grey pictures are already turned into RGB by the
/// decoder), is sRGB already, or cannot be read: a damaged profile must not lose the photo.
pub(crate) fn to_srgb(img: &mut RgbImage, icc: &[u8]) {
    let Ok(profile) = ColorProfile::new_from_slice(icc) else {
        tracing::debug!("unreadable ICC profile ({} bytes) ignored", icc.len());
        return;
    };
    if profile.color_space != DataColorSpace::Rgb || is_srgb(&profile) {
        return;
    }
    let srgb = ColorProfile::new_srgb();
    let transform = match profile.create_transform_8bit(
        Layout::Rgb,
        &srgb,
        Layout::Rgb,
        TransformOptions::default(),
    ) {
        Ok(t) => t,
        Err(e) => {
            tracing::debug!("ICC profile ignored: {e:?}");
            return;
        }
    };
    let mut out = vec![0u8; img.as_raw().len()];
    if transform.transform(img.as_raw(), &mut out).is_ok() {
        img.copy_from_slice(&out);
    }
}

/// The usual sRGB profiles say so in their description ("sRGB IEC61966-2.1", "sRGB built-in");
/// converting those would only cost time.
fn is_srgb(profile: &ColorProfile) -> bool {
    let text = match &profile.description {
        Some(ProfileText::PlainString(s)) => s.clone(),
        Some(ProfileText::Localizable(v)) => v.first().map(|l| l.value.clone()).unwrap_or_default(),
        Some(ProfileText::Description(d)) => d.ascii_string.clone(),
        None => String::new(),
    };
    text.trim_start().to_ascii_lowercase().starts_with("srgb")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn red(img: &RgbImage) -> [u8; 3] {
        img.get_pixel(0, 0).0
    }

    #[test]
    fn adobe_rgb_red_becomes_the_srgb_red_it_looks_like() {
        let icc = ColorProfile::new_adobe_rgb().encode().unwrap();
        let mut img = RgbImage::from_pixel(2, 2, image::Rgb([40, 160, 60]));
        to_srgb(&mut img, &icc);
        // Adobe RGB's green primary lies outside sRGB: a mid green is more saturated in sRGB.
        let [r, g, b] = red(&img);
        assert!(g > 160 && r < 40 && b < 60, "{:?}", [r, g, b]);
    }

    #[test]
    fn srgb_garbage_and_cmyk_profiles_leave_the_pixels_alone() {
        let px = image::Rgb([40, 160, 60]);
        for icc in [
            ColorProfile::new_srgb().encode().unwrap(),
            b"not a profile".to_vec(),
            Vec::new(),
        ] {
            let mut img = RgbImage::from_pixel(2, 2, px);
            to_srgb(&mut img, &icc);
            assert_eq!(red(&img), px.0);
        }
    }
}
