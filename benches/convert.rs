//! `adphoto convert` against ImageMagick (with its JPEG size hint) and vipsthumbnail on every
//! kind of JPEG a helpdesk meets: baseline 4:2:0 / 4:2:2 / 4:4:4, progressive, restart markers,
//! CMYK, quality 75–95, 2 to 24 megapixels — to the Outlook photo (96×96, ≤ 10,240 bytes).
//!
//! `cargo bench --bench convert` (ADPHOTO_BENCH_DIR keeps the corpus between runs).
//!   per file:  one process per file, as a user of `adphoto convert` or a script sees it; the
//!              best of 3 runs each, single-threaded (MAGICK_THREAD_LIMIT=1, VIPS_CONCURRENCY=1);
//!   all cores: adphoto in-process on every core (what an import does) against `xargs -P` of
//!              each tool over the whole corpus.
//! adphoto detects the face for its crop; the others take the centre square.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use adphoto::photo::{self, PrepareOptions};
use image::RgbImage;
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use rayon::prelude::*;

/// (name, quality, setup of the encoder, CMYK).
type Variant = (&'static str, u8, fn(&mut Encoder<&mut Vec<u8>>), bool);

const VARIANTS: &[Variant] = &[
    ("baseline 4:2:0 q75", 75, |_| {}, false),
    ("baseline 4:2:0 q92", 92, |_| {}, false),
    (
        "baseline 4:2:2 q90",
        90,
        |e| e.set_sampling_factor(SamplingFactor::F_2_1),
        false,
    ),
    (
        "baseline 4:4:4 q95",
        95,
        |e| e.set_sampling_factor(SamplingFactor::F_1_1),
        false,
    ),
    ("progressive q90", 90, |e| e.set_progressive(true), false),
    (
        "restart markers q85",
        85,
        |e| e.set_restart_interval(4),
        false,
    ),
    ("CMYK q90", 90, |_| {}, true),
];

const SIZES: &[(u32, u32)] = &[(1632, 1224), (4000, 3000), (6000, 4000)];

/// A camera-like picture: a face-coloured disc on gradients, with texture and noise.
fn picture(w: u32, h: u32, seed: u64) -> RgbImage {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let (cx, cy, r) = (w as f32 * 0.5, h as f32 * 0.4, h as f32 * 0.2);
    RgbImage::from_fn(w, h, |x, y| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let n = (s & 15) as i32 - 8;
        let (fx, fy) = (x as f32, y as f32);
        let d = ((fx - cx).powi(2) + (fy - cy).powi(2)).sqrt();
        let tex = (((fx * 0.05).sin() + (fy * 0.07).cos()) * 10.0) as i32;
        let c = |v: i32| (v + n + tex).clamp(0, 255) as u8;
        if d < r {
            image::Rgb([c(225), c(180), c(150)])
        } else {
            image::Rgb([
                c((x * 180 / w) as i32 + 40),
                c(90 + (y * 120 / h) as i32),
                c(200 - (y * 150 / h) as i32),
            ])
        }
    })
}

fn encode(img: &RgbImage, v: &Variant) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, v.1);
    (v.2)(&mut e);
    let (w, h) = (img.width() as u16, img.height() as u16);
    if v.3 {
        // Adobe CMYK from RGB (no profile), as prepress tools write it.
        let cmyk: Vec<u8> = img
            .pixels()
            .flat_map(|p| {
                let [r, g, b] = p.0;
                let k = 255 - r.max(g).max(b);
                let f = |c: u8| {
                    if k == 255 {
                        0
                    } else {
                        ((255 - c as u32 - k as u32) * 255 / (255 - k as u32)) as u8
                    }
                };
                [f(r), f(g), f(b), k]
            })
            .collect();
        e.encode(&cmyk, w, h, ColorType::Cmyk).unwrap();
    } else {
        e.encode(img.as_raw(), w, h, ColorType::Rgb).unwrap();
    }
    out
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// The three contenders as commands for one file.
struct Tools {
    adphoto: PathBuf,
    magick: Option<PathBuf>,
    vips: Option<PathBuf>,
}

impl Tools {
    fn adphoto(&self, f: &Path, out: &Path) -> Command {
        let mut c = Command::new(&self.adphoto);
        c.arg("convert").arg(f).arg("-o").arg(out.join("a.jpg"));
        // One thread inside, like the others here.
        c.env("RAYON_NUM_THREADS", "1");
        c
    }

    fn magick(&self, f: &Path, out: &Path) -> Option<Command> {
        let mut c = Command::new(self.magick.as_ref()?);
        c.env("MAGICK_THREAD_LIMIT", "1")
            .args(["-define", "jpeg:size=192x192"])
            .arg(f)
            .args(["-thumbnail", "96x96^", "-gravity", "center"])
            .args(["-extent", "96x96", "-strip", "-define", "jpeg:extent=10KB"])
            .arg(out.join("m.jpg"));
        Some(c)
    }

    fn vips(&self, f: &Path, out: &Path) -> Option<Command> {
        let mut c = Command::new(self.vips.as_ref()?);
        c.env("VIPS_CONCURRENCY", "1")
            .arg(f)
            .args(["--size", "96x96", "--smartcrop", "centre", "-o"])
            .arg(format!("{}/v.jpg[Q=85,strip]", out.display()));
        Some(c)
    }
}

/// The best of 3 runs of one command (the machine is shared: the minimum is the least noisy).
fn best_of_3(mut make: impl FnMut() -> Option<Command>) -> Option<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let mut c = make()?;
        let t = Instant::now();
        let st = c.output().unwrap();
        let d = t.elapsed();
        assert!(st.status.success(), "{c:?}: {st:?}");
        best = best.min(d);
    }
    Some(best)
}

fn ms(d: Option<Duration>) -> String {
    d.map_or("—".into(), |d| format!("{:.0}", d.as_secs_f64() * 1000.0))
}

fn ratio(other: Option<Duration>, ours: Duration) -> String {
    other.map_or("—".into(), |o| {
        format!("{:.2}×", o.as_secs_f64() / ours.as_secs_f64())
    })
}

/// `xargs -P cores` of one tool over all files (one process per file).
fn xargs(tool: &str, files: &[PathBuf], out: &Path, cores: usize) -> Option<Duration> {
    let script = match tool {
        "magick" => format!(
            "MAGICK_THREAD_LIMIT=1 {} -define jpeg:size=192x192 \"$0\" -thumbnail 96x96^ -gravity center -extent 96x96 -strip -define jpeg:extent=10KB {}/m-$$.jpg",
            which("convert")?.display(),
            out.display()
        ),
        "vips" => format!(
            "VIPS_CONCURRENCY=1 {} \"$0\" --size 96x96 --smartcrop centre -o {}/v-$$.jpg[Q=85,strip]",
            which("vipsthumbnail")?.display(),
            out.display()
        ),
        _ => return None,
    };
    let list: String = files.iter().map(|f| format!("{}\0", f.display())).collect();
    let t = Instant::now();
    let mut child = Command::new("xargs")
        .args([
            "-0",
            "-n",
            "1",
            "-P",
            &cores.to_string(),
            "sh",
            "-c",
            &script,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    use std::io::Write as _;
    child.stdin.take()?.write_all(list.as_bytes()).ok()?;
    let st = child.wait().ok()?;
    assert!(st.success());
    Some(t.elapsed())
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        println!("{}: run it with `cargo bench --bench convert`", file!());
        return;
    }
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && a != "convert")
    {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = std::env::var_os("ADPHOTO_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().join("src"));
    std::fs::create_dir_all(&src).unwrap();
    let t = Instant::now();
    let jobs: Vec<(usize, usize)> = (0..SIZES.len())
        .flat_map(|s| (0..VARIANTS.len()).map(move |v| (s, v)))
        .collect();
    let files: Vec<(String, PathBuf)> = jobs
        .par_iter()
        .map(|&(s, v)| {
            let (w, h) = SIZES[s];
            let name = format!("{:.0} MP {}", (w * h) as f64 / 1e6, VARIANTS[v].0);
            let p = src.join(format!("{s}-{v}.jpg"));
            if !p.exists() {
                let img = picture(w, h, (s * 10 + v) as u64 + 1);
                std::fs::write(&p, encode(&img, &VARIANTS[v])).unwrap();
            }
            (name, p)
        })
        .collect();
    println!(
        "corpus: {} JPEGs ({} kinds × 2, 12, 24 MP), made in {:.1} s\n",
        files.len(),
        VARIANTS.len(),
        t.elapsed().as_secs_f32()
    );
    let tools = Tools {
        adphoto: PathBuf::from(env!("CARGO_BIN_EXE_adphoto")),
        magick: which("convert"),
        vips: which("vipsthumbnail"),
    };
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Warm the page cache.
    for (_, f) in &files {
        let _ = std::fs::read(f).unwrap();
    }

    println!("per file, one process each, best of 3 (ms); ratio = their time / adphoto's");
    println!(
        "{:<30} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "file", "adphoto", "magick", "vips", "vs magick", "vs vips"
    );
    let (mut sum_a, mut sum_m, mut sum_v) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let (mut have_m, mut have_v) = (true, true);
    for (name, f) in &files {
        let a = best_of_3(|| Some(tools.adphoto(f, &out))).unwrap();
        let m = best_of_3(|| tools.magick(f, &out));
        let v = best_of_3(|| tools.vips(f, &out));
        sum_a += a;
        match m {
            Some(m) => sum_m += m,
            None => have_m = false,
        }
        match v {
            Some(v) => sum_v += v,
            None => have_v = false,
        }
        println!(
            "{name:<30} {:>8} {:>8} {:>8} {:>9} {:>9}",
            ms(Some(a)),
            ms(m),
            ms(v),
            ratio(m, a),
            ratio(v, a)
        );
    }
    let n = files.len() as u32;
    println!(
        "{:<30} {:>8} {:>8} {:>8} {:>9} {:>9}",
        "mean",
        ms(Some(sum_a / n)),
        ms(have_m.then(|| sum_m / n)),
        ms(have_v.then(|| sum_v / n)),
        ratio(have_m.then_some(sum_m), sum_a),
        ratio(have_v.then_some(sum_v), sum_a)
    );

    // All cores: adphoto in-process (an import's way) against xargs -P of each tool.
    let cores = std::thread::available_parallelism().map_or(2, |c| c.get());
    let paths: Vec<PathBuf> = files.iter().map(|(_, f)| f.clone()).collect();
    let t = Instant::now();
    paths.par_iter().for_each(|f| {
        let bytes = std::fs::read(f).unwrap();
        let p = photo::prepare(&bytes, &PrepareOptions::default()).unwrap();
        assert!(p.jpeg.len() <= 10_240);
    });
    let all_a = t.elapsed();
    let all_m = xargs("magick", &paths, &out, cores);
    let all_v = xargs("vips", &paths, &out, cores);
    println!(
        "\nall {cores} cores, whole corpus: adphoto in-process {:.0} ms, magick xargs -P{cores} {} ms, vips xargs -P{cores} {} ms",
        all_a.as_secs_f64() * 1000.0,
        ms(all_m),
        ms(all_v)
    );
    println!(
        "adphoto vs magick {}, vs vips {}",
        ratio(all_m, all_a),
        ratio(all_v, all_a)
    );
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average now: {} (only ratios from one run count)",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
