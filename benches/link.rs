//! Over a slow link (a VPN, a branch office): the test DC behind the loopback delay proxy
//! (tests/common/proxy.rs) at 10 and 50 ms one way, and on plain loopback (0 ms: no proxy), in
//! one run for each delay:
//!
//! - adphoto's full safe import of N users (old photos read and backed up durably, writes
//!   journaled, sent, read back and compared) against one `ldapmodify` run replacing the same
//!   photos with the same bytes (the photos are encoded beforehand, as the wizard's previews
//!   are, so both send the same thing and only the directory work is timed);
//! - `adphoto users` (the CLI binary) against `ldapsearch` with paging, on the big OU, same
//!   attributes.
//!
//! Needs the Samba test DC (`./dev.sh bench`). `ADPHOTO_BENCH_LINK_USERS=N` (default 200),
//! `ADPHOTO_BENCH_DELAYS=0,10,50` (ms, one way).

#[allow(dead_code)] // the fault controls (cut, hold) are for the tests
#[path = "../tests/common/proxy.rs"]
mod proxy;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/dc.rs"]
mod dc;

use adphoto::directory::{BackupStore, Depth, PhotoAttribute, User};
use adphoto::import::{self, Cancel, Encoded, FileStamp, JobOptions, Journal, Plan, PlanItem};
use adphoto::photo::{self, PrepareOptions, Target};
use dc::{Env, median};
use proxy::Proxy;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
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
    // Two sets of photos: ldapmodify writes one, adphoto the other, so every write changes
    // the value.
    let theirs = plan_items(&users, tmp.path(), 1);
    let ours = plan_items(&users, tmp.path(), 2);
    let ldif = tmp.path().join("theirs.ldif");
    std::fs::write(&ldif, ldif_of(&theirs)).unwrap();
    let bytes: usize = ours
        .iter()
        .map(|i| i.encoded.as_ref().unwrap().photo.jpeg.len())
        .sum();
    println!(
        "{n} users, photos of {:.1} kB on average; listing {listed} users",
        bytes as f64 / n as f64 / 1000.0
    );

    for delay in delays {
        // 0 ms: plain loopback, straight to the DC (no proxy in between).
        let proxy = (delay > 0).then(|| Proxy::start(upstream, Duration::from_millis(delay)));
        let url = match &proxy {
            Some(p) => format!("ldaps://localhost:{}", p.port),
            None => env.url.clone(),
        };

        // Import: one ldapmodify run against adphoto's safe import, connect included in both.
        let t = Instant::now();
        let out = env
            .ldap_tool("ldapmodify", &url)
            .arg("-f")
            .arg(&ldif)
            .output()
            .expect("ldapmodify runs");
        let tool = t.elapsed();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let plan = Plan::new(ours.clone(), Target::outlook(), p.clone());
        let data = tmp.path().join(format!("data-{delay}"));
        let t = Instant::now();
        let (report, window) = rt.block_on(async {
            let dir = env.connect(&url).await;
            let backups = BackupStore::new(data.join("backups"));
            let journal = Journal::create(data.join("j.jsonl")).unwrap();
            let report = import::run(
                &dir,
                &plan,
                &backups,
                Some(journal),
                JobOptions::default(),
                &Cancel::default(),
                |_| {},
            )
            .await;
            (report, dir.ldap().map_or(0, |l| l.pipeline_window()))
        });
        let us = t.elapsed();
        assert_eq!(report.written(), n, "every photo written");
        println!(
            "{delay:>3} ms one way: import {n} photos — adphoto {:.2} s (window {window}), ldapmodify {:.2} s → adphoto is {:.2}× the speed of ldapmodify",
            secs(us),
            secs(tool),
            secs(tool) / secs(us)
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
