//! The window and Microsoft 365: signing in with a device code (the code and the page shown in
//! the dialog) against the local Graph stand-in (tests/common/graph_server.rs, HTTPS on
//! 127.0.0.1), then an import to both targets from the wizard's Summary, on the demo directory
//! (AD's side goes to the LDIF change file). Nothing here contacts a Microsoft host.

#[path = "common/graph_server.rs"]
mod graph_server;
mod gui_common;

use std::path::Path;

use adphoto::gui::App;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use graph_server::{CLIENT_ID, GraphServer, MockUser, TENANT};
use gui_common::{click_through, click_when_enabled, replace_text, type_into, wait_until};

/// The window on the demo directory, the stand-in holding its users (found by
/// userPrincipalName: the demo has no objectGUIDs to match on).
fn demo_with_cloud(dir: &Path) -> (Harness<'static, App>, GraphServer) {
    let server = GraphServer::start(Vec::new());
    // SAFETY: set before the window (and its worker threads) start, one test in this file.
    unsafe {
        std::env::set_var("ADPHOTO_LOGIN_URL", &server.url);
        std::env::set_var("ADPHOTO_GRAPH_URL", &server.url);
    }
    let mut h = gui_common::harness(dir);
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.state().grid().users().len() == 32
    });
    let users = h.state().grid().users().to_vec();
    server.with(|s| {
        s.users = users
            .iter()
            .enumerate()
            .filter_map(|(i, u)| {
                Some(MockUser {
                    id: format!("00000000-0000-0000-0000-{:012}", 3000 + i),
                    upn: u.user_principal_name.clone()?,
                    mail: u.mail.clone(),
                    display_name: u.label(),
                    immutable_id: None,
                })
            })
            .collect();
        s.page_size = 100;
    });
    (h, server)
}

/// The wizard from its start to the Summary: a photo for each of `logon_names` (under `dir`),
/// matched by logon name.
fn wizard_to_summary(h: &mut Harness<'static, App>, dir: &Path, logon_names: &[&str]) {
    let photos = dir.join("photos");
    std::fs::create_dir(&photos).unwrap();
    for name in logon_names {
        gui_common::write_png(&photos.join(format!("{name}.png")), 300, 400);
    }
    let n = logon_names.len();
    h.get_by_label("Import…").click();
    h.run_steps(2);
    gui_common::choose_folder(h, &photos, n);
    click_through(h, &["Next", "Logon name (jdoe)", "Next", "Automatch"]);
    let tab = format!("Matching files ({n})");
    wait_until(h, "the match", |h| h.query_by_label(&tab).is_some());
    click_through(h, &["Next"]);
    wait_until(h, "the resize previews", |h| {
        h.state().wizard().unwrap().encoded_count() == n
    });
    click_through(h, &["Next"]);
}

#[test]
fn sign_in_with_a_device_code_then_import_to_ad_and_microsoft_365() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut h, server) = demo_with_cloud(tmp.path());

    // The toolbar's "Microsoft 365…": tenant, client id, the stand-in's CA; a code to type.
    h.get_by_label("Microsoft 365…").click();
    wait_until(&mut h, "the sign-in dialog", |h| {
        h.query_by_label("Sign in to Microsoft 365").is_some()
    });
    let code_button = h.get_by_label("Sign in with a code");
    assert!(
        code_button.accesskit_node().is_disabled(),
        "no sign-in without a tenant and a client id"
    );
    type_into(&mut h, "Tenant:", TENANT);
    type_into(&mut h, "Client id:", CLIENT_ID);
    replace_text(&mut h, "CA certificate:", server.ca_file.to_str().unwrap());
    // The person takes a while to sign in: the code stays on screen meanwhile.
    server.with(|s| s.device_pending_polls = 3);
    click_when_enabled(&mut h, "Sign in with a code");
    wait_until(&mut h, "the device code", |h| {
        h.query_by_label("ABCD2345").is_some()
    });
    assert!(
        h.query_by_label_contains("/devicelogin in any browser and enter this code")
            .is_some()
    );
    assert!(h.query_by_label("Open the sign-in page").is_some());
    assert!(h.query_by_label("Copy code").is_some());
    let tenant = format!("Microsoft 365 · {TENANT}");
    wait_until(&mut h, "the sign-in", |h| {
        h.query_by_label(&tenant).is_some()
    });
    assert!(
        h.query_by_label("Sign in to Microsoft 365").is_none(),
        "the dialog closed"
    );
    assert!(
        server
            .with(|s| s.grants.clone())
            .iter()
            .any(|g| g == "urn:ietf:params:oauth:grant-type:device_code"),
        "signed in by device code"
    );

    // The next run's dialog is filled in as this sign-in left it (no secret, no token).
    let prefs = h.state().prefs();
    assert_eq!(prefs.cloud.tenant, TENANT);
    assert_eq!(prefs.cloud.client_id, CLIENT_ID);
    let saved = serde_json::to_string(&prefs).unwrap();
    assert!(!saved.contains("token"), "{saved}");
    let env = adphoto::gui::AppEnv::in_dir(&tmp.path().join("next run"));
    let mut next = gui_common::harness_with_prefs(env, prefs);
    next.get_by_label("Open demo directory").click();
    wait_until(&mut next, "the demo users", |h| {
        h.state().grid().users().len() == 32
    });
    next.get_by_label("Microsoft 365…").click();
    next.run_steps(2);
    assert_eq!(
        next.get_by_label("Tenant:").value().as_deref(),
        Some(TENANT)
    );
    assert_eq!(
        next.get_by_label("Client id:").value().as_deref(),
        Some(CLIENT_ID)
    );
    drop(next);

    // The photo panel, signed in: the Microsoft 365 photo beside the directory's.
    let cloud_photo = tmp.path().join("cloud.png");
    gui_common::write_png(&cloud_photo, 300, 300);
    let cloud_photo = std::fs::read(&cloud_photo).unwrap();
    server.with(|s| {
        let amelia = s.users.iter().find(|u| u.display_name == "Amelia Hart");
        let id = amelia.unwrap().id.clone();
        s.photos
            .insert(id, (cloud_photo.clone(), "image/png".into()));
        s.users.retain(|u| u.display_name != "Felix Bauer");
    });
    gui_common::grid_cell(&h, "Amelia Hart").click();
    wait_until(&mut h, "Amelia's Microsoft 365 photo", |h| {
        h.query_by_label_contains("Microsoft 365: 300 × 300 px")
            .is_some()
    });
    assert!(h.query_by_label("Active Directory").is_some());
    // Named for a screen reader, each photo for what it is.
    assert!(
        h.query_by_label("Microsoft 365 photo of Amelia Hart")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("Active Directory photo of Amelia Hart")
            .is_some()
    );
    // Its own actions: nothing to restore yet; Remove (saved first), then Restore previous
    // brings it back byte for byte. The directory's photo is not touched.
    let restore = "Restore previous in Microsoft 365";
    assert!(h.get_by_label(restore).accesskit_node().is_disabled());
    let amelia_in_ad = |h: &Harness<'static, App>| {
        let users = h.state().grid().users();
        users
            .iter()
            .find(|u| u.label() == "Amelia Hart")
            .unwrap()
            .photo_bytes
    };
    let ad_before = amelia_in_ad(&h);
    // Another writer to this tenant (an import, `adphoto cloud photo`) holds its lock: the
    // panel's change waits its turn, says why, and changes nothing.
    let data = adphoto::data_folder::DataFolder::new(tmp.path().join("data"));
    let held = data
        .lock_writes(
            &adphoto::import::tenant_lock_key(TENANT),
            "adphoto import (test)",
        )
        .unwrap();
    h.get_by_label("Remove from Microsoft 365").click();
    wait_until(&mut h, "the busy tenant said", |h| {
        h.query_by_label_contains("another adphoto is writing")
            .is_some()
    });
    let photo_of_amelia = |server: &GraphServer| {
        server.with(|s| {
            let u = s.users.iter().find(|u| u.display_name == "Amelia Hart");
            s.photos.get(&u.unwrap().id).map(|(b, _)| b.clone())
        })
    };
    assert_eq!(photo_of_amelia(&server), Some(cloud_photo.clone()));
    drop(held);
    click_when_enabled(&mut h, "Remove from Microsoft 365");
    wait_until(&mut h, "the removal", |h| {
        h.query_by_label("Microsoft 365: no photo").is_some()
    });
    let amelia_has = |server: &GraphServer| {
        server.with(|s| {
            let id = &s
                .users
                .iter()
                .find(|u| u.display_name == "Amelia Hart")
                .unwrap()
                .id;
            s.photos.get(id).map(|(b, _)| b.clone())
        })
    };
    assert_eq!(amelia_has(&server), None);
    assert!(
        h.query_by_label_contains("Microsoft 365 photo removed (it is saved)")
            .is_some()
    );
    wait_until(&mut h, "Restore previous enabled", |h| {
        !h.get_by_label(restore).accesskit_node().is_disabled()
    });
    h.get_by_label(restore).click();
    wait_until(&mut h, "the restore", |h| {
        h.query_by_label_contains("Microsoft 365: 300 × 300 px")
            .is_some()
    });
    assert_eq!(amelia_has(&server), Some(cloud_photo.clone()));
    assert!(
        h.query_by_label_contains("put back the Microsoft 365 photo")
            .is_some()
    );
    let ad_after = amelia_in_ad(&h);
    assert_eq!(
        ad_before, ad_after,
        "the directory's photo is left as it was"
    );
    gui_common::grid_cell(&h, "Felix Bauer").click();
    wait_until(&mut h, "Felix has no Microsoft 365 account", |h| {
        h.query_by_label("Microsoft 365: no account found for this user")
            .is_some()
    });
    assert!(
        h.query_by_label("Set in Microsoft 365…").is_none(),
        "no actions without an account"
    );
    // Esc clears the selection: the wizard is for the whole OU again.
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(h.state().grid().selected_users().is_empty());

    // The wizard: three photos by logon name, and on the Summary "Both".
    wizard_to_summary(&mut h, tmp.path(), &["ahart", "jberg", "olindqvist"]);
    assert!(
        h.query_by_label("Sign in to Microsoft 365…").is_none(),
        "signed in already"
    );
    assert!(
        h.query_by_label_contains("the same file and crop give a")
            .is_some()
    );
    h.get_by_label("Both").click();
    h.run_steps(2);
    click_when_enabled(&mut h, "Start import");
    wait_until(&mut h, "the import", |h| {
        h.state().wizard().unwrap().report().is_some()
    });
    let report = h.state().wizard().unwrap().report().unwrap().clone();
    assert_eq!(report.written(), 3, "AD: {:#?}", report.results);
    assert_eq!(
        report.cloud_written(),
        3,
        "Microsoft 365: {:#?}",
        report.cloud
    );
    assert_eq!(server.with(|s| s.photos.len()), 3);
    assert_eq!(
        h.query_all_by_label("Microsoft 365").count(),
        3,
        "a results row per user and target"
    );

    // Undo puts back both: Amelia's cloud photo as it was, the others' removed.
    h.get_by_label("Undo this import").click();
    wait_until(&mut h, "the undo", |h| {
        h.query_all_by_label_contains("put back (").count() == 6
    });
    let left: Vec<Vec<u8>> = server.with(|s| s.photos.values().map(|(b, _)| b.clone()).collect());
    assert_eq!(left, vec![cloud_photo]);
    server.assert_no_violations();
}

#[test]
fn the_summary_offers_microsoft_365_only_once_signed_in() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = gui_common::harness(tmp.path());
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.state().grid().users().len() == 32
    });
    wizard_to_summary(&mut h, tmp.path(), &["ahart"]);
    assert!(h.query_by_label("Active Directory").is_some());
    for cloud in ["Microsoft 365", "Both"] {
        assert!(
            h.get_by_label(cloud).accesskit_node().is_disabled(),
            "{cloud}: not before a sign-in"
        );
    }
    h.get_by_label("Sign in to Microsoft 365…").click();
    // The click is the wizard's, the dialog the window's: it shows a frame or two later.
    wait_until(&mut h, "the Summary to open the sign-in dialog", |h| {
        h.query_by_label("Sign in with a code").is_some()
    });
}
