//! Automatch speed: 100,000 users × 100,000 file names, and the scan of a real folder.
//! `cargo bench --bench matching`. Plain `Instant` timing; timings never decide pass/fail.

use std::hint::black_box;
use std::time::{Duration, Instant};

use adphoto::directory::User;
use adphoto::matching::{MatchOptions, Pattern, PhotoFile, automatch, scan_folder};

const N: usize = 100_000;
const SCAN_FILES: usize = 20_000;

const GIVEN: &[&str] = &[
    "John",
    "Jane",
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Anna",
    "Ångström",
    "Mehmet",
    "Nguyễn",
    "Olivia",
    "Liam",
    "Émilie",
    "François",
    "Jürgen",
    "Ayşe",
    "Björn",
    "Chloé",
    "Dmitri",
    "Eva",
];
const SURNAMES: &[&str] = &[
    "Doe",
    "Roe",
    "García",
    "Müller",
    "Strauß",
    "Dvořák",
    "Smith",
    "O'Brien",
    "van der Berg",
    "Çelik",
    "Ólafsdóttir",
    "Nowak",
    "Kowalski",
    "Rossi",
    "Silva",
    "Yılmaz",
    "Larsen",
    "Novák",
    "Fernández",
    "Schmidt",
];

/// A small deterministic generator (no dependency, same data every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as usize
    }
}

fn users(rng: &mut Lcg) -> Vec<User> {
    (0..N)
        .map(|i| {
            let g = GIVEN[rng.next() % GIVEN.len()];
            let s = SURNAMES[rng.next() % SURNAMES.len()];
            User {
                dn: format!("CN={g} {s} {i},OU=Staff,DC=example,DC=test"),
                sam_account_name: Some(format!("u{i:06}")),
                // A number in the name keeps most keys unique, as in a real directory.
                given_name: Some(format!("{g}{}", i % 5000)),
                sn: Some(s.to_string()),
                employee_id: Some(format!("{}", 100_000 + i)),
                ..Default::default()
            }
        })
        .collect()
}

/// One file for each of 90 % of the users, in shuffled order (a third of the names upper-cased,
/// as people rename), and 10 % strangers. Ambiguity comes only from users sharing a name.
fn files(users: &[User], pattern: &Pattern, rng: &mut Lcg) -> Vec<PhotoFile> {
    let mut order: Vec<usize> = (0..users.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.next() % (i + 1));
    }
    (0..N)
        .map(|i| {
            let stem = if i % 10 == 9 {
                format!("stranger {i}")
            } else {
                let u = &users[order[i]];
                let s = pattern.render_stem(u).unwrap();
                if i % 3 == 0 { s.to_uppercase() } else { s }
            };
            PhotoFile::from_path(format!("/photos/{stem}.jpg"))
        })
        .collect()
}

fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "{}: run it with `cargo bench --bench {}`",
            file!(),
            "matching"
        );
        return;
    }
    let mut rng = Lcg(42);
    let users = users(&mut rng);
    println!("automatch: {N} users x {N} files");
    for pattern in ["{sAMAccountName}", "{givenName}.{sn}", "{employeeID}"] {
        let p = Pattern::parse(pattern).unwrap();
        let files = files(&users, &p, &mut rng);
        for strict in [false, true] {
            let opts = MatchOptions { strict };
            // One warm-up, then the best of three.
            black_box(automatch(&files, &users, &p, &opts));
            let mut best = Duration::MAX;
            let mut last = None;
            for _ in 0..3 {
                let (r, d) = time(|| automatch(black_box(&files), black_box(&users), &p, &opts));
                best = best.min(d);
                last = Some(r);
            }
            let r = last.unwrap();
            println!(
                "  {pattern:<20} {:<7} {:>8.1} ms   matched {:>6}, ambiguous {:>5}, files without match {:>6}, users without file {:>6}",
                if strict { "strict" } else { "lenient" },
                best.as_secs_f64() * 1000.0,
                r.matched.len(),
                r.ambiguous.len(),
                r.files_without_match.len(),
                r.users_without_file.len(),
            );
        }
    }

    let tmp = tempfile::tempdir().expect("temp dir");
    let (_, make) = time(|| {
        for i in 0..SCAN_FILES {
            let sub = tmp.path().join(format!("dept{}", i % 20));
            if i < 20 {
                std::fs::create_dir_all(&sub).unwrap();
            }
            let ext = ["jpg", "JPG", "png", "jpeg"][i % 4];
            std::fs::write(sub.join(format!("user{i:05}.{ext}")), b"").unwrap();
        }
        std::fs::write(tmp.path().join("Thumbs.db"), b"").unwrap();
    });
    println!(
        "scan: {SCAN_FILES} empty files in 20 sub-folders (created in {:.0} ms)",
        make.as_secs_f64() * 1000.0
    );
    black_box(scan_folder(tmp.path(), true).unwrap());
    let mut best = Duration::MAX;
    let mut found = 0;
    for _ in 0..3 {
        let (r, d) = time(|| scan_folder(black_box(tmp.path()), true).unwrap());
        best = best.min(d);
        found = r.files.len();
    }
    println!(
        "  recursive scan  {:>8.1} ms   {found} photo files",
        best.as_secs_f64() * 1000.0
    );
}
