//! The first thing a user sees: where to connect, how to sign in, and a way to try the app
//! on the demo directory without any Active Directory at all.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::directory::{Auth, CertSummary, ConnectOptions, Security};
use crate::settings::{Profile, ProfileStore};

/// The form's fields that are remembered between runs. Never the password; never the
/// "trust this certificate" choice either (that must be made again, or saved in a profile).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectPrefs {
    pub server: String,
    pub security: Security,
    pub kerberos: bool,
    pub user: String,
    pub ca_file: String,
    pub base_dn: String,
    /// The profile last used.
    pub profile: Option<String>,
    /// The one certificate trusted for this server (SHA-256; empty: none), chosen with "Trust
    /// this certificate". Remembered: it trusts nothing but that certificate.
    pub pin_sha256: String,
}

/// What the dialog asks the app to do.
#[derive(Debug)]
pub enum ConnectAction {
    Connect(Box<ConnectOptions>),
    OpenDemo,
    PickLdif,
    PickCaFile,
    Cancel,
}

pub struct ConnectDialog {
    pub prefs: ConnectPrefs,
    password: String,
    pub insecure: bool,
    profiles: Vec<Profile>,
    store: ProfileStore,
    new_profile_name: String,
    /// The engine's last error, in its own plain words.
    pub error: Option<String>,
    pub notice: Option<String>,
    /// A connect is under way.
    pub busy: bool,
    /// A certificate the server presented and the engine refused: shown, and offered to be
    /// trusted (exactly that one).
    pub offered_cert: Option<Box<CertSummary>>,
    /// The server suggested from this computer's domain, and where it was found.
    hint: Option<crate::directory::DomainHint>,
    /// Profiles changed here and not yet handed to the worker to write (with the saved name).
    to_save: Option<(Vec<Profile>, Option<String>)>,
    /// The person has edited the Server field (even to empty it): a suggestion that arrives
    /// later must not fill it behind their back.
    server_touched: bool,
    /// The worker's reading of the profiles (and the realm's suggestion) has come back.
    profiles_arrived: bool,
}

impl ConnectDialog {
    /// The dialog with its profiles still to come: the app asks the worker for them
    /// ([`Self::profiles_loaded`]), as file work never runs on the UI thread.
    pub fn new(prefs: ConnectPrefs, store: ProfileStore) -> Self {
        Self {
            prefs,
            password: String::new(),
            insecure: false,
            profiles: Vec::new(),
            store,
            new_profile_name: String::new(),
            error: None,
            notice: None,
            busy: false,
            offered_cert: None,
            hint: None,
            to_save: None,
            server_touched: false,
            profiles_arrived: false,
        }
    }

    /// Where the profiles live, for the worker to read and write.
    pub fn store(&self) -> &ProfileStore {
        &self.store
    }

    /// The server field is empty: a suggestion from this computer's domain is welcome.
    pub fn wants_hint(&self) -> bool {
        !self.server_touched && self.prefs.server.trim().is_empty()
    }

    /// The saved profiles, read on the worker, and the server suggested by this computer's
    /// domain (the Kerberos realm) when the field was empty. A damaged file is said, not lost.
    pub fn profiles_loaded(
        &mut self,
        result: Result<Vec<Profile>, String>,
        hint: Option<crate::directory::DomainHint>,
    ) {
        self.profiles_arrived = true;
        match result {
            Ok(p) => self.profiles = p,
            Err(e) => self.error = Some(e),
        }
        if let Some(h) = hint
            && self.wants_hint()
        {
            self.prefs.server.clone_from(&h.domain);
            self.hint = Some(h);
        }
    }

    /// The start-up's reading of the profiles is done: what the dialog shows will not move
    /// under the pointer any more (tests wait for it before clicking).
    pub fn profiles_arrived(&self) -> bool {
        self.profiles_arrived
    }

    /// Profiles to write, with the name of the one just saved: the app hands them to the worker.
    pub fn take_save(&mut self) -> Option<(Vec<Profile>, Option<String>)> {
        self.to_save.take()
    }

    /// The worker wrote the profiles (or could not).
    pub fn saved(&mut self, name: Option<String>, result: Result<(), String>) {
        match (result, name) {
            (Ok(()), Some(name)) => {
                self.notice = Some(format!("Profile \"{name}\" saved (without the password)."));
                self.error = None;
            }
            (Ok(()), None) => {}
            (Err(e), _) => self.error = Some(e),
        }
    }

    /// The server field is empty or holds an untouched suggestion: a better one may replace it.
    pub fn takes_suggestion(&self) -> bool {
        let server = self.prefs.server.trim();
        !self.server_touched
            && (server.is_empty() || self.hint.as_ref().is_some_and(|h| h.domain == server))
    }

    /// A domain controller found in DNS: it replaces an empty field or the guess from the
    /// Kerberos realm (a DC's name beats the domain's), never what the person typed.
    pub fn offer_hint(&mut self, hint: crate::directory::DomainHint) {
        if self.takes_suggestion() {
            self.prefs.server.clone_from(&hint.domain);
            self.hint = Some(hint);
        }
    }

    /// Fills in the CA file (after the file dialog).
    pub fn set_ca_file(&mut self, path: PathBuf) {
        self.prefs.ca_file = path.display().to_string();
    }

    /// The connection the form describes.
    pub fn options(&self) -> ConnectOptions {
        let auth = if self.prefs.kerberos {
            Auth::Kerberos
        } else {
            Auth::Simple {
                user: self.prefs.user.trim().to_string(),
                password: self.password.clone(),
            }
        };
        let mut o = ConnectOptions::new(self.prefs.server.trim(), auth);
        o.security = self.prefs.security;
        o.ca_file = Some(self.prefs.ca_file.trim())
            .filter(|s| !s.is_empty())
            .map(PathBuf::from);
        o.insecure_skip_verify = self.insecure;
        o.pin_sha256 = Some(self.prefs.pin_sha256.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        o.base_dn = Some(self.prefs.base_dn.trim())
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        o.timeout = Duration::from_secs(15);
        o
    }

    /// Sets the form's fields directly (tests and `--server`-style start-ups).
    pub fn fill(&mut self, server: &str, user: &str, password: &str, ca_file: Option<&str>) {
        self.prefs.server = server.to_string();
        self.prefs.user = user.to_string();
        self.prefs.kerberos = false;
        self.password = password.to_string();
        if let Some(ca) = ca_file {
            self.prefs.ca_file = ca.to_string();
        }
    }

    fn apply_profile(&mut self, p: &Profile) {
        self.prefs.server = p.server.clone();
        self.prefs.security = p.security;
        self.prefs.kerberos = p.kerberos;
        self.prefs.user = p.user.clone();
        self.prefs.ca_file = p
            .ca_file
            .as_ref()
            .map(|c| c.display().to_string())
            .unwrap_or_default();
        self.prefs.base_dn = p.base_dn.clone().unwrap_or_default();
        self.prefs.profile = Some(p.name.clone());
        self.insecure = p.insecure_skip_verify;
        self.prefs.pin_sha256 = p.pin_sha256.clone().unwrap_or_default();
        self.password.clear();
    }

    fn save_profile(&mut self) {
        let name = self.new_profile_name.trim().to_string();
        if name.is_empty() {
            self.error = Some("Give the profile a name first.".into());
            return;
        }
        let o = self.options();
        let p = Profile {
            name: name.clone(),
            server: self.prefs.server.trim().to_string(),
            security: self.prefs.security,
            kerberos: self.prefs.kerberos,
            user: self.prefs.user.trim().to_string(),
            ca_file: o.ca_file,
            insecure_skip_verify: self.insecure,
            base_dn: o.base_dn,
            pin_sha256: o.pin_sha256,
        };
        self.profiles.retain(|q| q.name != name);
        self.profiles.push(p);
        self.profiles.sort_by_key(|p| p.name.to_lowercase());
        self.prefs.profile = Some(name.clone());
        self.to_save = Some((self.profiles.clone(), Some(name)));
    }

    fn delete_profile(&mut self, name: &str) {
        self.profiles.retain(|p| p.name != name);
        self.to_save = Some((self.profiles.clone(), None));
        self.prefs.profile = None;
    }

    /// What the last connect was tried with (the profile's name aside): a change makes its
    /// error stale.
    fn fields(&self) -> (ConnectPrefs, bool, u64) {
        use std::hash::{Hash as _, Hasher as _};
        let mut prefs = self.prefs.clone();
        prefs.profile = None;
        // The password only as a hash, so no second copy of it lives on.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.password.hash(&mut h);
        (prefs, self.insecure, h.finish())
    }

    /// A failed connect: the message, and the refused certificate when there is one.
    pub fn failed(&mut self, message: String, cert: Option<Box<CertSummary>>) {
        self.error = Some(message);
        self.offered_cert = cert;
    }

    /// The dialog, pinned to the top of `area` (the window below its toolbar and notices): it
    /// grows downwards when an error appears, so nothing above it moves.
    pub fn ui(&mut self, ctx: &egui::Context, area: egui::Rect) -> Option<ConnectAction> {
        let mut action = None;
        let before = self.fields();
        egui::Window::new("Connect to Active Directory")
            .collapsible(false)
            .resizable(false)
            .constrain_to(area)
            .anchor(
                egui::Align2::CENTER_TOP,
                [0.0, 24.0_f32.min(area.height() / 20.0)],
            )
            .default_width(460.0)
            .show(ctx, |ui| {
                action = self.form_ui(ui);
            });
        // An error about settings that have since changed no longer applies.
        if action.is_none() && self.fields() != before {
            self.error = None;
            self.offered_cert = None;
        }
        action
    }

    fn form_ui(&mut self, ui: &mut egui::Ui) -> Option<ConnectAction> {
        let mut action = None;
        ui.add_enabled_ui(!self.busy, |ui| {
            self.profiles_ui(ui);
            ui.separator();
            egui::Grid::new("connect-form")
                .num_columns(2)
                .spacing([12.0, 8.0])
                .show(ui, |ui| {
                    let l = ui.label("Server:");
                    let server = ui
                        .add(
                            egui::TextEdit::singleline(&mut self.prefs.server)
                                .hint_text("dc1.example.com or example.com")
                                .desired_width(280.0),
                        )
                        .labelled_by(l.id)
                        .on_hover_text("A domain controller's name, the domain's name, or a URL (ldaps://…, ldap://…)");
                    self.server_touched |= server.changed();
                    ui.end_row();
                    if let Some(h) = self.hint.as_ref().filter(|h| h.domain == self.prefs.server) {
                        ui.label("");
                        ui.small(egui::RichText::new(&h.source).weak());
                        ui.end_row();
                    }

                    ui.label("Security:");
                    ui.horizontal(|ui| {
                        ui.radio_value(&mut self.prefs.security, Security::Ldaps, "LDAPS")
                            .on_hover_text("TLS on port 636 (recommended)");
                        ui.radio_value(&mut self.prefs.security, Security::StartTls, "StartTLS")
                            .on_hover_text("Port 389, upgraded to TLS");
                        ui.radio_value(&mut self.prefs.security, Security::Plain, "None")
                            .on_hover_text("Unencrypted: only with Kerberos sign-in (which encrypts itself) or in a lab");
                    });
                    ui.end_row();

                    ui.label("Sign in as:");
                    ui.vertical(|ui| {
                        let kerberos_ok = cfg!(feature = "kerberos");
                        ui.add_enabled_ui(kerberos_ok, |ui| {
                            ui.radio_value(&mut self.prefs.kerberos, true, "Current user (Kerberos / Windows)")
                                .on_disabled_hover_text("This build of adphoto has no Kerberos support");
                        });
                        ui.radio_value(&mut self.prefs.kerberos, false, "User name and password");
                    });
                    ui.end_row();

                    if !self.prefs.kerberos {
                        let l = ui.label("User:");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.prefs.user)
                                .hint_text("user@example.com or EXAMPLE\\user")
                                .desired_width(280.0),
                        )
                        .labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("Password:");
                        let resp = ui
                            .add(
                                egui::TextEdit::singleline(&mut self.password)
                                    .password(true)
                                    .desired_width(280.0),
                            )
                            .labelled_by(l.id);
                        if resp.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                            action = Some(ConnectAction::Connect(Box::new(self.options())));
                        }
                        ui.end_row();
                    }

                    let l = ui.label("CA certificate:");
                    ui.horizontal(|ui| {
                        ui.add(
                            egui::TextEdit::singleline(&mut self.prefs.ca_file)
                                .hint_text("optional: your company's CA (PEM)")
                                .desired_width(200.0),
                        )
                        .labelled_by(l.id);
                        if ui.button("Browse…").clicked() {
                            action = Some(ConnectAction::PickCaFile);
                        }
                    });
                    ui.end_row();

                    let l = ui.label("Search base:");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.prefs.base_dn)
                            .hint_text("optional: found automatically")
                            .desired_width(280.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                });
            ui.add_space(4.0);
            ui.checkbox(&mut self.insecure, "Trust any certificate (lab only)")
                .on_hover_text("Accept any certificate: use only for a test server you control");
            if self.insecure {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "⚠ The server's certificate will NOT be checked: anyone on the network could pose as it.",
                );
            }
        });

        if !self.prefs.pin_sha256.trim().is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label("Trusted certificate (SHA-256):");
                ui.monospace(egui::RichText::new(self.prefs.pin_sha256.trim()).small());
                if ui
                    .small_button("Forget")
                    .on_hover_text("Stop trusting this certificate")
                    .clicked()
                {
                    self.prefs.pin_sha256.clear();
                }
            });
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if self.busy {
                ui.spinner();
                ui.label("Connecting…");
                if ui.button("Cancel").clicked() {
                    action = Some(ConnectAction::Cancel);
                }
            } else if ui
                .add(egui::Button::new("Connect"))
                .on_hover_text("Enter")
                .clicked()
            {
                action = Some(ConnectAction::Connect(Box::new(self.options())));
            }
        });
        action = self.outcome_ui(ui).or(action);
        ui.separator();
        ui.add_enabled_ui(!self.busy, |ui| {
            ui.horizontal(|ui| {
                if ui
                    .button("Open demo directory")
                    .on_hover_text("A fictional company, stored on this computer: try everything without Active Directory")
                    .clicked()
                {
                    action = Some(ConnectAction::OpenDemo);
                }
                if ui
                    .button("Open LDIF file…")
                    .on_hover_text("Work offline on an LDIF export; changes are written to an LDIF change file")
                    .clicked()
                {
                    action = Some(ConnectAction::PickLdif);
                }
            });
        });
        action
    }

    /// The last error or notice, under the Connect button; for a refused certificate, the
    /// certificate itself and "Trust this certificate".
    fn outcome_ui(&mut self, ui: &mut egui::Ui) -> Option<ConnectAction> {
        let mut action = None;
        if let Some(e) = &self.error {
            ui.add_space(6.0);
            ui.colored_label(ui.visuals().error_fg_color, e);
            if let Some(cert) = self.offered_cert.clone() {
                certificate_ui(ui, &cert);
                if ui
                    .button("Trust this certificate")
                    .on_hover_text(
                        "Trust exactly this certificate from now on (check its fingerprint \
                         with the server's administrator first); any other is refused",
                    )
                    .clicked()
                {
                    self.prefs.pin_sha256 = cert.sha256.clone();
                    self.offered_cert = None;
                    self.error = None;
                    action = Some(ConnectAction::Connect(Box::new(self.options())));
                }
            }
        } else if let Some(n) = &self.notice {
            ui.add_space(6.0);
            ui.label(n);
        }
        action
    }

    fn profiles_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let l = ui.label("Profile:");
            let current = self
                .prefs
                .profile
                .clone()
                .unwrap_or_else(|| "(none)".into());
            let mut chosen: Option<Profile> = None;
            let combo = egui::ComboBox::from_id_salt("profile")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for p in &self.profiles {
                        if ui
                            .selectable_label(
                                self.prefs.profile.as_deref() == Some(&p.name),
                                &p.name,
                            )
                            .clicked()
                        {
                            chosen = Some(p.clone());
                        }
                    }
                    if self.profiles.is_empty() {
                        ui.weak("No saved profiles yet");
                    }
                });
            combo.response.labelled_by(l.id);
            if let Some(p) = chosen {
                self.apply_profile(&p);
            }
            if let Some(name) = self.prefs.profile.clone()
                && self.profiles.iter().any(|p| p.name == name)
                && ui
                    .small_button("Delete")
                    .on_hover_text("Delete this profile")
                    .clicked()
            {
                self.delete_profile(&name);
            }
        });
        ui.horizontal(|ui| {
            let l = ui.label("New profile:");
            ui.add(
                egui::TextEdit::singleline(&mut self.new_profile_name)
                    .hint_text("name")
                    .desired_width(140.0),
            )
            .labelled_by(l.id);
            if ui
                .button("Save profile")
                .on_hover_text("Saves the fields below, never the password")
                .clicked()
            {
                self.save_profile();
            }
        });
    }
}

/// The refused certificate as a person checks it: who it is for, who vouches for it, when it
/// is valid, and the fingerprint to read out to the server's administrator.
fn certificate_ui(ui: &mut egui::Ui, cert: &CertSummary) {
    ui.add_space(4.0);
    egui::Frame::group(ui.style()).show(ui, |ui| {
        egui::Grid::new("refused-certificate")
            .num_columns(2)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                ui.label("Issued to:");
                ui.label(&cert.subject);
                ui.end_row();
                ui.label("Issued by:");
                if cert.self_signed {
                    ui.label("itself (self-signed)");
                } else {
                    ui.label(&cert.issuer);
                }
                ui.end_row();
                ui.label("Valid:");
                ui.label(format!("{} to {}", cert.not_before, cert.not_after));
                ui.end_row();
                ui.label("Server names:");
                ui.label(cert.names_text());
                ui.end_row();
                ui.label("SHA-256 fingerprint:");
                ui.add(
                    egui::Label::new(egui::RichText::new(&cert.sha256).monospace().small()).wrap(),
                );
                ui.end_row();
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::DomainHint;

    fn hint(server: &str) -> DomainHint {
        DomainHint {
            domain: server.into(),
            source: "found via DNS".into(),
        }
    }

    #[test]
    fn a_dc_found_in_dns_replaces_a_guess_but_never_what_was_typed() {
        let tmp = tempfile::tempdir().unwrap();
        let store = ProfileStore::new(tmp.path());
        let mut d = ConnectDialog::new(ConnectPrefs::default(), store.clone());
        d.prefs.server.clear();
        d.hint = None;
        d.offer_hint(hint("dc1.corp.test"));
        assert_eq!(d.prefs.server, "dc1.corp.test");
        // An untouched suggestion gives way to a better one…
        d.offer_hint(hint("dc2.corp.test"));
        assert_eq!(d.prefs.server, "dc2.corp.test");
        // …a typed server does not.
        d.prefs.server = "ldaps://mine.corp.test".into();
        d.offer_hint(hint("dc3.corp.test"));
        assert_eq!(d.prefs.server, "ldaps://mine.corp.test");
        assert!(!d.takes_suggestion());
    }

    /// The realm's suggestion comes from the worker some frames after the start; a person who
    /// emptied the field meanwhile keeps it empty (it once filled in behind their back, and
    /// Connect then went to the realm's domain instead of saying "no server given").
    #[test]
    fn a_field_the_person_emptied_is_not_filled_by_a_late_suggestion() {
        let tmp = tempfile::tempdir().unwrap();
        let mut d = ConnectDialog::new(ConnectPrefs::default(), ProfileStore::new(tmp.path()));
        d.prefs.server.clear();
        assert!(d.wants_hint());
        d.server_touched = true; // what the Server field's `changed()` sets
        d.profiles_loaded(Ok(Vec::new()), Some(hint("example.test")));
        assert_eq!(d.prefs.server, "");
        d.offer_hint(hint("dc1.example.test"));
        assert_eq!(d.prefs.server, "");
        assert!(d.profiles_arrived());
    }
}
