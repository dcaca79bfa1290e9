//! The Microsoft 365 sign-in dialog: tenant, app registration and cloud, then a person signs
//! in with a device code (the code and the page shown here, to type in any browser) or in this
//! computer's browser. The sign-in itself runs on the worker, which keeps it (tokens in memory)
//! for imports to Microsoft 365 and their undo. "Keep me signed in" keeps the refresh token in
//! the system's credential store (never a file); the next start then signs in from it silently.

use crate::cloud::{Cloud, CloudOptions};
use crate::gui::worker::{Command, Event, ReqId, SignInWay, Worker};

#[derive(Debug, Default, PartialEq)]
enum State {
    #[default]
    Idle,
    /// Signing in; the device code once the identity platform gave it.
    Waiting {
        id: ReqId,
        code: Option<(String, String, u64)>,
    },
    Failed(String),
    /// Signing in silently from the kept sign-in, at start.
    Resuming(ReqId),
}

#[derive(Default)]
pub struct CloudSignIn {
    /// The dialog is on screen.
    pub open: bool,
    tenant: String,
    client_id: String,
    cloud: Cloud,
    ca_file: String,
    /// "Keep me signed in on this computer".
    keep: bool,
    state: State,
    /// Why the kept sign-in could not be used at start, or could not be kept: said in the dialog.
    keep_note: Option<String>,
    /// The tenant signed in to, once signed in.
    signed_in: Option<String>,
    /// The fields of the last sign-in that worked, remembered for the next run.
    remembered: CloudPrefs,
}

/// What the dialog remembers between runs, from the last sign-in that worked: never a secret
/// or a token (those stay in the worker's memory).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CloudPrefs {
    pub tenant: String,
    pub client_id: String,
    pub cloud: Cloud,
    pub ca_file: String,
    /// "Keep me signed in": the next start signs in from the credential store.
    pub keep: bool,
}

fn cloud_label(c: Cloud) -> &'static str {
    match c {
        Cloud::Global => "Global (microsoft.com)",
        Cloud::UsGov => "US Government (GCC High, DoD)",
        Cloud::China => "China (21Vianet)",
    }
}

impl CloudSignIn {
    /// The dialog filled in as the last sign-in that worked left it.
    pub fn new(prefs: CloudPrefs) -> Self {
        Self {
            tenant: prefs.tenant.clone(),
            client_id: prefs.client_id.clone(),
            cloud: prefs.cloud,
            ca_file: prefs.ca_file.clone(),
            keep: prefs.keep,
            remembered: prefs,
            ..Default::default()
        }
    }

    /// At start: signs in silently from the kept sign-in, when the last one was kept.
    pub fn resume(&mut self, worker: &Worker) {
        if !self.keep || self.tenant.trim().is_empty() || self.client_id.trim().is_empty() {
            return;
        }
        let id = worker.send(Command::CloudSignIn {
            opts: Box::new(self.options()),
            way: SignInWay::Kept,
        });
        self.state = State::Resuming(id);
    }

    /// Signing in from the kept sign-in (the toolbar says so meanwhile).
    pub fn resuming(&self) -> bool {
        matches!(self.state, State::Resuming(_))
    }

    /// What to remember between runs.
    pub fn prefs(&self) -> CloudPrefs {
        self.remembered.clone()
    }

    /// Opens the dialog; `ca_file`: the connection's, offered for these connections too.
    pub fn show(&mut self, ca_file: &str) {
        self.open = true;
        if self.ca_file.is_empty() {
            self.ca_file = ca_file.to_string();
        }
        if matches!(self.state, State::Failed(_)) {
            self.state = State::Idle;
        }
    }

    /// The tenant signed in to.
    pub fn signed_in(&self) -> Option<&str> {
        self.signed_in.as_deref()
    }

    /// Forgets the sign-in: the worker drops its tokens and removes a kept sign-in from the
    /// credential store.
    pub fn sign_out(&mut self, worker: &Worker) {
        worker.send(Command::CloudSignOut);
        self.signed_in = None;
    }

    /// A worker event for this dialog; returns it when it is not.
    pub fn handle(&mut self, id: ReqId, event: Event) -> Option<Event> {
        if self.state == State::Resuming(id) {
            return match event {
                Event::CloudSignedIn(Ok(signed_in)) => {
                    self.signed_in = Some(signed_in.tenant);
                    self.keep_note = signed_in.keep_problem;
                    self.state = State::Idle;
                    None
                }
                Event::CloudSignedIn(Err(e)) => {
                    // Quietly: the person signs in again when they want Microsoft 365.
                    self.keep_note = Some(format!("The kept sign-in could not be used: {e}"));
                    self.state = State::Idle;
                    None
                }
                other => Some(other),
            };
        }
        let State::Waiting { id: asked, code } = &mut self.state else {
            return Some(event);
        };
        if *asked != id {
            return Some(event);
        }
        match event {
            Event::CloudDeviceCode {
                code: c,
                url,
                minutes,
            } => {
                *code = Some((c, url, minutes));
                None
            }
            Event::CloudSignedIn(Ok(signed_in)) => {
                self.signed_in = Some(signed_in.tenant);
                self.keep_note = signed_in.keep_problem;
                self.remembered = CloudPrefs {
                    tenant: self.tenant.trim().to_string(),
                    client_id: self.client_id.trim().to_string(),
                    cloud: self.cloud,
                    ca_file: self.ca_file.trim().to_string(),
                    // Not kept after all (no credential store): nothing to resume from.
                    keep: self.keep && self.keep_note.is_none(),
                };
                self.state = State::Idle;
                self.open = false;
                None
            }
            Event::CloudSignedIn(Err(e)) => {
                self.state = State::Failed(e);
                None
            }
            other => Some(other),
        }
    }

    fn options(&self) -> CloudOptions {
        let mut o = CloudOptions::new(self.tenant.trim(), self.client_id.trim(), self.cloud);
        o.ca_file = Some(self.ca_file.trim())
            .filter(|s| !s.is_empty())
            .map(Into::into);
        o.keep_signed_in = self.keep;
        o
    }

    pub fn ui(&mut self, ctx: &egui::Context, worker: &Worker) {
        if !self.open {
            return;
        }
        let mut open = true;
        // Below the toolbar, in the middle, as the connect dialog: never over the buttons.
        egui::Window::new("Sign in to Microsoft 365")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_TOP, [0.0, 60.0])
            .default_width(460.0)
            .open(&mut open)
            .show(ctx, |ui| self.form_ui(ui, worker));
        if !open {
            self.close(worker);
        }
    }

    fn close(&mut self, worker: &Worker) {
        if let State::Waiting { id, .. } = self.state {
            worker.send(Command::Cancel(id));
        }
        self.state = State::Idle;
        self.open = false;
    }

    fn form_ui(&mut self, ui: &mut egui::Ui, worker: &Worker) {
        let waiting = matches!(self.state, State::Waiting { .. });
        ui.add_enabled_ui(!waiting, |ui| {
            egui::Grid::new("cloud-sign-in")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    let l = ui.label("Tenant:");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.tenant)
                            .hint_text("contoso.onmicrosoft.com or the tenant id")
                            .desired_width(280.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Client id:");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.client_id)
                            .hint_text("your app registration's Application (client) ID")
                            .desired_width(280.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                    ui.label("Cloud:");
                    egui::ComboBox::from_id_salt("cloud-choice")
                        .selected_text(cloud_label(self.cloud))
                        .show_ui(ui, |ui| {
                            for c in [Cloud::Global, Cloud::UsGov, Cloud::China] {
                                ui.selectable_value(&mut self.cloud, c, cloud_label(c));
                            }
                        });
                    ui.end_row();
                    let l = ui.label("CA certificate:");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.ca_file)
                            .hint_text("optional: a PEM file to trust besides the system's")
                            .desired_width(280.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                });
            ui.checkbox(&mut self.keep, "Keep me signed in on this computer")
                .on_hover_text(
                    "Kept in the system's credential store (Credential Manager, the keyring, the \
                     Keychain), never in a file: the next start signs in by itself. Sign out \
                     removes it.",
                );
        });
        if let Some(note) = &self.keep_note {
            ui.colored_label(ui.visuals().warn_fg_color, note);
        }
        ui.add_space(6.0);
        let ready = !self.tenant.trim().is_empty() && !self.client_id.trim().is_empty();
        match &self.state {
            State::Waiting {
                code: Some((code, url, minutes)),
                ..
            } => {
                ui.label(format!(
                    "Open {url} in any browser and enter this code (within {minutes} minutes):"
                ));
                ui.horizontal(|ui| {
                    ui.heading(code.as_str());
                    if ui.button("Copy code").clicked() {
                        ui.ctx().copy_text(code.clone());
                    }
                    ui.hyperlink_to("Open the sign-in page", url.as_str());
                });
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Waiting for the sign-in…");
                });
            }
            State::Waiting { code: None, .. } => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Signing in…");
                });
            }
            State::Failed(e) => {
                ui.colored_label(ui.visuals().error_fg_color, format!("Not signed in: {e}"));
            }
            State::Idle | State::Resuming(_) => {}
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if waiting {
                if ui.button("Cancel").clicked() {
                    self.close(worker);
                }
                return;
            }
            let code = ui
                .add_enabled(ready, egui::Button::new("Sign in with a code"))
                .on_hover_text("Shows a code to type on Microsoft's sign-in page, in any browser");
            let browser = ui
                .add_enabled(ready, egui::Button::new("Sign in in the browser"))
                .on_hover_text("Opens Microsoft's sign-in page in this computer's browser");
            if code.clicked() || browser.clicked() {
                let id = worker.send(Command::CloudSignIn {
                    opts: Box::new(self.options()),
                    way: if browser.clicked() {
                        SignInWay::Browser
                    } else {
                        SignInWay::Code
                    },
                });
                self.keep_note = None;
                self.state = State::Waiting { id, code: None };
            }
        });
    }
}
