//! Batched writes over a slow link, against the Samba test DC through the loopback delay proxy
//! (tests/common/proxy.rs): a server that refuses some writes mid-way, and a photo changed by
//! someone else between the write and its read-back.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use adphoto::directory::{BackupStore, Directory, PhotoAttribute, User, sha256_hex};
use adphoto::import::{
    self, Cancel, JobOptions, Journal, Plan, PlanItem, Status, UndoOutcome, journal,
};
use adphoto::photo::Target;
use common::proxy::Proxy;
use common::{TestDc, fake_jpeg, picture};

const LDAPS: &str = "127.0.0.1:636";

fn item(user: &User, file: &Path) -> PlanItem {
    PlanItem {
        user: user.clone(),
        file: file.to_path_buf(),
        crop: None,
        rotate_quarter_turns: 0,
        encoded: None,
    }
}

async fn find(dir: &Directory, sams: &[&str]) -> Vec<User> {
    let mut out = Vec::new();
    for s in sams {
        out.push(dir.find_user(s, &PhotoAttribute::default()).await.unwrap());
    }
    out
}

async fn photo_sha(dir: &Directory, dn: &str) -> Option<String> {
    let p = PhotoAttribute::default();
    dir.read_photo(dn, &p)
        .await
        .unwrap()
        .as_deref()
        .map(sha256_hex)
}

/// One photo file per user in `folder`, each a different picture.
fn files_for(folder: &Path, users: &[User], seed: u8) -> Vec<PlanItem> {
    users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let file = folder.join(format!("{}.jpg", u.sam_account_name.as_deref().unwrap()));
            std::fs::write(&file, picture(400, 500, seed + i as u8, true)).unwrap();
            item(u, &file)
        })
        .collect()
}

fn records_of(backups: &BackupStore, u: &User) -> usize {
    backups.list(u).unwrap().len()
}

#[tokio::test]
async fn a_server_that_refuses_some_writes_mid_way_leaves_backups_for_exactly_the_users_written() {
    let dc = TestDc::get();
    let admin = dc.admin().await;
    // The helpdesk account may write thumbnailPhoto under OU=Staff only: the Contractors and
    // Big users in the middle of the batch are refused by the server.
    let proxy = Proxy::start(
        LDAPS.parse::<SocketAddr>().unwrap(),
        Duration::from_millis(5),
    );
    let url = format!("ldaps://localhost:{}", proxy.port);
    let dir = Directory::connect(&dc.options(&url, &dc.helpdesk, &dc.helpdesk_password))
        .await
        .unwrap();
    let order = [
        "bakesson", "big1621", "ojonsson", "divanov", "pquinn", "ecote", "big1622", "nmartin",
        "rpatel", "big1623",
    ];
    let refused = ["big1621", "pquinn", "big1622", "big1623"];
    let users = find(&admin, &order).await;
    let mut before = Vec::new();
    for u in &users {
        before.push(photo_sha(&admin, &u.dn).await);
    }
    let tmp = tempfile::tempdir().unwrap();
    let items = files_for(tmp.path(), &users, 40);
    let plan = Plan::new(items, Target::outlook(), PhotoAttribute::default());
    let backups = BackupStore::new(tmp.path().join("backups"));
    let jpath = tmp.path().join("j.jsonl");
    let report = import::run(
        &dir,
        &plan,
        &backups,
        Some(Journal::create(jpath.clone()).unwrap()),
        JobOptions::default(),
        &Cancel::default(),
        |_| {},
    )
    .await;

    let mut written = Vec::new();
    for (u, r) in users.iter().zip(&report.results) {
        let sam = u.sam_account_name.as_deref().unwrap();
        assert_eq!(r.dn, u.dn, "results in plan order");
        match &r.status {
            Status::Written { .. } => {
                assert!(!refused.contains(&sam), "{sam} was written");
                written.push(u.dn.clone());
                // Exactly one record: the value before this import.
                assert_eq!(records_of(&backups, u), 1, "{sam}");
            }
            Status::Failed { reason } => {
                assert!(refused.contains(&sam), "{sam} failed: {reason}");
                assert!(reason.contains("right"), "{sam}: {reason}");
                assert_eq!(records_of(&backups, u), 0, "no backup for refused {sam}");
            }
            other => panic!("{sam}: {other:?}"),
        }
    }
    assert_eq!(written.len(), order.len() - refused.len());
    // The journal: written for the written users, nothing left to undo for the refused ones.
    let s = journal::summarize(&jpath).unwrap();
    assert_eq!((s.written, s.failed), (6, 4));
    let mut left: Vec<String> = s.left.iter().map(|t| t.dn.clone()).collect();
    left.sort();
    written.sort();
    assert_eq!(left, written);

    let undo = import::undo(&dir, &jpath, &backups, None, &Cancel::default())
        .await
        .unwrap();
    assert_eq!(undo.put_back(), 6, "{}", undo.describe());
    assert!(undo.complete(), "{}", undo.describe());
    for (u, b) in users.iter().zip(&before) {
        assert_eq!(&photo_sha(&admin, &u.dn).await, b, "{} as before", u.dn);
    }
}

#[tokio::test]
async fn verification_catches_a_photo_changed_by_someone_else_between_write_and_read_back() {
    let dc = TestDc::get();
    let admin = dc.admin().await;
    let p = PhotoAttribute::default();
    // 100 ms each way: the test has ~200 ms to hold the answers to the writes.
    let proxy = Proxy::start(
        LDAPS.parse::<SocketAddr>().unwrap(),
        Duration::from_millis(100),
    );
    let url = format!("ldaps://localhost:{}", proxy.port);
    let dir = Directory::connect(&dc.options(&url, &dc.admin, &dc.password))
        .await
        .unwrap();
    let users = find(&admin, &["big1631", "big1632", "big1633"]).await;
    let mut before = Vec::new();
    for u in &users {
        before.push(photo_sha(&admin, &u.dn).await);
    }
    let tmp = tempfile::tempdir().unwrap();
    let items = files_for(tmp.path(), &users, 60);
    let plan = Plan::new(items, Target::outlook(), p.clone());
    let backups = BackupStore::new(tmp.path().join("backups"));
    let jpath = tmp.path().join("j.jsonl");
    let run = {
        let (dir, plan, backups) = (dir.clone(), plan.clone(), backups.clone());
        let journal = Journal::create(jpath.clone()).unwrap();
        tokio::spawn(async move {
            import::run(
                &dir,
                &plan,
                &backups,
                Some(journal),
                JobOptions::default(),
                &Cancel::default(),
                |_| {},
            )
            .await
        })
    };
    // The writes are journaled just before they are sent: from then on, hold the answers.
    let victim = &users[1];
    let deadline = Instant::now() + Duration::from_secs(60);
    let new_sha = loop {
        assert!(
            Instant::now() < deadline,
            "the import never started writing"
        );
        let writing = journal::read(&jpath)
            .unwrap_or_default()
            .into_iter()
            .find_map(|e| match e {
                journal::Entry::Writing { dn, sha256, .. } if dn == victim.dn => sha256,
                _ => None,
            });
        if let Some(sha) = writing {
            proxy.hold_replies();
            break sha;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    // The server applies the write; its answer waits in the proxy. Someone else changes the
    // photo now, straight on the DC.
    while photo_sha(&admin, &victim.dn).await.as_deref() != Some(new_sha.as_str()) {
        assert!(
            Instant::now() < deadline,
            "the write never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let theirs = fake_jpeg(3000, 77);
    admin
        .replace_photo_unchecked(&victim.dn, &p, &theirs)
        .await
        .unwrap();
    proxy.release();
    let report = run.await.unwrap();

    for (u, r) in users.iter().zip(&report.results) {
        match (&r.status, u.dn == victim.dn) {
            (Status::Written { .. }, false) => {}
            (Status::Failed { reason }, true) => {
                assert!(reason.contains("did not read back the same"), "{reason}");
            }
            other => panic!("{}: {other:?}", u.dn),
        }
    }
    // Undo puts the two others back and leaves the photo someone else set.
    let undo = import::undo(&dir, &jpath, &backups, None, &Cancel::default())
        .await
        .unwrap();
    assert_eq!(undo.put_back(), 2, "{}", undo.describe());
    let left: Vec<_> = undo.changed_since().iter().map(|r| r.dn.clone()).collect();
    assert_eq!(left, vec![victim.dn.clone()]);
    assert!(
        undo.results
            .iter()
            .any(|r| r.dn == victim.dn && r.outcome == UndoOutcome::ChangedSince)
    );
    assert_eq!(
        photo_sha(&admin, &victim.dn).await,
        Some(sha256_hex(&theirs))
    );
    for (u, b) in users.iter().zip(&before) {
        if u.dn != victim.dn {
            assert_eq!(&photo_sha(&admin, &u.dn).await, b);
        }
    }
    // Leave the victim as the test found it.
    match &before[1] {
        None => {
            let _ = admin.remove_photo(victim, &p, &backups).await;
        }
        Some(_) => {
            let rec = backups.history(victim, p.name()).unwrap();
            let first = rec.last().expect("the import's record");
            let old = backups.read(first).unwrap().unwrap();
            admin
                .replace_photo_unchecked(&victim.dn, &p, &old)
                .await
                .unwrap();
        }
    }
}
