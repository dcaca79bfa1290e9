//! The start-up window fits the screen. eframe keeps the *inner* size within the monitor, but
//! the frame (Windows' title bar and borders) and a taskbar come on top: at 1280×800 inner on a
//! 1280×800 or 1366×768 screen the status bar ended below the screen's edge (seen under Wine in
//! the MSI's smoke test). A window that does not fit with its frame is maximized once it has
//! one, which is the screen's work area (taskbar excluded) on every platform.

use egui::{Rect, Vec2};

/// Room left at the bottom of the screen for a taskbar or panel (Windows': 40–48 px at 100 %).
pub const TASKBAR_ROOM: f32 = 48.0;

/// Whether a window whose frame covers `outer` leaves part of itself off a screen of
/// `monitor` size, or under a taskbar along its bottom. Positions are those of a window
/// centred on the primary monitor, whose origin is (0, 0), as eframe's `centered` places it.
pub fn overflows(outer: Rect, monitor: Vec2) -> bool {
    // A pixel's rounding between points and pixels is not an overflow.
    const SLACK: f32 = 1.0;
    outer.width() > monitor.x + SLACK
        || outer.height() + TASKBAR_ROOM > monitor.y + SLACK
        || outer.max.y + TASKBAR_ROOM > monitor.y + SLACK
}

/// Looks at the window's first frames until it knows where the window is, then maximizes it
/// if it does not fit; once, so a window the user makes bigger later is left alone.
#[derive(Debug, Default)]
pub struct StartFit {
    done: bool,
}

impl StartFit {
    pub fn check(&mut self, ctx: &egui::Context) {
        if self.done {
            return;
        }
        let (outer, monitor, maximized) = ctx.input(|i| {
            let v = i.viewport();
            (v.outer_rect, v.monitor_size, v.maximized)
        });
        // Wayland tells no window position: nothing to judge (its compositor places windows).
        let (Some(outer), Some(monitor)) = (outer, monitor) else {
            return;
        };
        self.done = true;
        if maximized != Some(true) && overflows(outer, monitor) {
            tracing::info!(
                ?outer,
                ?monitor,
                "the window does not fit the screen: maximized"
            );
            ctx.send_viewport_cmd(egui::ViewportCommand::Maximized(true));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{pos2, vec2};

    /// The window's frame on Windows at 100 %: 8 px borders, a 31 px title bar.
    fn framed(inner: Vec2, pos: egui::Pos2) -> Rect {
        Rect::from_min_size(pos, inner + vec2(16.0, 39.0))
    }

    #[test]
    fn a_framed_1280x800_window_overflows_small_screens() {
        let inner = vec2(1280.0, 800.0);
        // What the MSI's smoke test showed: Xvfb's 1280×800 screen under Wine.
        assert!(overflows(
            framed(inner, pos2(0.0, 0.0)),
            vec2(1280.0, 800.0)
        ));
        // A 1366×768 laptop: eframe clamps the inner height to 768, the frame still overflows.
        assert!(overflows(
            framed(vec2(1280.0, 768.0), pos2(43.0, 0.0)),
            vec2(1366.0, 768.0)
        ));
        // 1600×900, centred: the status bar would sit under the taskbar.
        assert!(overflows(
            framed(inner, pos2(152.0, 50.0)),
            vec2(1600.0, 900.0)
        ));
    }

    #[test]
    fn a_window_that_fits_is_left_alone() {
        let inner = vec2(1280.0, 800.0);
        assert!(!overflows(
            framed(inner, pos2(312.0, 140.0)),
            vec2(1920.0, 1080.0)
        ));
        assert!(!overflows(
            framed(inner, pos2(632.0, 320.0)),
            vec2(2560.0, 1440.0)
        ));
        // Rounding between pixels and points is no overflow.
        assert!(!overflows(
            Rect::from_min_size(pos2(0.0, 0.0), vec2(1280.5, 800.0)),
            vec2(1280.0, 848.0)
        ));
    }
}
