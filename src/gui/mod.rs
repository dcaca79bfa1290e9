//! The window (eframe/egui): connect dialog, OU tree, user grid, photo preview.
//!
//! All directory and image work goes through [`worker`], the one bridge to the engine; the
//! views only draw state and return actions. Start with [`run`]; tests build [`App`] directly.

mod app;
mod connect_dialog;
pub mod crop_canvas;
mod file_chooser;
pub mod photo_bridge;
mod preview;
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
        ..Default::default()
    };
    let result = eframe::run_native(
        "adphoto",
        options,
        Box::new(move |cc| Ok(Box::new(App::new(cc, env)))),
    );
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "adphoto: cannot open the window: {e}\n(no display? the command line works without one: adphoto --help)"
            );
            ExitCode::from(2)
        }
    }
}
