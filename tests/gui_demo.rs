//! The window, driven by its labels and keys through egui_kittest, on the shipped demo directory.

mod gui_common;

use std::path::Path;

use adphoto::data_folder::DataFolder;
use adphoto::gui::AppEnv;
use egui::{Key, Modifiers};
use egui_kittest::kittest::Queryable as _;
use gui_common::{
    click_when_enabled, dropped, grid_cell, harness, harness_with, type_into, wait_until, write_png,
};

#[test]
fn demo_directory_tree_selection_filter_and_photo_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());

    // The connect dialog, with the demo button.
    h.get_by_label("Connect to Active Directory");
    h.get_by_label("Trust any certificate (lab only)");
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.query_by_label("Amelia Hart").is_some()
    });
    assert!(h.query_by_label_contains("Offline: demo.ldif").is_some());
    assert!(
        h.query_by_label("changes go to an LDIF change file in the data folder")
            .is_some(),
        "a wide window says where changes go"
    );
    assert_eq!(h.state().grid().users().len(), 32);

    // Expand an OU: clicking it opens it (children load lazily) and lists its users.
    h.get_by_label("Head Office").click();
    wait_until(&mut h, "the OUs below Head Office", |h| {
        h.query_by_label("Finance").is_some() && h.state().grid().users().len() == 15
    });
    assert!(h.query_by_label("People").is_some());
    assert!(
        h.query_by_label("Isabelle Moreau").is_none(),
        "Sales is not under Head Office"
    );

    // Selection: click, Ctrl-click, Shift-click range, Ctrl+A, Esc.
    grid_cell(&h, "Amelia Hart").click();
    h.run_steps(2);
    assert_eq!(h.state().grid().selected_count(), 1);
    grid_cell(&h, "Felix Bauer").click_modifiers(Modifiers::COMMAND);
    h.run_steps(2);
    assert_eq!(h.state().grid().selected_count(), 2);
    assert!(
        h.query_by_label("2 users selected").is_some(),
        "the preview says how many"
    );
    // Name order: … Felix Bauer, Grace Okafor, Hannah Schröder …: the range from the last click.
    grid_cell(&h, "Hannah Schröder").click_modifiers(Modifiers::SHIFT);
    h.run_steps(2);
    let names: Vec<String> = h
        .state()
        .grid()
        .selected_users()
        .iter()
        .map(|u| u.label())
        .collect();
    assert_eq!(names, ["Felix Bauer", "Grace Okafor", "Hannah Schröder"]);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(2);
    assert_eq!(h.state().grid().selected_count(), 15);
    assert!(h.query_by_label("15 selected").is_some());
    assert!(h.query_by_label("15 users selected").is_some());
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert_eq!(h.state().grid().selected_count(), 0);

    // Filter: without photo.
    h.get_by_label("Without photo").click();
    h.run_steps(2);
    assert_eq!(h.state().grid().shown_count(), 8);
    assert!(h.query_by_label("Amelia Hart").is_none(), "she has a photo");
    assert!(h.query_by_label("Oskar Lindqvist").is_some());
    assert!(h.query_by_label("8 of 15 users").is_some());
    h.get_by_label("All").click();
    h.run_steps(2);
    assert_eq!(h.state().grid().shown_count(), 15);

    // Search, then pick one user without a photo.
    type_into(&mut h, "Search:", "oskar");
    h.run_steps(3);
    assert_eq!(h.state().grid().shown_count(), 1);
    grid_cell(&h, "Oskar Lindqvist").click();
    wait_until(&mut h, "the empty preview", |h| {
        h.query_by_label("No photo").is_some()
    });
    assert!(h.state().preview().info().is_none());

    // Set a photo by dropping an image file on the user's row: the preview changes.
    let png = tmp.path().join("oskar.png");
    write_png(&png, 300, 400);
    grid_cell(&h, "Oskar Lindqvist").hover();
    h.run_steps(1);
    h.input_mut().dropped_files.push(dropped(&png));
    h.run_steps(1);
    wait_until(&mut h, "the new photo in the preview", |h| {
        h.state().preview().info().is_some()
    });
    let (w, hgt, bytes) = h.state().preview().info().unwrap();
    assert_eq!((w, hgt), (96, 96));
    assert!(bytes <= 10 * 1024);
    assert!(h.query_by_label_contains("96 × 96 px").is_some());
    let oskar = |h: &egui_kittest::Harness<'static, adphoto::gui::App>| {
        h.state()
            .grid()
            .users()
            .iter()
            .find(|u| u.sam_account_name.as_deref() == Some("olindqvist"))
            .unwrap()
            .photo_bytes
    };
    assert_eq!(oskar(&h), Some(bytes));
    // A dropped file writes at once, so the way back is offered right there.
    assert!(h.query_by_label("Undo").is_some());
    assert!(
        h.state()
            .status()
            .message()
            .is_some_and(|(m, err)| !err && m.contains("Photo of Oskar Lindqvist set")),
        "{:?}",
        h.state().status().message()
    );

    // Remove it: a backup is kept, so "Restore previous" brings it back; the history shows both
    // changes (set: had no photo; remove: had this one).
    click_when_enabled(&mut h, "Remove photo");
    wait_until(&mut h, "the removed photo", |h| {
        h.state().preview().info().is_none() && h.query_by_label("History (2)").is_some()
    });
    assert_eq!(oskar(&h), None);
    click_when_enabled(&mut h, "Restore previous");
    wait_until(&mut h, "the restored photo", |h| {
        h.state().preview().info().is_some()
    });
    assert_eq!(h.state().preview().info().unwrap().2, bytes);

    // Removed again, the toast's Undo brings it back too (a restore itself offers no Undo).
    assert!(h.query_by_label("Undo").is_none());
    click_when_enabled(&mut h, "Remove photo");
    wait_until(&mut h, "the toast", |h| {
        h.query_by_label("Oskar Lindqvist: photo removed.")
            .is_some()
            && h.query_by_label("Undo").is_some()
    });
    assert_eq!(oskar(&h), None);
    h.get_by_label("Undo").click();
    wait_until(&mut h, "the photo put back", |h| oskar(h) == Some(bytes));
    assert!(h.query_by_label("Undo").is_none());

    // The offline change file holds what was done, for an administrator to apply.
    let changes = DataFolder::new(tmp.path().join("data"))
        .offline()
        .join("demo-changes.ldif");
    let text = std::fs::read_to_string(&changes).unwrap();
    assert!(text.contains("changetype: modify"), "{text}");
}

#[test]
fn set_photo_hook_and_bad_file_say_what_went_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.query_by_label("Mia Horvat").is_some()
    });
    // Her row is at the window's bottom edge: bring it up first.
    type_into(&mut h, "Search:", "Mia Horvat");
    h.run_steps(3);
    grid_cell(&h, "Mia Horvat").click();
    wait_until(&mut h, "the empty preview", |h| {
        h.query_by_label("No photo").is_some()
    });
    let dn = h.state().grid().selected_users()[0].dn.clone();
    // What "Set photo…" does once the file dialog returns, with a file that is no image.
    let bad = tmp.path().join("notes.png");
    std::fs::write(&bad, b"not really a picture").unwrap();
    h.state_mut().set_photo_from_file(&dn, bad);
    wait_until(&mut h, "the error", |h| {
        h.state().status().message().is_some_and(|(_, err)| err)
    });
    let (m, _) = h.state().status().message().unwrap();
    assert!(m.contains("Photo of Mia Horvat not set"), "{m}");
    assert!(h.query_by_label_contains("not an image").is_some());
    // And a good one through the same door.
    let png = tmp.path().join("mia.png");
    write_png(&png, 500, 500);
    h.state_mut().set_photo_from_file(&dn, png);
    wait_until(&mut h, "the photo", |h| {
        h.state().preview().info().is_some()
    });
    // What "Export photo…" does after its file dialog: the stored JPEG, byte for byte.
    let out = tmp.path().join("export/mia.jpg");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    h.state_mut().export_photo_to(&dn, out.clone());
    gui_common::wait_for_status(&mut h, "Photo saved to");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
    assert_eq!(bytes.len(), h.state().preview().info().unwrap().2);
}

#[test]
fn a_server_that_never_answers_does_not_freeze_the_window_and_can_be_cancelled() {
    // Accepts TCP connections and then says nothing, like a hung domain controller.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _holder = std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    h.state_mut().connect_dialog().fill(
        &format!("ldaps://127.0.0.1:{port}"),
        "someone@example.test",
        "pw",
        None,
    );
    h.run_steps(2);
    h.get_by_label("Connect").click();
    wait_until(&mut h, "the connecting state", |h| {
        h.query_by_label("Connecting…").is_some()
    });
    // Frames keep coming while the worker waits on the server.
    let start = std::time::Instant::now();
    for _ in 0..20 {
        h.step();
    }
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    // The dialog's Cancel (the status bar offers one for the same job too).
    let cancels = h.get_all_by_label("Cancel").count();
    assert_eq!(cancels, 2);
    h.get_all_by_label("Cancel").next().unwrap().click();
    wait_until(&mut h, "the dialog to be usable again", |h| {
        h.query_by_label("Connecting…").is_none()
    });
    assert!(h.state().connection().is_none());
    assert!(h.query_by_label("Connect").is_some());
}

#[test]
fn connect_errors_are_plain_words_and_profiles_keep_no_password() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    // Nothing typed in Server: the engine's own message.
    h.get_by_label("Server:").focus();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.key_press(Key::Backspace);
    h.run_steps(2);
    h.get_by_label("Connect").click();
    wait_until(&mut h, "the error", |h| {
        h.query_by_label_contains("no server given").is_some()
    });

    // A profile saves the fields, not the password.
    type_into(&mut h, "Server:", "dc1.example.test");
    type_into(&mut h, "User:", "helpdesk@example.test");
    type_into(&mut h, "Password:", "s3cret-Passw0rd");
    type_into(&mut h, "New profile:", "Lab");
    h.run_steps(2);
    h.get_by_label("Save profile").click();
    // Written on the worker, never on the UI thread.
    wait_until(&mut h, "the profile saved", |h| {
        h.query_by_label_contains("Profile \"Lab\" saved").is_some()
    });
    let text = std::fs::read_to_string(tmp.path().join("config/profiles.json")).unwrap();
    assert!(text.contains("dc1.example.test"));
    assert!(!text.contains("s3cret"), "{text}");
    assert!(Path::new(&tmp.path().join("config/profiles.json")).exists());
}

#[test]
fn command_line_fills_in_the_connect_dialog_and_demo_opens_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let mut env = adphoto::gui::AppEnv::in_dir(tmp.path());
    env.prefill.server = Some("dc9.example.test".into());
    env.prefill.user = Some("helpdesk@example.test".into());
    let mut h = gui_common::harness_with(env);
    h.run_steps(2);
    assert_eq!(
        h.get_by_label("Server:").value().as_deref(),
        Some("dc9.example.test")
    );
    assert_eq!(
        h.get_by_label("User:").value().as_deref(),
        Some("helpdesk@example.test")
    );

    // `adphoto --demo`: straight into the demo directory.
    let mut env = adphoto::gui::AppEnv::in_dir(tmp.path());
    env.start_demo = true;
    let mut h = gui_common::harness_with(env);
    wait_until(&mut h, "the demo users", |h| {
        h.query_by_label("Amelia Hart").is_some()
    });
}

/// The grid from the keyboard: arrows move the selection (Shift extends it), Home and End jump
/// and scroll the far rows into sight, Ctrl+F goes to the search box.
#[test]
fn keyboard_moves_through_the_grid_and_ctrl_f_searches() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.state().grid().users().len() == 32
    });
    let selected = |h: &egui_kittest::Harness<'static, adphoto::gui::App>| -> Vec<String> {
        h.state()
            .grid()
            .selected_users()
            .iter()
            .map(|u| u.label())
            .collect()
    };
    let press = |h: &mut egui_kittest::Harness<'static, adphoto::gui::App>, m, k| {
        h.key_press_modifiers(m, k);
        h.run_steps(2);
    };

    // Name order: … Felix Bauer, Grace Okafor, Hannah Schröder, Isabelle Moreau …
    grid_cell(&h, "Felix Bauer").click();
    h.run_steps(2);
    press(&mut h, Modifiers::NONE, Key::ArrowDown);
    assert_eq!(selected(&h), ["Grace Okafor"]);
    press(&mut h, Modifiers::SHIFT, Key::ArrowDown);
    press(&mut h, Modifiers::SHIFT, Key::ArrowDown);
    assert_eq!(
        selected(&h),
        ["Grace Okafor", "Hannah Schröder", "Isabelle Moreau"]
    );
    press(&mut h, Modifiers::SHIFT, Key::ArrowUp);
    assert_eq!(selected(&h), ["Grace Okafor", "Hannah Schröder"]);
    // A plain arrow moves on from where the range ended, selecting one row again.
    press(&mut h, Modifiers::NONE, Key::ArrowUp);
    assert_eq!(selected(&h), ["Grace Okafor"]);
    press(&mut h, Modifiers::NONE, Key::ArrowUp);
    assert_eq!(selected(&h), ["Felix Bauer"]);

    // End: the last user, scrolled into sight (the window shows about twenty rows).
    // Its mail address shows only in the grid (the preview shows the name too).
    let (last, mail) = {
        let mut users = h.state().grid().users().to_vec();
        users.sort_by_key(|u| u.label().to_lowercase());
        let u = users.pop().unwrap();
        (u.label(), u.mail.unwrap())
    };
    assert!(
        h.query_by_label(&mail).is_none(),
        "{last} starts out of sight"
    );
    press(&mut h, Modifiers::NONE, Key::End);
    h.run_steps(4);
    assert_eq!(selected(&h), [last.as_str()]);
    assert!(
        h.query_by_label(&mail).is_some(),
        "{last} scrolled into sight"
    );
    press(&mut h, Modifiers::SHIFT, Key::PageUp);
    assert!(selected(&h).len() > 5, "{:?}", selected(&h));
    press(&mut h, Modifiers::NONE, Key::Home);
    h.run_steps(4);
    assert_eq!(selected(&h), ["Aisha Rahman"]);

    // Ctrl+F, then typing, filters the grid.
    press(&mut h, Modifiers::COMMAND, Key::F);
    h.get_by_label("Search:").type_text("kowal");
    h.run_steps(3);
    assert_eq!(h.state().grid().shown_count(), 1);
    assert!(h.query_by_label("Maja Kowalska").is_some());
}

/// Without a system file dialog (no portal, no zenity), adphoto's own chooser opens in the
/// window: it shows only LDIF exports, and the one chosen is opened.
#[test]
fn without_a_system_file_dialog_the_own_chooser_opens_an_ldif_export() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("exports");
    std::fs::create_dir_all(&folder).unwrap();
    let demo = adphoto::directory::demo::install(&tmp.path().join("demo")).unwrap();
    std::fs::copy(&demo, folder.join("export.ldif")).unwrap();
    std::fs::write(folder.join("notes.txt"), "not an LDIF export").unwrap();
    let mut env = AppEnv::in_dir(tmp.path());
    env.own_file_chooser = true;
    let mut h = harness_with(env);

    h.get_by_label("Open LDIF file…").click();
    h.run_steps(3);
    assert!(h.query_by_label_contains("Open an LDIF export").is_some());
    // It starts in the home folder; type the exports folder into its path field.
    let home = directories::UserDirs::new()
        .map(|d| d.home_dir().display().to_string())
        .unwrap();
    // (The path field comes first; the file-name field may show the same text.)
    h.get_all_by_value(&home).next().unwrap().focus();
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.key_press(Key::Backspace);
    h.run_steps(1);
    h.input_mut()
        .events
        .push(egui::Event::Text(folder.display().to_string()));
    h.run_steps(1);
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert!(
        h.query_by_label("🗋 export.ldif").is_some(),
        "the export is listed"
    );
    assert!(
        h.query_by_label("🗋 notes.txt").is_none(),
        "only LDIF exports are shown"
    );
    h.get_by_label("🗋 export.ldif").click();
    h.run_steps(2);
    h.get_by_label("Open").click();
    wait_until(&mut h, "the LDIF directory", |h| {
        h.state().connection().is_some()
    });
    assert!(
        h.query_by_label_contains("Open an LDIF export").is_none(),
        "the chooser closed"
    );
}

/// WCAG contrast ratio of two colours.
fn contrast(a: egui::Color32, b: egui::Color32) -> f32 {
    let lum = |c: egui::Color32| {
        let ch = |v: u8| {
            let v = v as f32 / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(c.r()) + 0.7152 * ch(c.g()) + 0.0722 * ch(c.b())
    };
    let (l1, l2) = (lum(a), lum(b));
    (l1.max(l2) + 0.05) / (l1.min(l2) + 0.05)
}

/// Light, dark or the system's, chosen in the Settings menu and remembered; in both, text and
/// the warning and error colours stand out from the background (WCAG: 4.5:1 for text, 3:1 for
/// hints and signal colours).
#[test]
fn the_theme_is_chosen_in_settings_remembered_and_readable() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    for (name, theme) in [("Light", egui::Theme::Light), ("Dark", egui::Theme::Dark)] {
        h.get_by_label("Settings").click();
        h.run_steps(2);
        h.get_by_label(name).click();
        h.run_steps(3);
        assert_eq!(h.ctx.theme(), theme);
        let v = h.ctx.global_style().visuals.clone();
        let bg = v.panel_fill;
        for (what, fg, least) in [
            ("text", v.text_color(), 4.5),
            ("weak text", v.weak_text_color(), 3.0),
            ("warning", v.warn_fg_color, 3.0),
            ("error", v.error_fg_color, 3.0),
        ] {
            let c = contrast(fg, bg);
            assert!(c >= least, "{name}: {what} contrast {c:.1} < {least}");
        }
    }
    assert_eq!(h.state().prefs().theme, egui::ThemePreference::Dark);
    // Remembered: a new window with these preferences starts dark.
    let prefs = h.state().prefs();
    let text = serde_json::to_string(&prefs).unwrap();
    let back: adphoto::gui::Prefs = serde_json::from_str(&text).unwrap();
    assert_eq!(back.theme, egui::ThemePreference::Dark);
}

/// At 900×600 (a laptop, a remote session) everything a person needs is on screen: the filters,
/// the counts, every grid column and the preview's actions — inside the window, not clipped.
#[test]
fn at_900_by_600_nothing_is_clipped() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    h.set_size(egui::vec2(900.0, 600.0));
    h.run_steps(3);
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.state().grid().users().len() == 32
    });
    grid_cell(&h, "Arjun Mehta").click();
    wait_until(&mut h, "the preview", |h| {
        h.query_by_label("Set photo…").is_some()
    });
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(900.0, 600.0));
    for label in [
        "Import…",
        "Settings",
        "Disconnect",
        "With photo",
        "Without photo",
        "32 users",
        "1 selected",
        "Name ⏶",
        "Account",
        "Mail",
        "Title / Department",
        "Photo",
        "Set photo…",
    ] {
        let rects: Vec<egui::Rect> = h.query_all_by_label(label).map(|n| n.rect()).collect();
        assert!(!rects.is_empty(), "{label} is not shown");
        for r in rects {
            assert!(
                window.contains_rect(r) && r.width() > 4.0,
                "{label} at {r:?} is not inside the 900×600 window"
            );
        }
    }
    // The toolbar's words never lie over one another: the offline hint only where it fits.
    let name = h.get_by_label("Offline: demo.ldif").rect();
    for hint in h.query_all_by_label("changes go to an LDIF change file in the data folder") {
        assert!(
            !hint.rect().intersects(name),
            "the hint at {:?} is drawn over the connection's name at {name:?}",
            hint.rect()
        );
    }
    // The preview keeps its width whatever is selected: the grid does not move.
    let before = h.get_by_label("Title / Department").rect();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run_steps(3);
    assert_eq!(h.state().grid().selected_count(), 32);
    assert_eq!(h.get_by_label("Title / Department").rect(), before);
    h.key_press(Key::Escape);
    h.run_steps(3);
    assert_eq!(h.get_by_label("Title / Department").rect(), before);
}

/// "Export…" for many users: each stored photo, byte for byte, named by account like
/// `adphoto export`; users without a photo are counted, not written.
#[test]
fn exporting_many_users_saves_each_photo_by_account() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.query_by_label("Amelia Hart").is_some()
    });
    let users = h.state().grid().users().to_vec();
    let dns: Vec<String> = users.iter().map(|u| u.dn.clone()).collect();
    let with: Vec<_> = users.iter().filter(|u| u.photo_bytes.is_some()).collect();
    let folder = tmp.path().join("out");
    h.state_mut().export_photos_to(&dns, folder.clone());
    wait_until(&mut h, "the export", |h| {
        h.state()
            .status()
            .message()
            .is_some_and(|(m, _)| m.contains("photos saved to"))
    });
    let (m, _) = h.state().status().message().unwrap();
    let without = users.len() - with.len();
    assert!(
        m.contains(&format!("{} photos saved", with.len()))
            && m.contains(&format!("{without} users have none")),
        "{m}"
    );
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut want: Vec<String> = with
        .iter()
        .map(|u| format!("{}.jpg", u.sam_account_name.as_deref().unwrap()))
        .collect();
    want.sort();
    assert_eq!(names, want);
    for u in &with {
        let file = folder.join(format!("{}.jpg", u.sam_account_name.as_deref().unwrap()));
        assert_eq!(
            Some(std::fs::metadata(&file).unwrap().len() as usize),
            u.photo_bytes,
            "{}",
            u.label()
        );
    }

    // Into a folder holding an original under one of those names: the original stays, the
    // others are saved (again: the same bytes are fine), and the message says why.
    let original = folder.join(format!(
        "{}.jpg",
        with[0].sam_account_name.as_deref().unwrap()
    ));
    std::fs::write(&original, b"the 3000 px original").unwrap();
    h.state_mut().export_photos_to(&dns, folder.clone());
    wait_until(&mut h, "the second export", |h| {
        h.state()
            .status()
            .message()
            .is_some_and(|(m, _)| m.contains("already exists"))
    });
    let (m, _) = h.state().status().message().unwrap();
    assert!(
        m.contains(&format!("{} photos saved", with.len() - 1))
            && m.contains("already exists with another picture: kept")
            && m.contains("choose an empty folder"),
        "{m}"
    );
    assert_eq!(std::fs::read(&original).unwrap(), b"the 3000 px original");
}

/// The row menu (right-click and the Menu key), copy and paste between users, a picture from
/// the system's clipboard through the crop canvas, and "Edit current photo".
#[test]
fn row_menu_copy_paste_and_edit_current_photo() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.query_by_label("Amelia Hart").is_some()
    });
    let bytes_of = |h: &egui_kittest::Harness<'static, adphoto::gui::App>, name: &str| {
        h.state()
            .grid()
            .users()
            .iter()
            .find(|u| u.label() == name)
            .unwrap()
            .photo_bytes
    };
    let users = h.state().grid().users().to_vec();
    let with: Vec<String> = users
        .iter()
        .filter(|u| u.photo_bytes.is_some())
        .map(|u| u.label())
        .collect();
    let without: Vec<String> = users
        .iter()
        .filter(|u| u.photo_bytes.is_none())
        .map(|u| u.label())
        .collect();
    let (source, a, b) = (&with[0], &without[0], &without[1]);

    // Right-click a user with a photo: the menu offers the single-user actions; copy.
    grid_cell(&h, source).click_secondary();
    h.run_steps(2);
    assert_eq!(h.state().grid().selected_count(), 1);
    // (The preview panel has some of the same buttons: the menu's are the extra ones.)
    for (item, shown) in [
        ("Set photo…", 2),
        ("Edit current photo…", 1),
        ("Export…", 1),
        ("Remove photo", 2),
        ("Restore previous", 2),
        ("Paste photo", 1),
    ] {
        assert_eq!(h.query_all_by_label(item).count(), shown, "{item}");
    }
    h.get_by_label("Copy photo").click();
    wait_until(&mut h, "the copy", |h| {
        h.state()
            .status()
            .message()
            .is_some_and(|(m, _)| m.contains("copied"))
    });

    // Two users without a photo selected, Ctrl+V: both get exactly the copied photo.
    grid_cell(&h, a).click();
    h.run_steps(1);
    grid_cell(&h, b).click_modifiers(Modifiers::COMMAND);
    h.run_steps(2);
    h.event(egui::Event::Paste(String::new()));
    wait_until(&mut h, "the paste", |h| {
        bytes_of(h, a).is_some() && bytes_of(h, b).is_some()
    });
    assert_eq!(bytes_of(&h, a), bytes_of(&h, source));
    assert_eq!(bytes_of(&h, b), bytes_of(&h, source));

    // The Menu key opens the same menu on the selection, with the count.
    h.key_press(Key::Menu);
    h.run_steps(2);
    assert!(h.query_by_label("Remove photo (2 users)").is_some());
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert!(
        h.query_by_label("Remove photo (2 users)").is_none(),
        "Esc closed the menu"
    );
    assert_eq!(h.state().grid().selected_count(), 2, "…and only the menu");

    // A picture from another program pasted on one user opens the crop canvas; Apply writes it.
    let c = &without[2];
    grid_cell(&h, c).click();
    h.run_steps(2);
    assert_eq!(h.state().grid().selected_count(), 1);
    let picture = egui::ColorImage::from_rgba_unmultiplied(
        [200, 240],
        &(0..200 * 240)
            .flat_map(|i| [(i % 200) as u8, (i / 240) as u8, 90, 255])
            .collect::<Vec<u8>>(),
    );
    h.event(egui::Event::PasteImage(std::sync::Arc::new(picture)));
    wait_until(&mut h, "the crop canvas", |h| {
        h.state().photo_crop().is_some()
    });
    wait_until(&mut h, "the canvas to load", |h| {
        h.query_by_label("Apply").is_some_and(|n| {
            use egui_kittest::kittest::NodeT as _;
            !n.accesskit_node().is_disabled()
        })
    });
    h.get_by_label("Apply").click();
    wait_until(&mut h, "the pasted picture written", |h| {
        bytes_of(h, c).is_some()
    });

    // Edit current photo: the stored photo on the canvas, written back through the same path
    // (one more change in its history).
    grid_cell(&h, source).click_secondary();
    h.run_steps(2);
    h.get_by_label("Edit current photo…").click();
    wait_until(&mut h, "the canvas on the stored photo", |h| {
        h.state().photo_crop().is_some()
            && h.query_by_label("Apply").is_some_and(|n| {
                use egui_kittest::kittest::NodeT as _;
                !n.accesskit_node().is_disabled()
            })
    });
    for _ in 0..3 {
        eprintln!(
            "DBG apply {:?} cancel {:?}",
            h.get_by_label("Apply").rect(),
            h.get_by_label("Cancel crop").rect()
        );
        h.step();
    }
    h.get_by_label("Apply").click();
    wait_until(&mut h, "the edited photo written", |h| {
        h.state()
            .status()
            .message()
            .is_some_and(|(m, _)| m.starts_with(&format!("Photo of {source} set")))
    });
    wait_until(&mut h, "its history", |h| {
        h.query_by_label_contains("History (").is_some()
    });
    assert!(
        h.query_by_label("History (1)").is_some(),
        "one change recorded"
    );
}

/// Contacts (address-book entries without an account) are listed when asked for, marked as
/// contacts, and take a photo like a user.
#[test]
fn contacts_are_shown_on_request_and_take_a_photo() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = harness(tmp.path());
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.query_by_label("Amelia Hart").is_some()
    });
    assert!(
        h.query_by_label("Acme Supplies (contact)").is_none(),
        "users only by default"
    );
    h.get_by_label("Show:").click();
    h.run_steps(2);
    h.get_by_label("Contacts").click();
    wait_until(&mut h, "the contacts", |h| {
        !h.state().grid().loading && h.query_by_label("Acme Supplies (contact)").is_some()
    });
    assert_eq!(h.state().grid().users().len(), 1);
    assert_eq!(
        h.state().grid().users()[0].kind,
        adphoto::directory::Kind::Contact
    );
    assert!(
        h.query_by_label("contact").is_some(),
        "the account column says so"
    );
    assert_eq!(
        h.state().prefs().grid.which,
        adphoto::directory::Which::Contacts
    );

    // A photo dropped on the contact is written like a user's.
    let png = tmp.path().join("acme.png");
    write_png(&png, 300, 300);
    grid_cell(&h, "Acme Supplies (contact)").hover();
    h.run_steps(1);
    h.input_mut().dropped_files.push(dropped(&png));
    wait_until(&mut h, "the contact's photo", |h| {
        h.state().grid().users()[0].photo_bytes.is_some()
    });

    h.get_by_label("Show:").click();
    h.run_steps(2);
    h.get_by_label("Users and contacts").click();
    wait_until(&mut h, "users and contacts", |h| {
        !h.state().grid().loading && h.state().grid().users().len() == 33
    });
}
