//! Peak memory of `adphoto convert` on the biggest pictures the bomb guard lets through
//! (issue 13: under 300 MB for any input up to 100 megapixels). The inputs are made here, the
//! real binary runs as a child, and its own peak RSS comes back from `wait4`.
//!
//! The child's peak also counts what the test process holds at the spawn (a forked child shares
//! its pages until exec), so the tests take turns and free their inputs before spawning: the
//! number is then an upper bound.
//!
//! Linux only: `ru_maxrss` means different things elsewhere.
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

const LIMIT: u64 = 300 << 20;

/// One test at a time: another test's input in memory would count in this one's child.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `adphoto convert input -o out`: (peak RSS in bytes, wall time). Panics unless it exits 0.
fn convert(input: &Path, out: &Path) -> (u64, Duration) {
    use std::os::unix::process::CommandExt;
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_adphoto"));
    cmd.arg("convert")
        .arg(input)
        .arg("-o")
        .arg(out)
        .stdout(Stdio::null());
    // SAFETY: the hook does nothing. It makes std fork instead of vfork: a vforked child runs in
    // the test process's memory until exec, and exec records that memory's all-time peak as the
    // child's own (ru_maxrss), whatever this test process once held.
    unsafe {
        cmd.pre_exec(|| Ok(()));
    }
    // Reaped by wait4 below, which std's wait cannot do: it does not return the rusage.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().expect("start adphoto");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain data for wait4 to fill; `pid` is our own child, reaped here (std's Child is
    // dropped without waiting).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let took = started.elapsed();
    assert_eq!(reaped, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "adphoto convert {} failed: status {status:#x}",
        input.display()
    );
    // Linux reports kilobytes.
    (usage.ru_maxrss as u64 * 1024, took)
}

fn assert_outlook_jpeg(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() <= 10_240, "{} bytes", bytes.len());
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((img.width(), img.height()), (96, 96));
}

/// A PNG written row by row: `rows` distinct rows repeated in bands (cheap to make in a debug
/// build, small on disk), each from `row(i)`.
fn write_png(
    path: &Path,
    w: u32,
    h: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    row: impl Fn(u32) -> Vec<u8>,
) {
    let file = BufWriter::new(File::create(path).unwrap());
    let mut enc = png::Encoder::new(file, w, h);
    enc.set_color(color);
    enc.set_depth(depth);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let bands: Vec<Vec<u8>> = (0..16).map(row).collect();
    for y in 0..h {
        stream.write_all(&bands[(y * 16 / h) as usize]).unwrap();
    }
    stream.finish().unwrap();
}

/// A 16-bit RGBA row: a gradient across, alpha from clear to opaque, varying by band.
fn rgba16_row(w: u32, band: u32) -> Vec<u8> {
    (0..w)
        .flat_map(|x| {
            let v = (x * 65_535 / w) as u16;
            let a = ((x + band * 4000) % w * 65_535 / w) as u16;
            let b = (band * 4000) as u16;
            [v, 65_535 - v, b, a].into_iter().flat_map(u16::to_be_bytes)
        })
        .collect()
}

fn rgb8_row(w: u32, band: u32) -> Vec<u8> {
    (0..w)
        .flat_map(|x| {
            [
                (x * 255 / w) as u8,
                (band * 16) as u8,
                ((x / 7) % 256) as u8,
            ]
        })
        .collect()
}

fn report(what: &str, peak: u64, took: Duration) {
    eprintln!(
        "{what}: peak RSS {} MB, {:.2} s (debug build)",
        peak >> 20,
        took.as_secs_f64()
    );
}

#[test]
fn a_100_megapixel_16_bit_rgba_png_converts_under_300_mb() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("big16.png"), dir.path().join("out.jpg"));
    write_png(
        &input,
        9999,
        9999,
        png::ColorType::Rgba,
        png::BitDepth::Sixteen,
        |b| rgba16_row(9999, b),
    );
    let (peak, took) = convert(&input, &out);
    report("9999×9999 RGBA16 PNG", peak, took);
    assert!(peak < LIMIT, "peak RSS {} MB", peak >> 20);
    assert_outlook_jpeg(&out);
}

#[test]
fn a_100_megapixel_rgb_png_converts_under_300_mb() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("big8.png"), dir.path().join("out.jpg"));
    write_png(
        &input,
        10_000,
        10_000,
        png::ColorType::Rgb,
        png::BitDepth::Eight,
        |b| rgb8_row(10_000, b),
    );
    let (peak, took) = convert(&input, &out);
    report("10000×10000 RGB8 PNG", peak, took);
    assert!(peak < LIMIT, "peak RSS {} MB", peak >> 20);
    assert_outlook_jpeg(&out);
}

#[test]
fn a_100_megapixel_deflate_tiff_converts_under_300_mb() {
    use tiff::encoder::{Compression, DeflateLevel, TiffEncoder, colortype::RGB8};
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let (input, out) = (dir.path().join("big.tif"), dir.path().join("out.jpg"));
    let (w, h) = (10_000u32, 10_000u32);
    {
        let file = BufWriter::new(File::create(&input).unwrap());
        // Deflate: the whole file is read into memory first, and the tiff crate's LZW makes
        // 172 MB of this picture.
        let mut enc = TiffEncoder::new(file)
            .unwrap()
            .with_compression(Compression::Deflate(DeflateLevel::Fast));
        let mut image = enc.new_image::<RGB8>(w, h).unwrap();
        image.rows_per_strip(64).unwrap();
        // Whole, since only `write_data` compresses (`write_strip` alone writes the strips raw
        // under a compressed tag); 300 MB in the test process, not in the child measured.
        let bands: Vec<Vec<u8>> = (0..16).map(|b| rgb8_row(w, b)).collect();
        let mut data = Vec::with_capacity(w as usize * h as usize * 3);
        for y in 0..h {
            data.extend_from_slice(&bands[(y * 16 / h) as usize]);
        }
        image.write_data(&data).unwrap();
        // `data` is freed here, before the spawn.
    }
    let size = std::fs::metadata(&input).unwrap().len();
    let (peak, took) = convert(&input, &out);
    report(
        &format!("10000×10000 RGB8 deflate TIFF ({} MB)", size >> 20),
        peak,
        took,
    );
    assert!(peak < LIMIT, "peak RSS {} MB", peak >> 20);
    assert_outlook_jpeg(&out);
}
