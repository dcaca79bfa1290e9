//! "Save as nightly sync…" (the wizard's Summary): the wizard's choices, the connection and the
//! listed OU written as a profile for `adphoto sync` (`import::SyncProfile`), so the import a
//! person just set up runs every night without them. The connection is the one in use (its
//! URL, sign-in, CA file or pinned certificate); never a password.

use std::path::{Path, PathBuf};

use super::App;
use crate::gui::worker::{Command, ConnectionKind};
use crate::import::SyncProfile;

impl App {
    /// "Save as nightly sync…": the save dialog, unless there is no profile to save (offline,
    /// no folder), which is said at once instead.
    pub(super) fn pick_sync_profile(&mut self) {
        match self.sync_profile() {
            Ok(_) => self.pick(crate::gui::worker::FilePurpose::SyncProfile),
            Err(e) => self.status.error(e),
        }
    }

    /// Saves the profile to `path`: what the dialog's answer does, and what tests call.
    pub fn save_sync_profile(&mut self, path: PathBuf) {
        match self.sync_profile() {
            Ok(profile) => {
                let name = path.display().to_string();
                match profile.to_toml(&file_name(&path)) {
                    Ok(text) => {
                        self.worker.send(Command::SaveText {
                            path,
                            text,
                            then: Some(format!(
                                "Run it with: adphoto sync \"{name}\"; every night: add \
                                 --install-schedule daily@02:00"
                            )),
                        });
                    }
                    Err(e) => self.status.error(e),
                }
            }
            Err(e) => self.status.error(e),
        }
    }

    /// The profile the wizard and the connection stand for, or why there is none.
    fn sync_profile(&self) -> Result<SyncProfile, String> {
        let (Some(wizard), Some(info)) = (&self.wizard, &self.connection) else {
            return Err("Open the import wizard on a directory first.".into());
        };
        if info.kind == ConnectionKind::Offline {
            return Err(
                "A nightly sync needs a directory server; the demo directory and LDIF \
                        files are offline. Connect to a domain controller first."
                    .into(),
            );
        }
        let p = &self.connect.prefs;
        let given = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let mut base = SyncProfile {
            server: Some(info.target.clone()),
            kerberos: p.kerberos,
            user: if p.kerberos { None } else { given(&p.user) },
            ca_file: given(&p.ca_file).map(PathBuf::from),
            pin_sha256: given(&p.pin_sha256),
            base: given(&p.base_dn),
            ou: self.users_base.clone(),
            subtree: self.include_sub_ous,
            ..Default::default()
        };
        let cloud = self.cloud.prefs();
        if wizard.writes_cloud() {
            base.tenant = given(&cloud.tenant);
            base.client_id = given(&cloud.client_id);
            base.cloud = Some(cloud.cloud.option_value().into());
        }
        wizard
            .sync_profile(base)
            .ok_or_else(|| "Choose the folder of photos first.".into())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "PROFILE.toml".into())
}
