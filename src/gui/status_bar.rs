//! The status bar: the job under way (with Cancel) and the last outcome. An outcome that
//! matters (an import, an undo) is pinned with its local time and stays until dismissed; a
//! routine message ("32 users loaded.") never replaces it.

#[derive(Default)]
pub struct StatusBar {
    /// The job under way, e.g. "Loading users of Sales…", and whether it can be cancelled.
    pub job: Option<(String, bool)>,
    message: Option<(String, bool)>,
    pinned: Option<(String, bool)>,
}

impl StatusBar {
    /// An outcome to keep in sight until the user dismisses it, stamped with the local time.
    pub fn pin(&mut self, text: impl Into<String>, is_error: bool) {
        self.job = None;
        let when = crate::clock::local_display(&crate::clock::now_rfc3339());
        self.pinned = Some((format!("{when} — {}", text.into()), is_error));
    }

    /// The pinned outcome, if not dismissed.
    pub fn pinned(&self) -> Option<(&str, bool)> {
        self.pinned.as_ref().map(|(m, e)| (m.as_str(), *e))
    }

    pub fn ok(&mut self, text: impl Into<String>) {
        self.job = None;
        self.message = Some((text.into(), false));
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.job = None;
        self.message = Some((text.into(), true));
    }

    /// The last routine message (else the pinned outcome), and whether it is an error.
    pub fn message(&self) -> Option<(&str, bool)> {
        self.message
            .as_ref()
            .or(self.pinned.as_ref())
            .map(|(m, e)| (m.as_str(), *e))
    }

    /// Returns true when Cancel was clicked.
    pub fn ui(&mut self, ui: &mut egui::Ui, extra: &str) -> bool {
        let mut cancel = false;
        ui.horizontal(|ui| {
            let show = |ui: &mut egui::Ui, (m, is_err): &(String, bool)| {
                if *is_err {
                    ui.colored_label(ui.visuals().error_fg_color, m);
                } else {
                    ui.label(m);
                }
            };
            // The pinned outcome first: jobs coming and going after it never move its ×.
            if let Some(p) = &self.pinned {
                show(ui, p);
                let dismiss = ui
                    .push_id("pinned-dismiss", |ui| ui.small_button("×"))
                    .inner;
                if dismiss.on_hover_text("Dismiss").clicked() {
                    self.pinned = None;
                }
                ui.separator();
            }
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
            if let Some(m) = &self.message {
                show(ui, m);
            } else if self.job.is_none() && self.pinned.is_none() {
                ui.weak("Ready");
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.weak(extra);
            });
        });
        cancel
    }
}
