//! A small JPEG reader of our own. Its reason to exist is the one thing the `image` crate
//! (0.25, decoding through zune-jpeg) does not do: decode a baseline (sequential Huffman,
//! 8-bit, greyscale or YCbCr) JPEG at reduced scale — 1/2, 1/4 or 1/8 — from the low DCT
//! coefficients only, like libjpeg's `scale_denom` and libvips' shrink-on-load. Entropy
//! decoding still touches every block, but the inverse DCT, upsampling and colour conversion
//! run on 1/4 to 1/64 of the pixels.
//!
//! It also walks the markers for size, EXIF orientation and the ICC profile. `image` can read
//! these without decoding pixels too (and does, for the other formats), but its JPEG decoder
//! first copies the whole file; the walk here borrows the bytes, and the scaled decoder needs
//! it anyway.
//!
//! Anything else (progressive, arithmetic, 12-bit, CMYK/YCCK, Adobe RGB transform,
//! non-interleaved colour scans) makes `decode_scaled` return `None` and the caller falls back to the
//! `image` crate's full decoder. It never panics on bad input: every read is bounds-checked, and a
//! broken entropy stream simply yields `None` or grey blocks, like other lenient decoders.

use image::RgbImage;

use super::PhotoError;

/// Size and orientation from the marker walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JpegHeader {
    pub width: u32,
    pub height: u32,
    pub orientation: u8,
}

fn be16(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?]))
}

/// Iterate over marker segments before the first scan: yields (marker, payload, offset after it).
struct Segments<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Segments<'a> {
    fn new(data: &'a [u8]) -> Option<Self> {
        if data.len() < 4 || data[0] != 0xFF || data[1] != 0xD8 {
            return None;
        }
        Some(Segments { data, pos: 2 })
    }

    /// Next (marker, payload). For SOS the payload is the scan header; `self.pos` then points
    /// at the entropy-coded data.
    fn next_segment(&mut self) -> Result<Option<(u8, &'a [u8])>, PhotoError> {
        let d = self.data;
        loop {
            // Find 0xFF, skip fill bytes.
            while self.pos < d.len() && d[self.pos] != 0xFF {
                self.pos += 1;
            }
            while self.pos < d.len() && d[self.pos] == 0xFF {
                self.pos += 1;
            }
            if self.pos >= d.len() {
                return Ok(None);
            }
            let marker = d[self.pos];
            self.pos += 1;
            match marker {
                0x00 | 0x01 | 0xD0..=0xD7 => continue, // stray / standalone
                0xD8 => continue,
                0xD9 => return Ok(None),
                _ => {}
            }
            let len = be16(d, self.pos)
                .ok_or_else(|| PhotoError::corrupt("the file ends too early (truncated)"))?
                as usize;
            if len < 2 || self.pos + len > d.len() {
                return Err(PhotoError::corrupt("the file ends too early (truncated)"));
            }
            let payload = &d[self.pos + 2..self.pos + len];
            self.pos += len;
            return Ok(Some((marker, payload)));
        }
    }
}

fn is_sof(m: u8) -> bool {
    matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC)
}

/// Read size and orientation from the markers.
pub(crate) fn parse_header(data: &[u8]) -> Result<JpegHeader, PhotoError> {
    let mut segs = Segments::new(data).ok_or(PhotoError::NotAnImage)?;
    let mut orientation = 1u8;
    let mut size = None;
    while let Some((marker, p)) = segs.next_segment()? {
        if marker == 0xE1 && orientation == 1 {
            if let Some(o) = exif_orientation(p) {
                orientation = o;
            }
        } else if is_sof(marker) {
            if p.len() < 6 {
                return Err(PhotoError::corrupt("the frame header is damaged"));
            }
            let h = be16(p, 1).unwrap_or(0) as u32;
            let w = be16(p, 3).unwrap_or(0) as u32;
            if w == 0 || h == 0 {
                return Err(PhotoError::corrupt("the frame header gives no size"));
            }
            size = Some((w, h));
        } else if marker == 0xDA {
            break;
        }
    }
    let (width, height) =
        size.ok_or_else(|| PhotoError::corrupt("no picture data found (truncated?)"))?;
    Ok(JpegHeader {
        width,
        height,
        orientation,
    })
}

/// The embedded ICC profile: APP2 "ICC_PROFILE" segments, put together in their sequence order.
/// None when there is none or the pieces do not add up.
pub(crate) fn icc_profile(data: &[u8]) -> Option<Vec<u8>> {
    let mut segs = Segments::new(data)?;
    let mut parts: Vec<(u8, &[u8])> = Vec::new();
    while let Ok(Some((marker, p))) = segs.next_segment() {
        if marker == 0xDA {
            break;
        }
        if marker == 0xE2
            && let Some(rest) = p.strip_prefix(b"ICC_PROFILE\0")
            && rest.len() > 2
        {
            parts.push((rest[0], &rest[2..]));
        }
    }
    if parts.is_empty() {
        return None;
    }
    parts.sort_by_key(|(seq, _)| *seq);
    Some(
        parts
            .into_iter()
            .flat_map(|(_, chunk)| chunk)
            .copied()
            .collect(),
    )
}

/// Orientation tag (0x0112) from an APP1 Exif payload.
pub(crate) fn exif_orientation(p: &[u8]) -> Option<u8> {
    let t = p.strip_prefix(b"Exif\0\0")?;
    let le = match t.get(0..4)? {
        [b'I', b'I', 42, 0] => true,
        [b'M', b'M', 0, 42] => false,
        _ => return None,
    };
    let rd16 = |i: usize| -> Option<u16> {
        let b = [*t.get(i)?, *t.get(i + 1)?];
        Some(if le {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let rd32 = |i: usize| -> Option<u32> {
        let b = [*t.get(i)?, *t.get(i + 1)?, *t.get(i + 2)?, *t.get(i + 3)?];
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = rd32(4)? as usize;
    let n = rd16(ifd)? as usize;
    for i in 0..n.min(512) {
        let e = ifd + 2 + i * 12;
        if rd16(e)? == 0x0112 {
            let v = rd16(e + 8)?;
            return (1..=8).contains(&v).then_some(v as u8);
        }
    }
    None
}

/// Does an end-of-image marker follow the first scan? A truncated file has none. Scans from
/// the end, so a whole file answers at once.
pub(crate) fn has_end(data: &[u8]) -> bool {
    let Some(mut segs) = Segments::new(data) else {
        return false;
    };
    // Walk marker segments (an embedded EXIF thumbnail has its own end marker) to the scan.
    loop {
        match segs.next_segment() {
            Ok(Some((0xDA, _))) => break,
            Ok(Some(_)) => continue,
            _ => return false,
        }
    }
    let tail = &data[segs.pos..];
    tail.windows(2).rev().any(|w| w == [0xFF, 0xD9])
}

// ---------------------------------------------------------------------------------------------
// Scaled decoding

#[derive(Clone)]
struct Huffman {
    /// FAST_BITS lookup: (code length << 8) | symbol; 0 = not in the fast table.
    fast: Box<[u16; 1 << FAST_BITS]>,
    /// Canonical decoding for longer codes.
    maxcode: [i32; 18],
    valptr: [i32; 17],
    mincode: [i32; 17],
    values: Vec<u8>,
    /// For AC tables, skipping a coefficient in one step: indexed by the next `FAST_BITS`
    /// bits, `(code length + extra bits) << 8 | run+1`, or 0 when code and extra bits do not
    /// both fit (or the symbol is EOB/ZRL: those go the normal way).
    skip: Box<[u16; 1 << FAST_BITS]>,
}

const FAST_BITS: u32 = 11;

impl Huffman {
    fn new(counts: &[u8; 16], values: &[u8]) -> Option<Huffman> {
        let mut fast = Box::new([0u16; 1 << FAST_BITS]);
        let mut maxcode = [-1i32; 18];
        let mut valptr = [0i32; 17];
        let mut mincode = [0i32; 17];
        let mut code: i32 = 0;
        let mut k: usize = 0;
        for len in 1..=16usize {
            let n = counts[len - 1] as usize;
            valptr[len] = k as i32;
            mincode[len] = code;
            for _ in 0..n {
                if k >= values.len() || code >= (1 << len) {
                    return None;
                }
                if len as u32 <= FAST_BITS {
                    let shift = FAST_BITS - len as u32;
                    let base = (code as usize) << shift;
                    for j in 0..(1usize << shift) {
                        fast[base + j] = ((len as u16) << 8) | values[k] as u16;
                    }
                }
                code += 1;
                k += 1;
            }
            maxcode[len] = if n > 0 { code - 1 } else { -1 };
            code <<= 1;
        }
        maxcode[17] = i32::MAX;
        let mut skip = Box::new([0u16; 1 << FAST_BITS]);
        for (i, e) in fast.iter().enumerate() {
            let (len, sym) = ((e >> 8) as u32, (e & 0xFF) as u32);
            let (r, sz) = (sym >> 4, sym & 15);
            if len == 0 {
                continue;
            }
            if sz == 0 {
                // EOB ends the block (k jumps past 63); ZRL skips 16 zeros.
                skip[i] = ((len as u16) << 8) | if r == 15 { 16 } else { 0xFF };
            } else if len + sz <= FAST_BITS {
                skip[i] = (((len + sz) as u16) << 8) | (r as u16 + 1);
            }
        }
        Some(Huffman {
            fast,
            maxcode,
            valptr,
            mincode,
            values: values[..k].to_vec(),
            skip,
        })
    }
}

struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
    buf: u64,
    bits: u32,
    /// A marker was met: feed zeros from now on.
    marker: Option<u8>,
    /// How many of the buffered bits are those zeros (always the last ones). The marker is met
    /// while reading ahead, with real bits still buffered: the data ends only when these are
    /// reached.
    pad: u32,
}

impl<'a> BitReader<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader {
            data,
            pos,
            buf: 0,
            bits: 0,
            marker: None,
            pad: 0,
        }
    }

    /// Has decoding run past the end of the entropy-coded data into the zero padding?
    fn overrun(&self) -> bool {
        self.bits < self.pad
    }

    #[inline(always)]
    fn refill(&mut self) {
        // Fast path: eight bytes with no 0xFF among them (no stuffing, no marker).
        if self.marker.is_none()
            && let Some(chunk) = self.data.get(self.pos..self.pos + 8)
        {
            let word = u64::from_be_bytes(chunk.try_into().expect("8 bytes"));
            let inv = !word;
            let has_ff = inv.wrapping_sub(0x0101_0101_0101_0101) & !inv & 0x8080_8080_8080_8080;
            if has_ff == 0 {
                let nb = (64 - self.bits) >> 3;
                let new_bits = self.bits + nb * 8;
                let mask = if new_bits >= 64 {
                    !0u64
                } else {
                    !0u64 << (64 - new_bits)
                };
                self.buf |= (word >> self.bits) & mask;
                self.bits = new_bits;
                self.pos += nb as usize;
                return;
            }
        }
        self.refill_slow();
    }

    #[inline(never)]
    fn refill_slow(&mut self) {
        while self.bits <= 56 {
            let mut byte = 0u8;
            let mut real = false;
            if self.marker.is_none() {
                if let Some(&b) = self.data.get(self.pos) {
                    if b == 0xFF {
                        match self.data.get(self.pos + 1) {
                            Some(0x00) => {
                                byte = 0xFF;
                                real = true;
                                self.pos += 2;
                            }
                            Some(&m) => {
                                self.marker = Some(m);
                            }
                            None => {
                                self.marker = Some(0xD9);
                                self.pos += 1;
                            }
                        }
                    } else {
                        byte = b;
                        real = true;
                        self.pos += 1;
                    }
                } else {
                    self.marker = Some(0xD9);
                }
            }
            self.buf |= (byte as u64) << (56 - self.bits);
            self.bits += 8;
            if !real {
                self.pad += 8;
            }
        }
    }

    #[inline(always)]
    fn peek(&self, n: u32) -> u32 {
        (self.buf >> (64 - n)) as u32
    }

    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.bits -= n;
    }

    #[inline(always)]
    fn decode(&mut self, h: &Huffman) -> Option<u8> {
        if self.bits < 16 {
            self.refill();
        }
        let e = h.fast[self.peek(FAST_BITS) as usize];
        if e != 0 {
            self.consume((e >> 8) as u32);
            return Some(e as u8);
        }
        let mut len = FAST_BITS as usize + 1;
        while len <= 16 {
            let code = self.peek(len as u32) as i32;
            if code <= h.maxcode[len] {
                self.consume(len as u32);
                let idx = h.valptr[len] + code - h.mincode[len];
                return h.values.get(idx as usize).copied();
            }
            len += 1;
        }
        None
    }

    /// Receive `s` bits and sign-extend (JPEG's EXTEND).
    #[inline(always)]
    fn receive_extend(&mut self, s: u32) -> i32 {
        if s == 0 {
            return 0;
        }
        if self.bits < s {
            self.refill();
        }
        let v = self.peek(s) as i32;
        self.consume(s);
        if v < (1 << (s - 1)) {
            v - (1 << s) + 1
        } else {
            v
        }
    }

    #[inline(always)]
    fn skip(&mut self, s: u32) {
        if self.bits < s {
            self.refill();
        }
        self.consume(s);
    }

    /// Skip the AC coefficients of a block from zig-zag position `k` on. Keeps the bit buffer
    /// in registers: this loop is where a 1/8-scale decode spends its time.
    #[inline(always)]
    fn skip_ac(&mut self, h: &Huffman, mut k: usize) -> Option<()> {
        let (mut buf, mut bits) = (self.buf, self.bits);
        while k < 64 {
            if bits < 32 {
                self.buf = buf;
                self.bits = bits;
                self.refill();
                buf = self.buf;
                bits = self.bits;
            }
            let idx = (buf >> (64 - FAST_BITS)) as usize;
            let e = h.skip[idx];
            if e != 0 {
                let l = (e >> 8) as u32;
                buf <<= l;
                bits -= l;
                k += (e & 0xFF) as usize;
                continue;
            }
            let f = h.fast[idx];
            if f != 0 {
                // Code in the table, extra bits too many for one step (≤ 11 + 15 < 32).
                let l = (f >> 8) as u32 + (f & 15) as u32;
                buf <<= l;
                bits -= l;
                k += ((f & 0xFF) >> 4) as usize + 1;
                continue;
            }
            // Long code: the general path.
            self.buf = buf;
            self.bits = bits;
            let rs = self.decode(h)? as u32;
            let (r, sz) = (rs >> 4, rs & 15);
            if sz == 0 {
                if r != 15 {
                    return Some(());
                }
                k += 16;
            } else {
                self.skip(sz);
                k += r as usize + 1;
            }
            buf = self.buf;
            bits = self.bits;
        }
        self.buf = buf;
        self.bits = bits;
        Some(())
    }

    /// At a restart interval: drop buffered bits and step over the RSTn marker.
    fn restart(&mut self) {
        self.buf = 0;
        self.bits = 0;
        self.pad = 0;
        if let Some(m) = self.marker {
            if (0xD0..=0xD7).contains(&m) {
                self.pos += 2;
                self.marker = None;
            }
            return;
        }
        // Marker not yet seen: search for it.
        while self.pos + 1 < self.data.len() {
            if self.data[self.pos] == 0xFF && (0xD0..=0xD7).contains(&self.data[self.pos + 1]) {
                self.pos += 2;
                return;
            }
            self.pos += 1;
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Component {
    id: u8,
    h: u32,
    v: u32,
    tq: usize,
    td: usize,
    ta: usize,
}

/// Zig-zag position → natural (row-major) index.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Reduced inverse DCT: N×N output (N = 8 / scale) from the low N×N coefficients.
/// f(x,y) = 1/4 Σ C(u)C(v) F(u,v) cos((2x+1)uπ/2N) cos((2y+1)vπ/2N), which for N = 8 is the
/// ordinary IDCT and for N = 1 is F(0,0)/8 — the average of the block.
struct ReducedIdct {
    n: usize,
    /// table[x * n + u] = C(u) · cos((2x+1)uπ/2N) / 2
    table: Vec<f32>,
}

impl ReducedIdct {
    fn new(n: usize) -> Self {
        let mut table = vec![0f32; n * n];
        for x in 0..n {
            for u in 0..n {
                let c = if u == 0 {
                    std::f32::consts::FRAC_1_SQRT_2
                } else {
                    1.0
                };
                let ang = ((2 * x + 1) as f32) * (u as f32) * std::f32::consts::PI / (2 * n) as f32;
                table[x * n + u] = c * ang.cos() / 2.0;
            }
        }
        ReducedIdct { n, table }
    }

    /// `coef` natural order, dequantised. Writes n×n samples into `out` with `stride`.
    fn run(&self, coef: &[i32; 64], out: &mut [u8], stride: usize) {
        let n = self.n;
        // Rows first: tmp[v][x] = Σ_u T[x][u] F(u,v)   (u horizontal frequency = column).
        let mut tmp = [0f32; 64];
        for v in 0..n {
            for x in 0..n {
                let mut s = 0f32;
                for u in 0..n {
                    s += self.table[x * n + u] * coef[v * 8 + u] as f32;
                }
                tmp[v * 8 + x] = s;
            }
        }
        for y in 0..n {
            for x in 0..n {
                let mut s = 0f32;
                for v in 0..n {
                    s += self.table[y * n + v] * tmp[v * 8 + x];
                }
                let p = (s + 128.5).clamp(0.0, 255.0) as u8;
                out[y * stride + x] = p;
            }
        }
    }
}

/// Decode at 1/`scale` (2, 4 or 8). `None` when the file is not a kind this fast path reads.
pub(crate) fn decode_scaled(data: &[u8], scale: u32) -> Option<RgbImage> {
    if !matches!(scale, 2 | 4 | 8) {
        return None;
    }
    let mut segs = Segments::new(data)?;
    let mut qt: [[u16; 64]; 4] = [[0; 64]; 4];
    let mut dc: [Option<Huffman>; 4] = [None, None, None, None];
    let mut ac: [Option<Huffman>; 4] = [None, None, None, None];
    let mut comps: Vec<Component> = Vec::new();
    let (mut width, mut height) = (0u32, 0u32);
    let mut restart_interval = 0u32;
    let mut adobe_transform: Option<u8> = None;
    let mut scan_order: Vec<usize> = Vec::new();
    loop {
        let (marker, p) = segs.next_segment().ok()??;
        match marker {
            0xDB => {
                let mut i = 0;
                while i < p.len() {
                    let pq = p[i] >> 4;
                    let tq = (p[i] & 15) as usize;
                    if tq > 3 {
                        return None;
                    }
                    i += 1;
                    for k in 0..64 {
                        let v = if pq == 0 {
                            *p.get(i + k)? as u16
                        } else {
                            be16(p, i + 2 * k)?
                        };
                        qt[tq][ZIGZAG[k]] = v;
                    }
                    i += if pq == 0 { 64 } else { 128 };
                }
            }
            0xC4 => {
                let mut i = 0;
                while i < p.len() {
                    let tc = p[i] >> 4;
                    let th = (p[i] & 15) as usize;
                    if th > 3 || tc > 1 {
                        return None;
                    }
                    let counts: [u8; 16] = p.get(i + 1..i + 17)?.try_into().ok()?;
                    let total: usize = counts.iter().map(|&c| c as usize).sum();
                    let values = p.get(i + 17..i + 17 + total)?;
                    let h = Huffman::new(&counts, values)?;
                    if tc == 0 {
                        dc[th] = Some(h);
                    } else {
                        ac[th] = Some(h);
                    }
                    i += 17 + total;
                }
            }
            0xDD => restart_interval = be16(p, 0)? as u32,
            0xEE if p.starts_with(b"Adobe") && p.len() >= 12 => {
                adobe_transform = Some(p[11]);
            }
            0xC0 | 0xC1 => {
                if *p.first()? != 8 {
                    return None;
                }
                height = be16(p, 1)? as u32;
                width = be16(p, 3)? as u32;
                let n = *p.get(5)? as usize;
                if width == 0 || height == 0 || !(n == 1 || n == 3) {
                    return None;
                }
                for c in 0..n {
                    let b = p.get(6 + 3 * c..9 + 3 * c)?;
                    let (h, v) = ((b[1] >> 4) as u32, (b[1] & 15) as u32);
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) || b[2] > 3 {
                        return None;
                    }
                    comps.push(Component {
                        id: b[0],
                        h,
                        v,
                        tq: b[2] as usize,
                        ..Default::default()
                    });
                }
            }
            m if is_sof(m) => return None, // progressive, lossless, arithmetic, 12-bit…
            0xDA => {
                if comps.is_empty() {
                    return None;
                }
                let ns = *p.first()? as usize;
                if ns != comps.len() {
                    return None; // non-interleaved colour scans: leave to the full decoder
                }
                for s in 0..ns {
                    let cid = *p.get(1 + 2 * s)?;
                    let t = *p.get(2 + 2 * s)?;
                    let ci = comps.iter().position(|c| c.id == cid)?;
                    comps[ci].td = (t >> 4) as usize;
                    comps[ci].ta = (t & 15) as usize;
                    if comps[ci].td > 3 || comps[ci].ta > 3 {
                        return None;
                    }
                    scan_order.push(ci);
                }
                // Spectral selection must be the full baseline range.
                let ss = *p.get(1 + 2 * ns)?;
                let se = *p.get(2 + 2 * ns)?;
                if ss != 0 || se != 63 {
                    return None;
                }
                break;
            }
            _ => {}
        }
    }
    if comps.len() == 3 {
        // Adobe transform 0 means plain RGB; component ids 'R','G','B' likewise.
        if adobe_transform == Some(0) || comps.iter().map(|c| c.id).eq([b'R', b'G', b'B']) {
            return None;
        }
    }
    // Every table the scan uses must exist.
    for c in &comps {
        dc[c.td].as_ref()?;
        ac[c.ta].as_ref()?;
    }

    let n = (8 / scale) as usize;
    let single = comps.len() == 1;
    let (hmax, vmax) = if single {
        (1, 1)
    } else {
        (
            comps.iter().map(|c| c.h).max()?,
            comps.iter().map(|c| c.v).max()?,
        )
    };
    let mcux = width.div_ceil(8 * hmax) as usize;
    let mcuy = height.div_ceil(8 * vmax) as usize;
    // Plane of each component, in reduced samples.
    let mut planes: Vec<(Vec<u8>, usize, usize)> = comps
        .iter()
        .map(|c| {
            let (bw, bh) = if single {
                (mcux, mcuy)
            } else {
                (mcux * c.h as usize, mcuy * c.v as usize)
            };
            let (pw, ph) = (bw * n, bh * n);
            (vec![128u8; pw * ph], pw, ph)
        })
        .collect();

    let idct = ReducedIdct::new(n);
    let mut br = BitReader::new(data, segs.pos);
    let mut pred = [0i32; 4];
    let mut coef = [0i32; 64];
    let total_mcus = mcux * mcuy;
    let mut since_restart = 0u32;
    // Which zig-zag positions we need: those with row < n and column < n.
    let needed_max_zz = if n == 1 {
        0
    } else {
        (0..64)
            .filter(|&k| ZIGZAG[k] / 8 < n && ZIGZAG[k] % 8 < n)
            .max()?
    };
    for m in 0..total_mcus {
        if restart_interval > 0 && since_restart == restart_interval {
            br.restart();
            pred = [0; 4];
            since_restart = 0;
        }
        since_restart += 1;
        let (mx, my) = (m % mcux, m / mcux);
        for &ci in &scan_order {
            let c = comps[ci];
            let dct = dc[c.td].as_ref()?;
            let act = ac[c.ta].as_ref()?;
            let q = &qt[c.tq];
            let (bh, bv) = if single { (1, 1) } else { (c.h, c.v) };
            for by in 0..bv as usize {
                for bx in 0..bh as usize {
                    // DC
                    let s = br.decode(dct)? as u32;
                    if s > 16 {
                        return None;
                    }
                    let diff = br.receive_extend(s);
                    pred[ci] = pred[ci].wrapping_add(diff);
                    // AC: keep the low ones we need, skip the rest.
                    if n > 1 {
                        coef.fill(0);
                    }
                    coef[0] = pred[ci].wrapping_mul(q[0] as i32);
                    let mut k = 1usize;
                    while k < 64 {
                        if k > needed_max_zz {
                            br.skip_ac(act, k)?;
                            break;
                        }
                        let rs = br.decode(act)? as u32;
                        let (r, s) = (rs >> 4, rs & 15);
                        if s == 0 {
                            if r == 15 {
                                k += 16;
                                continue;
                            }
                            break;
                        }
                        k += r as usize;
                        if k > 63 {
                            break;
                        }
                        if k <= needed_max_zz {
                            let z = ZIGZAG[k];
                            coef[z] = br.receive_extend(s).wrapping_mul(q[z] as i32);
                        } else {
                            br.skip(s);
                        }
                        k += 1;
                    }
                    // Write the reduced block.
                    let (plane, pw, _) = &mut planes[ci];
                    let px = (mx * bh as usize + bx) * n;
                    let py = (my * bv as usize + by) * n;
                    let off = py * *pw + px;
                    if n == 1 {
                        let v = (coef[0] + if coef[0] >= 0 { 4 } else { -4 }) / 8 + 128;
                        plane[off] = v.clamp(0, 255) as u8;
                    } else {
                        idct.run(&coef, &mut plane[off..], *pw);
                    }
                }
            }
        }
        if br.overrun()
            && br.marker.is_some_and(|mk| !(0xD0..=0xD7).contains(&mk))
            && m + 1 < total_mcus
        {
            // The data ran out before the picture did: the rest stays grey (truncated file).
            break;
        }
    }

    // Output size and colour conversion.
    let ow = (width as usize).div_ceil(scale as usize);
    let oh = (height as usize).div_ceil(scale as usize);
    let mut out = vec![0u8; ow * oh * 3];
    if single {
        let (p, pw, _) = &planes[0];
        for y in 0..oh {
            let row = &p[y * pw..y * pw + ow];
            for (x, &v) in row.iter().enumerate() {
                let o = (y * ow + x) * 3;
                out[o] = v;
                out[o + 1] = v;
                out[o + 2] = v;
            }
        }
    } else {
        // Sample position of output pixel (x, y) in component c: (x·h/hmax, y·v/vmax).
        let xs: Vec<Vec<usize>> = comps
            .iter()
            .map(|c| (0..ow).map(|x| x * c.h as usize / hmax as usize).collect())
            .collect();
        for y in 0..oh {
            let rows: Vec<&[u8]> = comps
                .iter()
                .zip(&planes)
                .map(|(c, (p, pw, _))| {
                    let sy = y * c.v as usize / vmax as usize;
                    &p[sy * pw..(sy + 1) * pw]
                })
                .collect();
            let orow = &mut out[y * ow * 3..(y + 1) * ow * 3];
            for x in 0..ow {
                let yy = rows[0][xs[0][x]] as i32;
                let cb = rows[1][xs[1][x]] as i32 - 128;
                let cr = rows[2][xs[2][x]] as i32 - 128;
                // JFIF YCbCr → RGB, 16.16 fixed point.
                let r = yy + ((91881 * cr + 32768) >> 16);
                let g = yy - ((22554 * cb + 46802 * cr - 32768) >> 16);
                let b = yy + ((116130 * cb + 32768) >> 16);
                orow[x * 3] = r.clamp(0, 255) as u8;
                orow[x * 3 + 1] = g.clamp(0, 255) as u8;
                orow[x * 3 + 2] = b.clamp(0, 255) as u8;
            }
        }
    }
    RgbImage::from_raw(ow as u32, oh as u32, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

    /// A smooth but varied picture: gradients and a few soft blobs.
    fn picture(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let fx = x as f32 / w as f32;
            let fy = y as f32 / h as f32;
            let blob = ((fx * 9.0).sin() * (fy * 7.0).cos() * 60.0) as i32;
            image::Rgb([
                (fx * 200.0) as u8 + 20,
                (fy * 180.0) as u8 + 30,
                (120 + blob).clamp(0, 255) as u8,
            ])
        })
    }

    fn encode(img: &RgbImage, sampling: SamplingFactor, gray: bool, restart: u16) -> Vec<u8> {
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, 90);
        e.set_sampling_factor(sampling);
        if restart > 0 {
            e.set_restart_interval(restart);
        }
        let (w, h) = img.dimensions();
        if gray {
            let g: Vec<u8> = img.as_raw().chunks(3).map(|p| p[1]).collect();
            e.encode(&g, w as u16, h as u16, ColorType::Luma).unwrap();
        } else {
            e.encode(img.as_raw(), w as u16, h as u16, ColorType::Rgb)
                .unwrap();
        }
        out
    }

    /// Mean absolute difference between the scaled decode and the full decode box-averaged.
    fn error_against_full(jpeg: &[u8], scale: u32) -> f64 {
        let full = image::load_from_memory(jpeg).unwrap().to_rgb8();
        let small = decode_scaled(jpeg, scale).expect("fast path");
        let (w, h) = full.dimensions();
        assert_eq!(
            small.dimensions(),
            (w.div_ceil(scale), h.div_ceil(scale)),
            "scaled size"
        );
        let reference = crate::photo::resize::box_shrink(&full, 0, 0, w, h, scale);
        let (a, b) = (small.as_raw(), reference.as_raw());
        a.iter()
            .zip(b)
            .map(|(&x, &y)| (x as f64 - y as f64).abs())
            .sum::<f64>()
            / a.len() as f64
    }

    /// The largest difference of any one sample: a broken block somewhere hides in a mean.
    fn worst_against_full(jpeg: &[u8], scale: u32) -> (u8, usize) {
        let full = image::load_from_memory(jpeg).unwrap().to_rgb8();
        let small = decode_scaled(jpeg, scale).expect("fast path");
        let (w, h) = full.dimensions();
        let reference = crate::photo::resize::box_shrink(&full, 0, 0, w, h, scale);
        small
            .as_raw()
            .iter()
            .zip(reference.as_raw())
            .enumerate()
            .map(|(i, (&x, &y))| (x.abs_diff(y), i))
            .max()
            .unwrap()
    }

    /// The last blocks of a scan sit in the bit buffer when the reader, looking ahead, meets
    /// the end marker: they must still be decoded, not left grey. A flat picture packs many
    /// blocks into those last bytes (this once greyed out the corner of most stored photos).
    #[test]
    fn the_last_blocks_are_decoded_after_the_end_marker_is_seen() {
        for side in [96u32, 200, 400] {
            let img = RgbImage::from_pixel(side, side, image::Rgb([206, 227, 246]));
            for sampling in [SamplingFactor::F_1_1, SamplingFactor::F_2_2] {
                let jpeg = encode(&img, sampling, false, 0);
                for scale in [2, 4, 8] {
                    let (d, i) = worst_against_full(&jpeg, scale);
                    assert!(
                        d <= 3,
                        "{side}px {sampling:?} 1/{scale}: off by {d} at sample {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn scaled_decode_matches_full_decode() {
        let img = picture(203, 157); // not a multiple of the MCU size
        for sampling in [
            SamplingFactor::F_1_1,
            SamplingFactor::F_2_1,
            SamplingFactor::F_2_2,
        ] {
            for gray in [false, true] {
                for restart in [0u16, 3] {
                    let jpeg = encode(&img, sampling, gray, restart);
                    for scale in [2, 4, 8] {
                        let err = error_against_full(&jpeg, scale);
                        assert!(
                            err < 4.0,
                            "{sampling:?} gray={gray} rst={restart} 1/{scale}: mean error {err}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn progressive_is_left_to_the_full_decoder() {
        let img = picture(64, 64);
        let mut out = Vec::new();
        let mut e = Encoder::new(&mut out, 90);
        e.set_progressive(true);
        e.encode(img.as_raw(), 64, 64, ColorType::Rgb).unwrap();
        assert!(decode_scaled(&out, 8).is_none());
    }

    #[test]
    fn header_walk() {
        let jpeg = encode(&picture(33, 17), SamplingFactor::F_2_2, false, 0);
        let h = parse_header(&jpeg).unwrap();
        assert_eq!((h.width, h.height, h.orientation), (33, 17, 1));
        assert!(parse_header(&jpeg[..10]).is_err());
        assert!(parse_header(b"\xFF\xD8").is_err());
    }
}
