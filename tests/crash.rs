//! Nothing is lost: real `adphoto import` processes killed (SIGKILL) at many points, a DC that
//! goes away mid-import (for a while, or for good), two writers at once — and after each,
//! `adphoto undo` must leave every user's photo byte for byte as it was before.
//!
//! The imports talk to the test DC through a loopback proxy (tests/common/proxy.rs) that adds a
//! little latency (so kills land mid-write) and can cut the connection, so the one shared DC
//! keeps serving the other tests.

mod common;
#[path = "common/graph_server.rs"]
mod graph_server;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use adphoto::data_folder::DataFolder;
use adphoto::directory::{BackupStore, Directory, PhotoAttribute, User};
use adphoto::import::journal::{self, Entry};
use common::proxy::Proxy;
use common::{TestDc, fake_jpeg, picture};

const LDAPS: &str = "127.0.0.1:636";

/// A block of `big` users only these tests touch, each test its own.
fn names(first: u32, n: u32) -> Vec<String> {
    (first..first + n).map(|i| format!("big{i:04}")).collect()
}

struct Scene {
    dc: TestDc,
    rt: tokio::runtime::Runtime,
    dir: Directory,
    users: Vec<User>,
    /// Every user's photo before any import (None: no photo).
    before: Vec<Option<Vec<u8>>>,
    photos: PathBuf,
    data: tempfile::TempDir,
    proxy: Proxy,
    /// The CA file every command is given (the DC's, or the DC's and the Graph server's).
    ca: PathBuf,
    /// When set, imports go `--to both` and every command signs in to this Microsoft 365.
    cloud: Option<graph_server::GraphServer>,
    /// Every user's Microsoft 365 photo before any import, by index.
    cloud_before: Vec<Option<Vec<u8>>>,
}

impl Scene {
    /// Half the users get a known photo, half none; a folder holds a new picture for each.
    fn new(first: u32, n: u32, delay: Duration) -> Self {
        let dc = TestDc::get();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = rt.block_on(dc.admin());
        let p = PhotoAttribute::default();
        let data = tempfile::tempdir().unwrap();
        let setup = BackupStore::new(data.path().join("setup-backups"));
        let photos = data.path().join("photos");
        std::fs::create_dir(&photos).unwrap();
        let mut users = Vec::new();
        let mut before = Vec::new();
        for (i, name) in names(first, n).iter().enumerate() {
            let u = rt.block_on(dir.find_user(name, &p)).unwrap();
            let old = (i % 2 == 0).then(|| fake_jpeg(2_000 + i * 37, i as u8));
            match &old {
                Some(b) => {
                    rt.block_on(dir.write_photo(&u, &p, b, &setup)).unwrap();
                }
                None => {
                    rt.block_on(dir.remove_photo(&u, &p, &setup)).unwrap();
                }
            }
            std::fs::write(
                photos.join(format!("{name}.png")),
                picture(240, 320, 100 + i as u8, false),
            )
            .unwrap();
            users.push(u);
            before.push(old);
        }
        let proxy = Proxy::start(LDAPS.parse::<SocketAddr>().unwrap(), delay);
        let ca = dc.ca.clone();
        Self {
            ca,
            cloud: None,
            cloud_before: Vec::new(),
            dc,
            rt,
            dir,
            users,
            before,
            photos,
            data,
            proxy,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_via(&format!("ldaps://localhost:{}", self.proxy.port), args)
    }

    /// `server`: through the proxy (the default) or straight to the DC.
    fn cmd_via(&self, server: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_adphoto"));
        cmd.args(["--ca-file", self.ca.to_str().unwrap()])
            .args(["--server", server])
            .args(["--timeout", "5"])
            .args(args)
            .env_remove("ADPHOTO_SERVER")
            .env_remove("ADPHOTO_TENANT_ID")
            .env_remove("ADPHOTO_CLIENT_SECRET");
        if let Some(g) = &self.cloud {
            // The app's own identity (client credentials), as an unattended run signs in.
            cmd.args(["--tenant", graph_server::TENANT])
                .args(["--client-id", graph_server::CLIENT_ID])
                .env("ADPHOTO_CLIENT_SECRET", graph_server::CLIENT_SECRET)
                .env("ADPHOTO_LOGIN_URL", &g.url)
                .env("ADPHOTO_GRAPH_URL", &g.url);
        }
        self.signed_in(cmd)
    }

    /// The test DC's administrator from the environment (as a scheduled job has its
    /// password), this scene's data folder, the output kept.
    fn signed_in(&self, mut cmd: Command) -> Command {
        cmd.env("ADPHOTO_USER", &self.dc.admin)
            .env("ADPHOTO_PASSWORD", &self.dc.password)
            .env("ADPHOTO_DATA_DIR", self.data.path().join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn import(&self) -> Command {
        self.import_via(&format!("ldaps://localhost:{}", self.proxy.port))
    }

    fn import_via(&self, server: &str) -> Command {
        let folder = self.photos.to_str().unwrap().to_string();
        self.cmd_via(
            server,
            &[
                "import",
                "--ou",
                &self.dc.big_ou,
                "--folder",
                &folder,
                "--pattern",
                "{sAMAccountName}",
                "--concurrency",
                "4",
                "--yes",
                "--to",
                if self.cloud.is_some() { "both" } else { "ad" },
            ],
        )
    }

    /// `adphoto sync` of a profile that says what [`Self::import_via`]'s options say (through
    /// the proxy), the password from the environment as a scheduled job has it.
    fn sync(&self) -> Command {
        let profile = self.data.path().join("nightly.toml");
        std::fs::write(
            &profile,
            format!(
                "server = \"ldaps://localhost:{}\"\nuser = {:?}\nca_file = {:?}\ntimeout = 5\n\
                 ou = {:?}\nfolder = {:?}\npattern = \"{{sAMAccountName}}\"\n",
                self.proxy.port,
                self.dc.admin,
                self.ca.display().to_string(),
                self.dc.big_ou,
                self.photos.display().to_string(),
            ),
        )
        .unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_adphoto"));
        cmd.arg("sync").arg(&profile).env_remove("ADPHOTO_SERVER");
        self.signed_in(cmd)
    }

    fn undo(&self) -> Output {
        self.cmd(&["undo", "--yes"]).output().unwrap()
    }

    fn journals(&self) -> PathBuf {
        DataFolder::new(self.data.path().join("data")).journals()
    }

    fn photo(&self, u: &User) -> Option<Vec<u8>> {
        self.rt
            .block_on(self.dir.read_photo(&u.dn, &PhotoAttribute::default()))
            .unwrap()
    }

    /// `adphoto undo` succeeds, and leaves every user as before the imports.
    fn undo_puts_everyone_back(&self, when: &str) {
        let out = self.undo();
        assert_eq!(out.status.code(), Some(0), "{when}: {}", text(&out));
        self.assert_as_before(when);
    }

    /// Every user byte for byte as before the imports.
    fn assert_as_before(&self, when: &str) {
        for (u, old) in self.users.iter().zip(&self.before) {
            assert_eq!(
                self.photo(u).as_deref().map(sha),
                old.as_deref().map(sha),
                "{}: not as before ({when})",
                u.dn
            );
        }
        if let Some(g) = &self.cloud {
            for (i, old) in self.cloud_before.iter().enumerate() {
                let now = g.with(|st| st.photos.get(&cloud_id(i)).map(|(b, _)| sha(b)));
                assert_eq!(
                    now,
                    old.as_deref().map(sha),
                    "{}: Microsoft 365 photo not as before ({when})",
                    self.users[i].dn
                );
            }
        }
    }

    /// Starts an import, SIGKILLs it once its journal has `k` lines (at 0: 150 ms in, before
    /// the journal may exist), runs `adphoto undo` and checks everyone is as before. Returns
    /// what the journal held at the kill.
    fn kill_at_line_and_undo(&self, run: usize, k: usize) -> String {
        self.kill_at_line_and_undo_of(self.import(), run, k)
    }

    /// [`Self::kill_at_line_and_undo`] for this command (an import, or a sync).
    fn kill_at_line_and_undo_of(&self, command: Command, run: usize, k: usize) -> String {
        self.kill_at_line_and_undo_with(command, run, k, false)
    }

    /// The same; `only_it`: undo the killed run alone (`undo --import ID`), not every import.
    fn kill_at_line_and_undo_with(
        &self,
        mut command: Command,
        run: usize,
        k: usize,
        only_it: bool,
    ) -> String {
        let old = journal::all(&self.journals());
        let mut child = command.spawn().unwrap();
        if k == 0 {
            std::thread::sleep(Duration::from_millis(150));
        } else if !wait_for_lines(&mut child, &self.journals(), &old, k) {
            let out = child.wait_with_output().unwrap();
            panic!(
                "run {run}: the import ended before line {k}:\n{}",
                text(&out)
            );
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let newest = newest_journal(&self.journals()).filter(|j| !old.contains(j));
        let state = newest.as_deref().map_or("no journal yet".into(), at_kill);
        let out = match (only_it, &newest) {
            (false, _) => Some(self.undo()),
            (true, Some(j)) => Some(self.undo_import(j)),
            (true, None) => None,
        };
        if let Some(out) = out {
            assert_eq!(
                out.status.code(),
                Some(0),
                "run {run} ({state}):\n{}",
                text(&out)
            );
        }
        self.assert_as_before(&format!("run {run}, killed at {state}"));
        state
    }

    /// `adphoto undo --import ID` of the import whose journal is `j`.
    fn undo_import(&self, j: &Path) -> Output {
        let id = j.file_stem().unwrap().to_string_lossy().into_owned();
        self.cmd(&["undo", "--import", &id, "--yes"])
            .output()
            .unwrap()
    }

    /// Every user also in Microsoft 365 (found by onPremisesImmutableId), a third of them with
    /// a cloud photo; imports go to both, and the cloud answers slowly enough for kills to land
    /// in its leg.
    fn with_cloud(mut self, latency: Duration) -> Self {
        let g = graph_server::GraphServer::start(Vec::new());
        let before: Vec<Option<Vec<u8>>> = (0..self.users.len())
            .map(|i| (i % 3 == 0).then(|| picture(300, 300, 60 + i as u8, true)))
            .collect();
        g.with(|st| {
            st.users = self
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| graph_server::MockUser {
                    id: cloud_id(i),
                    upn: u.user_principal_name.clone().unwrap(),
                    mail: u.mail.clone(),
                    display_name: u.label(),
                    immutable_id: Some(adphoto::cloud::immutable_id(u).unwrap()),
                })
                .collect();
            st.page_size = 100;
            st.latency = latency;
            for (i, b) in before.iter().enumerate() {
                if let Some(b) = b {
                    st.photos
                        .insert(cloud_id(i), (b.clone(), "image/jpeg".into()));
                }
            }
        });
        // One --ca-file for both connections: the DC's CA and the Graph server's.
        let ca = self.data.path().join("both-ca.pem");
        let mut pem = std::fs::read(&self.dc.ca).unwrap();
        pem.extend(std::fs::read(&g.ca_file).unwrap());
        std::fs::write(&ca, pem).unwrap();
        self.ca = ca;
        self.cloud = Some(g);
        self.cloud_before = before;
        self
    }
}

fn cloud_id(i: usize) -> String {
    format!("00000000-0000-0000-0000-{:012}", 7000 + i)
}

fn sha(b: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(b))
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The newest journal's lines, once it exists.
fn newest_journal(dir: &Path) -> Option<PathBuf> {
    journal::all(dir).into_iter().next()
}

fn lines(p: &Path) -> usize {
    std::fs::read(p).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
}

/// Waits until `child` has written `n` journal lines (a new journal, not one of `old`), or ends.
fn wait_for_lines(child: &mut Child, journals: &Path, old: &[PathBuf], n: usize) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(60) {
        let ended = child.try_wait().unwrap().is_some();
        if let Some(j) = newest_journal(journals)
            && !old.contains(&j)
            && lines(&j) >= n
        {
            return true;
        }
        if ended {
            return false;
        }
        std::thread::sleep(Duration::from_micros(300));
    }
    false
}

/// What a journal recorded at a kill: the last event and the writes with no outcome.
fn at_kill(p: &Path) -> String {
    let entries = journal::read(p).unwrap_or_default();
    let last = entries
        .last()
        .map(|e| {
            let v = serde_json::to_value(e).unwrap();
            v["event"].as_str().unwrap_or("?").to_string()
        })
        .unwrap_or_else(|| "(empty)".into());
    let mut open = 0i32;
    let mut cloud = 0;
    for e in &entries {
        match e {
            Entry::Writing { cloud: c, .. } => {
                open += 1;
                cloud += i32::from(c.is_some());
            }
            Entry::Removing { .. } => open += 1,
            Entry::Written { .. } | Entry::Removed { .. } | Entry::Failed { .. } => open -= 1,
            _ => {}
        }
    }
    // Legs run one after the other, so the open writes are the cloud's once it began.
    let leg = if cloud > 0 {
        " (Microsoft 365 leg)"
    } else {
        ""
    };
    format!(
        "{} lines, last '{last}', {open} writes in flight{leg}",
        entries.len()
    )
}

#[test]
fn killed_imports_are_undone_byte_for_byte() {
    let s = Scene::new(1501, 20, Duration::from_millis(2));
    // 20 users: Started + Writing and Written for each = 41 lines, then Finished. Kill points
    // spread over the whole run, at line counts and (first) before the journal exists.
    let points = [
        0, 1, 2, 3, 4, 5, 7, 9, 11, 14, 17, 20, 23, 26, 29, 32, 35, 38, 40, 41,
    ];
    let mut seen = Vec::new();
    for (run, &k) in points.iter().enumerate() {
        let state = s.kill_at_line_and_undo(run, k);
        seen.push(format!("run {run:2}: killed at line {k:2}: {state}"));
    }
    println!("{}", seen.join("\n"));
    // Employee photos and the record of who got which: private to the user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let data = DataFolder::new(s.data.path().join("data"));
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for dir in [data.journals(), data.backups(), data.locks()] {
            assert_eq!(mode(&dir), 0o700, "{}", dir.display());
        }
        for j in journal::all(&s.journals()) {
            assert_eq!(mode(&j), 0o600, "{}", j.display());
        }
        let user_dir = std::fs::read_dir(data.backups())
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        assert_eq!(mode(&user_dir), 0o700);
        for f in std::fs::read_dir(&user_dir).unwrap() {
            let f = f.unwrap().path();
            assert_eq!(mode(&f), 0o600, "{}", f.display());
        }
    }
    // Nothing stale: every killed import is settled.
    assert!(
        journal::with_something_to_undo(&s.journals(), None).is_empty(),
        "an import still has something to undo"
    );
    // Some kills really landed with writes in flight.
    assert!(
        seen.iter()
            .any(|l| !l.contains(" 0 writes in flight") && !l.contains("no journal")),
        "{seen:#?}"
    );
}

/// A nightly sync is an import and keeps its promises: killed anywhere and undone, every user
/// is as before; the records of what made each photo that a killed run left behind do not
/// make the next run skip anyone; and once a run has finished, the next changes nothing.
#[test]
fn killed_syncs_are_undone_and_the_next_sync_finishes_the_job() {
    // 10 ms each way: a kill lands among writes on their way, even on a loaded machine.
    let s = Scene::new(1301, 12, Duration::from_millis(10));
    // 12 users: Started + Writing and Written for each = 25 lines, then Finished.
    let points = [0, 1, 2, 3, 5, 8, 11, 14, 17, 20, 23, 25];
    let mut seen = Vec::new();
    for (run, &k) in points.iter().enumerate() {
        let state = s.kill_at_line_and_undo_of(s.sync(), run, k);
        seen.push(format!("run {run:2}: killed at line {k:2}: {state}"));
    }
    println!("{}", seen.join("\n"));
    // A run to the end writes everyone; the next finds everyone up to date.
    for counts in [
        "12 written, 0 up to date, 0 failed",
        "0 written, 12 up to date, 0 failed",
    ] {
        let out = s.sync().output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(text(&out).contains(counts), "{}", text(&out));
    }
    s.undo_puts_everyone_back("after the finished syncs");
    assert!(
        seen.iter()
            .any(|l| !l.contains(" 0 writes in flight") && !l.contains("no journal")),
        "{seen:#?}"
    );
}

/// `--remove-missing` keeps the promises of a write: a sync that removes photos, killed at
/// every stage (before, while the removals are sent, after some are read back), and undone,
/// leaves every user with the photo they had; run to the end it removes them all, and undone
/// gives them all back.
#[test]
fn killed_removals_are_undone_byte_for_byte() {
    let mut s = Scene::new(1321, 12, Duration::from_millis(10));
    let original = s.before.clone();
    // The photos the folder makes; the folder kept aside, to be emptied and filled again.
    let out = s.sync().output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    s.before = s.users.iter().map(|u| s.photo(u)).collect();
    assert!(s.before.iter().all(Option::is_some));
    let kept = s.data.path().join("kept photos");
    std::fs::rename(&s.photos, &kept).unwrap();
    // Each run starts from photos the records speak for (an undone removal is the person's
    // word to keep the photo: its record no longer stands): the files back, a sync that finds
    // everyone up to date and notes it, then HR empties the folder.
    let fresh_records = || {
        std::fs::create_dir_all(&s.photos).unwrap();
        for f in std::fs::read_dir(&kept).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, s.photos.join(f.file_name().unwrap())).unwrap();
        }
        let out = s.sync().output().unwrap();
        assert!(
            text(&out).contains("0 written, 12 up to date"),
            "{}",
            text(&out)
        );
        std::fs::remove_dir_all(&s.photos).unwrap();
        std::fs::create_dir(&s.photos).unwrap();
    };
    // A sync that removes (`sync()` writes the profile; the flag is added to it).
    let removing = || {
        let cmd = s.sync();
        let path = s.data.path().join("nightly.toml");
        let mut t = std::fs::read_to_string(&path).unwrap();
        t.push_str("remove_missing = true\n");
        std::fs::write(&path, t).unwrap();
        cmd
    };
    // Started, 12 Removing (journaled together), 12 Removed (together), Finished.
    let mut seen = Vec::new();
    for (run, k) in [0usize, 1, 2, 13, 14, 25, 26].into_iter().enumerate() {
        fresh_records();
        let state = s.kill_at_line_and_undo_with(removing(), run, k, true);
        seen.push(format!("run {run}: killed at line {k:2}: {state}"));
    }
    println!("{}", seen.join("\n"));
    assert!(
        seen.iter()
            .any(|l| l.contains("last 'removing', 12 writes in flight")),
        "no kill landed while the removals were on their way: {seen:#?}"
    );
    // To the end: every photo removed, each saved; undone, every photo back.
    fresh_records();
    let out = removing().output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("0 written, 12 removed"),
        "{}",
        text(&out)
    );
    assert!(s.users.iter().all(|u| s.photo(u).is_none()));
    let out = s.undo_import(&newest_journal(&s.journals()).unwrap());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    s.assert_as_before("after the removals were undone");
    // And the first sync undone too: as before the test.
    s.before = original;
    s.undo_puts_everyone_back("after every sync was undone");
}

#[test]
fn imports_to_ad_and_microsoft_365_killed_anywhere_are_undone_on_both() {
    let s = Scene::new(1217, 10, Duration::from_millis(2)).with_cloud(Duration::from_millis(15));
    // A whole run first: how many journal lines an import to both writes, and that its undo
    // puts both back.
    let out = s.import().output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Microsoft 365"),
        "the report names the cloud: {said}"
    );
    let full = lines(&newest_journal(&s.journals()).unwrap());
    let cloud_writes = s
        .cloud
        .as_ref()
        .unwrap()
        .graph_requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count();
    assert_eq!(cloud_writes, 10, "every user's cloud photo written");
    s.undo_puts_everyone_back("after a whole import to both");
    // Then kills spread over the run, both legs.
    let mut seen = Vec::new();
    let points: Vec<usize> = (1..12).map(|k| k * full / 12).collect();
    for (run, &k) in points.iter().enumerate() {
        let state = s.kill_at_line_and_undo(run, k);
        seen.push(format!(
            "run {run:2}: killed at line {k:2} of {full}: {state}"
        ));
    }
    println!("{}", seen.join("\n"));
    assert!(
        journal::with_something_to_undo(&s.journals(), None).is_empty(),
        "an import still has something to undo"
    );
    for leg in [false, true] {
        assert!(
            seen.iter()
                .any(|l| !l.contains(" 0 writes in flight")
                    && l.contains("Microsoft 365 leg") == leg),
            "kills with writes in flight in both legs: {seen:#?}"
        );
    }
    s.cloud.as_ref().unwrap().assert_no_violations();
}

#[test]
fn a_dc_that_goes_away_for_a_while_is_reconnected_and_the_batch_goes_on() {
    let s = Scene::new(1541, 12, Duration::from_millis(2));
    let mut child = s.import().spawn().unwrap();
    assert!(wait_for_lines(&mut child, &s.journals(), &[], 9));
    s.proxy.cut();
    std::thread::sleep(Duration::from_secs(3));
    s.proxy.heal();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("12 written, 0 up to date, 0 failed"),
        "{}",
        text(&out)
    );
    for (u, _) in s.users.iter().zip(&s.before) {
        assert!(s.photo(u).is_some(), "{} written", u.dn);
    }
    s.undo_puts_everyone_back("after the undo of a reconnected import");
}

#[test]
fn a_dc_that_stays_away_stops_the_batch_promptly_and_undo_recovers() {
    let s = Scene::new(1561, 12, Duration::from_millis(2));
    let t = Instant::now();
    let mut child = s.import().spawn().unwrap();
    assert!(wait_for_lines(&mut child, &s.journals(), &[], 7));
    s.proxy.cut();
    let out = child.wait_with_output().unwrap();
    let took = t.elapsed();
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("could not be reached again"), "{said}");
    assert!(said.contains("not attempted: server unreachable"), "{said}");
    assert!(
        !said.contains("op send error"),
        "one clear message, not one per user: {said}"
    );
    // About 30 s of reconnect tries, then it stops: no decoding of the rest meanwhile.
    assert!(took < Duration::from_secs(70), "took {took:?}");
    let j = newest_journal(&s.journals()).unwrap();
    let summary = journal::summarize(&j).unwrap();
    assert_eq!(summary.end, journal::End::ServerLost);
    // The server comes back; the undo puts back every user the import touched.
    s.proxy.heal();
    s.undo_puts_everyone_back("after the undo of an import cut off for good");
}

#[test]
fn a_write_still_on_its_way_when_the_import_died_is_undone_too() {
    // Requests take a second to reach the DC (answers none): the import's first write is still
    // on its way when the import is killed, and lands after an undo started at once, straight to
    // the DC, has looked at the user.
    let mut s = Scene::new(1227, 1, Duration::ZERO);
    s.proxy = Proxy::start_each_way(
        LDAPS.parse().unwrap(),
        Duration::from_secs(1),
        Duration::ZERO,
    );
    let direct = s.dc.ldaps_url.clone();
    let mut child = s.import().spawn().unwrap();
    assert!(
        wait_for_lines(&mut child, &s.journals(), &[], 2),
        "the import writes"
    );
    // The write (a photo of some kB) has left the import: it is in the proxy, on its way. Each
    // request waits a second for its answer, so the write is the last burst of request bytes,
    // the only one of kBs (a TLS hello, bind and searches are a few hundred bytes each); it is
    // whole once nothing more came for a moment.
    let t = Instant::now();
    loop {
        match s.proxy.last_request_burst(Duration::from_millis(300)) {
            Some((bytes, quiet)) if bytes >= 2_000 && quiet >= Duration::from_millis(100) => break,
            _ => {}
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the write was never sent: {:?}",
            s.proxy.last_request_burst(Duration::from_millis(300))
        );
        std::thread::sleep(Duration::from_micros(200));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let sent = Instant::now();
    let j = newest_journal(&s.journals()).unwrap();
    let at = at_kill(&j);
    assert!(
        at.ends_with("1 writes in flight"),
        "killed with the write on its way: {at}"
    );
    let undo = s.cmd_via(&direct, &["undo", "--yes"]).output().unwrap();
    assert_eq!(undo.status.code(), Some(0), "{}", text(&undo));
    // The write has landed by now (a second after it was sent); the undo saw it and put it back.
    std::thread::sleep(Duration::from_millis(1_500).saturating_sub(sent.elapsed()));
    s.assert_as_before(&format!("killed at {at}, undone at once"));
    assert!(
        String::from_utf8_lossy(&undo.stdout).contains("1 put back"),
        "{}",
        text(&undo)
    );
}

#[test]
fn a_second_writer_is_refused_at_once_and_a_dead_ones_lock_is_free() {
    // The first import crawls through a slow proxy; the second goes straight to the DC.
    let s = Scene::new(1581, 8, Duration::from_millis(150));
    let direct = s.dc.ldaps_url.clone();
    let mut first = s.import().spawn().unwrap();
    assert!(wait_for_lines(&mut first, &s.journals(), &[], 2));
    let t = Instant::now();
    let second = s.import_via(&direct).output().unwrap();
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    assert!(t.elapsed() < Duration::from_secs(10), "refused at once");
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains("another adphoto is writing to this directory")
            && said.contains(&format!("process {}", first.id()))
            && said.contains("import"),
        "names the running one: {said}"
    );
    let undo = s.cmd_via(&direct, &["undo", "--yes"]).output().unwrap();
    assert_eq!(
        undo.status.code(),
        Some(2),
        "undo waits its turn too: {}",
        text(&undo)
    );
    // Killed: its lock dies with it, the next writer goes ahead.
    first.kill().unwrap();
    first.wait().unwrap();
    s.undo_puts_everyone_back("after a killed import and its undo");
}

#[test]
fn cancel_with_users_left_exits_1() {
    let s = Scene::new(1591, 8, Duration::from_millis(60));
    let mut child = s.import().spawn().unwrap();
    // Started, the batches reading their users' photos (a round trip is 120 ms): every batch
    // under way stops before it sends anything.
    assert!(wait_for_lines(&mut child, &s.journals(), &[], 1));
    // Ctrl-C.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("(cancelled)"),
        "{}",
        text(&out)
    );
    s.undo_puts_everyone_back("after a cancelled import and its undo");
}
