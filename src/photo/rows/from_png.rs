//! PNG row by row through the `png` crate.

use std::io::Cursor;

use super::{Decoded, Shrink, read_error, to_8bit};
use crate::photo::PhotoError;
use crate::photo::decode::Header;

pub(super) fn rows(
    input: &[u8],
    header: &Header,
    max_alloc: usize,
    background: [u8; 3],
    scale: u32,
) -> Result<Decoded, PhotoError> {
    let mut dec =
        png::Decoder::new_with_limits(Cursor::new(input), png::Limits { bytes: max_alloc });
    // Palette and low-bit grey to 8-bit, tRNS to an alpha channel: 1–4 channels of 8 or 16
    // bits from here on. 16-bit rows are rounded to 8-bit below rather than by STRIP_16, which
    // keeps the high byte and lands up to 2 levels off what `image` gives after compositing.
    dec.set_transformations(png::Transformations::EXPAND);
    let mut reader = dec.read_info().map_err(error)?;
    let info = reader.info();
    // Adam7 passes arrive spread over the whole picture; they would need an accumulator for the
    // whole output. Rare in photos: left to the `image` path.
    if info.interlaced {
        return Ok(None);
    }
    if (info.width, info.height) != (header.width, header.height) {
        return Err(PhotoError::corrupt("the size changed between reads"));
    }
    let icc = info.icc_profile.as_ref().map(|p| p.to_vec());
    let (color, depth) = reader.output_color_type();
    let wide = match depth {
        png::BitDepth::Eight => false,
        png::BitDepth::Sixteen => true,
        _ => return Ok(None),
    };
    let mut shrink = Shrink::new(header.width, header.height, scale, background)?;
    let channels = color.samples();
    let mut narrow = Vec::new();
    while let Some(row) = reader.next_row().map_err(error)? {
        if wide {
            narrow.clear();
            narrow.extend(
                row.data()
                    .chunks_exact(2)
                    .map(|s| to_8bit(u16::from_be_bytes([s[0], s[1]]))),
            );
            shrink.push(&narrow, channels)?;
        } else {
            shrink.push(row.data(), channels)?;
        }
    }
    Ok(Some((shrink.finish()?, icc)))
}

fn error(e: png::DecodingError) -> PhotoError {
    let truncated = matches!(&e, png::DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof);
    let over_limit = matches!(e, png::DecodingError::LimitsExceeded);
    read_error(truncated, over_limit, &e.to_string())
}
