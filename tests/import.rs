//! The import job against the Samba test DC: bad files in a batch, cancel, journal, undo.

mod common;

use std::path::Path;

use adphoto::data_folder::DataFolder;
use adphoto::directory::{BackupStore, Directory, PhotoAttribute, User};
use adphoto::import::{
    self, Cancel, Choices, JobOptions, Journal, Plan, PlanItem, Status, journal::Entry,
};
use adphoto::matching::{self, MatchOptions, Pattern};
use adphoto::photo::Target;
use common::{TestDc, fake_jpeg, picture};
use sha2::{Digest as _, Sha256};

async fn users(dir: &Directory, sams: &[String]) -> Vec<User> {
    let mut out = Vec::new();
    for s in sams {
        out.push(dir.find_user(s, &PhotoAttribute::default()).await.unwrap());
    }
    out
}

/// Takes each user's photo away, as a fresh test DC has them, so the import that follows has
/// something to change even on a DC kept from an earlier run (ADPHOTO_KEEP_DC), where the users
/// may still hold exactly the tests' pictures (and would be "up to date").
async fn as_on_a_fresh_dc(dir: &Directory, users: &[User], scratch: &Path) {
    let backups = BackupStore::new(scratch.join("setup-backups"));
    for u in users {
        if dir
            .read_photo(&u.dn, &PhotoAttribute::default())
            .await
            .unwrap()
            .is_some()
        {
            dir.remove_photo(u, &PhotoAttribute::default(), &backups)
                .await
                .unwrap();
        }
    }
}

fn sams(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
    range.map(|i| format!("big{i:04}")).collect()
}

fn sha(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn item(user: &User, folder: &Path, name: &str) -> PlanItem {
    PlanItem {
        user: user.clone(),
        file: folder.join(name),
        crop: None,
        rotate_quarter_turns: 0,
        encoded: None,
    }
}

#[tokio::test]
async fn bad_files_are_reported_and_the_rest_of_the_batch_is_written() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let p = PhotoAttribute::default();
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("photos");
    std::fs::create_dir(&folder).unwrap();
    let names = sams(2051..=2056);
    std::fs::write(folder.join("big2051.jpg"), picture(1200, 1600, 1, true)).unwrap();
    std::fs::write(folder.join("BIG2052.png"), picture(800, 800, 2, false)).unwrap();
    std::fs::write(folder.join("big2053.jpg"), b"this is not a picture at all").unwrap();
    std::fs::write(folder.join("big2054.png"), b"").unwrap();
    std::fs::write(folder.join("big2055.jpeg"), picture(3000, 2000, 5, true)).unwrap();
    std::fs::write(folder.join("Thumbs.db"), b"junk").unwrap();
    // big2056 has no file.

    let us = users(&dir, &names).await;
    as_on_a_fresh_dc(&dir, &us, tmp.path()).await;
    let scan = matching::scan_folder(&folder, false).unwrap();
    assert_eq!(scan.ignored.len(), 1, "Thumbs.db is ignored");
    let pattern = Pattern::parse("{sAMAccountName}").unwrap();
    let m = matching::automatch(&scan.files, &us, &pattern, &MatchOptions::default());
    assert_eq!(m.matched.len(), 5);
    let plan = Choices::new(m, &pattern).plan(&us, &scan.files, Target::outlook(), p.clone());
    assert_eq!(plan.skipped.len(), 1, "big2056 has no file");

    let backups = BackupStore::in_folder(&DataFolder::new(tmp.path()));
    let journal = Journal::create(tmp.path().join("j.jsonl")).unwrap();
    let mut seen = 0;
    let report = import::run(
        &dir,
        &plan,
        &backups,
        Some(journal),
        JobOptions::default(),
        &Cancel::default(),
        |pr| {
            seen += 1;
            assert_eq!(pr.total, 5);
        },
    )
    .await;
    assert_eq!(seen, 5, "a progress event per user");
    assert_eq!(
        (report.written(), report.failed(), report.skipped()),
        (3, 2, 1)
    );
    for r in &report.results {
        match (&r.status, r.sam_account_name.as_deref()) {
            (Status::Written { bytes, width, .. }, _) => {
                assert!(*bytes <= 10_240 && *width <= 96);
                let got = dir.read_photo(&r.dn, &p).await.unwrap().expect("written");
                assert_eq!(got.len(), *bytes);
                assert!(got.starts_with(&[0xFF, 0xD8]), "a JPEG");
            }
            (Status::Failed { reason }, Some("big2053" | "big2054")) => {
                assert!(!reason.is_empty());
            }
            (Status::Skipped { .. }, Some("big2056")) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let csv = report.to_csv();
    assert_eq!(csv.lines().count(), 7, "header + 6 users");
    // Files are not held open: they can be removed right after.
    std::fs::remove_dir_all(&folder).unwrap();
}

#[tokio::test]
async fn cancel_stops_between_batches_and_the_journal_says_exactly_what_was_written() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let p = PhotoAttribute::default();
    let tmp = tempfile::tempdir().unwrap();
    // More users than three batches in flight can hold (8 + 16 + 32), so a cancel that did
    // not stop new batches would write them all.
    let names = sams(1101..=1200);
    let total = names.len();
    let us = users(&dir, &names).await;
    as_on_a_fresh_dc(&dir, &us, tmp.path()).await;
    let before: Vec<Option<Vec<u8>>> = {
        let mut v = Vec::new();
        for u in &us {
            v.push(dir.read_photo(&u.dn, &p).await.unwrap());
        }
        v
    };
    for (i, u) in us.iter().enumerate() {
        std::fs::write(
            tmp.path()
                .join(format!("{}.png", u.sam_account_name.as_ref().unwrap())),
            picture(400, 400, i as u8, false),
        )
        .unwrap();
    }
    let items = us
        .iter()
        .map(|u| {
            item(
                u,
                tmp.path(),
                &format!("{}.png", u.sam_account_name.as_ref().unwrap()),
            )
        })
        .collect();
    let plan = Plan::new(items, Target::outlook(), p.clone());
    let backups = BackupStore::in_folder(&DataFolder::new(tmp.path()));
    let jpath = tmp.path().join("cancel.jsonl");
    let cancel = Cancel::default();
    // What was done and under way when Cancel was pressed: a batch handed to the server ends
    // (it is not cut in half), nothing after it starts.
    let mut at_cancel = None;
    let report = import::run(
        &dir,
        &plan,
        &backups,
        Some(Journal::create(jpath.clone()).unwrap()),
        JobOptions { concurrency: 2 },
        &cancel,
        |pr| {
            if pr.done == 3 {
                cancel.cancel();
                at_cancel = Some((pr.done, pr.writing));
            }
        },
    )
    .await;
    let (done, writing) = at_cancel.expect("progress reached 3");
    assert!(report.cancelled);
    let ended = report.written() + report.failed();
    assert!(
        (done..=done + writing).contains(&ended) && ended < total,
        "{ended} ended after a cancel at {done} done, {writing} under way"
    );
    assert_eq!(report.skipped(), total - ended);

    let entries = import::journal::read(&jpath).unwrap();
    assert!(matches!(
        entries.first(),
        Some(Entry::Started { items, .. }) if *items == total
    ));
    assert!(matches!(
        entries.last(),
        Some(Entry::Finished {
            cancelled: true,
            unreachable: false
        })
    ));
    let writing = entries
        .iter()
        .filter(|e| matches!(e, Entry::Writing { .. }))
        .count();
    let ended = entries
        .iter()
        .filter(|e| matches!(e, Entry::Written { .. } | Entry::Failed { .. }))
        .count();
    assert_eq!(writing, ended, "no write left dangling");
    for (u, old) in us.iter().zip(&before) {
        let now = dir.read_photo(&u.dn, &p).await.unwrap();
        let journaled = entries.iter().find_map(|e| match e {
            Entry::Written { dn, sha256, .. } if *dn == u.dn => Some(sha256.clone()),
            _ => None,
        });
        match journaled {
            Some(s) => assert_eq!(now.as_deref().map(sha), Some(s), "{} as journaled", u.dn),
            None => assert_eq!(&now, old, "{} untouched", u.dn),
        }
    }
}

#[tokio::test]
async fn undo_restores_every_replaced_photo_byte_for_byte() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let p = PhotoAttribute::default();
    let tmp = tempfile::tempdir().unwrap();
    let backups = BackupStore::in_folder(&DataFolder::new(tmp.path()));
    let names = sams(2091..=2096);
    let us = users(&dir, &names).await;
    // Half had a photo before the import, half had none.
    let mut originals = Vec::new();
    for (i, u) in us.iter().enumerate() {
        if i % 2 == 0 {
            let old = fake_jpeg(3_000 + i * 100, 40 + i as u8);
            dir.write_photo(u, &p, &old, &backups).await.unwrap();
            originals.push(Some(old));
        } else {
            dir.remove_photo(u, &p, &backups).await.unwrap();
            originals.push(None);
        }
    }
    let us = users(&dir, &names).await;
    for i in 0..us.len() {
        std::fs::write(
            tmp.path().join(format!("{i}.jpg")),
            picture(640, 480, 90 + i as u8, true),
        )
        .unwrap();
    }
    let items = us
        .iter()
        .enumerate()
        .map(|(i, u)| item(u, tmp.path(), &format!("{i}.jpg")))
        .collect();
    let plan = Plan::new(items, Target::outlook(), p.clone());
    assert_eq!(plan.summary().replacing, 3);
    let jpath = tmp.path().join("undo.jsonl");
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
    assert_eq!(report.written(), 6);
    for u in &us {
        assert!(dir.read_photo(&u.dn, &p).await.unwrap().is_some());
    }

    // Someone changes one user's photo after the import: undo must leave it and say so.
    let changed = fake_jpeg(2_500, 77);
    dir.write_photo(&us[1], &p, &changed, &backups)
        .await
        .unwrap();

    let none = Cancel::default();
    let undone = import::undo(&dir, &jpath, &backups, None, &none)
        .await
        .unwrap();
    assert_eq!(undone.put_back(), 5, "{:?}", undone.results);
    let left: Vec<&str> = undone
        .changed_since()
        .iter()
        .map(|r| r.dn.as_str())
        .collect();
    assert_eq!(left, [us[1].dn.as_str()]);
    assert!(!undone.complete(), "never 'all put back' when one was left");
    assert!(
        undone.describe().contains("1 changed since the import"),
        "{}",
        undone.describe()
    );
    for (i, (u, orig)) in us.iter().zip(&originals).enumerate() {
        let now = dir.read_photo(&u.dn, &p).await.unwrap();
        if i == 1 {
            assert_eq!(now, Some(changed.clone()), "left as it is");
        } else {
            assert_eq!(&now, orig, "{}", u.dn);
        }
    }
    // Running undo again changes nothing, and the import has nothing left to undo.
    let again = import::undo(&dir, &jpath, &backups, None, &none)
        .await
        .unwrap();
    assert!(again.results.is_empty());
    assert!(
        !import::journal::summarize(&jpath)
            .unwrap()
            .has_something_to_undo()
    );
    // "Restore previous" on the user who had none before the import, and was undone, and got
    // a photo by hand: the history says they had none just before that last change.
    dir.restore_photo(&us[3], &p, &backups).await.unwrap();
    let rec = backups.latest(&us[3], p.name()).unwrap().unwrap();
    assert!(rec.action.starts_with("restore"), "{rec:?}");
}

/// A write that landed although its read-back failed (journaled as Failed, may have landed),
/// and one that was sent with no outcome at all (the app killed): undo looks at both users in
/// the directory and puts them back; a refused write is not "touched".
#[tokio::test]
async fn undo_settles_writes_whose_outcome_is_unknown() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let p = PhotoAttribute::default();
    let tmp = tempfile::tempdir().unwrap();
    let backups = BackupStore::in_folder(&DataFolder::new(tmp.path()));
    let us = users(&dir, &sams(2097..=2099)).await;
    let old = fake_jpeg(2_222, 5);
    dir.write_photo(&us[0], &p, &old, &backups).await.unwrap();
    dir.remove_photo(&us[1], &p, &backups).await.unwrap();
    dir.write_photo(&us[2], &p, &old, &backups).await.unwrap();
    let new = fake_jpeg(3_333, 6);
    let jpath = tmp.path().join("j.jsonl");
    let mut j = Journal::create(jpath.clone()).unwrap();
    j.append(&Entry::Started {
        id: "j".into(),
        attribute: p.name().into(),
        items: 3,
        server: "x".into(),
        base: dc.base.clone(),
        started_at: String::new(),
    })
    .unwrap();
    for (i, u) in us.iter().enumerate() {
        // The engine's own steps: record the old value, journal, write.
        let before = dir
            .record_before(u, &p, &backups, "import j")
            .await
            .unwrap();
        j.append(&Entry::Writing {
            dn: u.dn.clone(),
            file: "f.jpg".into(),
            sha256: Some(sha(&new)),
            backup: before.file.clone(),
            old_sha256: before.old_sha256().map(str::to_string),
            cloud: None,
        })
        .unwrap();
        if i < 2 {
            dir.replace_photo_unchecked(&u.dn, &p, &new).await.unwrap();
        }
        match i {
            // Landed, but the read-back "failed".
            0 => j
                .append(&Entry::Failed {
                    dn: u.dn.clone(),
                    file: "f.jpg".into(),
                    reason: "did not read back the same".into(),
                    may_have_landed: true,
                    cloud: None,
                })
                .unwrap(),
            // Landed, then the app was killed: nothing more in the journal.
            1 => {}
            // Refused by the server: nothing changed.
            _ => j
                .append(&Entry::Failed {
                    dn: u.dn.clone(),
                    file: "f.jpg".into(),
                    reason: "refused".into(),
                    may_have_landed: false,
                    cloud: None,
                })
                .unwrap(),
        }
    }
    drop(j);
    let s = import::journal::summarize(&jpath).unwrap();
    assert_eq!(s.left.len(), 2, "{s:?}");
    let r = import::undo(&dir, &jpath, &backups, None, &Cancel::default())
        .await
        .unwrap();
    assert!(r.complete(), "{}", r.describe());
    assert_eq!(r.put_back(), 2);
    assert_eq!(
        dir.read_photo(&us[0].dn, &p).await.unwrap(),
        Some(old.clone())
    );
    assert_eq!(dir.read_photo(&us[1].dn, &p).await.unwrap(), None);
    assert_eq!(dir.read_photo(&us[2].dn, &p).await.unwrap(), Some(old));
}

/// The wizard's resize preview is the photo Finish writes (no second encode), as long as the
/// file is unchanged; a file changed since is encoded again. Offline, on the demo directory.
#[tokio::test]
async fn a_preview_encoded_in_the_wizard_is_written_as_it_is_unless_the_file_changed() {
    use adphoto::import::{Encoded, FileStamp};
    use std::sync::Arc;
    let tmp = tempfile::tempdir().unwrap();
    let source = adphoto::directory::demo::install(tmp.path()).unwrap();
    let dir = Directory::open_ldif(&source, tmp.path().join("changes.ldif")).unwrap();
    let p = PhotoAttribute::default();
    let us = users(&dir, &["ahart".to_string(), "jberg".to_string()]).await;
    let folder = tmp.path().join("photos");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("a.jpg"), picture(400, 300, 1, true)).unwrap();
    std::fs::write(folder.join("b.jpg"), picture(400, 300, 2, true)).unwrap();
    // What the preview made: a stand-in photo, to tell it from a fresh encode.
    let stand_in = |f: &str| Encoded {
        photo: Arc::new(adphoto::photo::Prepared {
            jpeg: fake_jpeg(1234, 7),
            width: 96,
            height: 96,
            quality: 80,
            crop: Default::default(),
            face_found: false,
        }),
        stamp: FileStamp::of(&folder.join(f)).unwrap(),
    };
    let mut a = item(&us[0], &folder, "a.jpg");
    a.encoded = Some(stand_in("a.jpg"));
    let mut b = item(&us[1], &folder, "b.jpg");
    b.encoded = Some(stand_in("b.jpg"));
    // b.jpg changes after its preview (another size: the stamp differs).
    std::fs::write(folder.join("b.jpg"), picture(500, 300, 3, true)).unwrap();
    let plan = Plan::new(vec![a, b], Target::outlook(), p.clone());
    let report = import::run(
        &dir,
        &plan,
        &BackupStore::new(tmp.path().join("backups")),
        None,
        JobOptions::default(),
        &Cancel::default(),
        |_| {},
    )
    .await;
    assert_eq!(report.written(), 2, "{report:?}");
    let a_now = dir.read_photo(&us[0].dn, &p).await.unwrap().unwrap();
    assert_eq!(
        a_now,
        fake_jpeg(1234, 7),
        "the preview's photo, not a new encode"
    );
    let b_now = dir.read_photo(&us[1].dn, &p).await.unwrap().unwrap();
    assert_ne!(b_now, fake_jpeg(1234, 7), "b.jpg changed: encoded again");
    assert_eq!(image::load_from_memory(&b_now).unwrap().width(), 96);
}
