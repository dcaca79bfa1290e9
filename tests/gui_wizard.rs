//! The import wizard, clicked through end to end on the shipped demo directory (offline: the
//! writes go to the LDIF change file), then read back through the Directory.

mod gui_common;

use std::path::{Path, PathBuf};

use adphoto::data_folder::DataFolder;
use adphoto::directory::{Directory, PhotoAttribute};
use adphoto::gui::App;
use adphoto::gui::wizard::Step;
use adphoto::import::Status;
use adphoto::import::journal::{Entry, Journal, UndoneHow};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use gui_common::{
    assign_unmatched, click_through, click_when_enabled, drag, harness, open_crop_canvas,
    pick_ambiguous, type_into, wait_until, write_png,
};

fn write_jpeg(path: &Path, w: u32, h: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([200, (x * 255 / w) as u8, (y * 255 / h) as u8])
    });
    img.save(path).unwrap();
}

/// A folder of photos under `dir`: each (name, width, height) a picture, JPEG or PNG by its
/// extension.
fn photos_with(dir: &Path, files: &[(&str, u32, u32)]) -> PathBuf {
    let photos = photo_folder(dir);
    for &(name, w, h) in files {
        if name.ends_with(".png") {
            write_png(&photos.join(name), w, h);
        } else {
            write_jpeg(&photos.join(name), w, h);
        }
    }
    photos
}

/// By logon name: three users matched, two files for John Smith (ambiguous) and one file
/// without match.
const MIXED_PHOTOS: &[(&str, u32, u32)] = &[
    ("ahart.png", 300, 400),
    ("jberg.jpg", 400, 300),
    ("olindqvist.png", 200, 200),
    ("jsmith.jpg", 320, 320),
    ("jsmith.png", 330, 330),
    ("new-hire.png", 240, 320),
];

/// An empty folder for the test's photos, under `dir`.
fn photo_folder(dir: &Path) -> PathBuf {
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    photos
}

/// The window on the demo directory, its 32 users listed.
fn demo_app(dir: &Path) -> Harness<'static, App> {
    let mut h = harness(dir);
    h.get_by_label("Open demo directory").click();
    wait_until(&mut h, "the demo users", |h| {
        h.state().grid().users().len() == 32
    });
    h
}

/// The demo directory open, and the import wizard started for all its users.
fn demo_wizard(dir: &Path) -> Harness<'static, App> {
    let mut h = demo_app(dir);
    h.get_by_label("Import…").click();
    h.run_steps(2);
    h
}

/// From the scanned folder on: the "Logon name" pattern, then Automatch, until `pairs` match.
fn automatch_by_logon_name(h: &mut Harness<'static, App>, pairs: usize) {
    click_through(h, &["Next", "Logon name (jdoe)", "Next", "Automatch"]);
    let tab = format!("Matching files ({pairs})");
    wait_until(h, "the match", |h| h.query_by_label(&tab).is_some());
}

#[test]
fn import_wizard_end_to_end_on_the_demo_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(tmp.path(), MIXED_PHOTOS);
    std::fs::write(photos.join("notes.txt"), "not a photo").unwrap();

    // No user selected: the wizard takes every listed user.
    let mut h = demo_wizard(tmp.path());
    assert_eq!(h.state().wizard().unwrap().users().len(), 32);
    assert!(h.query_by_label("for 32 users").is_some());

    // Folder (Browse… bypassed by the app-level setter).
    gui_common::choose_folder(&mut h, &photos, 6);
    assert!(h.query_by_label("1 other files ignored").is_some());
    h.get_by_label("Next").click();
    h.run_steps(2);

    // Pattern: the default preset with live examples; a malformed one says why and blocks Next.
    assert!(h.query_by_label_contains("ahart.jpg").is_some());
    type_into(&mut h, "Pattern:", "x{");
    h.run_steps(2);
    assert!(h.query_by_label_contains("never closed").is_some());
    h.get_by_label("Next").click();
    h.run_steps(2);
    assert_eq!(
        h.state().wizard().unwrap().step,
        Step::Pattern,
        "Next is disabled"
    );
    h.get_by_label("Logon name (jdoe)").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("never closed").is_none());
    h.get_by_label("Next").click();
    h.run_steps(2);

    // Automatch on the worker.
    h.get_by_label("Automatch").click();
    wait_until(&mut h, "the match", |h| {
        h.query_by_label("Matching files (3)").is_some()
    });
    assert!(h.query_by_label("Files without match (1)").is_some());
    assert!(h.query_by_label("Ambiguous (1)").is_some());
    assert!(h.query_by_label("Amelia Hart").is_some());
    // The matching table shows every file's picture, loaded on the worker.
    wait_until(&mut h, "the file thumbnails", |h| {
        h.state().wizard().unwrap().file_thumbs_loaded() == 3
    });
    assert!(h.query_by_label("Photo file olindqvist.png").is_some());

    // Assign the file without match by searching a name (diacritics ignored).
    assert!(h.query_by_label("new-hire.png").is_none());
    let users_without = |h: &Harness<'static, App>| {
        (0..=32).find(|n| {
            h.query_by_label(&format!("Users without file ({n})"))
                .is_some()
        })
    };
    let before = users_without(&h).unwrap();
    assign_unmatched(&mut h, "novak", "Jan Novák (jnovak)");
    assert!(h.query_by_label("new-hire.png").is_some());
    // The tab counts follow: nothing left without match, one user fewer without file.
    assert!(h.query_by_label("Files without match (0)").is_some());
    assert_eq!(users_without(&h).unwrap(), before - 1);

    // Pick the right file of the ambiguous pair; nothing is left ambiguous.
    pick_ambiguous(&mut h, "jsmith.png");
    assert!(h.query_by_label("Ambiguous (0)").is_some());

    // Resize: the Outlook preset; summary.
    h.get_by_label("Next").click();
    h.run_steps(2);
    assert!(h.query_by_label("Outlook: 96 px, ≤ 10 KiB").is_some());
    // The results, encoded on the worker, with their sizes.
    wait_until(&mut h, "the resize previews", |h| {
        h.state().wizard().unwrap().encoded_count() == 5
    });
    assert!(h.query_by_label("Jan Novák").is_some());
    assert!(h.query_all_by_label_contains(" KiB").count() >= 7);

    // The crop canvas: open it from a result, shrink the frame by its corner handle, rotate, apply.
    let before = open_crop_canvas(&mut h, "Jan Novák");
    for corner in ["top-left", "top-right", "bottom-left"] {
        assert!(h.query_by_label(&format!("crop handle {corner}")).is_some());
    }
    let handle = h.get_by_label("crop handle bottom-right").rect().center();
    drag(&mut h, handle, handle - egui::vec2(40.0, 40.0));
    let after = h.state().wizard().unwrap().canvas().unwrap().crop();
    assert!(after.width < before.width, "{before:?} -> {after:?}");
    assert_eq!(
        (after.x, after.y),
        (before.x, before.y),
        "the top-left corner stays"
    );
    h.get_by_label("Rotate 90°").click();
    wait_until(&mut h, "the rotated picture", |h| {
        h.state()
            .wizard()
            .unwrap()
            .canvas()
            .is_some_and(|c| c.is_loaded() && c.turns() == 1)
    });
    h.get_by_label("Apply").click();
    h.run_steps(2);
    assert!(h.state().wizard().unwrap().canvas().is_none());
    assert_eq!(h.state().wizard().unwrap().crops().len(), 1);
    assert_eq!(h.state().wizard().unwrap().crops()[0].1, 1);
    wait_until(&mut h, "the previews again", |h| {
        h.state().wizard().unwrap().encoded_count() == 5
    });
    h.get_by_label("Next").click();
    h.run_steps(2);
    assert!(h.query_by_label("5 photos to write").is_some());
    assert!(h.query_by_label("27 users skipped").is_some());
    assert!(h.query_by_label("Attribute: thumbnailPhoto").is_some());
    // Photos changed outside adphoto since it wrote them are left alone unless ticked.
    assert!(
        h.query_by_label("Replace photos changed outside adphoto")
            .is_some()
    );

    // Finish: the job runs on the worker with a journal.
    click_when_enabled(&mut h, "Start import");
    wait_until(&mut h, "the import", |h| {
        h.state().wizard().unwrap().report().is_some()
    });
    let report = h.state().wizard().unwrap().report().unwrap().clone();
    assert_eq!(report.written(), 5, "{report:?}");
    assert!(
        h.query_by_label_contains("Import done: 5 written, 0 up to date, 0 failed")
            .is_some()
    );
    assert!(h.query_by_label_contains("Entra Connect sync").is_some());
    let smith = report
        .results
        .iter()
        .find(|r| r.sam_account_name.as_deref() == Some("jsmith"))
        .unwrap();
    assert_eq!(
        smith.file.as_deref(),
        Some(photos.join("jsmith.png").as_path())
    );
    let novak = report
        .results
        .iter()
        .find(|r| r.sam_account_name.as_deref() == Some("jnovak"))
        .unwrap();
    assert_eq!(
        novak.file.as_deref(),
        Some(photos.join("new-hire.png").as_path())
    );
    assert!(matches!(novak.status, Status::Written { .. }));
    let journal = report.journal.clone().expect("a journal");
    assert!(journal.starts_with(DataFolder::new(tmp.path().join("data")).journals()));

    // Save report… (the dialog bypassed by the setter).
    let csv = tmp.path().join("report.csv");
    h.state_mut().save_import_report(csv.clone());
    wait_until(&mut h, "the report file", |_| csv.exists());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.contains("jnovak"), "{text}");

    // The photos read back through the Directory (the demo file plus its change file).
    let dir = Directory::open_ldif(
        &tmp.path().join("data/demo/demo.ldif"),
        DataFolder::new(tmp.path().join("data"))
            .offline()
            .join("demo-changes.ldif"),
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let attr = PhotoAttribute::default();
    for r in report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Written { .. }))
    {
        let bytes = rt
            .block_on(dir.read_photo(&r.dn, &attr))
            .unwrap()
            .unwrap_or_else(|| panic!("no photo for {}", r.name));
        let img = image::load_from_memory(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (96, 96), "{}", r.name);
        assert!(bytes.len() <= 10 * 1024);
    }

    // Undo this import: the users without a photo before have none again.
    let written_rows = h.query_all_by_label_contains("written (").count();
    assert!(written_rows >= 3, "{written_rows} rows say written");
    h.get_by_label("Undo this import").click();
    wait_until(&mut h, "the undo", |h| {
        h.query_by_label_contains("Undone:").is_some()
    });
    // Every written row now says what the undo did; the account is beside each name.
    assert_eq!(h.query_all_by_label_contains("written (").count(), 0);
    assert_eq!(
        h.query_all_by_label_contains("put back (").count(),
        written_rows
    );
    assert!(h.query_by_label("jnovak").is_some());
    // The outcome stays in the status bar, with its time and where, until dismissed — the
    // reload's "32 users loaded." does not replace it.
    let pinned = h.state().status().pinned().unwrap().0.to_string();
    assert!(
        pinned.contains("Import undone in ") && pinned.contains("DC=demo"),
        "{pinned}"
    );
    h.get_by_label("×").click();
    h.run_steps(2);
    assert!(h.state().status().pinned().is_none());
    let dir = Directory::open_ldif(
        &tmp.path().join("data/demo/demo.ldif"),
        DataFolder::new(tmp.path().join("data"))
            .offline()
            .join("demo-changes.ldif"),
    )
    .unwrap();
    assert!(
        rt.block_on(dir.read_photo(&novak.dn, &attr))
            .unwrap()
            .is_none()
    );

    h.get_by_label("Close").click();
    h.run_steps(2);
    assert!(h.state().wizard().is_none());

    // Opened again, the wizard starts from this import's folder, pattern and size (remembered
    // per profile, in the window's preferences).
    h.get_by_label("Import…").click();
    wait_until(&mut h, "the remembered folder scanned", |h| {
        h.query_by_label("6 images found").is_some()
    });
    let memory = h.state().wizard().unwrap().memory();
    assert_eq!(memory.folder.as_deref(), Some(photos.as_path()));
    assert_eq!(memory.pattern.as_deref(), Some("{sAMAccountName}"));
    assert_eq!(h.state().prefs().imports.get(None), Some(&memory));
}

/// The demo wizard with `photos` chosen and scanned: `images` found.
fn wizard_on_folder(dir: &Path, photos: &Path, images: usize) -> Harness<'static, App> {
    let mut h = demo_wizard(dir);
    gui_common::choose_folder(&mut h, photos, images);
    h
}

/// The node labelled `label` in the same row as the text containing `row_text`: the rows of
/// two people of the same name have the same buttons and pictures.
fn in_row_of<'h>(
    h: &'h Harness<'static, App>,
    label: &'h str,
    row_text: &'h str,
) -> egui_kittest::Node<'h> {
    let y = h.get_by_label_contains(row_text).rect().center().y;
    h.get_all_by_label(label)
        .min_by(|a, b| {
            let da = (a.rect().center().y - y).abs();
            let db = (b.rect().center().y - y).abs();
            da.total_cmp(&db)
        })
        .unwrap_or_else(|| panic!("no {label} in the row of {row_text}"))
}

fn is_chosen(node: &egui_kittest::Node<'_>) -> bool {
    use egui_kittest::kittest::NodeT as _;
    node.accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}

/// Two John Smiths and two files named after them: the Ambiguous tab shows each one's
/// current photo and what tells them apart, and each file's picture beside its choice; a
/// click on a picture chooses it, and one file chosen for both is pointed out.
#[test]
fn ambiguous_tab_shows_the_candidates_and_the_files_pictures() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(
        tmp.path(),
        &[
            ("Amelia.Hart.png", 200, 200),
            ("John.Smith.png", 300, 300),
            ("john.smith.jpg", 320, 320),
        ],
    );
    let mut h = wizard_on_folder(tmp.path(), &photos, 3);
    click_through(
        &mut h,
        &["Next", "First.Last (John.Doe)", "Next", "Automatch"],
    );
    wait_until(&mut h, "the match", |h| {
        h.query_by_label("Ambiguous (1)").is_some()
    });
    click_through(&mut h, &["Ambiguous (1)"]);

    // Who is who: logon name and e-mail, title and department, and the current photo.
    let (north, south) = (
        "jsmith · jsmith@demo.example",
        "jsmith2 · jsmith2@demo.example",
    );
    assert!(h.query_by_label(north).is_some());
    assert!(h.query_by_label(south).is_some());
    assert!(h.query_by_label("Account Executive · Sales").is_some());
    assert!(h.query_by_label("Regional Manager · Sales").is_some());
    assert_eq!(h.query_all_by_label("John Smith").count(), 2);
    wait_until(
        &mut h,
        "the current photo of the John Smith who has one",
        |h| h.query_by_label("Current photo of John Smith").is_some(),
    );
    assert!(h.query_by_label("No current photo of John Smith").is_some());
    let photo = h
        .get_by_label("Current photo of John Smith")
        .rect()
        .center()
        .y;
    let details = h.get_by_label(south).rect().center().y;
    assert!((photo - details).abs() < 30.0, "the photo is jsmith2's");

    // Both files' pictures in each candidate's row, loaded on the worker.
    wait_until(&mut h, "the files' pictures", |h| {
        h.state().wizard().unwrap().file_thumbs_loaded() == 3
    });
    for file in ["John.Smith.png", "john.smith.jpg"] {
        let alt = format!("Photo file {file}");
        assert_eq!(h.query_all_by_label(&alt).count(), 2, "{alt}");
        assert_eq!(h.query_all_by_label(file).count(), 2, "{file}'s choices");
    }
    assert_eq!(h.query_all_by_label("none").count(), 2);

    // A click on a picture chooses its file; the same file for both is pointed out.
    in_row_of(&h, "Photo file John.Smith.png", north).click();
    h.run_steps(2);
    assert!(is_chosen(&in_row_of(&h, "John.Smith.png", north)));
    assert!(is_chosen(&in_row_of(&h, "none", south)));
    let twice = "⚠ John.Smith.png is chosen for 2 users";
    assert!(h.query_by_label(twice).is_none());
    in_row_of(&h, "Photo file John.Smith.png", south).click();
    h.run_steps(2);
    assert!(h.query_by_label(twice).is_some());
    in_row_of(&h, "john.smith.jpg", south).click();
    h.run_steps(2);
    assert!(h.query_by_label(twice).is_none());
    assert!(is_chosen(&in_row_of(&h, "john.smith.jpg", south)));

    // Amelia Hart's file, and one for each John Smith.
    click_through(&mut h, &["Next", "Next"]);
    assert!(h.query_by_label("3 photos to write").is_some());
}

/// A file without match shows its picture, so that whoever gives it to someone sees whose
/// face it is; the users a search finds, and the one it is given to, show their current
/// photo and details. Users without file show theirs too, only the rows on screen.
#[test]
fn files_without_match_tab_shows_the_picture_and_the_users_photos() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(
        tmp.path(),
        &[("ahart.png", 200, 200), ("new-hire.png", 240, 320)],
    );
    let mut h = wizard_on_folder(tmp.path(), &photos, 2);
    automatch_by_logon_name(&mut h, 1);

    // Users without file: current photo (or a dash), logon name and e-mail; rows on screen only.
    click_through(&mut h, &["Users without file (31)"]);
    let first = h
        .state()
        .wizard()
        .unwrap()
        .users()
        .iter()
        .find(|u| u.sam_account_name.as_deref() != Some("ahart"))
        .unwrap()
        .clone();
    assert!(
        h.query_by_label(first.sam_account_name.as_deref().unwrap())
            .is_some()
    );
    assert!(h.query_by_label(first.mail.as_deref().unwrap()).is_some());
    wait_until(&mut h, "the users' current photos", |h| {
        h.query_all_by_label_contains("Current photo of").count() > 0
    });
    let shown = h.query_all_by_label_contains("urrent photo of").count();
    assert!((5..31).contains(&shown), "{shown} users' photos shown");

    click_through(&mut h, &["Files without match (1)"]);
    wait_until(&mut h, "the file's picture", |h| {
        h.query_by_label("Photo file new-hire.png").is_some()
    });
    assert!(h.query_by_label("new-hire.png").is_some());

    // A search finds Jonas Berg, with his logon name and current photo. Typed a key a frame:
    // the field keeps its focus while the row grows to show what it finds.
    h.get_by_label("Assign to:").focus();
    h.run_steps(2);
    for c in ["b", "e", "r", "g"] {
        h.get_by_label("Assign to:").type_text(c);
        h.run_steps(2);
    }
    assert_eq!(
        h.get_by_label("Assign to:").value().as_deref(),
        Some("berg")
    );
    assert!(
        h.query_by_label("jberg · jberg@demo.example · Helpdesk Lead · IT")
            .is_some()
    );
    wait_until(&mut h, "the found user's current photo", |h| {
        h.query_by_label("Current photo of Jonas Berg").is_some()
    });
    click_through(&mut h, &["Jonas Berg (jberg)"]);
    assert!(h.query_by_label("assigned to Jonas Berg (jberg)").is_some());
    assert!(h.query_by_label("Current photo of Jonas Berg").is_some());
    assert!(h.query_by_label("Photo file new-hire.png").is_some());

    click_through(&mut h, &["Unassign"]);
    assert!(h.query_by_label("Assign to:").is_some());
    assert!(h.query_by_label("Current photo of Jonas Berg").is_none());
}

/// The matching table, as a helpdesk person checks it: each file's picture beside the user's
/// current photo, a warning (with the reason on hover) for a file that cannot be read, and
/// Select all / none. The folder is typed key by key: it is scanned once typing pauses.
#[test]
fn matching_tab_shows_the_photos_and_warns_about_a_broken_file() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photo_folder(tmp.path());
    // Named like a photo of Jonas Berg, but not a picture at all.
    std::fs::write(photos.join("jberg.jpg"), "a text file, not a JPEG").unwrap();
    write_png(&photos.join("ahart.png"), 300, 400);
    write_png(&photos.join("olindqvist.png"), 200, 200);
    let mut h = demo_wizard(tmp.path());

    // One key a frame, a frame every 0.25 s of the harness's clock: no pause long enough to scan.
    h.get_by_label("Folder:").focus();
    h.run_steps(2);
    for c in photos.display().to_string().chars() {
        h.get_by_label("Folder:").type_text(&c.to_string());
        h.step();
    }
    assert_eq!(
        h.state().wizard().unwrap().scans_sent(),
        0,
        "scanned while typing"
    );
    wait_until(&mut h, "the scan", |h| {
        h.query_by_label("3 images found").is_some()
    });
    assert_eq!(h.state().wizard().unwrap().scans_sent(), 1);
    // The checkbox is a finished choice: it scans at once.
    h.get_by_label("Include subfolders").click();
    h.step();
    assert_eq!(h.state().wizard().unwrap().scans_sent(), 2);
    wait_until(&mut h, "the scan again", |h| {
        h.query_by_label("3 images found").is_some()
    });
    automatch_by_logon_name(&mut h, 3);

    // The files' pictures; the broken one is a warning sign, and the tab still works.
    wait_until(&mut h, "the file thumbnails and the warning", |h| {
        h.state().wizard().unwrap().file_thumbs_loaded() == 2
            && h.query_by_label_contains("Cannot show jberg.jpg").is_some()
    });
    assert!(h.query_by_label("Photo file ahart.png").is_some());
    assert!(h.query_by_label("Photo file olindqvist.png").is_some());
    assert!(h.query_by_label("Photo file jberg.jpg").is_none());
    // The users' photos in the directory now (the grid's cache, read on the worker).
    wait_until(&mut h, "the current photos", |h| {
        h.query_by_label("Current photo of Amelia Hart").is_some()
            && h.query_by_label("Current photo of Jonas Berg").is_some()
    });
    assert!(
        h.query_by_label("No current photo of Oskar Lindqvist")
            .is_some()
    );
    // The broken file is left out from the start, with the reason in its row (not only on
    // hover); Amelia Hart's row says her photo will be replaced.
    assert_eq!(
        h.query_all_by_label("replaces current photo (backed up)")
            .count(),
        1
    );
    // The two test pictures are gradients: each row says no face was found (before anything
    // is written), beside the rest of what the row says.
    assert_eq!(h.query_all_by_label_contains("⚠ no face found").count(), 2);
    let reason = "not an image";
    assert!(
        h.query_by_label_contains("cannot be used: the file is not an image")
            .is_some()
    );
    assert!(h.query_by_label("2 of 3 included").is_some());
    // The reason once more in the sign's own name, and in its tooltip on hover.
    assert_eq!(h.query_all_by_label_contains(reason).count(), 2);
    h.get_by_label_contains("Cannot show jberg.jpg").hover();
    h.run_steps(4);
    assert_eq!(h.query_all_by_label_contains(reason).count(), 3);

    // Select none / all (a person may tick the broken one again); with nothing included,
    // Next stays disabled.
    for (click, included) in [
        ("Select none", 0),
        ("Next", 0),
        ("Include Amelia Hart", 1),
        ("Select all", 3),
    ] {
        h.get_by_label(click).click();
        h.run_steps(2);
        let shown = format!("{included} of 3 included");
        assert!(h.query_by_label(&shown).is_some(), "after {click}: {shown}");
    }
    assert_eq!(h.state().wizard().unwrap().step, Step::Automatch);
    assert!(h.query_by_label("3 of 3 included").is_some());
}

/// A photo for every demo user: only the rows on screen ask for their file's picture, and
/// scrolling down loads the next ones.
#[test]
fn matching_table_loads_pictures_only_for_the_rows_on_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut h, n) = every_demo_user_matched(tmp.path());

    // Give the worker time to load whatever was asked, then count.
    wait_until(&mut h, "the first rows' pictures", |h| {
        h.state().wizard().unwrap().file_thumbs_loaded() >= 5
    });
    for _ in 0..40 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let first = h.state().wizard().unwrap().file_thumbs_loaded();
    assert!(
        first < n,
        "all {n} pictures loaded with only some rows on screen"
    );

    gui_common::scroll_down(&mut h, 10);
    wait_until(&mut h, "the pictures of the rows scrolled to", |h| {
        h.state().wizard().unwrap().file_thumbs_loaded() > first
    });
}

/// The resize step shows every photo, not only the first few, and encodes only those
/// scrolled into sight.
#[test]
fn resize_step_encodes_only_the_previews_on_screen_and_shows_them_all() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut h, n) = every_demo_user_matched(tmp.path());
    // A laptop-sized window: the 32 previews do not all fit.
    h.set_size(egui::vec2(1000.0, 640.0));
    h.run_steps(2);
    click_through(&mut h, &["Next"]);
    assert!(
        h.query_by_label(&format!(
            "{n} photos. Click one to choose its crop by hand."
        ))
        .is_some()
    );
    wait_until(&mut h, "the previews in sight", |h| {
        let w = h.state().wizard().unwrap();
        w.previews_asked() > 0 && w.encoded_count() == w.previews_asked()
    });
    let first = h.state().wizard().unwrap().previews_asked();
    assert!(
        first < n,
        "all {n} previews encoded with only some on screen"
    );
    gui_common::scroll_down(&mut h, 10);
    wait_until(&mut h, "the previews scrolled to", |h| {
        let w = h.state().wizard().unwrap();
        w.previews_asked() > first && w.encoded_count() == w.previews_asked()
    });
    // The last user's preview is there to click.
    let last = {
        let w = h.state().wizard().unwrap();
        let mut names: Vec<String> = w.users().iter().map(|u| u.label()).collect();
        names.sort_by_key(|n| n.to_lowercase());
        names.pop().unwrap()
    };
    assert!(
        h.query_by_label(&format!("Adjust crop of {last}"))
            .is_some()
    );
}

/// The demo wizard with a small photo for every demo user, matched by logon name: a table and
/// a resize step taller than the window. Returns the harness and the number of pairs.
fn every_demo_user_matched(dir: &Path) -> (Harness<'static, App>, usize) {
    let photos = photo_folder(dir);
    let mut h = demo_wizard(dir);
    let accounts: Vec<String> = h
        .state()
        .grid()
        .users()
        .iter()
        .filter_map(|u| u.sam_account_name.clone())
        .collect();
    for a in &accounts {
        write_png(&photos.join(format!("{a}.png")), 64, 64);
    }
    let n = accounts.len();
    assert!(n > 20, "enough rows to scroll: {n}");
    gui_common::choose_folder(&mut h, &photos, n);
    automatch_by_logon_name(&mut h, n);
    (h, n)
}

#[test]
fn an_unfinished_import_is_offered_for_undo_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let journals = DataFolder::new(tmp.path().join("data")).journals();
    let write = |id: &str, rest: &[Entry]| {
        let mut j = Journal::create(journals.join(format!("{id}.jsonl"))).unwrap();
        j.append(&Entry::Started {
            id: id.into(),
            attribute: "thumbnailPhoto".into(),
            items: 3,
            server: "ldaps://dc1.example.test".into(),
            base: "DC=example,DC=test".into(),
            started_at: "2026-11-25T09:00:00Z".into(),
        })
        .unwrap();
        j.append(&Entry::Writing {
            dn: "CN=Anna Berg,OU=Staff,DC=example,DC=test".into(),
            file: "anna.jpg".into(),
            sha256: Some("aa".into()),
            backup: None,
            old_sha256: None,
            cloud: None,
        })
        .unwrap();
        for e in rest {
            j.append(e).unwrap();
        }
    };
    // Killed mid-write: offered.
    write("20261125T090000Z-1", &[]);
    // Killed, then undone: stale, not offered.
    write(
        "20261125T080000Z-1",
        &[Entry::Undone {
            dn: "CN=Anna Berg,OU=Staff,DC=example,DC=test".into(),
            how: UndoneHow::AlreadyAsBefore,
            cloud: None,
        }],
    );
    // Finished normally: undone from its own page, no notice.
    write(
        "20261125T070000Z-1",
        &[Entry::Finished {
            cancelled: false,
            unreachable: false,
        }],
    );
    let mut h = harness(tmp.path());
    // Read on the worker, after the first frame.
    wait_until(&mut h, "the notice", |h| {
        h.state().unfinished_imports().len() == 1
    });
    assert!(h.query_by_label("Unfinished imports").is_some());
    // Said with the date, server and base, not a raw id.
    let line = h.get_by_label_contains("on ldaps://dc1.example.test (DC=example,DC=test)");
    let text = format!("{line:?}");
    assert!(text.contains("2026-11-25"), "{text}");
    assert!(text.contains("1 users to undo"), "{text}");
    h.get_by_label("Keep them").click();
    h.run_steps(2);
    assert!(h.query_by_label("Unfinished imports").is_none());
}

/// The issue's scenario: import, Undo, drop a photo on a user who had none, "Restore previous":
/// the user must end with no photo (the state just before adphoto's last change), not with the
/// photo the undone import had written.
#[test]
fn restore_previous_after_an_undone_import_goes_back_to_no_photo() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(tmp.path(), &[("olindqvist.png", 300, 400)]);
    let mut h = demo_wizard(tmp.path());
    gui_common::choose_folder(&mut h, &photos, 1);
    automatch_by_logon_name(&mut h, 1);
    click_through(&mut h, &["Next"]);
    wait_until(&mut h, "the resize preview", |h| {
        h.state().wizard().unwrap().encoded_count() > 0
    });
    click_through(&mut h, &["Next"]);
    click_when_enabled(&mut h, "Start import");
    wait_until(&mut h, "the import", |h| {
        h.state().wizard().unwrap().report().is_some()
    });
    assert_eq!(h.state().wizard().unwrap().report().unwrap().written(), 1);
    h.get_by_label("Undo this import").click();
    wait_until(&mut h, "the undo", |h| {
        h.query_by_label_contains("Undone: 1 put back").is_some()
    });
    h.get_by_label("Close").click();
    h.run_steps(2);

    type_into(&mut h, "Search:", "oskar");
    h.run_steps(3);
    gui_common::grid_cell(&h, "Oskar Lindqvist").click();
    wait_until(&mut h, "no photo after the undo", |h| {
        h.state().preview().info().is_none() && h.query_by_label("History (2)").is_some()
    });
    let dropped_png = tmp.path().join("dropped.png");
    write_png(&dropped_png, 200, 260);
    gui_common::grid_cell(&h, "Oskar Lindqvist").hover();
    h.run_steps(1);
    h.input_mut()
        .dropped_files
        .push(gui_common::dropped(&dropped_png));
    h.run_steps(1);
    wait_until(&mut h, "the dropped photo", |h| {
        h.state().preview().info().is_some() && h.query_by_label("History (3)").is_some()
    });
    gui_common::click_when_enabled(&mut h, "Restore previous");
    wait_until(&mut h, "the restore", |h| {
        h.query_by_label("History (4)").is_some()
    });
    assert!(h.state().preview().info().is_none(), "back to no photo");
    let dn = h.state().preview().dn().unwrap().to_string();
    let dir = Directory::open_ldif(
        &tmp.path().join("data/demo/demo.ldif"),
        DataFolder::new(tmp.path().join("data"))
            .offline()
            .join("demo-changes.ldif"),
    )
    .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    assert_eq!(
        rt.block_on(dir.read_photo(&dn, &PhotoAttribute::default()))
            .unwrap(),
        None,
        "neither the dropped photo nor the undone import's"
    );
}

/// "Set photo…" opens the crop canvas for the chosen file; Apply writes the photo with that crop.
#[test]
fn set_photo_goes_through_the_crop_canvas() {
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("new.png");
    write_png(&png, 500, 700);
    let mut h = demo_app(tmp.path());
    gui_common::grid_cell(&h, "Arjun Mehta").click();
    wait_until(&mut h, "the empty preview", |h| {
        h.query_by_label("No photo").is_some()
    });
    let dn = h
        .state()
        .grid()
        .users()
        .iter()
        .find(|u| u.sam_account_name.as_deref() == Some("amehta"))
        .unwrap()
        .dn
        .clone();
    h.state_mut().crop_photo_from_file(&dn, png);
    wait_until(&mut h, "the crop canvas", |h| {
        h.state()
            .photo_crop()
            .is_some_and(|c| c.is_loaded() && c.preview_bytes().is_some())
    });
    assert!(h.query_by_label("New photo of Arjun Mehta").is_some());
    assert!(h.query_by_label("crop handle top-left").is_some());
    // The wheel over the frame zooms around its centre; "Reset to automatic" undoes it.
    let auto = h.state().photo_crop().unwrap().crop();
    let frame = h.get_by_label("crop frame").rect().center();
    gui_common::wheel_at(&h, frame, -100.0);
    h.run_steps(20);
    let zoomed = h.state().photo_crop().unwrap().crop();
    assert!(zoomed.width < auto.width, "{auto:?} -> {zoomed:?}");
    let centre = |c: adphoto::photo::CropRect| (c.x + c.width / 2, c.y + c.height / 2);
    let (a, z) = (centre(auto), centre(zoomed));
    assert!(
        a.0.abs_diff(z.0) <= 2 && a.1.abs_diff(z.1) <= 2,
        "{auto:?} -> {zoomed:?}"
    );
    h.get_by_label("Reset to automatic").click();
    h.run_steps(2);
    assert_eq!(h.state().photo_crop().unwrap().crop(), auto);
    h.get_by_label("Apply").click();
    wait_until(&mut h, "the new photo in the preview", |h| {
        h.state().preview().info().is_some()
    });
    assert!(h.state().photo_crop().is_none());
    let (w, hgt, bytes) = h.state().preview().info().unwrap();
    assert_eq!((w, hgt), (96, 96));
    assert!(bytes <= 10 * 1024);
}

/// Cancel while the photos are being written: the job stops between users, the report says who
/// was written and who was skipped, nothing else changed, and Undo puts the written ones back.
#[test]
fn cancel_during_the_import_stops_between_users_and_undo_restores() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photo_folder(tmp.path());
    let mut h = demo_wizard(tmp.path());
    let users = h.state().wizard().unwrap().users().to_vec();
    // A large photo for every demo user, so the job is still running when Cancel is clicked.
    for u in &users {
        let sam = u.sam_account_name.as_deref().unwrap();
        write_png(&photos.join(format!("{sam}.png")), 1600, 1600);
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let attr = PhotoAttribute::default();
    let demo = || {
        Directory::open_ldif(
            &tmp.path().join("data/demo/demo.ldif"),
            DataFolder::new(tmp.path().join("data"))
                .offline()
                .join("demo-changes.ldif"),
        )
        .unwrap()
    };
    let photo_of = |dir: &Directory, dn: &str| rt.block_on(dir.read_photo(dn, &attr)).unwrap();
    let before: Vec<Option<Vec<u8>>> = {
        let dir = demo();
        users.iter().map(|u| photo_of(&dir, &u.dn)).collect()
    };

    gui_common::choose_folder(&mut h, &photos, 32);
    automatch_by_logon_name(&mut h, 32);
    click_through(&mut h, &["Next"]);
    wait_until(&mut h, "the resize previews", |h| {
        h.state().wizard().unwrap().encoded_count() > 0
    });
    click_through(&mut h, &["Next"]);
    click_when_enabled(&mut h, "Start import");
    // Cancel once the first users are written (so Undo has something to put back).
    wait_until(&mut h, "the first written users", |h| {
        h.query_by_label_contains("Writing photos: ").is_some()
            && h.query_by_label_contains("Writing photos: 0 of").is_none()
    });
    click_through(&mut h, &["Cancel import"]);
    wait_until(&mut h, "the stopped import", |h| {
        h.state().wizard().unwrap().report().is_some()
    });
    let report = h.state().wizard().unwrap().report().unwrap().clone();
    assert!(report.cancelled, "{report:?}");
    assert_eq!(report.failed(), 0, "{report:?}");
    assert_eq!(report.written() + report.skipped(), 32);
    assert!(report.written() < 32 && report.skipped() > 0, "{report:?}");
    assert!(
        h.query_by_label_contains(&format!("Import cancelled: {} written", report.written()))
            .is_some()
    );
    assert!(
        h.query_all_by_label_contains("skipped: cancelled before this user")
            .count()
            > 0
    );

    // The directory holds exactly what the report says: new photos for the written, the old
    // ones (or none) for everyone else.
    let dir = demo();
    for (u, old) in users.iter().zip(&before) {
        let r = report.results.iter().find(|r| r.dn == u.dn).unwrap();
        let now = photo_of(&dir, &u.dn);
        match r.status {
            Status::Written { .. } => assert_ne!(&now, old, "{} was written", u.label()),
            _ => assert_eq!(&now, old, "{} was not to be touched", u.label()),
        }
    }

    // Undo: every user as before the import.
    h.get_by_label("Undo this import").click();
    wait_until(&mut h, "the undo", |h| {
        h.query_by_label_contains("Undone:").is_some()
    });
    let dir = demo();
    for (u, old) in users.iter().zip(&before) {
        assert_eq!(&photo_of(&dir, &u.dn), old, "{} after undo", u.label());
    }
}

/// Users lacking an attribute the pattern reads are told apart in "Users without file": no
/// file name can ever match them, and the tab says which and why.
#[test]
fn users_without_the_patterns_attribute_are_explained() {
    let tmp = tempfile::tempdir().unwrap();
    // The demo directory with two users' employeeID taken out.
    let ldif = tmp.path().join("staff.ldif");
    let mut dropped = 0;
    let text: Vec<&str> = adphoto::gui::DEMO_LDIF
        .lines()
        .filter(|l| {
            let drop = dropped < 2 && l.starts_with("employeeID:");
            dropped += usize::from(drop);
            !drop
        })
        .collect();
    std::fs::write(&ldif, text.join("\n")).unwrap();
    let photos = photos_with(tmp.path(), &[("D1005.png", 120, 120)]);

    let mut h = harness(tmp.path());
    h.state_mut().open_ldif(ldif);
    wait_until(&mut h, "the users", |h| {
        h.state().grid().users().len() == 32
    });
    click_through(&mut h, &["Import…"]);
    gui_common::choose_folder(&mut h, &photos, 1);
    gui_common::automatch_with_pattern(&mut h, "{employeeID}", "Matching files (1)");
    // A tall window, so that all 31 rows are laid out.
    h.set_size(egui::vec2(1280.0, 1700.0));
    h.run_steps(2);
    click_through(&mut h, &["Users without file (31)"]);
    assert!(
        h.query_by_label(
            "2 of these have no employeeID in the directory, so no file name can match them."
        )
        .is_some()
    );
    assert_eq!(h.query_all_by_label("no employeeID").count(), 2);
}

/// The same folder, pattern and choices give the same list from the window's Summary ("Save
/// list…") as from `adphoto import --dry-run --report`, row for row; the window's real import
/// then skips the same users for the same reasons.
#[test]
fn the_window_and_the_command_line_plan_the_same_import() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(tmp.path(), MIXED_PHOTOS);

    let mut h = demo_wizard(tmp.path());
    gui_common::choose_folder(&mut h, &photos, 6);
    automatch_by_logon_name(&mut h, 3);
    click_through(&mut h, &["Next", "Next"]);
    assert!(h.query_by_label("3 photos to write").is_some());
    let window_csv = tmp.path().join("window.csv");
    h.state_mut().save_import_report(window_csv.clone());
    wait_until(&mut h, "the list", |_| window_csv.exists());

    let cli_csv = tmp.path().join("cli.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_adphoto"))
        .env("ADPHOTO_DATA_DIR", tmp.path().join("cli-data"))
        .args([
            "--demo",
            "import",
            "--pattern",
            "{sAMAccountName}",
            "--dry-run",
        ])
        .arg("--folder")
        .arg(&photos)
        .arg("--report")
        .arg(&cli_csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let window = std::fs::read_to_string(&window_csv).unwrap();
    let cli = std::fs::read_to_string(&cli_csv).unwrap();
    assert_eq!(window, cli);
    // 3 to write, 29 skipped: John Smith ambiguous (two files), everyone else without a file.
    let rows: Vec<&str> = cli.lines().skip(1).collect();
    assert_eq!(rows.len(), 32, "{cli}");
    assert_eq!(rows.iter().filter(|r| r.contains(",to write,")).count(), 3);
    assert_eq!(rows.iter().filter(|r| r.contains("ambiguous")).count(), 1);

    // The window's own import: the skipped rows are the list's.
    click_when_enabled(&mut h, "Start import");
    wait_until(&mut h, "the import", |h| {
        h.state().wizard().unwrap().report().is_some()
    });
    let report = h.state().wizard().unwrap().report().unwrap().clone();
    assert_eq!(report.written(), 3, "{report:?}");
    let skipped = |csv: &str| -> Vec<String> {
        csv.lines()
            .filter(|r| r.contains(",skipped,"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(skipped(&report.to_csv()), skipped(&cli));

    // The same folder again: the Summary says before anything runs that the three already
    // have this very photo (the records of the import just made), and the import agrees.
    h.state_mut().open_wizard();
    gui_common::choose_folder(&mut h, &photos, 6);
    automatch_by_logon_name(&mut h, 3);
    click_through(&mut h, &["Next", "Next"]);
    wait_until(&mut h, "the records' count", |h| {
        h.query_by_label_contains("3 of them already have this very photo")
            .is_some()
    });
    // A nightly sync needs a server: offline, the Summary says so at once (no save dialog).
    h.get_by_label("Save as nightly sync…").click();
    gui_common::wait_for_status(&mut h, "A nightly sync needs a directory server");
    assert!(h.query_by_label("Save the nightly sync profile").is_none());
    click_when_enabled(&mut h, "Start import");
    wait_until(&mut h, "the second import", |h| {
        h.state().wizard().unwrap().report().is_some()
    });
    let report = h.state().wizard().unwrap().report().unwrap();
    assert_eq!(
        (report.written(), report.up_to_date()),
        (0, 3),
        "{report:?}"
    );
}

/// The plan is the engine's, whatever was on screen: a folder with a JPEG cut short (its
/// header intact), a file that is no picture and a good photo gives the same list from the
/// window — straight on to the Summary, or after every row's thumbnail has loaded (the cut-short
/// one failing to show, which used to untick it) — as from `adphoto import --dry-run`, which
/// shows nothing; and the same import results from both.
#[test]
fn a_broken_file_gives_the_same_plan_in_both_faces_scrolled_or_not() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(
        tmp.path(),
        &[("ahart.png", 300, 400), ("jberg.jpg", 400, 300)],
    );
    let jpeg = std::fs::read(photos.join("jberg.jpg")).unwrap();
    std::fs::write(photos.join("jberg.jpg"), &jpeg[..jpeg.len() / 2]).unwrap();
    std::fs::write(photos.join("olindqvist.png"), b"not a picture at all").unwrap();

    let cli = |data: &str, extra: &[&str]| {
        let csv = tmp.path().join(format!("{data}.csv"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_adphoto"))
            .env("ADPHOTO_DATA_DIR", tmp.path().join(data))
            .args(["--demo", "import", "--pattern", "{sAMAccountName}", "--yes"])
            .args(extra)
            .arg("--folder")
            .arg(&photos)
            .arg("--report")
            .arg(&csv)
            .output()
            .unwrap();
        (out, std::fs::read_to_string(&csv).unwrap_or_default())
    };
    let (out, cli_plan) = cli("cli-dry", &["--dry-run"]);
    assert!(out.status.success(), "{out:?}");
    let row = |csv: &str, who: &str| -> String {
        csv.lines()
            .find(|r| r.contains(who))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(&cli_plan, "ahart").contains(",to write,"), "{cli_plan}");
    assert!(row(&cli_plan, "jberg").contains(",to write,"), "{cli_plan}");
    assert!(
        row(&cli_plan, "olindqvist").contains("olindqvist.png cannot be used"),
        "{cli_plan}"
    );

    for tall in [false, true] {
        let dir = tmp.path().join(format!("window-{tall}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut h = demo_wizard(&dir);
        gui_common::choose_folder(&mut h, &photos, 3);
        click_through(&mut h, &["Next", "Logon name (jdoe)", "Next"]);
        h.get_by_label("Automatch").click();
        wait_until(&mut h, "the match", |h| {
            h.query_by_label("Matching files (3)").is_some()
        });
        if tall {
            // Every row laid out, every thumbnail loaded (the cut-short one fails to show).
            h.set_size(egui::vec2(1280.0, 1200.0));
            for _ in 0..40 {
                h.run_steps(5);
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            assert!(
                h.query_by_label_contains("cannot be shown").is_some(),
                "the cut-short file says it cannot be shown"
            );
        }
        click_through(&mut h, &["Next", "Next"]);
        let window_csv = dir.join("window.csv");
        h.state_mut().save_import_report(window_csv.clone());
        wait_until(&mut h, "the list", |_| window_csv.exists());
        let window = std::fs::read_to_string(&window_csv).unwrap();
        assert_eq!(window, cli_plan, "tall window: {tall}");

        if tall {
            click_when_enabled(&mut h, "Start import");
            wait_until(&mut h, "the import", |h| {
                h.state().wizard().unwrap().report().is_some()
            });
            let report = h.state().wizard().unwrap().report().unwrap().to_csv();
            let (out, cli_report) = cli("cli-run", &[]);
            assert_eq!(out.status.code(), Some(1), "one user failed: {out:?}");
            for who in ["ahart", "jberg", "olindqvist"] {
                let status = |csv: &str| {
                    let r = row(csv, who);
                    ["written", "failed", "skipped"]
                        .into_iter()
                        .find(|s| r.contains(&format!(",{s},")))
                };
                assert_eq!(
                    status(&report),
                    status(&cli_report),
                    "{who}: {report}\n{cli_report}"
                );
            }
            assert!(row(&report, "jberg").contains(",failed,"), "{report}");
        }
    }
}

/// No journal, no write: when the journal cannot be created (here its folder's place is taken
/// by a file, which stops root too), the window refuses to start the import and says why and
/// what to do; nothing is written. `adphoto import` refuses the same way (engine: one session).
#[test]
fn the_window_refuses_to_import_without_a_journal() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(tmp.path(), &[("ahart.png", 300, 400)]);
    let mut h = demo_wizard(tmp.path());
    gui_common::choose_folder(&mut h, &photos, 1);
    automatch_by_logon_name(&mut h, 1);
    click_through(&mut h, &["Next", "Next"]);
    let journals = DataFolder::new(tmp.path().join("data")).journals();
    let _ = std::fs::remove_dir_all(&journals);
    std::fs::write(&journals, b"in the way").unwrap();
    click_when_enabled(&mut h, "Start import");
    wait_until(&mut h, "the refusal", |h| {
        h.state().wizard().unwrap().report().is_some()
    });
    let report = h.state().wizard().unwrap().report().unwrap().clone();
    assert_eq!(report.written() + report.failed(), 0, "{report:?}");
    let why = report.not_started.clone().expect("said why");
    assert!(why.contains("cannot create the import journal"), "{why}");
    assert!(why.contains("Nothing was written"), "{why}");
    assert!(
        h.query_by_label("Import not started: nothing was written.")
            .is_some()
    );
    // Said on the Finish page (and in the status bar).
    assert!(
        h.query_all_by_label_contains("Make the data folder")
            .count()
            >= 1
    );
    // The photo is as it was: the offline change file holds no change.
    let changes = tmp.path().join("data/offline/demo-changes.ldif");
    let text = std::fs::read_to_string(&changes).unwrap_or_default();
    assert!(!text.contains("thumbnailPhoto"), "{text}");
}

/// Replies go to the view that asked: with the "Set photo…" canvas still open (its window
/// hidden behind the wizard), the wizard's own crop canvas gets its picture and the other
/// keeps its own. While that canvas is open, Import… waits.
#[test]
fn two_crop_canvases_each_get_their_own_picture() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(tmp.path(), &[("ahart.png", 300, 400)]);
    let single = tmp.path().join("single.png");
    write_png(&single, 500, 700);
    let mut h = demo_app(tmp.path());
    let dn = h.state().grid().users()[0].dn.clone();
    h.state_mut().crop_photo_from_file(&dn, single);
    h.run_steps(2);
    {
        use egui_kittest::kittest::NodeT as _;
        let import = h.get_by_label("Import…");
        assert!(
            import.accesskit_node().is_disabled(),
            "one canvas at a time"
        );
    }
    // The app's own entry point, past the disabled button.
    h.state_mut().open_wizard();
    h.run_steps(2);
    gui_common::choose_folder(&mut h, &photos, 1);
    automatch_by_logon_name(&mut h, 1);
    click_through(&mut h, &["Next"]);
    wait_until(&mut h, "the preview", |h| {
        h.state().wizard().unwrap().encoded_count() == 1
    });
    open_crop_canvas(&mut h, "Amelia Hart");
    let wizard_canvas = h.state().wizard().unwrap().canvas().unwrap();
    assert_eq!(wizard_canvas.picture_size(), Some((300, 400)));
    wait_until(&mut h, "the other canvas", |h| {
        h.state().photo_crop().unwrap().is_loaded()
    });
    assert_eq!(
        h.state().photo_crop().unwrap().picture_size(),
        Some((500, 700))
    );
}

/// A crop chosen by hand encodes that one photo again, not every preview; the Summary is
/// worked out once on the way in, not at every frame.
#[test]
fn one_crop_encodes_one_preview_and_the_summary_is_made_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut h, n) = every_demo_user_matched(tmp.path());
    h.set_size(egui::vec2(1600.0, 1200.0));
    h.run_steps(2);
    click_through(&mut h, &["Next"]);
    wait_until(&mut h, "the previews", |h| {
        let w = h.state().wizard().unwrap();
        w.previews_asked() > 1 && w.encoded_count() == w.previews_asked()
    });
    let before = h.state().wizard().unwrap().encoded_count();
    let first = h.state().wizard().unwrap().users()[0].label();
    open_crop_canvas(&mut h, &first);
    let handle = h.get_by_label("crop handle bottom-right").rect().center();
    drag(&mut h, handle, handle - egui::vec2(30.0, 30.0));
    h.get_by_label("Apply").click();
    h.run_steps(1);
    assert_eq!(
        h.state().wizard().unwrap().encoded_count(),
        before - 1,
        "only the cropped photo is encoded again"
    );
    wait_until(&mut h, "the cropped preview", |h| {
        h.state().wizard().unwrap().encoded_count() == before
    });
    click_through(&mut h, &["Next"]);
    assert!(h.query_by_label(&format!("{n} photos to write")).is_some());
    let id = h.state().wizard().unwrap().plan().unwrap().id.clone();
    h.run_steps(5);
    assert_eq!(h.state().wizard().unwrap().plan().unwrap().id, id);
    // The Summary's plan carries the previews' photos: Finish does not encode them again.
    let plan = h.state().wizard().unwrap().plan().unwrap();
    assert_eq!(
        plan.items.iter().filter(|i| i.encoded.is_some()).count(),
        before
    );
}

/// The keyboard through the wizard: Enter is Next, Esc goes back, and closes from the first
/// step; on the crop canvas the arrows move the frame, + zooms in, Enter applies, Esc cancels
/// — and the wizard behind it does not act on those keys.
#[test]
fn enter_and_esc_drive_the_wizard_and_the_crop_canvas() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(tmp.path(), &[("amehta.jpg", 400, 500)]);
    let mut h = wizard_on_folder(tmp.path(), &photos, 1);
    let step = |h: &Harness<'static, App>| h.state().wizard().unwrap().step;
    assert_eq!(step(&h), Step::Folder);
    // Tab stays in the wizard: the toolbar behind it waits (and takes no focus).
    use egui_kittest::kittest::NodeT as _;
    for label in ["Disconnect", "Refresh", "Settings"] {
        assert!(
            h.get_by_label(label).accesskit_node().is_disabled(),
            "{label} is live behind the wizard"
        );
    }
    for _ in 0..6 {
        h.key_press(egui::Key::Tab);
        h.run_steps(1);
        assert!(!h.get_by_label("Disconnect").is_focused());
    }
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert_eq!(step(&h), Step::Pattern);
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert_eq!(step(&h), Step::Folder);
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    h.get_by_label("Logon name (jdoe)").click();
    h.run_steps(2);
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert_eq!(step(&h), Step::Automatch);
    h.get_by_label("Automatch").click();
    wait_until(&mut h, "the match", |h| {
        h.query_by_label("Matching files (1)").is_some()
    });
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert_eq!(step(&h), Step::Resize);
    // The crop canvas: keys move and zoom its frame; Esc closes it, not the step.
    wait_until(&mut h, "the preview", |h| {
        h.query_by_label("Adjust crop of Arjun Mehta").is_some()
    });
    let before = gui_common::open_crop_canvas(&mut h, "Arjun Mehta");
    let canvas = |h: &Harness<'static, App>| h.state().wizard().unwrap().canvas().unwrap().crop();
    h.key_press(egui::Key::Plus);
    h.run_steps(2);
    let zoomed = canvas(&h);
    assert!(zoomed.width < before.width, "{before:?} -> {zoomed:?}");
    h.key_press(egui::Key::ArrowRight);
    h.key_press(egui::Key::ArrowDown);
    h.run_steps(2);
    let moved = canvas(&h);
    assert!(
        moved.x > zoomed.x && moved.y > zoomed.y,
        "{zoomed:?} -> {moved:?}"
    );
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert!(h.state().wizard().unwrap().canvas().is_none());
    assert_eq!(step(&h), Step::Resize, "Esc closed the canvas only");
    h.key_press(egui::Key::Escape);
    h.run_steps(2);
    assert_eq!(step(&h), Step::Automatch);
    for _ in 0..3 {
        h.key_press(egui::Key::Escape);
        h.run_steps(2);
    }
    assert!(
        h.state().wizard().is_none(),
        "Esc from the first step closes the wizard"
    );
}

/// A picture smaller than the size asked is written as it is (never enlarged), and its preview
/// says so before anything is written.
#[test]
fn a_picture_smaller_than_the_size_is_flagged_on_the_resize_step() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(tmp.path(), &[("amehta.jpg", 60, 70)]);
    let mut h = wizard_on_folder(tmp.path(), &photos, 1);
    click_through(&mut h, &["Next", "Logon name (jdoe)", "Next", "Automatch"]);
    wait_until(&mut h, "the match", |h| {
        h.query_by_label("Matching files (1)").is_some()
    });
    click_through(&mut h, &["Next"]);
    wait_until(&mut h, "the preview and its warning", |h| {
        h.query_by_label("⚠ smaller than asked").is_some()
    });
}

/// A folder named by employeeID: the pattern step suggests {employeeID} with its count, a click
/// on the suggestion fills in the pattern, and Automatch pairs every file by it.
#[test]
fn the_pattern_step_suggests_the_pattern_the_files_are_named_by() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(
        tmp.path(),
        &[
            ("D1001.jpg", 120, 120),
            ("D1002.png", 120, 120),
            ("D1005.jpg", 120, 120),
        ],
    );
    let mut h = wizard_on_folder(tmp.path(), &photos, 3);
    click_through(&mut h, &["Next"]);
    let best = "Suggested: {employeeID} — 3 of 3 files match · Employee ID (10042)";
    wait_until(&mut h, "the suggestions", |h| {
        h.query_by_label(best).is_some()
    });
    // The default pattern (logon name) matches none of these: the click changes it.
    click_through(&mut h, &[best]);
    assert_eq!(
        h.get_by_label("Pattern:").value().as_deref(),
        Some("{employeeID}")
    );
    click_through(&mut h, &["Next", "Automatch"]);
    wait_until(&mut h, "the match", |h| {
        h.query_by_label("Matching files (3)").is_some()
    });
}

/// A mapping file instead of a pattern: files named by an HR id are paired through it, and
/// its bad rows are listed with their row numbers on the Automatch page.
#[test]
fn a_mapping_file_pairs_files_and_lists_its_bad_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = photos_with(
        tmp.path(),
        &[("hr-17.jpg", 120, 120), ("hr-18.png", 120, 120)],
    );
    let map = tmp.path().join("hr.csv");
    std::fs::write(
        &map,
        "employeeID;file\nD1001;hr-17.jpg\nD1002;hr-18.png\nD9999;hr-19.jpg\n",
    )
    .unwrap();
    let mut h = wizard_on_folder(tmp.path(), &photos, 2);
    click_through(&mut h, &["Next"]);
    h.state_mut().set_import_map(&map);
    h.run_steps(2);
    assert!(
        h.query_by_label("Using hr.csv instead of a pattern")
            .is_some()
    );
    click_through(&mut h, &["Next", "Automatch"]);
    wait_until(&mut h, "the match", |h| {
        h.query_by_label("Matching files (2)").is_some()
    });
    assert!(
        h.query_by_label("1 rows of the mapping file left out")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("row 4: the file 'hr-19.jpg' is not among the photos")
            .is_some()
    );
}
