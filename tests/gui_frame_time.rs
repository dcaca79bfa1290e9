//! The grid with 100,000 users: it must show them and scroll (a plain test), and how long a
//! frame takes (an ignored test that prints the figure; timings never decide pass or fail):
//!
//! ```sh
//! cargo test --release --test gui_frame_time -- --ignored --nocapture
//! ```
//!
//! The import wizard's tabs with thousands of rows lay out only the rows on screen (a plain
//! test).

mod gui_common;

use std::time::{Duration, Instant};

use adphoto::directory::User;
use adphoto::gui::worker::{ConnectionInfo, ConnectionKind};
use egui_kittest::kittest::Queryable as _;
use gui_common::{click_through, harness, scroll};

const USERS: usize = 100_000;

fn synthetic_users(n: usize) -> Vec<User> {
    (0..n)
        .map(|i| User {
            dn: format!("CN=User {i:06},OU=Load,DC=example,DC=test"),
            sam_account_name: Some(format!("user{i:06}")),
            display_name: Some(format!("User {i:06}")),
            mail: Some(format!("user{i:06}@example.test")),
            title: Some(["Engineer", "Analyst", "Manager"][i % 3].into()),
            department: Some(["Sales", "IT", "Finance", "Logistics"][i % 4].into()),
            photo_bytes: (i % 3 == 0).then_some(4000 + i % 1000),
            ..Default::default()
        })
        .collect()
}

fn loaded(dir: &std::path::Path) -> egui_kittest::Harness<'static, adphoto::gui::App> {
    with_users(dir, synthetic_users(USERS))
}

/// The app showing `users` as if a directory had listed them.
fn with_users(
    dir: &std::path::Path,
    users: Vec<User>,
) -> egui_kittest::Harness<'static, adphoto::gui::App> {
    let mut h = harness(dir);
    let info = ConnectionInfo {
        target: "synthetic".into(),
        base_dn: "DC=example,DC=test".into(),
        kind: ConnectionKind::Offline,
        insecure: false,
    };
    h.state_mut().show_users(info, users);
    h.run_steps(3);
    h
}

#[test]
fn grid_shows_and_scrolls_100k_users() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = loaded(tmp.path());
    assert_eq!(h.state().grid().shown_count(), USERS);
    assert!(h.query_by_label("100000 users").is_some());
    assert!(h.query_by_label("User 000000").is_some());
    for _ in 0..20 {
        scroll(&h, 5_000.0);
        h.run_steps(2);
    }
    assert!(
        h.query_by_label("User 000000").is_none(),
        "scrolled away from the top"
    );
    // Only the visible rows are laid out: a few dozen labels, not 100,000.
    let rows = h.query_all_by_label_contains("@example.test").count();
    assert!((5..200).contains(&rows), "{rows} rows laid out");
}

#[test]
#[ignore = "prints a timing; run with --release --ignored --nocapture"]
fn frame_time_with_100k_users() {
    let tmp = tempfile::tempdir().unwrap();
    let mut h = loaded(tmp.path());
    let mut frames: Vec<Duration> = Vec::new();
    h.event(egui::Event::PointerMoved(egui::pos2(600.0, 400.0)));
    h.step();
    for i in 0..300 {
        // Scroll by a few rows each frame, like a fast wheel; one event is one frame.
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, if i % 50 < 40 { -400.0 } else { 1_500.0 }),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        });
        let t = Instant::now();
        h.step();
        // What eframe does next with the frame's shapes, before the GPU: tessellation.
        let shapes = h.output().shapes.clone();
        let ppp = h.output().pixels_per_point;
        let prims = h.ctx.tessellate(shapes, ppp);
        frames.push(t.elapsed());
        assert!(!prims.is_empty());
    }
    frames.sort();
    let mean = frames.iter().sum::<Duration>() / frames.len() as u32;
    let p95 = frames[frames.len() * 95 / 100];
    let max = *frames.last().unwrap();
    // One frame that rebuilds the view: a new search over all 100,000.
    h.get_by_label("Search:").focus();
    h.step();
    h.get_by_label("Search:").type_text("user09");
    let t = Instant::now();
    h.step();
    let search = t.elapsed();
    assert_eq!(h.state().grid().shown_count(), 10_000);
    println!(
        "frame time with {USERS} users (egui layout + tessellation per frame, GPU upload not included): mean {:.2} ms, p95 {:.2} ms, max {:.2} ms; \
         a search over all of them (view rebuild): {:.1} ms",
        mean.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3,
        search.as_secs_f64() * 1e3,
    );
}

/// The import wizard's tabs with thousands of rows: 1,000 files without match, four
/// ambiguous cases of hundreds of users each (files named after a department), and the users
/// without a department. Each tab lays out only the rows on screen.
#[test]
fn wizard_tabs_lay_out_only_the_rows_on_screen() {
    let tmp = tempfile::tempdir().unwrap();
    let photos = tmp.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    for i in 0..1_000 {
        std::fs::write(photos.join(format!("scan-{i:04}.jpg")), b"").unwrap();
    }
    for department in ["Sales", "IT", "Finance", "Logistics"] {
        gui_common::write_png(&photos.join(format!("{department}.png")), 64, 64);
    }
    let mut users = synthetic_users(3_000);
    for u in users.iter_mut().step_by(5) {
        u.department = None;
    }
    let mut h = with_users(tmp.path(), users);
    h.get_by_label("Import…").click();
    h.run_steps(2);
    gui_common::choose_folder(&mut h, &photos, 1004);
    gui_common::automatch_with_pattern(&mut h, "{department}", "Ambiguous (4)");

    let laid_out = |h: &egui_kittest::Harness<'static, adphoto::gui::App>, label: &str| {
        h.query_all_by_label_contains(label).count()
    };
    click_through(&mut h, &["Files without match (1000)"]);
    let rows = laid_out(&h, "Assign to:");
    assert!((5..100).contains(&rows), "{rows} files laid out");
    click_through(&mut h, &["Users without file (600)"]);
    let rows = laid_out(&h, "urrent photo of");
    assert!((5..100).contains(&rows), "{rows} users laid out");
    click_through(&mut h, &["Ambiguous (4)"]);
    let rows = laid_out(&h, "none");
    assert!((3..100).contains(&rows), "{rows} candidates laid out");
    for _ in 0..20 {
        scroll(&h, 5_000.0);
        h.run_steps(2);
    }
    let rows = laid_out(&h, "none");
    assert!((3..100).contains(&rows), "{rows} candidates laid out");
}
