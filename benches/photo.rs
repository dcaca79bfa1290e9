//! adphoto's photo core vs vipsthumbnail and ImageMagick on camera-sized JPEGs.
//!
//! `cargo bench --bench photo` (ADPHOTO_BENCH_FILES=N to change the count, default 50).
//! Generates N 4000×3000 JPEGs (gradients, shapes and noise, quality 90, ~2–4 MB) in a temp
//! dir, then makes the Outlook photo (96×96, ≤ 10,240 bytes) from each, single-threaded, with:
//!   adphoto  — `photo::prepare` (automatic crop with face detection), file read + write included;
//!   vips     — one `vipsthumbnail` process over all files (its best case), VIPS_CONCURRENCY=1;
//!   magick   — `/usr/bin/convert` per file with the jpeg:size hint and jpeg:extent=10KB,
//!              MAGICK_THREAD_LIMIT=1.
//! Then adphoto again on all cores (rayon).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use adphoto::photo::{self, PrepareOptions};
use image::RgbImage;
use rayon::prelude::*;

const W: u32 = 4000;
const H: u32 = 3000;

fn make_photo(seed: u64) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let (cx, cy) = (
        (1000 + seed * 377 % 2000) as f32,
        (800 + seed * 211 % 1400) as f32,
    );
    let img = RgbImage::from_fn(W, H, |x, y| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let n = (s & 15) as i32 - 8;
        let (fx, fy) = (x as f32, y as f32);
        let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
        // A soft "subject" disc on a sky-to-floor gradient, with some texture.
        let subject = if d < 700.0 { 60 } else { 0 };
        let tex = (((fx * 0.05).sin() + (fy * 0.07).cos()) * 12.0) as i32;
        let c = |v: i32| (v + n + tex).clamp(0, 255) as u8;
        image::Rgb([
            c((x * 200 / W) as i32 + subject),
            c(90 + (y * 120 / H) as i32),
            c(200 - (y * 150 / H) as i32 + subject / 2),
        ])
    });
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(
            img.as_raw(),
            W as u16,
            H as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}

fn adphoto_one(path: &Path, out_dir: &Path) -> (usize, u8) {
    adphoto_with(path, out_dir, false)
}

/// `centre`: give the centre square as the crop (what vipsthumbnail and ImageMagick do here),
/// so no face detection runs.
fn adphoto_with(path: &Path, out_dir: &Path, centre: bool) -> (usize, u8) {
    let bytes = std::fs::read(path).unwrap();
    let mut opts = PrepareOptions::default();
    if centre {
        let i = photo::inspect(&bytes).unwrap();
        let side = i.width.min(i.height);
        opts.crop = Some(photo::CropRect::new(
            (i.width - side) / 2,
            (i.height - side) / 2,
            side,
            side,
        ));
    }
    let p = photo::prepare(&bytes, &opts).unwrap();
    assert!(p.jpeg.len() <= 10_240 && p.width == 96 && p.height == 96);
    std::fs::write(out_dir.join(path.file_name().unwrap()), &p.jpeg).unwrap();
    (p.jpeg.len(), p.quality)
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// User + system CPU time of this process (`who` = RUSAGE_SELF) or of its waited-for children.
fn cpu(who: i32) -> Duration {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    unsafe { libc::getrusage(who, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Wall and CPU time of one contender.
#[derive(Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Duration,
}

fn measure(who: i32, f: impl FnOnce()) -> Run {
    let (t, c) = (Instant::now(), cpu(who));
    f();
    Run {
        wall: t.elapsed(),
        cpu: cpu(who) - c,
    }
}

fn report(name: &str, n: usize, r: Run, note: &str) {
    println!(
        "{name:<14} {:>7.1} files/s wall {:>7.1} files/s CPU  {:>6.1} ms CPU/file  ({note})",
        rate(n, r.wall),
        rate(n, r.cpu),
        r.cpu.as_secs_f64() * 1000.0 / n as f64
    );
}

fn dir_sizes(dir: &Path) -> (usize, usize) {
    let sizes: Vec<usize> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len() as usize)
        .collect();
    (sizes.len(), sizes.iter().copied().max().unwrap_or(0))
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        println!("{}: run it with `cargo bench --bench photo`", file!());
        return;
    }
    // A filter argument that is not ours means "not me".
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && a != "photo")
    {
        return;
    }
    let n: usize = std::env::var("ADPHOTO_BENCH_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let tmp = tempfile::tempdir().unwrap();
    // ADPHOTO_BENCH_DIR keeps the corpus between runs (and for profiling).
    let src = std::env::var_os("ADPHOTO_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("src"));
    std::fs::create_dir_all(&src).unwrap();
    let t = Instant::now();
    let files: Vec<PathBuf> = (0..n)
        .into_par_iter()
        .map(|i| {
            let p = src.join(format!("photo{i:03}.jpg"));
            if !p.exists() {
                std::fs::write(&p, make_photo(i as u64 + 1)).unwrap();
            }
            p
        })
        .collect();
    let total: u64 = files.iter().map(|f| f.metadata().unwrap().len()).sum();
    println!(
        "corpus: {n} JPEGs {W}×{H} (12 MP), quality 90, {:.1} MB average, made in {:.1} s",
        total as f64 / n as f64 / 1e6,
        t.elapsed().as_secs_f32()
    );
    println!("target: 96×96, ≤ 10,240 bytes; single-threaded unless said otherwise\n");

    // Warm the page cache and the detector.
    for f in &files {
        let _ = std::fs::read(f).unwrap();
    }

    // adphoto, one thread (rustface would otherwise use rayon inside).
    let out_a = tmp.path().join("adphoto");
    std::fs::create_dir_all(&out_a).unwrap();
    let pool1 = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let _ = pool1.install(|| adphoto_one(&files[0], &out_a));
    let mut results: Vec<(usize, u8)> = Vec::new();
    let r_adphoto = measure(libc::RUSAGE_SELF, || {
        results = pool1.install(|| files.iter().map(|f| adphoto_one(f, &out_a)).collect());
    });
    let max_bytes = results.iter().map(|r| r.0).max().unwrap();
    let mean_q = results.iter().map(|r| r.1 as f64).sum::<f64>() / n as f64;
    report(
        "adphoto",
        n,
        r_adphoto,
        &format!("max {max_bytes} bytes, mean quality {mean_q:.0}, face detection on"),
    );
    let r_centre = measure(libc::RUSAGE_SELF, || {
        pool1.install(|| {
            for f in &files {
                adphoto_with(f, &out_a, true);
            }
        })
    });
    report(
        "adphoto centre",
        n,
        r_centre,
        "centre crop given, no face detection",
    );

    // vipsthumbnail, one process for all files.
    let out_v = tmp.path().join("vips");
    std::fs::create_dir_all(&out_v).unwrap();
    let vips = which("vipsthumbnail");
    let r_vips = vips.as_ref().map(|v| {
        let r = measure(libc::RUSAGE_CHILDREN, || {
            let st = Command::new(v)
                .env("VIPS_CONCURRENCY", "1")
                .args(["--size", "96x96", "--smartcrop", "centre", "-o"])
                .arg(format!("{}/%s.jpg[Q=85,strip]", out_v.display()))
                .args(&files)
                .status()
                .unwrap();
            assert!(st.success());
        });
        let (count, max) = dir_sizes(&out_v);
        assert_eq!(count, n);
        report(
            "vipsthumbnail",
            n,
            r,
            &format!("max {max} bytes, Q=85 fixed, one process"),
        );
        r
    });

    // ImageMagick, one process per file (as a script would run it).
    let out_m = tmp.path().join("magick");
    std::fs::create_dir_all(&out_m).unwrap();
    let magick = Path::new("/usr/bin/convert");
    let r_magick = magick.exists().then(|| {
        let r = measure(libc::RUSAGE_CHILDREN, || {
            for f in &files {
                let st = Command::new(magick)
                    .env("MAGICK_THREAD_LIMIT", "1")
                    .args(["-define", "jpeg:size=192x192"])
                    .arg(f)
                    .args([
                        "-thumbnail",
                        "96x96^",
                        "-gravity",
                        "center",
                        "-extent",
                        "96x96",
                    ])
                    .args(["-strip", "-define", "jpeg:extent=10KB"])
                    .arg(out_m.join(f.file_name().unwrap()))
                    .status()
                    .unwrap();
                assert!(st.success());
            }
        });
        let (count, max) = dir_sizes(&out_m);
        assert_eq!(count, n);
        report(
            "ImageMagick",
            n,
            r,
            &format!("max {max} bytes, jpeg:extent, process per file"),
        );
        r
    });

    println!();
    let ratio = |name: &str, r: Run| {
        println!(
            "adphoto vs {name:<14} {:.2}× the throughput (wall), {:.2}× (CPU time)",
            r.wall.as_secs_f64() / r_adphoto.wall.as_secs_f64(),
            r.cpu.as_secs_f64() / r_adphoto.cpu.as_secs_f64()
        )
    };
    let ratio_centre = |name: &str, r: Run| {
        println!(
            "  (centre crop) {name:<14} {:.2}× (wall), {:.2}× (CPU time)",
            r.wall.as_secs_f64() / r_centre.wall.as_secs_f64(),
            r.cpu.as_secs_f64() / r_centre.cpu.as_secs_f64()
        )
    };
    if let Some(r) = r_vips {
        ratio("vipsthumbnail", r);
        ratio_centre("vipsthumbnail", r);
    } else {
        println!("vipsthumbnail not found: skipped");
    }
    if let Some(r) = r_magick {
        ratio("ImageMagick", r);
        ratio_centre("ImageMagick", r);
    } else {
        println!("/usr/bin/convert not found: skipped");
    }

    // adphoto on all cores.
    let cores = rayon::current_num_threads();
    let t = Instant::now();
    files.par_iter().for_each(|f| {
        adphoto_one(f, &out_a);
    });
    let d = t.elapsed();
    println!(
        "\nadphoto parallel on {cores} threads: {:.1} files/s wall ({:.2}× single-threaded wall)",
        rate(n, d),
        r_adphoto.wall.as_secs_f64() / d.as_secs_f64()
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average now: {} (wall figures suffer when other work shares the cores; CPU figures much less)",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}
