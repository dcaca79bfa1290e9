//! The window against the Samba test domain controller (tests/ad/samba-dc.sh): connect over
//! LDAPS with the test CA, a wrong password in plain words, the OU tree, selection, and a photo
//! set, removed and restored. Writes only to users of OU=Americas,OU=Sales,OU=Staff.

mod common;
mod gui_common;

use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable as _;
use gui_common::{
    assign_unmatched, click_through, click_when_enabled, drag, dropped, grid_cell,
    harness_any_script, open_crop_canvas, pick_ambiguous, replace_text, type_into, wait_until,
    write_png,
};

fn fill_form(
    h: &mut egui_kittest::Harness<'static, adphoto::gui::App>,
    dc: &common::TestDc,
    password: &str,
) {
    // Server may be pre-filled from the Kerberos realm: replace it.
    replace_text(h, "Server:", &dc.ldaps_url);
    h.get_by_label("User name and password").click();
    h.run_steps(2);
    type_into(h, "User:", &dc.admin);
    type_into(h, "Password:", password);
    type_into(h, "CA certificate:", &dc.ca.display().to_string());
}

#[test]
fn samba_dc_connect_wrong_password_tree_selection_and_photo() {
    let dc = common::TestDc::get();
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness_any_script(tmp.path());

    // A wrong password: the engine's plain words, in the dialog, under the Connect button,
    // which stays where it was.
    fill_form(&mut h, &dc, "not-the-password");
    let connect_at = h.get_by_label("Connect").rect();
    h.get_by_label("Connect").click();
    wait_until(&mut h, "the wrong-password message", |h| {
        h.query_by_label("Wrong user name or password.").is_some()
    });
    assert!(h.state().connection().is_none());
    assert_eq!(h.get_by_label("Connect").rect(), connect_at);
    let error_at = h.get_by_label("Wrong user name or password.").rect();
    assert!(
        error_at.top() > connect_at.bottom(),
        "{error_at:?} {connect_at:?}"
    );

    // The right one; the old message goes as soon as the password changes.
    replace_text(&mut h, "Password:", &dc.password);
    assert!(h.query_by_label("Wrong user name or password.").is_none());
    h.get_by_label("Connect").click();
    wait_until(&mut h, "the connection", |h| {
        h.state().connection().is_some()
    });
    assert!(
        h.query_by_label_contains("LDAPS · ldaps://localhost:636")
            .is_some()
    );
    assert!(h.query_by_label_contains("NOT verified").is_none());

    // The tree, opened level by level.
    wait_until(&mut h, "the top-level OUs", |h| {
        h.query_by_label("Staff").is_some()
    });
    h.get_by_label("Staff").click();
    wait_until(&mut h, "Sales under Staff", |h| {
        h.query_by_label("Sales").is_some()
    });
    h.get_by_label("Sales").click();
    wait_until(&mut h, "Americas under Sales", |h| {
        h.query_by_label("Americas").is_some()
    });
    h.get_by_label("Americas").click();
    wait_until(&mut h, "the users of Americas", |h| {
        h.state()
            .grid()
            .users()
            .iter()
            .any(|u| u.sam_account_name.as_deref() == Some("gtremblay"))
            && !h.state().grid().loading
    });
    let labels: Vec<(String, String)> = h
        .state()
        .grid()
        .users()
        .iter()
        .map(|u| (u.sam_account_name.clone().unwrap_or_default(), u.label()))
        .collect();
    let label_of = |sam: &str| {
        labels
            .iter()
            .find(|(s, _)| s == sam)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| panic!("{sam} is listed: {labels:?}"))
    };
    let (gt, kj, ml) = (
        label_of("gtremblay"),
        label_of("kjohnson"),
        label_of("mlopez"),
    );

    // Ctrl-click, Shift-click, Ctrl+A.
    grid_cell(&h, &gt).click();
    h.run_steps(2);
    grid_cell(&h, &kj).click_modifiers(Modifiers::COMMAND);
    h.run_steps(2);
    assert_eq!(h.state().grid().selected_count(), 2);
    grid_cell(&h, &ml).click_modifiers(Modifiers::SHIFT);
    h.run_steps(2);
    assert!(h.state().grid().selected_count() >= 2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(2);
    assert_eq!(
        h.state().grid().selected_count(),
        h.state().grid().shown_count()
    );

    // Set gtremblay's photo by dropping a file on the row; the preview shows it.
    grid_cell(&h, &gt).click();
    wait_until(&mut h, "gtremblay's preview", |h| {
        h.query_by_label("Set photo…").is_some() && h.query_by_label_contains("px ·").is_some()
            || h.query_by_label("No photo").is_some()
    });
    let png = tmp.path().join("gtremblay.png");
    write_png(&png, 640, 480);
    grid_cell(&h, &gt).hover();
    h.run_steps(1);
    h.input_mut().dropped_files.push(dropped(&png));
    h.run_steps(1);
    wait_until(&mut h, "the written photo", |h| {
        h.state()
            .status()
            .message()
            .is_some_and(|(m, _)| m.contains("Photo of"))
            && h.state().preview().info().is_some()
    });
    let (m, err) = h.state().status().message().unwrap();
    assert!(!err, "{m}");
    let (w, hh, bytes) = h.state().preview().info().unwrap();
    assert_eq!((w, hh), (96, 96));

    // Remove it; the history brings it back.
    click_when_enabled(&mut h, "Remove photo");
    wait_until(&mut h, "the removal", |h| {
        h.state().preview().info().is_none() && h.query_by_label_contains("History (").is_some()
    });
    click_when_enabled(&mut h, "Restore previous");
    wait_until(&mut h, "the restore", |h| {
        h.state().preview().info().is_some()
    });
    assert_eq!(h.state().preview().info().unwrap().2, bytes);
}

/// The import wizard against the Samba DC: ten users of OU=Big get a photo, read back through
/// the Directory, then the import is undone (the DC is left as it was).
#[test]
fn samba_dc_import_wizard_writes_reads_back_and_undoes() {
    let dc = common::TestDc::get();
    let tmp = tempfile::tempdir().unwrap();
    let photos = tmp.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    // Eight plain matches, an ambiguous pair for big1009, and a file without match that is
    // assigned to big1010 in the wizard.
    for i in 1001..=1009 {
        write_png(&photos.join(format!("big{i}.png")), 200 + i % 7, 260);
    }
    write_png(&photos.join("BIG1009.jpg"), 240, 260); // saved as a JPEG, by its extension
    write_png(&photos.join("new-starter.png"), 230, 300);
    let mut h = harness_any_script(tmp.path());
    fill_form(&mut h, &dc, &dc.password);
    h.get_by_label("Connect").click();
    wait_until(&mut h, "the top-level OUs", |h| {
        h.query_by_label("Big").is_some()
    });
    h.get_by_label("Big").click();
    wait_until(&mut h, "the users of Big", |h| {
        !h.state().grid().loading && h.state().grid().users().len() >= dc.big_count
    });
    type_into(&mut h, "Search:", "Big User 10");
    h.run_steps(3);
    grid_cell(&h, "Big User 1001").click();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(2);
    let selected = h.state().grid().selected_count();
    assert!((10..=100).contains(&selected), "{selected}");

    // What the ten have now (other tests may have given some a photo): undo must bring it back.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = rt.block_on(dc.admin());
    let attr = adphoto::directory::PhotoAttribute::default();
    let before: Vec<(String, Option<Vec<u8>>)> = h
        .state()
        .grid()
        .users()
        .iter()
        .filter(|u| {
            u.sam_account_name
                .as_deref()
                .is_some_and(|s| ("big1001"..="big1010").contains(&s))
        })
        .map(|u| {
            (
                u.dn.clone(),
                rt.block_on(dir.read_photo(&u.dn, &attr)).unwrap(),
            )
        })
        .collect();
    assert_eq!(before.len(), 10);

    h.get_by_label("Import…").click();
    h.run_steps(2);
    gui_common::choose_folder(&mut h, &photos, 11);
    click_through(&mut h, &["Next", "Next", "Automatch"]);
    wait_until(&mut h, "the match", |h| {
        h.query_by_label("Matching files (8)").is_some()
    });
    // The file without match goes to big1010, found by searching its name.
    assign_unmatched(&mut h, "User 1010", "Big User 1010 (big1010)");
    // big1009 has two files: pick one.
    pick_ambiguous(&mut h, "BIG1009.jpg");
    click_through(&mut h, &["Next"]);
    // One manual crop: shrink the frame of big1001 by its corner handle.
    wait_until(&mut h, "the resize previews", |h| {
        h.state().wizard().unwrap().encoded_count() == 10
    });
    let before_crop = open_crop_canvas(&mut h, "Big User 1001");
    let handle = h.get_by_label("crop handle bottom-right").rect().center();
    drag(&mut h, handle, handle - egui::vec2(30.0, 30.0));
    let after_crop = h.state().wizard().unwrap().canvas().unwrap().crop();
    assert!(
        after_crop.width < before_crop.width,
        "{before_crop:?} -> {after_crop:?}"
    );
    h.get_by_label("Apply").click();
    h.run_steps(2);
    assert_eq!(h.state().wizard().unwrap().crops().len(), 1);
    h.get_by_label("Next").click();
    h.run_steps(2);
    assert!(h.query_by_label("10 photos to write").is_some());

    // The same choices as a nightly sync, for the whole OU: the profile the Summary saves (the
    // save dialog's answer stands in here) runs from the command line as it is.
    assert!(h.query_by_label("Save as nightly sync…").is_some());
    let profile = tmp.path().join("nightly sync.toml");
    h.state_mut().save_sync_profile(profile.clone());
    gui_common::wait_for_status(&mut h, "Run it with: adphoto sync");
    let text = std::fs::read_to_string(&profile).unwrap();
    assert!(!text.contains(&dc.password), "{text}");
    let saved = adphoto::import::SyncProfile::parse(&text).unwrap();
    assert!(
        saved
            .server
            .as_deref()
            .is_some_and(|s| s.starts_with("ldaps://")),
        "{text}"
    );
    assert_eq!(saved.ou.as_deref(), Some(dc.big_ou.as_str()), "{text}");
    assert!(saved.subtree);
    assert_eq!(saved.folder, photos);
    assert_eq!(saved.pattern.as_deref(), Some("{sAMAccountName}"), "{text}");
    assert_eq!((saved.size, saved.max_bytes), (Some(96), Some(10 * 1024)));
    assert_eq!(saved.to.as_deref(), Some("ad"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_adphoto"))
        .args(["sync", profile.to_str().unwrap(), "--dry-run"])
        .env("ADPHOTO_PASSWORD", &dc.password)
        .env("ADPHOTO_DATA_DIR", tmp.path().join("cli-data"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    // By name alone: the eight plain matches (big1009 has two files, new-starter.png none).
    assert_eq!(
        out.status.code(),
        Some(0),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("8 photos to write"), "{said}");

    click_when_enabled(&mut h, "Start import");
    wait_until(&mut h, "the import", |h| {
        h.state().wizard().unwrap().report().is_some()
    });
    let report = h.state().wizard().unwrap().report().unwrap().clone();
    assert_eq!(report.written(), 10, "{report:?}");

    let written: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.status, adphoto::import::Status::Written { .. }))
        .collect();
    for r in &written {
        let bytes = rt.block_on(dir.read_photo(&r.dn, &attr)).unwrap().unwrap();
        assert!(bytes.len() <= 10 * 1024);
        assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 96);
    }

    h.get_by_label("Undo this import").click();
    wait_until(&mut h, "the undo", |h| {
        h.query_by_label_contains("Undone:").is_some()
    });
    for (dn, old) in &before {
        let back = rt.block_on(dir.read_photo(dn, &attr)).unwrap();
        assert_eq!(&back, old, "{dn} is not back as it was");
    }
}

/// Over a link 20 ms away (the loopback delay proxy), the grid's thumbnails of a screenful of
/// users with photos are read with a few searches, not one read per row.
#[test]
fn thumbnails_over_a_slow_link_are_read_in_batches() {
    use std::net::SocketAddr;
    let dc = common::TestDc::get();
    // 32 users of the big OU with a photo (big1641–1672: no other test uses them).
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let admin = dc.admin().await;
        let p = adphoto::directory::PhotoAttribute::default();
        for i in 1641..=1672u32 {
            let u = admin.find_user(&format!("big{i}"), &p).await.unwrap();
            let photo = common::picture(64, 64, i as u8, true);
            admin
                .replace_photo_unchecked(&u.dn, &p, &photo)
                .await
                .unwrap();
        }
    });
    let proxy = common::proxy::Proxy::start(
        "127.0.0.1:636".parse::<SocketAddr>().unwrap(),
        std::time::Duration::from_millis(20),
    );
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness_any_script(tmp.path());
    fill_form(&mut h, &dc, &dc.password);
    replace_text(
        &mut h,
        "Server:",
        &format!("ldaps://localhost:{}", proxy.port),
    );
    h.get_by_label("Connect").click();
    wait_until(&mut h, "the connection", |h| {
        h.state().connection().is_some()
    });
    wait_until(&mut h, "the big OU in the tree", |h| {
        h.query_by_label("Big").is_some()
    });
    h.get_by_label("Big").click();
    wait_until(&mut h, "the users of the big OU", |h| {
        h.state().grid().users().len() >= dc.big_count && !h.state().grid().loading
    });
    h.get_by_label("With photo").click();
    type_into(&mut h, "Search:", "Big User 16");
    wait_until(&mut h, "the 32 users with a photo", |h| {
        h.state().grid().shown_count() >= 32
    });
    // The thumbnails in sight asked for and answered (a screenful is over 20 rows).
    wait_until(&mut h, "the thumbnails", |h| {
        h.state().thumb_reads().0 >= 20
    });
    for _ in 0..20 {
        std::thread::sleep(std::time::Duration::from_millis(15));
        h.step();
    }
    let (requests, searches) = h.state().thumb_reads();
    eprintln!("{requests} thumbnails read with {searches} searches");
    assert!(
        searches > 0 && searches * 5 <= requests,
        "{requests} thumbnails read with {searches} searches"
    );
}

/// A DC whose certificate no known authority vouches for: the dialog names it by its
/// fingerprint and offers to trust exactly it; once trusted it is remembered and shown, and
/// "Forget" takes it back.
#[test]
fn a_certificate_without_a_known_authority_can_be_trusted_by_its_fingerprint() {
    let dc = common::TestDc::get();
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness_any_script(tmp.path());
    fill_form(&mut h, &dc, &dc.password);
    replace_text(&mut h, "CA certificate:", "");
    h.get_by_label("Connect").click();
    wait_until(&mut h, "the refusal", |h| {
        h.query_by_label("Trust this certificate").is_some()
    });
    assert!(h.query_by_label_contains("not trusted").is_some());
    assert!(h.query_by_label_contains("SHA-256 fingerprint").is_some());
    // The certificate itself, as a person checks it with the server's administrator.
    assert!(h.query_by_label("O=adphoto tests, CN=localhost").is_some());
    assert!(
        h.query_by_label("O=adphoto tests, CN=adphoto test CA")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("localhost, dc1.example.test")
            .is_some()
    );
    h.get_by_label("Trust this certificate").click();
    wait_until(&mut h, "the connection", |h| {
        h.state().connection().is_some()
    });
    let pin = h.state().prefs().connect.pin_sha256.clone();
    assert_eq!(pin.len(), 95, "{pin}");
    // Not "any certificate": the toolbar does not warn that verification is off.
    assert!(h.query_by_label_contains("NOT verified").is_none());
}

/// The least-privilege helpdesk account and two contractors it may not change: the Summary
/// says so before Finish, leaves them out, and there is nothing to start.
#[test]
fn the_summary_leaves_out_users_the_account_may_not_change() {
    let dc = common::TestDc::get();
    let tmp = tempfile::tempdir().unwrap();
    let photos = tmp.path().join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    for u in ["pquinn", "ddsouza"] {
        write_png(&photos.join(format!("{u}.png")), 240, 260);
    }
    let mut h = harness_any_script(tmp.path());
    replace_text(&mut h, "Server:", &dc.ldaps_url);
    h.get_by_label("User name and password").click();
    h.run_steps(2);
    type_into(&mut h, "User:", &dc.helpdesk);
    type_into(&mut h, "Password:", &dc.helpdesk_password);
    type_into(&mut h, "CA certificate:", &dc.ca.display().to_string());
    h.get_by_label("Connect").click();
    wait_until(&mut h, "the top-level OUs", |h| {
        h.query_by_label("Contractors").is_some()
    });
    h.get_by_label("Contractors").click();
    wait_until(&mut h, "the contractors", |h| {
        !h.state().grid().loading && h.state().grid().users().len() >= 2
    });
    // One of them selected: the preview says it is read-only and offers no write.
    let name = h
        .state()
        .grid()
        .users()
        .iter()
        .find(|u| u.sam_account_name.as_deref() == Some("ddsouza"))
        .unwrap()
        .label();
    grid_cell(&h, &name).click();
    wait_until(&mut h, "the read-only preview", |h| {
        h.query_by_label("Read only: no right to change").is_some()
    });
    {
        use egui_kittest::kittest::NodeT as _;
        assert!(h.get_by_label("Set photo…").accesskit_node().is_disabled());
        // Its row menu greys out the writes too (Export and Copy stay).
        grid_cell(&h, &name).click_secondary();
        h.run_steps(2);
        let set: Vec<bool> = h
            .query_all_by_label("Set photo…")
            .map(|n| n.accesskit_node().is_disabled())
            .collect();
        assert_eq!(set, [true, true], "panel and menu");
        assert!(
            h.get_by_label("Edit current photo…")
                .accesskit_node()
                .is_disabled()
        );
        h.key_press(Key::Escape);
        h.run_steps(2);
    }
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(2);
    h.get_by_label("Import…").click();
    h.run_steps(2);
    gui_common::choose_folder(&mut h, &photos, 2);
    click_through(&mut h, &["Next", "Next", "Automatch"]);
    wait_until(&mut h, "the match", |h| {
        h.query_by_label("Matching files (2)").is_some()
    });
    click_through(&mut h, &["Next", "Next"]);
    wait_until(&mut h, "the rights check", |h| {
        h.query_by_label_contains("2 users you may not change")
            .is_some()
    });
    assert!(h.query_by_label("0 photos to write").is_some());
    assert!(h.query_by_label("2 users skipped").is_some());
    let plan = h.state().wizard().unwrap().plan().unwrap().clone();
    assert!(plan.items.is_empty());
    assert!(
        plan.skipped
            .iter()
            .all(|(_, why)| *why == adphoto::import::Skip::NoRight)
    );
    use egui_kittest::kittest::NodeT as _;
    assert!(
        h.get_by_label("Start import")
            .accesskit_node()
            .is_disabled()
    );
}
