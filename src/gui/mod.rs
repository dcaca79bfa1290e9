//! The window (eframe/egui): connect dialog, OU tree, user grid, photo preview.
//!
//! All directory and image work goes through [`worker`], the one bridge to the engine; the
//! views only draw state and return actions. Start with [`run`]; tests build [`App`] directly.

mod app;
mod cloud_sign_in;
mod connect_dialog;
pub mod crop_canvas;
mod file_chooser;
pub mod photo_bridge;
mod preview;
mod screen_fit;
mod status_bar;
mod thumbs;
mod toast;
mod tree_panel;
pub mod user_grid;
pub mod wizard;
pub mod worker;

use std::process::ExitCode;

pub use crate::directory::demo::DEMO_LDIF;
pub use app::{App, AppEnv, Prefill, Prefs};
pub use connect_dialog::{ConnectDialog, ConnectPrefs};

/// Opens the window and runs until it is closed.
pub fn run(env: AppEnv) -> ExitCode {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title("adphoto")
        .with_app_id("adphoto")
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([900.0, 600.0]);
    // The window and taskbar icon (a bad PNG only costs the icon, never the window).
    if let Ok(icon) = eframe::icon_data::from_png_bytes(crate::icon::ICON_PNG_256) {
        viewport = viewport.with_icon(icon);
    }
    let options = eframe::NativeOptions {
        viewport,
        renderer: eframe::Renderer::Glow,
        // On the primary monitor's middle rather than where the system puts new windows (Wine,
        // and Windows' cascade, put it at the top left, partly off a small screen).
        centered: true,
        ..Default::default()
    };
    let result = eframe::run_native(
        "adphoto",
        options,
        Box::new(move |cc| {
            Ok(Box::new(Window {
                app: App::new(cc, env),
                fit: screen_fit::StartFit::default(),
            }))
        }),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
                .iter()
                .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
            eprintln!(
                "adphoto: cannot open the window: {e}\n{}",
                window_failure_hint(&e.to_string(), cfg!(unix) && !has_display)
            );
            ExitCode::from(2)
        }
    }
}

/// The app in a real window: the window itself is made to fit the screen at start (tests drive
/// [`App`] in a window of their own size).
struct Window {
    app: App,
    fit: screen_fit::StartFit,
}

impl eframe::App for Window {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.fit.check(ui.ctx());
        self.app.ui(ui, frame);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.app.save(storage);
    }
}

/// What to do when the window cannot open: a missing library and a missing display need
/// different fixes, and saying "no display?" for the first sent people looking in vain.
pub fn window_failure_hint(error: &str, no_display: bool) -> String {
    let e = error.to_ascii_lowercase();
    let library = [
        "shared librar",
        "libegl",
        "libgl",
        "xlib",
        "libxkbcommon",
        "libxcursor",
        "libxrandr",
        "libxi",
        "libwayland",
    ]
    .iter()
    .any(|k| e.contains(k));
    if library {
        "A library the window needs is missing. On Debian/Ubuntu: sudo apt-get install libgl1 \
         libegl1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 (the .deb package depends on \
         them). The command line works without them: adphoto --help"
            .into()
    } else if no_display {
        "There is no display (DISPLAY and WAYLAND_DISPLAY are not set): start it in a desktop \
         session, or use the command line, which needs none: adphoto --help"
            .into()
    } else {
        "The command line works without a window: adphoto --help".into()
    }
}

#[cfg(test)]
mod tests {
    use super::window_failure_hint;

    #[test]
    fn a_missing_library_is_told_from_a_missing_display() {
        let xlib = "winit EventLoopError: os error at …: Failed to load one of xlib's shared libraries -> …";
        let h = window_failure_hint(xlib, false);
        assert!(
            h.contains("library the window needs") && h.contains("libxkbcommon-x11-0"),
            "{h}"
        );
        // Even without a display, a missing library is the first thing to fix.
        assert!(window_failure_hint(xlib, true).contains("library"));
        let h = window_failure_hint(
            "winit EventLoopError: neither WAYLAND_DISPLAY nor DISPLAY is set",
            true,
        );
        assert!(h.contains("no display"), "{h}");
        assert!(!window_failure_hint("something else", false).contains("display"));
    }
}
