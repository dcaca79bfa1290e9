//! Directory speed against the tools people would use instead, same server, same run:
//! listing the big OU (vs `ldapsearch` with paging) and writing 2,000 photos (vs one
//! `ldapmodify` run over an LDIF of 2,000 changes).
//!
//! Needs the Samba test DC: `./dev.sh bench` starts it (or source tests/ad/samba-dc.sh's test-env.sh).
//! `ADPHOTO_BENCH_WRITES=N` changes the number of photos written (default 2000).

use std::time::Instant;

#[path = "common/dc.rs"]
mod dc;

use adphoto::directory::{BackupStore, Depth, PhotoAttribute, User};
use dc::{Env, median};

fn jpeg(len: usize, seed: u32) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((0..len - 6).map(|i| ((i as u32).wrapping_mul(2_654_435_761) ^ seed) as u8));
    v.extend([0xFF, 0xD9]);
    v
}

/// Writes every (user, photo) over `conns` connections, each working through its share in order.
async fn write_all(env: &Env, jobs: Vec<(User, Vec<u8>)>, conns: usize, safe: bool) -> usize {
    let backups = tempfile::tempdir().unwrap();
    let mut shares: Vec<Vec<(User, Vec<u8>)>> = (0..conns).map(|_| Vec::new()).collect();
    for (i, j) in jobs.into_iter().enumerate() {
        shares[i % conns].push(j);
    }
    let mut tasks = Vec::new();
    for share in shares {
        let dir = env.connect(&env.url).await;
        let store = BackupStore::new(backups.path());
        tasks.push(tokio::spawn(async move {
            let p = PhotoAttribute::default();
            let mut ok = 0;
            for (u, bytes) in share {
                let r = if safe {
                    dir.write_photo(&u, &p, &bytes, &store).await.map(|_| ())
                } else {
                    dir.replace_photo_unchecked(&u.dn, &p, &bytes).await
                };
                ok += usize::from(r.is_ok());
            }
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap();
    }
    ok
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "{}: run it with `cargo bench --bench {}`",
            file!(),
            "directory"
        );
        return;
    }
    let env = Env::get();
    let writes: usize = std::env::var("ADPHOTO_BENCH_WRITES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let p = PhotoAttribute::default();

    // 1. Listing the big OU, paged.
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut users = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        users = rt.block_on(async {
            let dir = env.connect(&env.url).await;
            dir.users(&env.big_ou, Depth::OneLevel, &p).await.unwrap()
        });
        ours.push(t.elapsed());

        let t = Instant::now();
        let out = env.list_big_ou_with_ldapsearch(&env.url);
        theirs.push(t.elapsed());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let n = out.stdout.windows(4).filter(|w| w == b"\ndn:").count() + 1;
        assert!(n >= users.len(), "ldapsearch saw {n} entries");
    }
    let (a, b) = (median(ours), median(theirs));
    println!(
        "list {} users: adphoto {:.0} ms, ldapsearch {:.0} ms  → adphoto is {:.2}× the speed of ldapsearch",
        users.len(),
        a.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        b.as_secs_f64() / a.as_secs_f64()
    );

    // 2. Writing photos. Each round uses new bytes, so every write really changes the value.
    users.truncate(writes);
    let n = users.len();
    let round = |seed: u32| -> Vec<(User, Vec<u8>)> {
        users
            .iter()
            .enumerate()
            .map(|(i, u)| {
                (
                    u.clone(),
                    jpeg(4_000 + i % 3_000, seed.wrapping_add(i as u32)),
                )
            })
            .collect()
    };

    let ldif = tempfile::NamedTempFile::new().unwrap();
    let mut text = String::new();
    for (u, bytes) in round(7) {
        text.push_str(&adphoto::directory::ldif::change_text(
            &adphoto::directory::ldif::Change::Replace {
                dn: u.dn.clone(),
                attr: "thumbnailPhoto".into(),
                value: bytes,
            },
        ));
    }
    std::fs::write(ldif.path(), text).unwrap();
    let t = Instant::now();
    let out = env
        .ldap_tool("ldapmodify", &env.url)
        .arg("-f")
        .arg(ldif.path())
        .output()
        .expect("ldapmodify runs");
    let tool = t.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for (label, conns, safe, seed) in [
        ("raw replace, 1 connection", 1, false, 11),
        ("raw replace, 4 connections", 4, false, 13),
        (
            "safe (backup + replace + read back), 1 connection",
            1,
            true,
            17,
        ),
        (
            "safe (backup + replace + read back), 4 connections",
            4,
            true,
            19,
        ),
    ] {
        let jobs = round(seed);
        let t = Instant::now();
        let ok = rt.block_on(write_all(&env, jobs, conns, safe));
        let d = t.elapsed();
        assert_eq!(ok, n, "every write succeeded");
        println!(
            "write {n} photos, {label}: {:.2} s ({:.0}/s); ldapmodify {:.2} s ({:.0}/s) → {:.2}× the speed of ldapmodify",
            d.as_secs_f64(),
            n as f64 / d.as_secs_f64(),
            tool.as_secs_f64(),
            n as f64 / tool.as_secs_f64(),
            tool.as_secs_f64() / d.as_secs_f64()
        );
    }
}
