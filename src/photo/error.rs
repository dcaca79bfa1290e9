//! Errors a helpdesk user can read.

use std::fmt;

/// Everything that can go wrong turning bytes into a directory photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// Zero bytes: nothing to look at.
    #[error("the file is empty")]
    Empty,
    /// No picture format we know starts like this.
    #[error("the file is not an image (or not one we can read)")]
    NotAnImage,
    /// A picture format we recognise but do not read (HEIC, AVIF, …).
    #[error("{format} images are not supported; use JPEG, PNG, GIF, BMP, TIFF or WebP")]
    Unsupported {
        /// Its name, for the message.
        format: String,
    },
    /// Cut short or damaged: the decoder refused it rather than show grey or garbage.
    #[error("the image is damaged or incomplete: {reason}")]
    Corrupt {
        /// The decoder's words.
        reason: String,
    },
    /// Over the pixel limit, refused before decoding.
    #[error(
        "the image is {width}×{height} pixels, over the {}-megapixel limit",
        Megapixels(*limit)
    )]
    TooManyPixels {
        /// The picture's width in pixels.
        width: u32,
        /// Its height.
        height: u32,
        /// The most pixels we decode (a decompression bomb stops here).
        limit: u64,
    },
    /// A crop that does not overlap the picture.
    #[error("the crop rectangle lies outside the picture")]
    CropOutside,
    /// A crop of zero width or height.
    #[error("the crop rectangle is empty")]
    CropEmpty,
    /// A target side outside what a directory photo may be.
    #[error("the photo size must be between {min} and {max} pixels, not {size}")]
    BadSize {
        /// The side asked for.
        size: u32,
        /// The smallest allowed.
        min: u32,
        /// The largest allowed.
        max: u32,
    },
    /// A byte budget outside what makes sense for a directory photo.
    #[error("the byte budget must be between {min} and {max} bytes, not {bytes}")]
    BadBudget {
        /// The budget asked for.
        bytes: usize,
        /// The smallest allowed.
        min: usize,
        /// The largest allowed.
        max: usize,
    },
    /// Even at the smallest side and lowest quality the JPEG is over budget.
    #[error("the photo cannot be made to fit in {budget} bytes")]
    CannotFitBudget {
        /// The budget in bytes.
        budget: usize,
    },
    /// The encoder itself failed (its message).
    #[error("the JPEG encoder failed: {0}")]
    Encode(String),
}

struct Megapixels(u64);

impl fmt::Display for Megapixels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mp = self.0 as f64 / 1_000_000.0;
        if (mp - mp.round()).abs() < 0.05 {
            write!(f, "{}", mp.round() as u64)
        } else {
            write!(f, "{mp:.1}")
        }
    }
}

impl PhotoError {
    pub(crate) fn corrupt(reason: impl Into<String>) -> Self {
        PhotoError::Corrupt {
            reason: reason.into(),
        }
    }

    /// Map an `image` crate error to one of ours.
    pub(crate) fn from_image(e: image::ImageError) -> Self {
        use image::ImageError as E;
        match e {
            E::Unsupported(u) => match u.format_hint() {
                image::error::ImageFormatHint::Unknown => PhotoError::NotAnImage,
                hint => PhotoError::Unsupported {
                    format: hint.to_string(),
                },
            },
            E::Limits(_) => PhotoError::Corrupt {
                reason: "the image needs more memory than allowed".into(),
            },
            E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                PhotoError::corrupt("the file ends too early (truncated)")
            }
            E::IoError(io) => PhotoError::corrupt(io.to_string()),
            E::Decoding(d) => PhotoError::corrupt(first_line(&d.to_string())),
            E::Parameter(p) => PhotoError::corrupt(first_line(&p.to_string())),
            E::Encoding(e) => PhotoError::Encode(e.to_string()),
        }
    }
}

fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    let mut out: String = line.chars().take(160).collect();
    if out.is_empty() {
        out = "unknown decoding error".into();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_well() {
        let e = PhotoError::TooManyPixels {
            width: 30000,
            height: 30000,
            limit: 100_000_000,
        };
        assert_eq!(
            e.to_string(),
            "the image is 30000×30000 pixels, over the 100-megapixel limit"
        );
        assert_eq!(
            PhotoError::NotAnImage.to_string(),
            "the file is not an image (or not one we can read)"
        );
    }
}
