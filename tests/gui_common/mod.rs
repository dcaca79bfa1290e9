//! Shared by the GUI tests: a harness around the real app, and waiting for the worker.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use adphoto::gui::{App, AppEnv, Prefs};
use egui_kittest::Harness;

/// The whole app in a 1280×800 window, with its files in `dir`. A glyph missing from the
/// bundled fonts fails the test: the demo directory and the app's own text must render.
pub fn harness(dir: &Path) -> Harness<'static, App> {
    harness_with(AppEnv::in_dir(dir))
}

/// The app started with `env` (command-line start-ups), once its start-up reading of the
/// profiles has come back from the worker: with a Kerberos realm configured (as under
/// `dev.sh test`) that reply fills in the Server field and adds a line under it, and a click
/// aimed before it could land on whatever moved into the button's place.
pub fn harness_with(env: AppEnv) -> Harness<'static, App> {
    harness_with_prefs(env, Prefs::default())
}

/// The same with what an earlier run remembered.
pub fn harness_with_prefs(env: AppEnv, prefs: Prefs) -> Harness<'static, App> {
    settled(
        Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .build_eframe(move |cc| App::with_prefs(&cc.egui_ctx, env, prefs)),
    )
}

/// Steps `h` until the start-up's profile reading has arrived (30 s at most).
pub fn settled(mut h: Harness<'static, App>) -> Harness<'static, App> {
    let start = Instant::now();
    while !h.state_mut().connect_dialog().profiles_arrived() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the profiles never came back from the worker"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.step();
    h
}

/// The same for a real directory, whose names may be in any script: the window finds those
/// glyphs in the system's fonts (eframe's `system_fonts`) and otherwise draws a box, as here.
pub fn harness_any_script(dir: &Path) -> Harness<'static, App> {
    let env = AppEnv::in_dir(dir);
    settled(
        Harness::builder()
            .with_size(egui::vec2(1280.0, 800.0))
            .allow_missing_glyphs()
            .build_eframe(move |cc| App::with_prefs(&cc.egui_ctx, env, Prefs::default())),
    )
}

/// Steps the app until the status bar says something containing `text`.
pub fn wait_for_status(h: &mut Harness<'static, App>, text: &str) {
    wait_until(h, text, |h| {
        h.state()
            .status()
            .message()
            .is_some_and(|(m, _)| m.contains(text))
    });
}

/// Steps the app until `cond` holds; the worker answers on its own threads, so this waits in
/// real time, up to 30 seconds, then fails saying what it waited for.
pub fn wait_until(
    h: &mut Harness<'static, App>,
    what: &str,
    cond: impl Fn(&Harness<'static, App>) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if cond(h) {
            // Let the frame after the event settle (layouts that depend on it).
            h.step();
            return;
        }
        if start.elapsed() > Duration::from_secs(30) {
            panic!(
                "waited 30 s for {what}; status: {:?}",
                h.state().status().message()
            );
        }
        std::thread::sleep(Duration::from_millis(15));
    }
}

/// Clicks the button `label` once it is enabled: after a photo job the panel's buttons stay
/// disabled until the worker has sent the fresh preview, and a click on a disabled button is
/// silently lost.
pub fn click_when_enabled(h: &mut Harness<'static, App>, label: &str) {
    use egui_kittest::kittest::{NodeT as _, Queryable as _};
    wait_until(h, &format!("\"{label}\" to be enabled"), |h| {
        h.query_by_label_contains(label)
            .is_some_and(|n| !n.accesskit_node().is_disabled())
    });
    h.get_by_label_contains(label).click();
}

/// A colourful test picture.
pub fn write_png(path: &Path, w: u32, h: u32) {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 255 / w.max(1)) as u8, (y * 255 / h.max(1)) as u8, 160])
    });
    img.save(path).unwrap();
}

/// A file as the window system hands it over when it is dropped on the window.
#[derive(Debug)]
struct DroppedPath(std::path::PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

pub fn dropped(path: &Path) -> egui::DroppedFileHandle {
    std::sync::Arc::new(DroppedPath(path.to_path_buf()))
}

/// Focuses the text field labelled `label` and types `text` into it.
pub fn type_into(h: &mut Harness<'static, App>, label: &str, text: &str) {
    use egui_kittest::kittest::Queryable as _;
    h.get_by_label(label).focus();
    h.run_steps(2);
    h.get_by_label(label).type_text(text);
    h.run_steps(2);
}

/// The grid row's cell showing `name` (the preview panel, to its right, may show it too).
pub fn grid_cell<'h>(h: &'h Harness<'static, App>, name: &'h str) -> egui_kittest::Node<'h> {
    use egui_kittest::kittest::Queryable as _;
    h.get_all_by_label(name)
        .min_by(|a, b| a.rect().min.x.total_cmp(&b.rect().min.x))
        .unwrap_or_else(|| panic!("no row shows {name}"))
}

/// Drags with the primary button from `from` to `to` (through a point on the way), as a mouse would.
pub fn drag(h: &mut Harness<'static, App>, from: egui::Pos2, to: egui::Pos2) {
    let press = |pos, pressed| egui::Event::PointerButton {
        pos,
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    for ev in [
        egui::Event::PointerMoved(from),
        press(from, true),
        egui::Event::PointerMoved(from + (to - from) * 0.25),
        egui::Event::PointerMoved(to),
        press(to, false),
    ] {
        h.input_mut().events.push(ev);
        h.run_steps(2);
    }
}

/// Turns the mouse wheel over the middle of the window: `dy` points down (the content moves up).
pub fn scroll(h: &Harness<'static, App>, dy: f32) {
    wheel_at(h, egui::pos2(600.0, 400.0), dy);
}

/// Turns the mouse wheel with the pointer at `pos`: `dy` points down (the content moves up).
pub fn wheel_at(h: &Harness<'static, App>, pos: egui::Pos2, dy: f32) {
    h.event(egui::Event::PointerMoved(pos));
    h.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, -dy),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: egui::Modifiers::NONE,
    });
}

/// Clicks each button or tab in turn, letting the frame after each settle.
pub fn click_through(h: &mut Harness<'static, App>, labels: &[&str]) {
    use egui_kittest::kittest::Queryable as _;
    for label in labels {
        h.get_by_label(label).click();
        h.run_steps(2);
    }
}

/// Wizard, Automatch step: gives the one file without match to the user found by `search`.
pub fn assign_unmatched(h: &mut Harness<'static, App>, search: &str, user: &str) {
    use egui_kittest::kittest::Queryable as _;
    click_through(h, &["Files without match (1)"]);
    type_into(h, "Assign to:", search);
    click_through(h, &[user]);
    assert!(
        h.query_by_label(&format!("assigned to {user}")).is_some(),
        "the file was not assigned to {user}"
    );
}

/// Wizard, Automatch step: settles the one ambiguous case by choosing `file`.
pub fn pick_ambiguous(h: &mut Harness<'static, App>, file: &str) {
    click_through(h, &["Ambiguous (1)", file]);
}

/// Wizard, Resize step: opens the crop canvas for `user` and waits until it shows the photo
/// and its encoded preview. Returns the crop it starts from.
pub fn open_crop_canvas(h: &mut Harness<'static, App>, user: &str) -> adphoto::photo::CropRect {
    click_through(h, &[&format!("Adjust crop of {user}")]);
    wait_until(h, "the crop canvas", |h| {
        h.state()
            .wizard()
            .and_then(|w| w.canvas())
            .is_some_and(|c| c.is_loaded() && c.preview_bytes().is_some())
    });
    h.state().wizard().unwrap().canvas().unwrap().crop()
}

/// Replaces whatever the text field labelled `label` holds with `text`.
pub fn replace_text(h: &mut Harness<'static, App>, label: &str, text: &str) {
    use egui_kittest::kittest::Queryable as _;
    h.get_by_label(label).focus();
    h.run_steps(2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.key_press(egui::Key::Backspace);
    h.run_steps(1);
    h.get_by_label(label).type_text(text);
    h.run_steps(1);
}

/// Wizard, Folder step: chooses `photos` (as Browse… would) and waits for the scan to find
/// `images` pictures.
pub fn choose_folder(h: &mut Harness<'static, App>, photos: &Path, images: usize) {
    use egui_kittest::kittest::Queryable as _;
    h.state_mut().set_import_folder(photos);
    let found = format!("{images} images found");
    wait_until(h, "the scan", |h| h.query_by_label(&found).is_some());
}

/// Scrolls down by `steps` wheel turns, a frame after each.
pub fn scroll_down(h: &mut Harness<'static, App>, steps: usize) {
    for _ in 0..steps {
        scroll(h, 400.0);
        h.run_steps(2);
    }
}

/// Wizard, from the scanned folder on: the custom `pattern`, then Automatch until the tab
/// labelled `tab` (e.g. "Matching files (3)") shows the outcome.
pub fn automatch_with_pattern(h: &mut Harness<'static, App>, pattern: &str, tab: &str) {
    use egui_kittest::kittest::Queryable as _;
    click_through(h, &["Next"]);
    replace_text(h, "Pattern:", pattern);
    click_through(h, &["Next", "Automatch"]);
    wait_until(h, "the match", |h| h.query_by_label(tab).is_some());
}
