//! TIFF strip by strip (or one row of tiles at a time) through the `tiff` crate.

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
    use tiff::ColorType as C;
    use tiff::decoder::{ChunkType, Decoder, DecodingResult, Limits};
    use tiff::tags::Tag;

    // Set-up errors are left to the `image` path, which words them as it always has.
    let Ok(dec) = Decoder::new(Cursor::new(input)) else {
        return Ok(None);
    };
    let mut limits = Limits::default();
    limits.decoding_buffer_size = max_alloc;
    limits.intermediate_buffer_size = max_alloc;
    let mut dec = dec.with_limits(limits);
    let (Ok((w, h)), Ok(color)) = (dec.dimensions(), dec.colortype()) else {
        return Ok(None);
    };
    let channels = match color {
        C::Gray(8 | 16) => 1,
        C::GrayA(8 | 16) => 2,
        C::RGB(8 | 16) => 3,
        C::RGBA(8 | 16) => 4,
        _ => return Ok(None),
    };
    let chunky = matches!(
        dec.find_tag_unsigned::<u16>(Tag::PlanarConfiguration),
        Ok(None | Some(1))
    );
    let uint = match dec.find_tag_unsigned_vec::<u16>(Tag::SampleFormat) {
        Ok(None) => true,
        Ok(Some(v)) => v.iter().all(|&f| f == 1),
        Err(_) => false,
    };
    if !chunky || !uint || (w, h) != (header.width, header.height) {
        return Ok(None);
    }
    let icc = dec.get_tag_u8_vec(Tag::IccProfile).ok();
    let (cw, ch) = dec.chunk_dimensions();
    if cw == 0 || ch == 0 {
        return Ok(None);
    }
    let across = match dec.get_chunk_type() {
        ChunkType::Strip => 1,
        ChunkType::Tile => w.div_ceil(cw),
    };
    let chunks = match dec.get_chunk_type() {
        ChunkType::Strip => dec.strip_count(),
        ChunkType::Tile => dec.tile_count(),
    }
    .map_err(error)?;
    if chunks != h.div_ceil(ch).saturating_mul(across) {
        return Ok(None);
    }

    let mut shrink = Shrink::new(w, h, scale, background)?;
    let mut row = vec![0u8; w as usize * channels];
    // One strip, or one row of tiles, at a time: (data width, samples) per chunk.
    let mut band: Vec<(usize, Vec<u8>)> = Vec::with_capacity(across as usize);
    for band_index in 0..h.div_ceil(ch) {
        band.clear();
        let mut rows_here = u32::MAX;
        for tx in 0..across {
            let index = band_index * across + tx;
            let (dw, dh) = dec.chunk_data_dimensions(index);
            rows_here = rows_here.min(dh);
            let samples = match dec.read_chunk(index).map_err(error)? {
                DecodingResult::U8(v) => v,
                DecodingResult::U16(v) => v.iter().map(|&s| to_8bit(s)).collect(),
                _ => return Err(PhotoError::corrupt("unexpected TIFF sample type")),
            };
            band.push((dw as usize * channels, samples));
        }
        for r in 0..rows_here as usize {
            let mut at = 0;
            for (stride, samples) in &band {
                let src = samples
                    .get(r * stride..(r + 1) * stride)
                    .ok_or_else(|| PhotoError::corrupt("a TIFF strip is too short"))?;
                let dst = row
                    .get_mut(at..at + stride)
                    .ok_or_else(|| PhotoError::corrupt("TIFF tiles overrun the width"))?;
                dst.copy_from_slice(src);
                at += stride;
            }
            if at != row.len() {
                return Err(PhotoError::corrupt("TIFF tiles do not cover the width"));
            }
            shrink.push(&row, channels)?;
        }
    }
    Ok(Some((shrink.finish()?, icc)))
}

fn error(e: tiff::TiffError) -> PhotoError {
    let truncated = matches!(&e, tiff::TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof);
    let over_limit = matches!(e, tiff::TiffError::LimitsExceeded);
    read_error(truncated, over_limit, &e.to_string())
}
