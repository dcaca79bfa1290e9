//! The `adphoto` binary: its JSON contract and exit codes, against the Samba test DC and the demo LDIF.

mod common;

use std::process::{Command, Output};

use adphoto::data_folder::DataFolder;
use common::{TestDc, picture};

/// No other test changes photos here, so two listings agree.
const SALES: &str = "OU=Sales,OU=Staff,DC=example,DC=test";

fn adphoto(env: &[(&str, String)], args: &[&str]) -> Output {
    let data = tempfile::tempdir().unwrap();
    adphoto_in(data.path(), env, args)
}

/// The CLI signed in to the test DC as its administrator, over LDAPS with the test CA.
fn on_dc(dc: &TestDc, args: &[&str]) -> Output {
    let ca = dc.ca.display().to_string();
    let mut all = vec!["--ca-file", ca.as_str()];
    all.extend_from_slice(args);
    adphoto(&dc.cli_env(), &all)
}

fn adphoto_in(data: &std::path::Path, env: &[(&str, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_adphoto"));
    cmd.args(args)
        .env_remove("ADPHOTO_SERVER")
        .env_remove("ADPHOTO_USER")
        .env_remove("ADPHOTO_PASSWORD")
        .env("ADPHOTO_DATA_DIR", data)
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("runs")
}

/// `adphoto_in` with options that every call of a test shares, put before the test's own.
fn adphoto_after(
    data: &std::path::Path,
    env: &[(&str, String)],
    common: &[&str],
    args: &[&str],
) -> Output {
    let all: Vec<&str> = common.iter().chain(args).copied().collect();
    adphoto_in(data, env, &all)
}

/// `photos/` under `dir`, holding these files.
fn photo_folder(dir: &std::path::Path, files: &[(&str, Vec<u8>)]) -> std::path::PathBuf {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for (name, bytes) in files {
        std::fs::write(photos.join(name), bytes).unwrap();
    }
    photos
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn users_json_matches_the_contract() {
    let dc = TestDc::get();
    let out = on_dc(&dc, &["users", "--ou", SALES, "--subtree", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let users = users.as_array().unwrap();
    assert!(users.len() >= 12, "{}", users.len());
    for u in users {
        for key in [
            "dn",
            "objectGUID",
            "sAMAccountName",
            "userPrincipalName",
            "givenName",
            "sn",
            "displayName",
            "mail",
            "employeeID",
            "department",
            "title",
            "photoBytes",
        ] {
            assert!(u.get(key).is_some(), "{key} missing in {u}");
        }
    }
    let with: Vec<_> = users
        .iter()
        .filter(|u| !u["photoBytes"].is_null())
        .collect();
    assert!(!with.is_empty() && with.len() < users.len());

    let out = on_dc(
        &dc,
        &[
            "users",
            "--ou",
            SALES,
            "--subtree",
            "--without-photo",
            "--json",
        ],
    );
    let without: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(without.len(), users.len() - with.len());
    assert!(without.iter().all(|u| u["photoBytes"].is_null()));
}

#[test]
fn tree_json_lists_nested_ous() {
    let dc = TestDc::get();
    let out = on_dc(&dc, &["tree", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let nodes: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        nodes
            .iter()
            .any(|n| n["dn"] == "OU=EMEA,OU=Sales,OU=Staff,DC=example,DC=test" && n["depth"] == 3)
    );
}

#[test]
fn photo_set_get_rm_restore_through_the_cli() {
    let dc = TestDc::get();
    let ca = dc.ca.display().to_string();
    let env = dc.cli_env();
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| adphoto_after(data.path(), &env, &["--ca-file", &ca], args);
    let file = data.path().join("in.png");
    std::fs::write(&file, picture(1600, 1200, 9, false)).unwrap();
    let _ = run(&["photo", "rm", "mchen"]);
    let out = run(&["photo", "set", "mchen@example.test", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("96×96 px"),
        "fitted to the outlook preset"
    );

    let got = data.path().join("out.jpg");
    let out = run(&["photo", "get", "mchen", "-o", got.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let photo = std::fs::read(&got).unwrap();
    assert!(
        photo.starts_with(&[0xFF, 0xD8]) && photo.len() <= 10_240,
        "{}",
        photo.len()
    );

    let out = run(&["photo", "rm", "EXAMPLE\\mchen"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("saved in"));
    let out = run(&["photo", "get", "mchen", "-o", got.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "no photo is an item failure");

    let out = run(&["restore", "mchen"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["photo", "get", "mchen", "-o", got.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&got).unwrap(),
        photo,
        "restored byte for byte"
    );
    assert!(
        DataFolder::new(data.path()).backups().is_dir(),
        "backups in the data folder"
    );
}

#[test]
fn exit_codes_for_connection_usage_and_item_errors() {
    let dc = TestDc::get();
    let ca = dc.ca.display().to_string();
    let mut env = dc.cli_env();
    env.retain(|(k, _)| *k != "ADPHOTO_PASSWORD");
    env.push(("ADPHOTO_PASSWORD", "wrong".into()));
    let out = adphoto(&env, &["--ca-file", &ca, "tree"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Wrong user name or password"),
        "{}",
        stderr(&out)
    );

    let out = adphoto(&dc.cli_env(), &["tree"]);
    assert_eq!(out.status.code(), Some(2), "untrusted certificate");
    let said = stderr(&out);
    assert!(said.contains("not trusted"), "{said}");
    // The command line's own remedies, not the window's checkbox.
    assert!(
        said.contains("--ca-file") && said.contains("--insecure"),
        "{said}"
    );
    assert!(!said.contains("tick"), "{said}");
    // It names the certificate; pinned with the flag it offers, the same command works.
    let fp = said
        .split("--pin-sha256 ")
        .nth(1)
        .and_then(|rest| rest.split([',', ' ']).next())
        .unwrap_or_else(|| panic!("no fingerprint offered: {said}"))
        .to_string();
    let out = adphoto(&dc.cli_env(), &["--pin-sha256", &fp, "tree"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = adphoto(&[], &["tree"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no server"), "{}", stderr(&out));

    let out = adphoto(&[], &["users", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));

    let out = on_dc(&dc, &["photo", "get", "nobody-here", "-o", "/tmp/x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("No user found"), "{}", stderr(&out));

    let not_jpeg = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(not_jpeg.path(), b"hello").unwrap();
    let out = on_dc(
        &dc,
        &["photo", "set", "mchen", not_jpeg.path().to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn password_from_stdin_and_never_echoed() {
    let dc = TestDc::get();
    let ca = dc.ca.display().to_string();
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_adphoto"))
        .args([
            "--server",
            &dc.ldaps_url,
            "--user",
            &dc.admin,
            "--ca-file",
            &ca,
            "--password-stdin",
            "tree",
        ])
        .env_remove("ADPHOTO_PASSWORD")
        .env("ADPHOTO_DATA_DIR", data.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    writeln!(child.stdin.take().unwrap(), "{}", dc.password).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(!all.contains(&dc.password));
}

#[test]
fn offline_ldif_lists_demo_users_and_writes_a_change_file() {
    let data = tempfile::tempdir().unwrap();
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/demo.ldif");
    let changes = data.path().join("changes.ldif");
    let c = changes.to_str().unwrap();
    let out = adphoto_in(
        data.path(),
        &[],
        &["--ldif", demo, "users", "--subtree", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let users: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(users.len() >= 30, "{}", users.len());
    assert!(
        !users.iter().any(|u| u["sAMAccountName"] == "WH-PC07$"),
        "no computers"
    );

    let file = data.path().join("p.png");
    std::fs::write(&file, picture(300, 400, 11, false)).unwrap();
    let offline = |args: &[&str]| {
        adphoto_after(
            data.path(),
            &[],
            &["--ldif", demo, "--ldif-changes", c],
            args,
        )
    };
    let out = offline(&["photo", "set", "ahart", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&changes).unwrap();
    assert!(
        text.contains("changetype: modify\nreplace: thumbnailPhoto\n"),
        "{text}"
    );
    // The demo user had a photo: it was backed up before the change was recorded.
    assert!(String::from_utf8_lossy(&out.stdout).contains("old photo is saved"));
    // A second run sees the change.
    let got = data.path().join("got.jpg");
    let out = offline(&["photo", "get", "ahart", "-o", got.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&changes).unwrap();
    let got = std::fs::read(&got).unwrap();
    let change = adphoto::directory::ldif::parse_changes(&text).unwrap();
    assert!(
        matches!(change.last(), Some(adphoto::directory::ldif::Change::Replace { value, .. }) if *value == got),
        "the photo read back is the one in the change file"
    );
}

#[test]
fn match_pairs_files_with_directory_users() {
    let dc = TestDc::get();
    let folder = tempfile::tempdir().unwrap();
    let decomposed = "Zoe\u{308}.Bronte\u{308}.jpg"; // as macOS stores "Zoë.Brontë.jpg"
    for name in [
        "Chloe.Dubois.jpg",
        "JOHN.DOE.png",
        decomposed,
        "Nobody.Here.jpg",
        "Thumbs.db",
        ".hidden.jpg",
        "notes.txt",
    ] {
        std::fs::write(folder.path().join(name), b"x").unwrap();
    }
    let f = folder.path().to_str().unwrap();
    let out = on_dc(
        &dc,
        &[
            "match",
            "--folder",
            f,
            "--pattern",
            "{givenName}.{sn}",
            "--ou",
            "OU=Staff,DC=example,DC=test",
            "--subtree",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let matched: Vec<(String, String)> = v["matched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["file"].as_str().unwrap().to_string(),
                m["dn"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(matched.len(), 2, "{matched:?}");
    assert!(
        matched
            .iter()
            .any(|(f, dn)| f.ends_with("Chloe.Dubois.jpg") && dn.starts_with("CN=Chloé Dubois,"))
    );
    assert!(
        matched
            .iter()
            .any(|(_, dn)| dn.starts_with("CN=Zoë Brontë,"))
    );
    let amb = v["ambiguous"].as_array().unwrap();
    assert_eq!(amb.len(), 1, "the two John Does");
    assert_eq!(amb[0]["candidates"].as_array().unwrap().len(), 2);
    assert_eq!(v["files_without_match"].as_array().unwrap().len(), 1);
    assert_eq!(v["ignored"].as_array().unwrap().len(), 3);
    assert!(v["users_without_file"].as_array().unwrap().len() >= 20);

    let out = on_dc(
        &dc,
        &["match", "--folder", f, "--pattern", "{givenName.{sn}"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid pattern"), "{}", stderr(&out));
}

#[test]
fn import_dry_run_then_import_report_undo_and_export() {
    let dc = TestDc::get();
    let ca = dc.ca.display().to_string();
    let env = dc.cli_env();
    let data = tempfile::tempdir().unwrap();
    // Three users of the big OU get a file; one file is broken.
    let photos = photo_folder(
        data.path(),
        &[
            ("big2031.png", picture(500, 700, 31, false)),
            ("BIG2032.jpg", picture(2000, 1500, 32, true)),
            ("big2033.jpg", b"broken".to_vec()),
        ],
    );
    let run = |args: &[&str]| adphoto_after(data.path(), &env, &["--ca-file", &ca], args);
    let folder = photos.to_str().unwrap();
    let base = [
        "import",
        "--folder",
        folder,
        "--pattern",
        "{sAMAccountName}",
        "--ou",
        &dc.big_ou,
    ];
    let before: Vec<_> = ["big2031", "big2032"]
        .iter()
        .map(|u| {
            let f = data.path().join(format!("{u}-before.jpg"));
            let o = run(&["photo", "get", u, "-o", f.to_str().unwrap()]);
            o.status.success().then(|| std::fs::read(&f).unwrap())
        })
        .collect();

    let mut dry = base.to_vec();
    dry.push("--dry-run");
    let out = run(&dry);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    // The broken file is found before anything is written (the window's plan too).
    assert!(text.starts_with("2 photos to write"), "{text}");
    assert!(text.contains("big2033.jpg cannot be used"), "{text}");
    assert!(
        text.contains("big2031.png") && text.contains("BIG2032.jpg"),
        "{text}"
    );

    let out = run(&base);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no terminal and no --yes: nothing is written"
    );

    let csv = data.path().join("report.csv");
    let mut real = base.to_vec();
    real.extend(["--yes", "--report", csv.to_str().unwrap()]);
    let out = run(&real);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 written, 0 up to date, 0 failed"), "{text}");
    let report = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        report.lines().filter(|l| l.contains(",written,")).count(),
        2,
        "{report}"
    );
    assert!(
        report.lines().any(|l| l.contains("big2033")
            && l.contains(",skipped,")
            && l.contains("cannot be used")),
        "{report}"
    );

    let exported = data.path().join("exported");
    let out = run(&[
        "export",
        "--folder",
        exported.to_str().unwrap(),
        "--ou",
        &dc.big_ou,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let new = std::fs::read(exported.join("big2031.jpg")).unwrap();
    assert!(new.len() <= 10_240);

    let out = run(&["undo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("  2 put back"), "{said}");
    // The import is settled: nothing is offered again.
    let again = run(&["undo"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(String::from_utf8_lossy(&again.stdout).starts_with("Nothing to undo"));
    for (u, old) in ["big2031", "big2032"].iter().zip(&before) {
        let f = data.path().join(format!("{u}-after.jpg"));
        let o = run(&["photo", "get", u, "-o", f.to_str().unwrap()]);
        assert_eq!(
            o.status.success().then(|| std::fs::read(&f).unwrap()),
            *old,
            "{u} as before"
        );
    }
}

#[test]
fn convert_needs_no_server() {
    let data = tempfile::tempdir().unwrap();
    let input = data.path().join("big.png");
    std::fs::write(&input, picture(1000, 800, 1, false)).unwrap();
    let out_file = data.path().join("out.jpg");
    let out = adphoto(
        &[],
        &[
            "convert",
            input.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["width"], 96);
    assert!(v["bytes"].as_u64().unwrap() <= 10_240);
    assert_eq!(
        std::fs::metadata(&out_file).unwrap().len(),
        v["bytes"].as_u64().unwrap()
    );
    let out = adphoto(
        &[],
        &[
            "convert",
            out_file.to_str().unwrap(),
            "-o",
            "/tmp/x.jpg",
            "--max-bytes",
            "999999",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}

/// `--demo` with a command works on the shipped demo directory, as the window does: its
/// changes go to the same change file in the data folder, so a second run sees them.
#[test]
fn demo_flag_runs_commands_on_the_demo_directory() {
    let data = tempfile::tempdir().unwrap();
    let out = adphoto_in(data.path(), &[], &["--demo", "users", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let users: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users.len(), 32, "without --ou: every user of the domain");
    let without = users.iter().filter(|u| u["photoBytes"].is_null()).count();

    let file = data.path().join("p.png");
    std::fs::write(&file, picture(300, 400, 5, false)).unwrap();
    let out = adphoto_in(
        data.path(),
        &[],
        &["--demo", "photo", "set", "amehta", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        DataFolder::new(data.path())
            .offline()
            .join("demo-changes.ldif")
            .exists()
    );
    let out = adphoto_in(
        data.path(),
        &[],
        &["--demo", "users", "--without-photo", "--json"],
    );
    let users: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(users.len(), without - 1, "amehta has a photo now");
}

/// A re-run that changes nothing does nothing: the second import of the same folder writes no
/// one (every user "up to date"), keeps no new backup and journals no write; a changed file is
/// written alone.
/// The CLI on the test DC with a data folder of its own, and a folder of photos for some
/// `big` users, whose photos are first removed as on a fresh DC (whatever an earlier run that
/// failed halfway left), from another data folder (`elsewhere`: another helpdesk's adphoto).
struct BigFolder {
    dc: TestDc,
    ca: String,
    env: Vec<(&'static str, String)>,
    data: tempfile::TempDir,
    photos: std::path::PathBuf,
    elsewhere: tempfile::TempDir,
    folder: String,
}

impl BigFolder {
    fn new(files: &[(&str, Vec<u8>)]) -> Self {
        let dc = TestDc::get();
        let data = tempfile::tempdir().unwrap();
        let photos = photo_folder(data.path(), files);
        let f = Self {
            ca: dc.ca.display().to_string(),
            env: dc.cli_env(),
            dc,
            folder: photos.display().to_string(),
            data,
            photos,
            elsewhere: tempfile::tempdir().unwrap(),
        };
        for (name, _) in files {
            let sam = name.split('.').next().unwrap();
            let _ = f.run_elsewhere(&["photo", "rm", sam]);
        }
        f
    }

    fn run(&self, args: &[&str]) -> Output {
        adphoto_after(self.data.path(), &self.env, &["--ca-file", &self.ca], args)
    }

    fn run_elsewhere(&self, args: &[&str]) -> Output {
        adphoto_after(
            self.elsewhere.path(),
            &self.env,
            &["--ca-file", &self.ca],
            args,
        )
    }

    /// `import` of the folder into the Big OU by sAMAccountName, without asking.
    fn import_args(&self) -> Vec<&str> {
        vec![
            "import",
            "--folder",
            &self.folder,
            "--pattern",
            "{sAMAccountName}",
            "--ou",
            &self.dc.big_ou,
            "--yes",
        ]
    }
}

#[test]
fn importing_the_same_folder_twice_writes_nothing_the_second_time() {
    // big1401–1403: no other test uses them.
    let f = BigFolder::new(&[
        ("big1401.png", picture(500, 700, 41, false)),
        ("big1402.jpg", picture(900, 700, 42, true)),
        ("big1403.png", picture(400, 400, 43, false)),
    ]);
    let (env, ca, data, photos) = (&f.env, &f.ca, &f.data, &f.photos);
    let run = |args: &[&str]| f.run(args);
    let import = f.import_args();
    let files_in = |dir: &std::path::Path| -> usize {
        fn count(d: &std::path::Path) -> usize {
            std::fs::read_dir(d).map_or(0, |r| {
                r.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
        }
        count(dir)
    };
    let backups = DataFolder::new(data.path()).backups();

    let out = run(&import);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        first.contains("3 written, 0 up to date, 0 failed"),
        "{first}"
    );
    let kept = files_in(&backups);

    let out = run(&import);
    assert!(out.status.success(), "{}", stderr(&out));
    let again = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        again.contains("0 written, 3 up to date, 0 failed"),
        "{again}"
    );
    assert_eq!(files_in(&backups), kept, "no backup of an identical photo");
    let newest = adphoto::import::journal::all(&DataFolder::new(data.path()).journals())
        .into_iter()
        .next()
        .unwrap();
    let text = std::fs::read_to_string(newest).unwrap();
    assert!(!text.contains("\"writing\""), "no write journaled: {text}");

    // One file changed: that user alone is written.
    std::fs::write(photos.join("big1402.jpg"), picture(900, 700, 99, true)).unwrap();
    let out = run(&import);
    let third = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        third.contains("1 written, 2 up to date, 0 failed"),
        "{third}"
    );

    // An unchanged source is known by what made the photo, not decoded again: same size and
    // time, its header whole but its pixels broken (it would not decode) — still up to date.
    let kept_file = photos.join("big1401.png");
    let modified = std::fs::metadata(&kept_file).unwrap().modified().unwrap();
    let original = std::fs::read(&kept_file).unwrap();
    let mut broken = original.clone();
    let n = broken.len();
    broken[200..n - 20].fill(0xFF);
    std::fs::write(&kept_file, &broken).unwrap();
    let f = std::fs::File::options()
        .write(true)
        .open(&kept_file)
        .unwrap();
    f.set_modified(modified).unwrap();
    drop(f);
    let out = run(&import);
    let fourth = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        fourth.contains("0 written, 3 up to date, 0 failed"),
        "{fourth}{}",
        stderr(&out)
    );
    std::fs::write(&kept_file, &original).unwrap();

    // Someone else changes big1403's photo (another helpdesk's adphoto, with its own data
    // folder), and HR replaces two files: those two are written, the third is left and said.
    let elsewhere = tempfile::tempdir().unwrap();
    let theirs = elsewhere.path().join("theirs.png");
    std::fs::write(&theirs, picture(300, 300, 77, false)).unwrap();
    let out = adphoto_after(
        elsewhere.path(),
        env,
        &["--ca-file", ca],
        &["photo", "set", "big1403", theirs.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(photos.join("big1401.png"), picture(500, 700, 51, false)).unwrap();
    std::fs::write(photos.join("big1402.jpg"), picture(900, 700, 52, true)).unwrap();
    std::fs::write(photos.join("big1403.png"), picture(400, 400, 53, false)).unwrap();
    let report = data.path().join("report.csv");
    let mut with_report = import.to_vec();
    with_report.extend(["--report", report.to_str().unwrap()]);
    let out = run(&with_report);
    let fifth = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        fifth.contains("2 written, 0 up to date, 0 failed")
            && fifth.contains("skipped (1 changed outside adphoto)"),
        "{fifth}{}",
        stderr(&out)
    );
    let csv = std::fs::read_to_string(&report).unwrap();
    let line = csv.lines().find(|l| l.contains("big1403")).unwrap();
    assert!(line.contains("changed outside adphoto"), "{line}");
    // Asked to, it replaces that one too.
    let mut overwrite = import.to_vec();
    overwrite.push("--overwrite-changed");
    let out = run(&overwrite);
    let sixth = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        sixth.contains("1 written, 2 up to date, 0 failed"),
        "{sixth}{}",
        stderr(&out)
    );

    // Undo puts back every import's users, and leaves big1403, whose photo was changed
    // outside this data folder's imports before the first one was undone, saying so.
    let out = run(&["undo", "--yes"]);
    let undone = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        undone.contains("changed since the import, left as they are: Big User 1403"),
        "{undone}{}",
        stderr(&out)
    );
}

/// No journal, no write: `adphoto import` refuses (exit 2) when its journal cannot be created,
/// saying what to do, and writes nothing — the same engine session as the window's import.
#[test]
fn import_refuses_to_write_without_a_journal() {
    let data = tempfile::tempdir().unwrap();
    let photos = data.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::write(photos.join("amehta.png"), picture(300, 400, 5, false)).unwrap();
    // The journals' folder is a file: no journal can be made, even by root.
    std::fs::write(DataFolder::new(data.path()).journals(), b"in the way").unwrap();
    let folder = photos.to_str().unwrap();
    let out = adphoto_in(
        data.path(),
        &[],
        &[
            "--demo",
            "import",
            "--folder",
            folder,
            "--pattern",
            "{sAMAccountName}",
            "--yes",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot create the import journal"), "{err}");
    assert!(err.contains("Nothing was written"), "{err}");
    let changes = DataFolder::new(data.path())
        .offline()
        .join("demo-changes.ldif");
    let text = std::fs::read_to_string(changes).unwrap_or_default();
    assert!(!text.contains("thumbnailPhoto"), "{text}");
}

/// The least-privilege helpdesk account (thumbnailPhoto under OU=Staff only): `users --rights`
/// says where it may write, and an import leaves the others out before sending anything.
#[test]
fn the_helpdesk_account_is_told_where_it_may_not_write_before_anything_is_sent() {
    let dc = TestDc::get();
    let ca = dc.ca.display().to_string();
    let env = vec![
        ("ADPHOTO_SERVER", dc.ldaps_url.clone()),
        ("ADPHOTO_USER", dc.helpdesk.clone()),
        ("ADPHOTO_PASSWORD", dc.helpdesk_password.clone()),
    ];
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| adphoto_after(data.path(), &env, &["--ca-file", &ca], args);

    let rights = |ou: &str| -> Vec<Option<bool>> {
        let out = run(&["users", "--ou", ou, "--rights", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let users = users.as_array().unwrap().clone();
        assert!(!users.is_empty());
        users
            .iter()
            .map(|u| u["can_write_photo"].as_bool())
            .collect()
    };
    let base = std::env::var("ADPHOTO_TEST_BASE").unwrap();
    let platform = format!("OU=Platform,OU=Engineering,OU=Staff,{base}");
    let contractors = format!("OU=Contractors,{base}");
    assert!(rights(&platform).iter().all(|r| *r == Some(true)));
    assert!(rights(&contractors).iter().all(|r| *r == Some(false)));
    // Without --rights the listing does not ask (it costs the DC a computation per user).
    let out = run(&["users", "--ou", &platform, "--json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("can_write_photo"));

    // One file for a user it may change, one for a contractor: the dry run says which is left
    // out and why.
    let folder = tempfile::tempdir().unwrap();
    for u in ["ojonsson", "ddsouza"] {
        std::fs::write(
            folder.path().join(format!("{u}.jpg")),
            common::picture(300, 300, 7, true),
        )
        .unwrap();
    }
    let f = folder.path().to_str().unwrap();
    let out = run(&[
        "import",
        "--folder",
        f,
        "--pattern",
        "{sAMAccountName}",
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.contains("1 photos to write"), "{said}");
    assert!(
        said.lines()
            .any(|l| l.contains("skip") && l.contains("ddsouza") && l.contains("may not change")),
        "{said}"
    );

    // The contractor alone: nothing is sent, so nothing is refused and no record is made.
    std::fs::remove_file(folder.path().join("ojonsson.jpg")).unwrap();
    let out = run(&[
        "import",
        "--folder",
        f,
        "--pattern",
        "{sAMAccountName}",
        "--yes",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Nothing to write"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        !data.path().join("backups").exists()
            || std::fs::read_dir(data.path().join("backups"))
                .unwrap()
                .next()
                .is_none()
    );
}

/// `match --suggest` finds the pattern a folder is named by; `--map` pairs files named by an
/// unrelated id through a mapping file, listing its bad rows by number; `import --dry-run
/// --map` plans the good rows. All on the demo directory (no DC).
#[test]
fn match_suggest_and_map_on_the_demo_directory() {
    let data = tempfile::tempdir().unwrap();
    let photos = data.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for name in ["D1001.jpg", "D1002.png", "D1003.jpg", "group.jpg"] {
        std::fs::write(photos.join(name), picture(120, 160, 3, false)).unwrap();
    }
    let folder = photos.to_str().unwrap();
    let out = adphoto_in(
        data.path(),
        &[],
        &["--demo", "match", "--folder", folder, "--suggest", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let top: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        top[0],
        serde_json::json!({"pattern": "{employeeID}", "label": "Employee ID (10042)", "matched": 3, "ambiguous": 0})
    );
    assert!(top.as_array().unwrap().len() <= 3);
    let out = adphoto_in(
        data.path(),
        &[],
        &["--demo", "match", "--folder", folder, "--suggest"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let best = text.lines().nth(1).unwrap_or_default();
    assert!(
        best.starts_with("{employeeID} ")
            && best.contains(" 3/4 ")
            && best.ends_with("Employee ID (10042)"),
        "{text}"
    );
    assert!(
        text.contains("Best: --pattern \"{employeeID}\" (3 of 4 files match)."),
        "{text}"
    );

    // Files named by an HR id that is in no directory attribute.
    let hr = data.path().join("hr");
    std::fs::create_dir_all(&hr).unwrap();
    for name in ["hr-17.jpg", "hr-18.jpg", "hr-19.jpg"] {
        std::fs::write(hr.join(name), picture(120, 160, 4, false)).unwrap();
    }
    let map = data.path().join("map.csv");
    std::fs::write(
        &map,
        "\u{FEFF}file;employeeID\r\nhr-17.jpg;D1001\r\nhr-18.jpg;D9999\r\nmissing.jpg;D1002\r\n\
         hr-19.jpg;D1003\r\nhr-19.jpg;D1004\r\n",
    )
    .unwrap();
    let (hr, map) = (hr.to_str().unwrap(), map.to_str().unwrap());
    let out = adphoto_in(
        data.path(),
        &[],
        &["--demo", "match", "--folder", hr, "--map", map, "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["counts"]["matched"], 1, "{v}");
    assert!(
        v["matched"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("hr-17.jpg")
    );
    let bad: Vec<(u64, &str)> = v["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["row"].as_u64().unwrap(), b["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(
        bad,
        [
            (3, "no_user"),
            (4, "file_not_found"),
            (5, "file_twice"),
            (6, "file_twice")
        ]
    );
    let out = adphoto_in(
        data.path(),
        &[],
        &[
            "--demo",
            "import",
            "--folder",
            hr,
            "--map",
            map,
            "--dry-run",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("1 photos to write"), "{text}");
    assert!(
        text.contains("  row 3: no user has employeeID 'D9999'\n"),
        "{text}"
    );
    // A mapping file whose column is no attribute: a usage error, said plainly.
    std::fs::write(data.path().join("bad.csv"), "hr id,file\n17,hr-17.jpg\n").unwrap();
    let bad_map = data.path().join("bad.csv");
    let out = adphoto_in(
        data.path(),
        &[],
        &[
            "--demo",
            "match",
            "--folder",
            hr,
            "--map",
            bad_map.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("\"hr id\" is not an attribute"),
        "{}",
        stderr(&out)
    );
}

/// Contacts on the test DC (Anna Müller of Acme, a mail contact in OU=Sales): listed with
/// `--contacts` and marked, a photo set by DN, imported with `--contacts`, exported by its name.
#[test]
fn contacts_are_listed_set_imported_and_exported_with_contacts() {
    let dc = TestDc::get();
    let base = std::env::var("ADPHOTO_TEST_BASE").unwrap();
    let sales = format!("OU=Sales,OU=Staff,{base}");
    let data = tempfile::tempdir().unwrap();
    let ca = dc.ca.display().to_string();
    let env = dc.cli_env();
    let run = |args: &[&str]| adphoto_after(data.path(), &env, &["--ca-file", &ca], args);

    let out = run(&["users", "--ou", &sales, "--json"]);
    let plain: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        plain
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["kind"] == "user")
    );
    let out = run(&["users", "--ou", &sales, "--contacts", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let contacts: Vec<&serde_json::Value> = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == "contact")
        .collect();
    assert_eq!(contacts.len(), 1, "{all}");
    let contact_dn = contacts[0]["dn"].as_str().unwrap().to_string();
    let mail = contacts[0]["mail"].as_str().unwrap().to_string();
    assert_eq!(
        all.as_array().unwrap().len(),
        plain.as_array().unwrap().len() + 1
    );

    // Set by DN (a contact has no logon name), read back.
    let pic = data.path().join("acme.jpg");
    std::fs::write(&pic, common::picture(200, 240, 11, true)).unwrap();
    let out = run(&["photo", "set", &contact_dn, pic.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Imported by mail with --contacts (without it, the file finds nobody).
    let folder = data.path().join("photos");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join(format!("{mail}.jpg")),
        common::picture(260, 300, 12, true),
    )
    .unwrap();
    let f = folder.to_str().unwrap();
    let import = |contacts: bool| {
        let mut a = vec![
            "import",
            "--folder",
            f,
            "--pattern",
            "{mail}",
            "--ou",
            &sales,
            "--yes",
        ];
        if contacts {
            a.push("--contacts");
        }
        run(&a)
    };
    let out = import(false);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Nothing to write"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = import(true);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 written")
            || String::from_utf8_lossy(&out.stdout).contains("1 written"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );

    // Exported under its name (the default pattern, sAMAccountName, gives none).
    let export_to = data.path().join("export");
    let out = run(&[
        "export",
        "--folder",
        export_to.to_str().unwrap(),
        "--ou",
        &sales,
        "--contacts",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<String> = std::fs::read_dir(&export_to)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("Anna Müller (Acme")),
        "{names:?}"
    );
}

/// `match --check` looks at every matched picture: a face photo passes, a small picture without
/// a face is flagged with both reasons (demo directory, no DC).
#[test]
fn match_check_flags_pictures_without_a_face_or_too_small() {
    let data = tempfile::tempdir().unwrap();
    let photos = data.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/face.jpg"),
        photos.join("arahman.jpg"),
    )
    .unwrap();
    image::RgbImage::from_fn(60, 80, |x, y| image::Rgb([x as u8 * 4, y as u8 * 3, 90]))
        .save(photos.join("ahart.png"))
        .unwrap();
    let folder = photos.to_str().unwrap();
    let out = adphoto_in(
        data.path(),
        &[],
        &[
            "--demo",
            "match",
            "--folder",
            folder,
            "--pattern",
            "{sAMAccountName}",
            "--check",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = |file: &str| -> Vec<String> {
        v["matched"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["file"].as_str().unwrap().ends_with(file))
            .unwrap()["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_string())
            .collect()
    };
    assert!(warnings("arahman.jpg").is_empty(), "{v}");
    let small = warnings("ahart.png");
    assert_eq!(small.len(), 2, "{small:?}");
    assert_eq!(small[0], "no face found");
    assert!(
        small[1].contains("smaller than 96 px (60 × 80)"),
        "{small:?}"
    );
}

/// `export` names files by pattern; two users whose names collide never share one file (the
/// second is reported, the first kept), and users without a photo take no name.
#[test]
fn export_never_writes_two_users_photos_to_one_file() {
    let data = tempfile::tempdir().unwrap();
    let out_dir = data.path().join("by-department");
    let folder = out_dir.to_str().unwrap();
    let out = adphoto_in(
        data.path(),
        &[],
        &[
            "--demo",
            "export",
            "--folder",
            folder,
            "--pattern",
            "{department}",
        ],
    );
    // Some users were not saved: exit 1, each named with the user who has the file.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "not saved: Jonas Berg (jberg): IT is already the file of Aisha Rahman (arahman)"
        ),
        "{err}"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("6 photos saved to"), "{text}");
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Finance.jpg",
            "IT.jpg",
            "Logistics.jpg",
            "Management.jpg",
            "People.jpg",
            "Sales.jpg"
        ]
    );
    // Aisha Rahman's photo, not Jonas Berg's, is IT.jpg.
    let users = adphoto_in(data.path(), &[], &["--demo", "users", "--json"]);
    let users: serde_json::Value = serde_json::from_slice(&users.stdout).unwrap();
    let aisha = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["sAMAccountName"] == "arahman")
        .unwrap();
    assert_eq!(
        std::fs::metadata(out_dir.join("IT.jpg")).unwrap().len(),
        aisha["photoBytes"].as_u64().unwrap()
    );

    // A file already there with another picture is kept, unless --overwrite.
    std::fs::write(out_dir.join("arahman.jpg"), b"an original").unwrap();
    let again = |extra: &[&str]| {
        let mut args = vec![
            "--demo",
            "export",
            "--folder",
            folder,
            "--pattern",
            "{sAMAccountName}",
        ];
        args.extend_from_slice(extra);
        adphoto_in(data.path(), &[], &args)
    };
    let out = again(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("arahman.jpg already exists with another picture: kept")
            && err.contains("--overwrite replaces them"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(out_dir.join("arahman.jpg")).unwrap(),
        b"an original"
    );
    let out = again(&["--overwrite"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::metadata(out_dir.join("arahman.jpg"))
            .unwrap()
            .len(),
        aisha["photoBytes"].as_u64().unwrap()
    );
}

/// `adphoto sync PROFILE.toml`: the profile's import, unattended. The safety valve stops a run
/// that would change more than the allowed share of the OU's users (exit 2, nothing written,
/// no journal left); `--allow-mass-change` lets it through; the next sync finds everyone up to
/// date without decoding; a second sync while one holds the lock exits at once, saying so.
#[test]
fn sync_from_a_profile_with_its_safety_valve() {
    let dc = TestDc::get();
    let data = tempfile::tempdir().unwrap();
    // big1011–…: no other test uses them. One more than 1 % of the OU's users.
    let n = dc.big_count / 100 + 1;
    let files: Vec<(String, Vec<u8>)> = (1011..1011 + n)
        .map(|i| {
            let seed = (i % 200) as u8;
            (format!("big{i}.png"), picture(120, 160, seed, false))
        })
        .collect();
    let files: Vec<(&str, Vec<u8>)> = files.iter().map(|(f, b)| (f.as_str(), b.clone())).collect();
    photo_folder(data.path(), &files);
    let profile = data.path().join("nightly.toml");
    std::fs::write(
        &profile,
        format!(
            "server = {:?}\nuser = {:?}\nca_file = {:?}\nou = {:?}\nfolder = \"photos\"\n\
             pattern = \"{{sAMAccountName}}\"\nmax_change_percent = 1\nreport = \"last-sync.csv\"\n",
            dc.ldaps_url,
            dc.admin,
            dc.ca.display().to_string(),
            dc.big_ou
        ),
    )
    .unwrap();
    let env = [("ADPHOTO_PASSWORD", dc.password.clone())];
    let sync = |extra: &[&str]| {
        let mut args = vec!["sync", profile.to_str().unwrap()];
        args.extend_from_slice(extra);
        let started = std::time::Instant::now();
        let out = adphoto_in(data.path(), &env, &args);
        (out, started.elapsed())
    };
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let journals = DataFolder::new(data.path()).journals();

    // Too many at once: nothing written, exit 2, why said.
    let (out, _) = sync(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(&format!(
            "it would change {n} of {} users' photos",
            dc.big_count
        )) && text(&out).contains("more than the 1 % allowed"),
        "{}",
        text(&out)
    );
    assert_eq!(
        adphoto::import::journal::all(&journals).len(),
        0,
        "no journal of a run that did not start"
    );

    // Meant: let through.
    let (out, _) = sync(&["--allow-mass-change"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("0 failed"), "{said}");
    assert!(
        data.path().join("last-sync.csv").exists(),
        "the profile's report"
    );

    // Nothing changed since: every user up to date, nothing decoded or written.
    let (out, took) = sync(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("0 written, {n} up to date, 0 failed")),
        "{}",
        text(&out)
    );
    eprintln!(
        "a sync of {n} users where nothing changed took {took:?} (one listing of {} users included)",
        dc.big_count
    );

    // Another adphoto is writing to this directory: the sync exits at once, saying so.
    let held = DataFolder::new(data.path())
        .lock_writes(
            &adphoto::data_folder::directory_key(&dc.base),
            "adphoto sync (the test's)",
        )
        .unwrap();
    let (out, _) = sync(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("another adphoto is writing to this directory"),
        "{}",
        text(&out)
    );
    drop(held);

    // What an admin reads the next morning: the data folder's log of the day, in the same
    // words as the terminal, each run's start and end.
    let logs = DataFolder::new(data.path()).logs();
    let log: String = std::fs::read_dir(&logs)
        .unwrap()
        .map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap())
        .collect();
    let profile_name = profile.display().to_string();
    for wanted in [
        format!("sync {profile_name} started"),
        format!("it would change {n} of {} users' photos", dc.big_count),
        format!("0 written, {n} up to date, 0 failed"),
        format!("sync {profile_name} done (exit 0)"),
        "another adphoto is writing to this directory".to_string(),
        format!("sync {profile_name} could not run (exit 2)"),
    ] {
        assert!(log.contains(&wanted), "the log lacks {wanted:?}:\n{log}");
    }
    assert!(
        !log.contains(&dc.password),
        "the password is in the log:\n{log}"
    );
    assert_eq!(
        log.matches(&format!("{profile_name} started")).count(),
        4,
        "one start per sync run:\n{log}"
    );

    let out = adphoto_in(
        data.path(),
        &[
            ("ADPHOTO_SERVER", dc.ldaps_url.clone()),
            ("ADPHOTO_USER", dc.admin.clone()),
            ("ADPHOTO_PASSWORD", dc.password.clone()),
        ],
        &["--ca-file", dc.ca.to_str().unwrap(), "undo", "--yes"],
    );
    assert!(out.status.success(), "{}", text(&out));
}

/// `sync --install-schedule` writes a systemd user timer and its service that systemd's own
/// parser accepts (`systemd-analyze verify --user`: it fails on a bad key, a bad calendar or
/// a command that is not there), running this adphoto on this profile; `--remove-schedule`
/// takes them away. No user manager is reachable here (a private XDG_RUNTIME_DIR, no session
/// bus), so the timer is written but not started: exit 1, and the command to start it said.
#[cfg(target_os = "linux")]
#[test]
fn sync_install_schedule_writes_a_timer_systemd_accepts_and_remove_takes_it_away() {
    let home = tempfile::tempdir().unwrap();
    let runtime = home.path().join("run");
    std::fs::create_dir(&runtime).unwrap();
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let config = home.path().join("config");
    let profile_dir = home.path().join("HR share");
    std::fs::create_dir(&profile_dir).unwrap();
    let profile = profile_dir.join("staff photos.toml");
    std::fs::write(
        &profile,
        "folder = \"photos\"\npattern = \"{sAMAccountName}\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_adphoto"))
            .args(args)
            .env("ADPHOTO_DATA_DIR", home.path().join("data"))
            .env("XDG_CONFIG_HOME", &config)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let p = profile.to_str().unwrap();

    let out = run(&["sync", p, "--install-schedule", "nightly"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a schedule"),
        "{}",
        stderr(&out)
    );

    let out = run(&["sync", p, "--install-schedule", "weekdays@02:15"]);
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{said}{}", stderr(&out));
    assert!(said.contains("written but not started"), "{said}");
    assert!(
        said.contains("systemctl --user enable --now adphoto-sync-staff_photos.timer"),
        "{said}"
    );
    let units = config.join("systemd/user");
    let service = units.join("adphoto-sync-staff_photos.service");
    let timer = units.join("adphoto-sync-staff_photos.timer");
    let service_text = std::fs::read_to_string(&service).unwrap();
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_adphoto")).unwrap();
    let profile_abs = std::fs::canonicalize(&profile).unwrap();
    assert!(
        service_text.contains(&format!(
            "ExecStart=\"{}\" sync \"{}\"\n",
            exe.display(),
            profile_abs.display()
        )),
        "{service_text}"
    );
    assert!(
        std::fs::read_to_string(&timer)
            .unwrap()
            .contains("OnCalendar=Mon..Fri *-*-* 02:15:00\n")
    );
    let verify = Command::new("systemd-analyze")
        .args(["verify", "--user"])
        .arg(&timer)
        .arg(&service)
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .expect("systemd-analyze (Debian's systemd) runs");
    assert!(
        verify.status.success(),
        "systemd refuses the units: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        stderr(&verify)
    );

    let out = run(&["sync", p, "--remove-schedule"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!service.exists() && !timer.exists());
    let out = run(&["sync", p, "--remove-schedule"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("No schedule adphoto-sync-staff_photos"));
}

/// On Linux a sync also logs to the journal: run with a journal socket of the test's own (a
/// private mount namespace with /run/systemd on a tmpfs, a listener on journal/socket), the
/// journal gets adphoto's lines in its native protocol: identifier, priority, the message.
/// Needs root for the namespace (as the test DC does).
#[cfg(target_os = "linux")]
#[test]
fn a_sync_logs_to_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on this loopback port: the sync cannot connect, exits 2, and says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let profile = dir.path().join("p.toml");
    std::fs::write(
        &profile,
        format!(
            "server = \"ldaps://127.0.0.1:{port}\"\nuser = \"x\"\n\
             folder = \"photos\"\npattern = \"{{sAMAccountName}}\"\ntimeout = 3\n"
        ),
    )
    .unwrap();
    let got = dir.path().join("journal.bin");
    // Each datagram as it came, after its length (8 bytes, little-endian).
    let listener = format!(
        "import socket,struct\n\
         s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\n\
         s.bind('/run/systemd/journal/socket')\n\
         open('{ready}','w').close()\n\
         s.settimeout(30)\n\
         with open('{got}','wb') as f:\n\
         \x20 while True:\n\
         \x20   d=s.recv(65536)\n\
         \x20   f.write(struct.pack('<Q',len(d))+d); f.flush()\n",
        ready = dir.path().join("ready").display(),
        got = got.display()
    );
    std::fs::write(dir.path().join("listen.py"), listener).unwrap();
    let script = format!(
        "set -e\n\
         mount -t tmpfs tmpfs /run/systemd 2>/dev/null || {{ mkdir -p /run/systemd && mount -t tmpfs tmpfs /run/systemd; }}\n\
         mkdir -p /run/systemd/journal\n\
         python3 {listen} & l=$!\n\
         while [ ! -e {ready} ]; do sleep 0.05; done\n\
         set +e; ADPHOTO_PASSWORD=x {exe} sync {profile}; echo \"exit=$?\"\n\
         sleep 0.3; kill $l\n",
        listen = dir.path().join("listen.py").display(),
        ready = dir.path().join("ready").display(),
        exe = env!("CARGO_BIN_EXE_adphoto"),
        profile = profile.display(),
    );
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .env("ADPHOTO_DATA_DIR", dir.path().join("data"))
        .env("ADPHOTO_NO_DISCOVERY", "1")
        .output()
        .expect("unshare runs");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(said.contains("exit=2"), "{said}");
    let entries = journal_entries(&std::fs::read(&got).unwrap_or_default());
    let with = |text: &str| {
        entries
            .iter()
            .find(|e| e.get("MESSAGE").is_some_and(|m| m.contains(text)))
            .unwrap_or_else(|| panic!("no {text:?} in the journal: {entries:#?}\n{said}"))
    };
    let start = with(&format!("sync {} started", profile.display()));
    assert_eq!(start["SYSLOG_IDENTIFIER"], "adphoto");
    assert_eq!(start["PRIORITY"], "5", "notice");
    assert_eq!(with("Cannot reach the server")["PRIORITY"], "3", "error");
    // The end, as a warning an admin's filter (journalctl -p warning) shows.
    assert_eq!(with("could not run (exit 2)")["PRIORITY"], "4");
}

/// The journal's native protocol (systemd's "Native Journal Protocol"): per field either
/// `NAME=value\n` or `NAME\n`, a 64-bit little-endian length, the value, `\n`.
#[cfg(target_os = "linux")]
fn journal_entries(mut file: &[u8]) -> Vec<std::collections::HashMap<String, String>> {
    let mut entries = Vec::new();
    while file.len() >= 8 {
        let len = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
        let mut d = &file[8..8 + len];
        file = &file[8 + len..];
        let mut entry = std::collections::HashMap::new();
        while let Some(end) = d.iter().position(|&b| b == b'=' || b == b'\n') {
            let name = String::from_utf8_lossy(&d[..end]).to_string();
            let value;
            if d[end] == b'=' {
                let nl = d[end..].iter().position(|&b| b == b'\n').unwrap() + end;
                value = d[end + 1..nl].to_vec();
                d = &d[nl + 1..];
            } else {
                let n = u64::from_le_bytes(d[end + 1..end + 9].try_into().unwrap()) as usize;
                value = d[end + 9..end + 9 + n].to_vec();
                d = &d[end + 9 + n + 1..];
            }
            entry.insert(name, String::from_utf8_lossy(&value).to_string());
        }
        if !entry.is_empty() {
            entries.push(entry);
        }
    }
    entries
}

/// `--remove-missing`: a user whose file HR took away loses the photo adphoto made from it —
/// saved first, put back by undo — and no one else does: not a user whose photo was changed
/// outside adphoto since (reported), not one whose photo adphoto set another way, not anyone
/// when the option is not given.
#[test]
fn remove_missing_takes_away_only_the_photos_adphoto_made_from_files_now_gone() {
    // big1033–1036: no other test uses them.
    let f = BigFolder::new(&[
        ("big1033.png", picture(300, 400, 33, false)),
        ("big1034.png", picture(300, 400, 34, false)),
        ("big1035.png", picture(300, 400, 35, false)),
    ]);
    let _ = f.run_elsewhere(&["photo", "rm", "big1036"]);
    let (data, photos, elsewhere) = (&f.data, &f.photos, &f.elsewhere);
    let run = |args: &[&str]| f.run(args);
    let run_elsewhere = |args: &[&str]| f.run_elsewhere(args);
    let got = elsewhere.path().join("got.jpg");
    let held = |sam: &str| {
        let _ = std::fs::remove_file(&got);
        let out = run_elsewhere(&["photo", "get", sam, "-o", got.to_str().unwrap()]);
        out.status.success().then(|| std::fs::read(&got).unwrap())
    };
    let import = |extra: &[&str]| {
        let mut args = f.import_args();
        args.extend_from_slice(extra);
        let out = run(&args);
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(out.status.success(), "{said}");
        said
    };
    let said = import(&[]);
    assert!(said.contains("3 written, 0 up to date"), "{said}");
    let made_1033 = held("big1033").expect("big1033 has the import's photo");
    // big1036 gets a photo from adphoto, not from this folder.
    let other = data.path().join("other.png");
    std::fs::write(&other, picture(200, 200, 36, false)).unwrap();
    assert!(
        run(&["photo", "set", "big1036", other.to_str().unwrap()])
            .status
            .success()
    );

    // HR takes two files away; someone else changes big1034's photo meanwhile.
    std::fs::remove_file(photos.join("big1033.png")).unwrap();
    std::fs::remove_file(photos.join("big1034.png")).unwrap();
    let theirs = data.path().join("theirs.png");
    std::fs::write(&theirs, picture(200, 200, 99, false)).unwrap();
    assert!(
        run_elsewhere(&["photo", "set", "big1034", theirs.to_str().unwrap()])
            .status
            .success()
    );
    let theirs_1034 = held("big1034").unwrap();

    // Not asked: nothing is removed.
    let said = import(&[]);
    assert!(said.contains("0 written, 1 up to date"), "{said}");
    assert!(!said.contains("removed"), "{said}");
    assert_eq!(held("big1033").as_deref(), Some(made_1033.as_slice()));

    // Asked: exactly big1033's photo goes, saved first.
    let report = data.path().join("removed.csv");
    let said = import(&["--remove-missing", "--report", report.to_str().unwrap()]);
    assert!(
        said.contains("0 written, 1 removed, 1 up to date"),
        "{said}"
    );
    assert_eq!(held("big1033"), None, "big1033's photo is removed");
    assert_eq!(held("big1034").as_deref(), Some(theirs_1034.as_slice()));
    assert!(held("big1035").is_some() && held("big1036").is_some());
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&report)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    let row = |sam: &str| rows.iter().find(|r| &r[1] == sam).unwrap().clone();
    let r1033 = row("big1033");
    assert_eq!(&r1033[4], "removed", "{r1033:?}");
    let saved = r1033[6].split("the photo is saved in ").nth(1).unwrap();
    assert_eq!(
        std::fs::read(saved).unwrap(),
        made_1033,
        "the removed photo is saved"
    );
    assert!(
        row("big1034")[6].contains("changed outside adphoto"),
        "{:?}",
        row("big1034")
    );
    let removal = said
        .lines()
        .find_map(|l| l.strip_prefix("Undo this import with: adphoto undo --import "))
        .unwrap()
        .to_string();
    // Nothing more to remove on the next run.
    let said = import(&["--remove-missing"]);
    assert!(!said.contains("removed"), "{said}");

    // Undo of that run puts the removed photo back.
    let out = run(&["undo", "--import", &removal, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(held("big1033").as_deref(), Some(made_1033.as_slice()));
    // The first import undone too; big1034, changed by someone else, is left (exit 1 says so).
    let out = run(&["undo", "--yes"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}{}", stderr(&out));
    assert!(
        said.contains("2 put back; 1 changed since the import, left as they are: Big User 1034"),
        "{said}"
    );
}
