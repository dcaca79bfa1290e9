//! Over a slow link (a VPN, a branch office): the test DC behind the loopback delay proxy
//! (tests/common/proxy.rs) at 10 and 50 ms one way, and on plain loopback (0 ms: no proxy), in
//! one run for each delay:
//!
//! - adphoto's full safe import of N users (old photos read and backed up durably, writes
//!   journaled, sent, read back and compared) against one `ldapmodify` run replacing the same
//!   photos with the same bytes (the photos are encoded beforehand, as the wizard's previews
//!   are, so both send the same thing and only the directory work is timed), with the
//!   ceiling beside the ratio: ldapmodify over the link ÷ ldapmodify straight to the DC, the
//!   ratio adphoto would reach if it hid every round trip and its own extra work (the reads
//!   before and after, the backups' syncs) cost nothing;
//! - `adphoto users` (the CLI binary) against `ldapsearch` with paging, on the big OU, same
//!   attributes.
//!
//! Needs the Samba test DC (`./dev.sh bench`). `ADPHOTO_BENCH_LINK_USERS=N` (default 200),
//! `ADPHOTO_BENCH_DELAYS=0,10,50` (ms, one way), `ADPHOTO_BENCH_LINK_ROUNDS=3` (the import's
//! medians).

#[allow(dead_code)] // the fault controls (cut, hold) are for the tests
#[path = "../tests/common/proxy.rs"]
mod proxy;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/dc.rs"]
mod dc;

use adphoto::directory::{Depth, PhotoAttribute, User};
use adphoto::import::{Encoded, FileStamp, Plan, PlanItem};
use adphoto::photo::{self, PrepareOptions, Target};
use dc::{Env, median};
use proxy::Proxy;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// CPU seconds the Samba DC's processes have used so far (user + system, from /proc): what a
/// run costs the DC, beside what it costs the clock.
fn dc_cpu() -> f64 {
    let tick = 100.0; // USER_HZ on Linux
    let mut total = 0u64;
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let path = e.path();
        let is_samba = std::fs::read_link(path.join("exe"))
            .is_ok_and(|exe| exe.file_name().is_some_and(|n| n == "samba"));
        if !is_samba {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        // After the command's closing parenthesis: state is field 3, utime and stime 14 and 15.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        total += f.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
            + f.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    total as f64 / tick
}

/// Each user's photo file, encoded already (as the wizard's previews are).
fn plan_items(users: &[User], folder: &std::path::Path, seed: u32) -> Vec<PlanItem> {
    let opts = PrepareOptions {
        target: Target::outlook(),
        ..PrepareOptions::default()
    };
    users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let file = folder.join(format!("{seed}-{i}.jpg"));
            std::fs::write(&file, dc::picture(400, 500, seed * 1000 + i as u32)).unwrap();
            let photo = photo::prepare_file(&file, &opts).unwrap();
            PlanItem {
                user: u.clone(),
                encoded: Some(Encoded {
                    photo: Arc::new(photo),
                    stamp: FileStamp::of(&file).unwrap(),
                }),
                file,
                crop: None,
                rotate_quarter_turns: 0,
            }
        })
        .collect()
}

fn ldif_of(items: &[PlanItem]) -> String {
    items
        .iter()
        .map(|it| {
            adphoto::directory::ldif::change_text(&adphoto::directory::ldif::Change::Replace {
                dn: it.user.dn.clone(),
                attr: "thumbnailPhoto".into(),
                value: it.encoded.as_ref().unwrap().photo.jpeg.clone(),
            })
        })
        .collect()
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        println!("{}: run it with `cargo bench --bench link`", file!());
        return;
    }
    // RUST_LOG=adphoto=debug: each batch's phases (read + backups, journal, send, read back).
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let env = Env::get();
    let n: usize = std::env::var("ADPHOTO_BENCH_LINK_USERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let delays: Vec<u64> = std::env::var("ADPHOTO_BENCH_DELAYS")
        .unwrap_or_else(|_| "0,10,50".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let p = PhotoAttribute::default();
    let upstream: SocketAddr = "127.0.0.1:636".parse().unwrap();

    // Users big1701… of the big OU, straight to the DC.
    let everyone = rt.block_on(async {
        let dir = env.connect(&env.url).await;
        dir.users(&env.big_ou, Depth::OneLevel, &p).await.unwrap()
    });
    let listed = everyone.len();
    let mut users: Vec<User> = everyone
        .into_iter()
        .filter(|u| {
            u.sam_account_name
                .as_deref()
                .and_then(|s| s.strip_prefix("big"))
                .and_then(|s| s.parse::<u32>().ok())
                .is_some_and(|i| i >= 1701)
        })
        .collect();
    users.sort_by(|a, b| a.sam_account_name.cmp(&b.sam_account_name));
    users.truncate(n);
    let n = users.len();
    let tmp = tempfile::tempdir().unwrap();
    // Three sets of photos, written in turn — ldapmodify straight to the DC, ldapmodify over the
    // link, adphoto over the link — so that every write changes the value.
    let direct_set = plan_items(&users, tmp.path(), 1);
    let theirs = plan_items(&users, tmp.path(), 2);
    let ours = plan_items(&users, tmp.path(), 3);
    let direct_ldif = tmp.path().join("direct.ldif");
    std::fs::write(&direct_ldif, ldif_of(&direct_set)).unwrap();
    let ldif = tmp.path().join("theirs.ldif");
    std::fs::write(&ldif, ldif_of(&theirs)).unwrap();
    let bytes: usize = ours
        .iter()
        .map(|i| i.encoded.as_ref().unwrap().photo.jpeg.len())
        .sum();
    let rounds: usize = std::env::var("ADPHOTO_BENCH_LINK_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!(
        "{n} users, photos of {:.1} kB on average; listing {listed} users; medians of {rounds} rounds",
        bytes as f64 / n as f64 / 1000.0
    );
    let ldapmodify = |url: &str, file: &std::path::Path| {
        let t = Instant::now();
        let out = env
            .ldap_tool("ldapmodify", url)
            .arg("-f")
            .arg(file)
            .output()
            .expect("ldapmodify runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.elapsed()
    };

    for delay in delays {
        // 0 ms: plain loopback, straight to the DC (no proxy in between).
        let proxy = (delay > 0).then(|| Proxy::start(upstream, Duration::from_millis(delay)));
        let url = match &proxy {
            Some(p) => format!("ldaps://localhost:{}", p.port),
            None => env.url.clone(),
        };

        // Import, connect included in every run, taking turns: ldapmodify straight to the DC
        // (the ceiling: what hiding every round trip of the link would give), one ldapmodify
        // run over the link, adphoto's safe import over the link.
        let (mut direct, mut tool, mut us) = (Vec::new(), Vec::new(), Vec::new());
        let (mut cpu_tool, mut cpu_us) = (Vec::new(), Vec::new());
        let mut window = 0;
        for round in 0..rounds {
            direct.push(ldapmodify(&env.url, &direct_ldif));
            let c = dc_cpu();
            tool.push(ldapmodify(&url, &ldif));
            cpu_tool.push(Duration::from_secs_f64(dc_cpu() - c));
            let c = dc_cpu();
            let plan = Plan::new(ours.clone(), Target::outlook(), p.clone());
            let data = tmp.path().join(format!("data-{delay}-{round}"));
            let t = Instant::now();
            let (report, w) = rt.block_on(async {
                let dir = env.connect(&url).await;
                let report = dc::safe_import(&dir, &plan, &data).await;
                (report, dir.ldap().map_or(0, |l| l.pipeline_window()))
            });
            us.push(t.elapsed());
            cpu_us.push(Duration::from_secs_f64(dc_cpu() - c));
            window = w;
            assert_eq!(report.written(), n, "every photo written");
        }
        let (direct, tool, us) = (median(direct), median(tool), median(us));
        let ratio = secs(tool) / secs(us);
        let ceiling = secs(tool) / secs(direct);
        println!(
            "{delay:>3} ms one way: import {n} photos — adphoto {:.2} s (window {window}), ldapmodify {:.2} s → adphoto is {ratio:.2}× the speed of ldapmodify; ceiling {ceiling:.2}× (ldapmodify straight to the DC: {:.2} s) → {:.0} % of the ceiling",
            secs(us),
            secs(tool),
            secs(direct),
            100.0 * ratio / ceiling
        );
        println!(
            "{delay:>3} ms one way: the DC's CPU for it — adphoto {:.2} s, ldapmodify {:.2} s",
            secs(median(cpu_us)),
            secs(median(cpu_tool))
        );

        // Listing the big OU: the CLI binary against ldapsearch, same attributes, same page size
        // (500), taking turns; the medians of 7 runs each.
        let mut a = Vec::new();
        let mut b = Vec::new();
        for _ in 0..7 {
            let t = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_adphoto"))
                .env("ADPHOTO_SERVER", &url)
                .env("ADPHOTO_USER", &env.admin)
                .env("ADPHOTO_PASSWORD", &env.password)
                .args(["users", "--ou", &env.big_ou, "--json", "--ca-file", &env.ca])
                .output()
                .expect("adphoto runs");
            a.push(t.elapsed());
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let t = Instant::now();
            let out = env.list_big_ou_with_ldapsearch(&url);
            b.push(t.elapsed());
            assert!(out.status.success());
        }
        let (a, b) = (median(a), median(b));
        println!(
            "{delay:>3} ms one way: list {listed} users — adphoto users {:.2} s, ldapsearch {:.2} s → adphoto takes {:.2}× ldapsearch's time",
            secs(a),
            secs(b),
            secs(a) / secs(b)
        );
    }
}
