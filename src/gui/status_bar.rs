//! The status bar: the job under way (with Cancel) and the last outcome.

#[derive(Default)]
pub struct StatusBar {
    /// The job under way, e.g. "Loading users of Sales…", and whether it can be cancelled.
    pub job: Option<(String, bool)>,
    message: Option<(String, bool)>,
}

impl StatusBar {
    pub fn ok(&mut self, text: impl Into<String>) {
        self.job = None;
        self.message = Some((text.into(), false));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.job = None;
        self.message = Some((text.into(), true));
    }

    /// The last message, and whether it was an error.
    pub fn message(&self) -> Option<(&str, bool)> {
        self.message.as_ref().map(|(m, e)| (m.as_str(), *e))
    }

    /// Returns true when Cancel was clicked.
    pub fn ui(&mut self, ui: &mut egui::Ui, extra: &str) -> bool {
        let mut cancel = false;
        ui.horizontal(|ui| {
            if let Some((job, cancellable)) = &self.job {
                ui.spinner();
                ui.label(job);
                if *cancellable
                    && ui
                        .small_button("Cancel")
                        .on_hover_text("Stop this job")
                        .clicked()
                {
                    cancel = true;
                }
                ui.separator();
            }
            if let Some((m, is_err)) = &self.message {
                if *is_err {
                    ui.colored_label(ui.visuals().error_fg_color, m);
                } else {
                    ui.label(m);
                }
            } else if self.job.is_none() {
                ui.weak("Ready");
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.weak(extra);
            });
        });
        cancel
    }
}
