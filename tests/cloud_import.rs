//! One import, two targets: the Samba test DC and the local Microsoft Graph stand-in
//! (tests/common/graph_server.rs, HTTPS on 127.0.0.1), then undo — every AD and every cloud
//! photo byte for byte as before. Nothing here contacts a Microsoft host.

mod common;
#[path = "common/graph_server.rs"]
mod graph_server;

use std::time::Duration;

use adphoto::cloud::{self, CloudBackups, CloudOptions, Credentials, Endpoints, Graph, Secret};
use adphoto::data_folder::DataFolder;
use adphoto::directory::{BackupStore, Directory, PhotoAttribute, User};
use adphoto::import::{
    self, Cancel, CloudSide, Destination, JobOptions, Plan, PlanItem, Status, UndoOutcome,
    journal::Entry,
};
use adphoto::photo::Target;
use common::{TestDc, fake_jpeg, picture};
use graph_server::{CLIENT_ID, CLIENT_SECRET, GraphServer, MockUser, TENANT};

fn sha(b: &[u8]) -> String {
    adphoto::directory::sha256_hex(b)
}

async fn users(dir: &Directory, range: std::ops::RangeInclusive<u32>) -> Vec<User> {
    let p = PhotoAttribute::default();
    let mut out = Vec::new();
    for i in range {
        out.push(dir.find_user(&format!("big{i:04}"), &p).await.unwrap());
    }
    out
}

async fn side(server: &GraphServer, data: &DataFolder) -> CloudSide {
    let mut o = CloudOptions::new(TENANT, CLIENT_ID, cloud::Cloud::Global);
    o.endpoints = Endpoints {
        login: server.url.clone(),
        graph: server.url.clone(),
    };
    o.ca_file = Some(server.ca_file.clone());
    o.timeout = Duration::from_secs(10);
    let graph = Graph::connect(&o, Credentials::ClientSecret(Secret::new(CLIENT_SECRET)))
        .await
        .unwrap();
    CloudSide {
        graph,
        backups: CloudBackups::in_folder(data),
    }
}

fn cloud_id(i: usize) -> String {
    format!("00000000-0000-0000-0000-{:012}", 9000 + i)
}

/// The state both sides start from: AD photos on even users, cloud photos on some; users 0–2
/// synced (found by onPremisesImmutableId), 3 found by userPrincipalName, 4 has no cloud
/// account, 5 synced with a photo in the cloud only.
struct Before {
    ad: Vec<Option<Vec<u8>>>,
    cloud: Vec<Option<Vec<u8>>>,
}

async fn set_up(
    dir: &Directory,
    us: &[User],
    server: &GraphServer,
    scratch: &std::path::Path,
) -> Before {
    let p = PhotoAttribute::default();
    let setup = BackupStore::new(scratch.join("setup-backups"));
    let mut ad = Vec::new();
    for (i, u) in us.iter().enumerate() {
        let old = (i % 2 == 0).then(|| fake_jpeg(2_500 + i * 11, 7 + i as u8));
        match &old {
            Some(b) => {
                dir.write_photo(u, &p, b, &setup).await.unwrap();
            }
            None => {
                dir.remove_photo(u, &p, &setup).await.unwrap();
            }
        }
        ad.push(old);
    }
    let cloud: Vec<Option<Vec<u8>>> = (0..us.len())
        .map(|i| matches!(i, 0 | 5).then(|| picture(300, 300, 40 + i as u8, true)))
        .collect();
    server.with(|s| {
        s.users = us
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 4)
            .map(|(i, u)| MockUser {
                id: cloud_id(i),
                upn: u.user_principal_name.clone().unwrap(),
                mail: u.mail.clone(),
                display_name: u.label(),
                immutable_id: (i != 3).then(|| cloud::immutable_id(u).unwrap()),
            })
            .collect();
        s.page_size = 100;
        s.photos.clear();
        for (i, c) in cloud.iter().enumerate() {
            if let Some(b) = c {
                s.photos
                    .insert(cloud_id(i), (b.clone(), "image/jpeg".into()));
            }
        }
    });
    Before { ad, cloud }
}

async fn assert_as_before(dir: &Directory, us: &[User], server: &GraphServer, before: &Before) {
    let p = PhotoAttribute::default();
    for (i, u) in us.iter().enumerate() {
        let now = dir.read_photo(&u.dn, &p).await.unwrap();
        assert_eq!(
            now.as_deref().map(sha),
            before.ad[i].as_deref().map(sha),
            "AD {}",
            u.dn
        );
        let cloud = server.with(|s| s.photos.get(&cloud_id(i)).map(|(b, _)| sha(b)));
        assert_eq!(cloud, before.cloud[i].as_deref().map(sha), "cloud {}", u.dn);
    }
}

fn plan(us: &[User], folder: &std::path::Path, to: Destination) -> Plan {
    let items = us
        .iter()
        .map(|u| PlanItem {
            user: u.clone(),
            file: folder.join(format!("{}.png", u.sam_account_name.as_ref().unwrap())),
            crop: None,
            rotate_quarter_turns: 0,
            encoded: None,
        })
        .collect();
    let mut plan = Plan::new(items, Target::outlook(), PhotoAttribute::default());
    plan.to = to;
    plan
}

/// Users of `range` set up on both sides (see [`set_up`]), a folder with a new picture of
/// `(w, h, seed)` for each, and a sign-in to the stand-in.
struct Scene {
    dir: Directory,
    /// Holds the folders above until the scene goes.
    _tmp: tempfile::TempDir,
    data: DataFolder,
    server: GraphServer,
    us: Vec<User>,
    before: Before,
    folder: std::path::PathBuf,
    side: CloudSide,
}

impl Scene {
    async fn new(range: std::ops::RangeInclusive<u32>, (w, h, seed): (u32, u32, u8)) -> Self {
        let dir = TestDc::get().admin().await;
        let tmp = tempfile::tempdir().unwrap();
        let data = DataFolder::new(tmp.path().join("data"));
        let server = GraphServer::start(Vec::new());
        let us = users(&dir, range).await;
        let before = set_up(&dir, &us, &server, tmp.path()).await;
        let folder = tmp.path().join("photos");
        std::fs::create_dir(&folder).unwrap();
        for (i, u) in us.iter().enumerate() {
            let name = format!("{}.png", u.sam_account_name.as_ref().unwrap());
            std::fs::write(folder.join(name), picture(w, h, seed + i as u8, false)).unwrap();
        }
        let side = side(&server, &data).await;
        Self {
            dir,
            _tmp: tmp,
            data,
            server,
            us,
            before,
            folder,
            side,
        }
    }
}

#[tokio::test]
async fn one_import_writes_ad_and_microsoft_365_and_undo_puts_both_back() {
    let sc = Scene::new(1201..=1206, (900, 1000, 90)).await;
    let (dir, data, server, us) = (sc.dir, sc.data, sc.server, sc.us);
    let (before, folder, side) = (sc.before, sc.folder, sc.side);
    let plan = plan(&us, &folder, Destination::Both);
    let mut seen_cloud = 0;
    let report = import::import(
        &dir,
        Some((&side, TENANT)),
        &data,
        "test",
        &plan,
        JobOptions { concurrency: 2 },
        &Cancel::default(),
        |p| {
            assert_eq!(p.total, 12, "two legs of six");
            seen_cloud += usize::from(p.to_cloud);
        },
    )
    .await
    .unwrap();
    assert_eq!(seen_cloud, 6);
    assert_eq!(report.written(), 6, "{:#?}", report.results);
    assert_eq!(report.cloud_written(), 5, "{:#?}", report.cloud);
    let no_account: Vec<&str> = report
        .cloud
        .iter()
        .filter(|r| matches!(&r.status, Status::Skipped { reason } if reason == cloud::NO_ACCOUNT))
        .map(|r| r.dn.as_str())
        .collect();
    assert_eq!(no_account, [us[4].dn.as_str()], "reported, not failed");
    assert_eq!(report.cloud_failed(), 0);
    assert_eq!(
        report.counts(),
        "Active Directory: 6 written, 0 up to date, 0 failed, 0 skipped; \
         Microsoft 365: 5 written, 0 up to date, 0 failed, 1 skipped"
    );
    assert!(report.to_csv().contains(",Microsoft 365\r\n"));
    // The same file and framing, two sizes: 96 px within 10 KB for AD, 648 px for Microsoft 365.
    let p = PhotoAttribute::default();
    let ad = dir.read_photo(&us[1].dn, &p).await.unwrap().unwrap();
    assert_eq!(image::load_from_memory(&ad).unwrap().width(), 96);
    let (cloud_photo, ct) = server
        .with(|s| s.photos.get(&cloud_id(1)).cloned())
        .unwrap();
    assert_eq!(ct, "image/jpeg");
    let big = image::load_from_memory(&cloud_photo).unwrap();
    assert_eq!((big.width(), big.height()), (648, 648));
    assert!(
        cloud_photo.len() > ad.len() * 4,
        "sharp, not a 10 KB budget"
    );
    // The old cloud photos were saved before they were replaced.
    let saved = side.backups.list(&cloud_id(0));
    assert_eq!(saved.len(), 1);
    assert_eq!(
        std::fs::read(&saved[0]).unwrap(),
        before.cloud[0].clone().unwrap()
    );
    // One journal, both targets: cloud lines carry the Entra object id.
    let entries = import::journal::read(report.journal.as_ref().unwrap()).unwrap();
    let cloud_written = entries
        .iter()
        .filter(|e| matches!(e, Entry::Written { cloud: Some(_), .. }))
        .count();
    assert_eq!(cloud_written, 5);
    assert!(matches!(
        entries.last(),
        Some(Entry::Finished {
            cancelled: false,
            ..
        })
    ));
    let summary = import::journal::summarize(report.journal.as_ref().unwrap()).unwrap();
    assert_eq!((summary.written, summary.cloud_written), (6, 5));

    // Someone changes one cloud photo after the import: undo leaves it and says so.
    let changed = picture(200, 200, 3, true);
    server.with(|s| {
        s.photos
            .insert(cloud_id(2), (changed.clone(), "image/jpeg".into()));
    });
    let backups = BackupStore::in_folder(&data);
    let undo = import::undo(
        &dir,
        report.journal.as_ref().unwrap(),
        &backups,
        Some(&side),
        &Cancel::default(),
    )
    .await
    .unwrap();
    let changed_since: Vec<&str> = undo
        .changed_since()
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(changed_since.len(), 1, "{}", undo.describe());
    assert!(
        changed_since[0].ends_with("(Microsoft 365)"),
        "{changed_since:?}"
    );
    assert_eq!(undo.put_back(), 6 + 4, "{}", undo.describe());
    // As before, but for the photo someone else changed.
    let mut expected = Before {
        ad: before.ad.clone(),
        cloud: before.cloud.clone(),
    };
    expected.cloud[2] = Some(changed);
    assert_as_before(&dir, &us, &server, &expected).await;
    server.assert_no_violations();
}

#[tokio::test]
async fn an_undo_without_a_sign_in_leaves_the_cloud_photos_for_the_next_and_microsoft_365_only_writes_no_ad()
 {
    let sc = Scene::new(1211..=1216, (500, 500, 10)).await;
    let (dir, data, server, us) = (&sc.dir, &sc.data, &sc.server, &sc.us);
    let (before, folder, side) = (&sc.before, &sc.folder, &sc.side);
    let to_cloud = || async {
        import::import(
            dir,
            Some((side, TENANT)),
            data,
            "test",
            &plan(us, folder, Destination::Microsoft365),
            JobOptions { concurrency: 2 },
            &Cancel::default(),
            |_| {},
        )
        .await
        .unwrap()
    };
    let report = to_cloud().await;
    assert!(report.results.is_empty(), "AD not a destination");
    assert_eq!(report.cloud_written(), 5, "{:#?}", report.cloud);
    assert!(
        report.counts().starts_with("Microsoft 365: 5 written"),
        "{}",
        report.counts()
    );
    // AD untouched.
    let p = PhotoAttribute::default();
    for (i, u) in us.iter().enumerate() {
        let now = dir.read_photo(&u.dn, &p).await.unwrap();
        assert_eq!(now.as_deref().map(sha), before.ad[i].as_deref().map(sha));
    }
    // Running it again changes nothing: the cloud photos are up to date.
    let again = to_cloud().await;
    assert_eq!(again.cloud_written(), 0, "{}", again.counts());
    assert!(
        again.counts().contains("5 up to date"),
        "{}",
        again.counts()
    );
    let journal = report.journal.clone().unwrap();
    let backups = BackupStore::in_folder(data);
    let first = import::undo(dir, &journal, &backups, None, &Cancel::default())
        .await
        .unwrap();
    assert_eq!(first.put_back(), 0);
    assert_eq!(first.not_done().len(), 5, "{}", first.describe());
    assert!(
        first
            .not_done()
            .iter()
            .all(|r| matches!(&r.outcome, UndoOutcome::NotAttempted(w) if w.contains("sign in"))),
        "{}",
        first.describe()
    );
    let second = import::undo(dir, &journal, &backups, Some(side), &Cancel::default())
        .await
        .unwrap();
    assert!(second.complete(), "{}", second.describe());
    assert_eq!(second.put_back(), 5);
    assert_as_before(dir, us, server, before).await;
    assert!(
        !import::journal::summarize(&journal)
            .unwrap()
            .has_something_to_undo()
    );
    server.assert_no_violations();
}
