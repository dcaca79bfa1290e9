//! The start-up window fits the screen. eframe keeps the *inner* size within the monitor, but
//! the frame (Windows' title bar and borders) and a taskbar come on top: at 1280×800 inner on a
//! 1280×800 or 1366×768 screen the status bar ended below the screen's edge (seen under Wine in
//! the MSI's smoke test). A window that does not fit with its frame is made smaller and placed
//! on the screen once it has a frame.

use egui::{Rect, Vec2, vec2};

/// Room left at the bottom of the screen for a taskbar or panel (Windows': 40–48 px at 100 %).
pub const TASKBAR_ROOM: f32 = 48.0;

/// Whether a window whose frame covers `outer` (its inside: `inner`) leaves part of itself off a screen of
/// `monitor` size, or under a taskbar along its bottom. Positions are those of a window
/// centred on the primary monitor, whose origin is (0, 0), as eframe's `centered` places it.
pub fn overflows(outer: Rect, inner: Rect, monitor: Vec2) -> bool {
    // A pixel's rounding between points and pixels is not an overflow.
    const SLACK: f32 = 1.0;
    let room = taskbar_room(outer, inner);
    outer.width() > monitor.x + SLACK
        || outer.height() + room > monitor.y + SLACK
        || outer.max.y + room > monitor.y + SLACK
}

/// A window without a frame has no window manager or desktop around it (Xvfb in the tests and
/// `dev.sh screenshot`): no taskbar either, and the whole screen is its to fill.
fn taskbar_room(outer: Rect, inner: Rect) -> f32 {
    if outer.height() > inner.height() + 0.5 {
        TASKBAR_ROOM
    } else {
        0.0
    }
}

/// Looks at the window's first frames until it knows where the window is, then fits it to
/// the screen if it does not; once, so a window the user makes bigger later is left alone.
#[derive(Debug, Default)]
pub struct StartFit {
    done: bool,
}

impl StartFit {
    pub fn check(&mut self, ctx: &egui::Context) {
        if self.done {
            return;
        }
        let (outer, inner, monitor, maximized) = ctx.input(|i| {
            let v = i.viewport();
            (v.outer_rect, v.inner_rect, v.monitor_size, v.maximized)
        });
        // Wayland tells no window position: nothing to judge (its compositor places windows).
        let (Some(outer), Some(inner), Some(monitor)) = (outer, inner, monitor) else {
            return;
        };
        self.done = true;
        if maximized != Some(true) && overflows(outer, inner, monitor) {
            // Smaller and placed, not maximized: Wine without a window manager (the MSI's smoke
            // test) keeps a maximized window where it was, below the screen's edge.
            let (pos, size) = fitted(outer, inner, monitor);
            tracing::info!(
                ?outer,
                ?monitor,
                ?pos,
                ?size,
                "the window did not fit the screen"
            );
            ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(size));
            ctx.send_viewport_cmd(egui::ViewportCommand::OuterPosition(pos));
        }
    }
}

/// Where the window's frame goes and its inner size, to fit `monitor` above a taskbar: as big
/// as before where there is room, centred across, at the top when it fills the height.
pub fn fitted(outer: Rect, inner: Rect, monitor: Vec2) -> (egui::Pos2, Vec2) {
    let frame = outer.size() - inner.size();
    let bar = taskbar_room(outer, inner);
    let room = vec2(monitor.x, monitor.y - bar) - frame;
    let size = inner.size().min(room).max(vec2(1.0, 1.0));
    let outer_size = size + frame;
    let x = ((monitor.x - outer_size.x) / 2.0).max(0.0).floor();
    let y = ((monitor.y - bar - outer_size.y) / 2.0).max(0.0).floor();
    (egui::pos2(x, y), size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::{pos2, vec2};

    /// The window's frame on Windows at 100 %: 8 px borders, a 31 px title bar.
    fn framed(inner: Vec2, pos: egui::Pos2) -> (Rect, Rect) {
        let outer = Rect::from_min_size(pos, inner + vec2(16.0, 39.0));
        (outer, Rect::from_min_size(pos + vec2(8.0, 31.0), inner))
    }

    fn over(w: (Rect, Rect), monitor: Vec2) -> bool {
        overflows(w.0, w.1, monitor)
    }

    #[test]
    fn a_framed_1280x800_window_overflows_small_screens() {
        let inner = vec2(1280.0, 800.0);
        // What the MSI's smoke test showed: Xvfb's 1280×800 screen under Wine.
        assert!(over(framed(inner, pos2(0.0, 0.0)), vec2(1280.0, 800.0)));
        // A 1366×768 laptop: eframe clamps the inner height to 768, the frame still overflows.
        assert!(over(
            framed(vec2(1280.0, 768.0), pos2(43.0, 0.0)),
            vec2(1366.0, 768.0)
        ));
        // 1600×900, centred: the status bar would sit under the taskbar.
        assert!(over(framed(inner, pos2(152.0, 50.0)), vec2(1600.0, 900.0)));
    }

    #[test]
    fn an_overflowing_window_is_made_to_fit() {
        let inner = vec2(1280.0, 800.0);
        let (outer, inner_rect) = framed(inner, pos2(0.0, 0.0));
        let screen = vec2(1280.0, 800.0);
        let (pos, size) = fitted(outer, inner_rect, screen);
        let placed = Rect::from_min_size(pos, size + vec2(16.0, 39.0));
        let placed_inner = Rect::from_min_size(pos + vec2(8.0, 31.0), size);
        assert!(!overflows(placed, placed_inner, screen), "{placed:?}");
        assert_eq!(size, vec2(1264.0, 713.0));
        // On a big screen the size stays and the window is centred.
        let (pos, size) = fitted(outer, inner_rect, vec2(1920.0, 1080.0));
        assert_eq!(size, inner);
        assert_eq!(pos, pos2(312.0, 96.0));
    }

    #[test]
    fn a_window_that_fits_is_left_alone() {
        let inner = vec2(1280.0, 800.0);
        assert!(!over(
            framed(inner, pos2(312.0, 140.0)),
            vec2(1920.0, 1080.0)
        ));
        assert!(!over(
            framed(inner, pos2(632.0, 320.0)),
            vec2(2560.0, 1440.0)
        ));
        // Rounding between pixels and points is no overflow.
        let r = Rect::from_min_size(pos2(0.0, 0.0), vec2(1280.5, 800.0));
        assert!(!overflows(r, r, vec2(1280.0, 800.0)));
        // No frame, no window manager (Xvfb): the whole screen is the window's.
        let r = Rect::from_min_size(pos2(0.0, 0.0), vec2(1280.0, 800.0));
        assert!(!overflows(r, r, vec2(1280.0, 800.0)));
    }
}
