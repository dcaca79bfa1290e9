//! The short-lived note after a one-user change (set, drop, remove) with a way back: "Photo of
//! Anna Berg removed. [Undo]". The backup exists either way; the toast puts it in reach.

use std::time::Duration;

use crate::directory::User;

/// How long the toast stays when nobody touches it.
const SHOWN_FOR: Duration = Duration::from_secs(12);

pub struct Toast {
    /// Whose change it was: Undo restores this user's previous photo.
    pub user: User,
    pub text: String,
    /// egui's clock when it appeared; None until first drawn.
    since: Option<f64>,
}

/// What the toast asks of the app.
#[derive(Debug, PartialEq, Eq)]
pub enum ToastAction {
    Undo,
    Close,
}

impl Toast {
    pub fn new(user: User, text: String) -> Self {
        Self {
            user,
            text,
            since: None,
        }
    }

    /// Drawn over the bottom-right corner of `area` (above the status bar). Hovering keeps it.
    pub fn ui(&mut self, ctx: &egui::Context, area: egui::Rect) -> Option<ToastAction> {
        let now = ctx.input(|i| i.time);
        let since = *self.since.get_or_insert(now);
        let mut action = None;
        let shown = egui::Area::new(egui::Id::unique("adphoto-toast"))
            .order(egui::Order::Foreground)
            .constrain_to(area)
            .anchor(egui::Align2::RIGHT_BOTTOM, [-12.0, -12.0])
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.horizontal(|ui| {
                        ui.label(&self.text);
                        if ui
                            .button("Undo")
                            .on_hover_text("Put the previous photo back (from its backup)")
                            .clicked()
                        {
                            action = Some(ToastAction::Undo);
                        }
                        if ui.small_button("×").on_hover_text("Dismiss").clicked() {
                            action = Some(ToastAction::Close);
                        }
                    });
                });
            });
        if shown.response.contains_pointer() {
            self.since = Some(now);
        } else if now - since > SHOWN_FOR.as_secs_f64() {
            action = action.or(Some(ToastAction::Close));
        }
        ctx.request_repaint_after(Duration::from_millis(500));
        action
    }
}
