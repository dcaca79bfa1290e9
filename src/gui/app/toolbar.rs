//! The toolbar: Settings (the theme), Import…, Refresh, the connection and Disconnect.

use super::App;
use crate::gui::worker::ConnectionKind;

impl App {
    pub(super) fn toolbar_ui(&mut self, ui: &mut egui::Ui) {
        // While the wizard is open the toolbar waits (disabled widgets take no focus), so Tab
        // moves through the wizard's own controls and nothing behind it changes the directory.
        let wizard_open = self.wizard.is_some();
        ui.add_enabled_ui(!wizard_open, |ui| self.toolbar_items_ui(ui));
    }

    fn toolbar_items_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("adphoto");
            ui.menu_button("Settings", |ui| self.settings_menu(ui));
            ui.separator();
            let connected = self.connection.is_some();
            if ui
                .add_enabled(
                    connected
                        && self.wizard.is_none()
                        // One crop canvas at a time: finish or cancel "Set photo…" first.
                        && self.set_photo_crop.is_none()
                        && !self.grid.users().is_empty(),
                    egui::Button::new("Import…"),
                )
                .on_hover_text(
                    "Many photos at once, matched to users by file name (the selected users, or all listed)",
                )
                .clicked()
            {
                self.open_wizard();
            }
            if ui
                .add_enabled(connected, egui::Button::new("Refresh"))
                .on_hover_text("Reload the OU tree and the user list (F5)")
                .clicked()
            {
                self.refresh();
            }
            match self.cloud.signed_in() {
                Some(tenant) => {
                    let tenant = tenant.to_string();
                    ui.menu_button(format!("Microsoft 365 · {tenant}"), |ui| {
                        if ui.button("Sign out of Microsoft 365").clicked() {
                            self.cloud.sign_out(&self.worker);
                        }
                    })
                    .response
                    .on_hover_text("Imports can write the Microsoft 365 profile photo too");
                }
                None if self.cloud.resuming() => {
                    ui.add_enabled(false, egui::Button::new("Microsoft 365: signing in…"))
                        .on_disabled_hover_text("Signing in from the kept sign-in");
                }
                None => {
                    if ui
                        .button("Microsoft 365…")
                        .on_hover_text(
                            "Sign in to Microsoft 365, to write the profile photo Outlook and Teams show",
                        )
                        .clicked()
                    {
                        self.cloud.show(&self.connect.prefs.ca_file);
                    }
                }
            }
            ui.separator();
            match &self.connection {
                Some(c) => {
                    let text = match c.kind {
                        ConnectionKind::Offline => format!("Offline: {}", c.target),
                        k => format!("{} · {}", k.label(), c.target),
                    };
                    let hover = match c.kind {
                        ConnectionKind::Offline => {
                            format!("Search base: {}\n{OFFLINE_HINT}", c.base_dn)
                        }
                        _ => format!("Search base: {}", c.base_dn),
                    };
                    ui.label(text).on_hover_text(hover);
                    if c.kind == ConnectionKind::Plain {
                        ui.colored_label(ui.visuals().warn_fg_color, "⚠ not encrypted");
                    }
                    if c.insecure {
                        ui.colored_label(ui.visuals().error_fg_color, "⚠ certificate NOT verified")
                            .on_hover_text(
                                "You chose to trust this server's certificate without checking it",
                            );
                    }
                    let c_offline = c.kind == ConnectionKind::Offline;
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui.button("Disconnect").clicked() {
                            self.disconnect();
                        }
                        // Said only where it fits: in a narrow window it would be drawn over
                        // the connection's name (the name's hover says it too).
                        if c_offline {
                            let font = egui::TextStyle::Body.resolve(ui.style());
                            let width = ui
                                .painter()
                                .layout_no_wrap(OFFLINE_HINT.into(), font, egui::Color32::PLACEHOLDER)
                                .size()
                                .x;
                            if width + ui.spacing().item_spacing.x <= ui.available_width() {
                                ui.weak(OFFLINE_HINT);
                            }
                        }
                    });
                }
                None => {
                    ui.weak("Not connected");
                }
            }
        });
    }

    /// The Settings menu: the theme (remembered).
    fn settings_menu(&mut self, ui: &mut egui::Ui) {
        use egui::ThemePreference as T;
        ui.label("Theme");
        for (pref, name) in [
            (T::System, "Follow the system"),
            (T::Light, "Light"),
            (T::Dark, "Dark"),
        ] {
            if ui.radio_value(&mut self.theme, pref, name).clicked() {
                ui.ctx().set_theme(pref);
                ui.close();
            }
        }
    }
}

/// What the toolbar says about where an offline directory's changes go.
const OFFLINE_HINT: &str = "changes go to an LDIF change file in the data folder";
