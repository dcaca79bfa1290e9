//! End to end: import 500 camera-sized (12 MP) JPEGs into the big OU — match, fit to 96 px
//! ≤ 10 kB, back up, write, read back — against the shell pipeline an admin would write instead:
//! ImageMagick (`convert`, in parallel on all cores) + one `ldapmodify` run. Same files, same
//! server, same run; the ratio is printed.
//!
//! Needs the Samba test DC (`./dev.sh bench`). `ADPHOTO_BENCH_IMPORT=N` changes the count (default 500).
//! The generated photos are kept in `$TMPDIR/adphoto-bench-12mp` for the next run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[path = "common/dc.rs"]
mod dc;

use adphoto::directory::{Auth, ConnectOptions, Depth, Directory, PhotoAttribute, Security};
use adphoto::import;
use adphoto::matching::{self, MatchOptions, Pattern};
use adphoto::photo::Target;
use rayon::prelude::*;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("{name} is not set: run ./dev.sh bench (it starts the Samba test DC)");
        std::process::exit(2)
    })
}

/// A 4000×3000 photo-like JPEG (gradients, a face-coloured ellipse, noise), ~2–4 MB at quality 90.
fn camera_jpeg(seed: u32) -> Vec<u8> {
    let (w, h) = (4000u32, 3000u32);
    let mut px = vec![0u8; (w * h * 3) as usize];
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    for y in 0..h {
        for x in 0..w {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state & 15) as i32 - 8;
            let dx = x as i32 - (w / 2) as i32;
            let dy = y as i32 - (h / 3) as i32;
            let face = dx * dx * 9 + dy * dy * 4 < 700 * 700 * 4;
            let (r, g, b) = if face {
                (225, 185, 150)
            } else {
                (
                    (x * 200 / w) as i32,
                    (y * 180 / h) as i32 + 40,
                    ((x + y) * 90 / (w + h)) as i32 + (seed % 80) as i32,
                )
            };
            let i = ((y * w + x) * 3) as usize;
            px[i] = (r + noise).clamp(0, 255) as u8;
            px[i + 1] = (g + noise).clamp(0, 255) as u8;
            px[i + 2] = (b + noise).clamp(0, 255) as u8;
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&px, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .expect("encodes");
    out
}

fn corpus(n: usize, names: &[String]) -> PathBuf {
    let dir = std::env::temp_dir().join("adphoto-bench-12mp");
    std::fs::create_dir_all(&dir).unwrap();
    let t = Instant::now();
    names[..n].par_iter().enumerate().for_each(|(i, name)| {
        let p = dir.join(format!("{name}.jpg"));
        if !p.exists() {
            std::fs::write(&p, camera_jpeg(i as u32 + 1)).unwrap();
        }
    });
    eprintln!(
        "corpus of {n} 12 MP JPEGs ready in {:.1} s ({})",
        t.elapsed().as_secs_f64(),
        dir.display()
    );
    dir
}

fn shell_pipeline(
    files: &[PathBuf],
    dns: &[String],
    out: &Path,
    url: &str,
    ca: &str,
    admin: &str,
    password: &str,
) -> f64 {
    let t = Instant::now();
    std::fs::create_dir_all(out).unwrap();
    // ImageMagick on all cores: decode at reduced size, face-less centre crop, fit 10 kB.
    let list = out.join("files.txt");
    std::fs::write(
        &list,
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let script = format!(
        "xargs -P \"$(nproc)\" -I{{}} sh -c '/usr/bin/convert \"$1\" -auto-orient -define jpeg:size=192x192 -thumbnail 96x96^ -gravity center -extent 96x96 -strip -define jpeg:extent=10KB \"{}/$(basename \"$1\")\"' _ {{}} < {}",
        out.display(),
        list.display()
    );
    let st = Command::new("sh").arg("-c").arg(&script).status().unwrap();
    assert!(st.success());
    let mut ldif = String::new();
    for (f, dn) in files.iter().zip(dns) {
        let bytes = std::fs::read(out.join(f.file_name().unwrap())).unwrap();
        ldif.push_str(&adphoto::directory::ldif::change_text(
            &adphoto::directory::ldif::Change::Replace {
                dn: dn.clone(),
                attr: "thumbnailPhoto".into(),
                value: bytes,
            },
        ));
    }
    let ldif_path = out.join("changes.ldif");
    std::fs::write(&ldif_path, ldif).unwrap();
    let st = Command::new("ldapmodify")
        .env("LDAPTLS_CACERT", ca)
        .args(["-H", url, "-x", "-D", admin, "-w", password, "-f"])
        .arg(&ldif_path)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    t.elapsed().as_secs_f64()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("{}: run it with `cargo bench --bench import`", file!());
        return;
    }
    let url = var("ADPHOTO_TEST_LDAPS_URL");
    let ca = var("ADPHOTO_TEST_CA");
    let admin = var("ADPHOTO_TEST_ADMIN");
    let password = var("ADPHOTO_TEST_PASSWORD");
    let big_ou = var("ADPHOTO_TEST_BIG_OU");
    let n: usize = std::env::var("ADPHOTO_BENCH_IMPORT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut o = ConnectOptions::new(
        url.clone(),
        Auth::Simple {
            user: admin.clone(),
            password: password.clone(),
        },
    );
    o.security = Security::Ldaps;
    o.ca_file = Some(ca.clone().into());
    let p = PhotoAttribute::default();
    let (dir, users) = rt.block_on(async {
        let d = Directory::connect(&o).await.unwrap();
        let u = d.users(&big_ou, Depth::OneLevel, &p).await.unwrap();
        (d, u)
    });
    let mut names: Vec<String> = users
        .iter()
        .filter_map(|u| u.sam_account_name.clone())
        .collect();
    names.sort();
    let folder = corpus(n, &names);

    // adphoto: the whole import as the wizard's Finish runs it.
    let t = Instant::now();
    let scan = matching::scan_folder(&folder, false).unwrap();
    let pattern = Pattern::parse("{sAMAccountName}").unwrap();
    let m = matching::automatch(&scan.files, &users, &pattern, &MatchOptions::default());
    let mut plan =
        import::Choices::new(m, &pattern).plan(&users, &scan.files, Target::outlook(), p.clone());
    plan.items.truncate(n);
    let files: Vec<PathBuf> = plan.items.iter().map(|i| i.file.clone()).collect();
    let dns: Vec<String> = plan.items.iter().map(|i| i.user.dn.clone()).collect();
    let tmp = tempfile::tempdir().unwrap();
    let report = rt.block_on(dc::safe_import(&dir, &plan, tmp.path()));
    let ours = t.elapsed().as_secs_f64();
    assert_eq!(
        report.written(),
        plan.items.len(),
        "{:?}",
        report
            .results
            .iter()
            .find(|r| !matches!(r.status, import::Status::Written { .. }))
    );

    let theirs = shell_pipeline(
        &files,
        &dns,
        &tmp.path().join("magick"),
        &url,
        &ca,
        &admin,
        &password,
    );
    let count = files.len();
    println!(
        "import {count} 12 MP photos: adphoto {ours:.1} s ({:.1}/s, with backup + read-back + journal); ImageMagick (all cores) + ldapmodify {theirs:.1} s ({:.1}/s) → adphoto is {:.2}× the speed",
        count as f64 / ours,
        count as f64 / theirs,
        theirs / ours
    );
}
