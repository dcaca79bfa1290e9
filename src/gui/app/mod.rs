//! The app: state that lives as long as the window, the frame layout, and the handling of
//! layout. What the worker reports is handled in `events`, the notices in `notices`; sub-views
//! live in their own modules and return actions.

mod env;
mod events;
mod notices;
mod photo_canvas;
mod photo_panel;
mod row_actions;
mod sync_profile;
mod toolbar;

use std::path::{Path, PathBuf};

use super::connect_dialog::{ConnectAction, ConnectDialog};
use super::crop_canvas::CropCanvas;
use super::file_chooser::FileChooser;
use super::preview::Preview;
use super::status_bar::StatusBar;
use super::thumbs::DnThumbs;
use super::toast::Toast;
use super::tree_panel::{TreeAction, TreePanel};
use super::user_grid::{GridAction, UserGrid};
use super::wizard::{Wizard, WizardAction};
use super::worker::{Command, ConnectionInfo, FilePurpose, ReqId, Worker};
use crate::data_folder::DataFolder;
use crate::directory::{Depth, Directory, User};
use crate::import::journal;
use crate::settings::ProfileStore;

pub use env::{AppEnv, Prefill, Prefs};

pub struct App {
    env: AppEnv,
    /// Backups, journals, offline change files, locks: made once, passed to who needs it.
    data: DataFolder,
    worker: Worker,
    connection: Option<ConnectionInfo>,
    connect: ConnectDialog,
    include_sub_ous: bool,
    tree: TreePanel,
    grid: UserGrid,
    preview: Preview,
    thumbs: DnThumbs,
    status: StatusBar,
    /// The user listing asked for last: answers to older ones are dropped.
    users_request: Option<ReqId>,
    /// The connect (or LDIF open) asked for last.
    connect_request: Option<ReqId>,
    /// The DN whose users are shown.
    users_base: Option<String>,
    /// Keep this user selected when the list reloads (after Refresh).
    keep_selected: Option<String>,
    /// The change to a photo under way (actions wait for it); its answers end it.
    photo_job: Option<ReqId>,
    /// The preview asked for last: answers to older ones are dropped.
    preview_request: Option<ReqId>,
    /// The job the status bar's Cancel stops (a connect, a listing, an export).
    cancellable: Option<ReqId>,
    /// The import wizard, while it is open.
    wizard: Option<Wizard>,
    /// Journals of imports that never finished (found at start), until the user dismisses them.
    unfinished: Vec<journal::Summary>,
    /// "Set photo…": the user, the chosen file and its crop canvas.
    set_photo_crop: Option<(User, PathBuf, CropCanvas)>,
    /// adphoto's own file chooser, for when the system's dialog cannot open.
    chooser: FileChooser,
    /// The system's dialog failed once (or `ADPHOTO_FILE_CHOOSER=builtin`): use ours.
    own_file_chooser: bool,
    theme: egui::ThemePreference,
    /// "Photo of … removed. [Undo]" after a one-user change.
    toast: Option<Toast>,
    /// The import wizard's last choices, per profile (remembered between runs).
    imports: crate::gui::wizard::ImportMemories,
    /// This wizard's choices were remembered (its import started).
    wizard_remembered: bool,
    /// The photo copied with "Copy photo" / Ctrl+C, to paste on other users.
    copied: Option<row_actions::CopiedPhoto>,
    /// The Microsoft 365 sign-in (its dialog, and the tenant once signed in).
    cloud: crate::gui::cloud_sign_in::CloudSignIn,
}

impl App {
    /// The app for eframe; restores the preferences from eframe's storage.
    pub fn new(cc: &eframe::CreationContext<'_>, env: AppEnv) -> Self {
        let prefs: Prefs = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        Self::with_prefs(&cc.egui_ctx, env, prefs)
    }

    pub fn with_prefs(ctx: &egui::Context, env: AppEnv, mut prefs: Prefs) -> Self {
        if let Some(server) = &env.prefill.server {
            prefs.connect.server.clone_from(server);
        }
        if let Some(user) = &env.prefill.user {
            prefs.connect.user.clone_from(user);
            prefs.connect.kerberos = false;
        }
        if let Some(ca) = &env.prefill.ca_file {
            prefs.connect.ca_file = ca.display().to_string();
        }
        let data = DataFolder::new(&env.data_dir);
        let worker = Worker::start(ctx.clone(), data.clone());
        let connect = ConnectDialog::new(prefs.connect, ProfileStore::new(&env.config_dir));
        let mut grid = UserGrid::default();
        grid.prefs = prefs.grid;
        let mut app = Self {
            env,
            data,
            worker,
            connection: None,
            connect,
            include_sub_ous: prefs.include_sub_ous,
            tree: TreePanel::default(),
            grid,
            preview: Preview::default(),
            thumbs: DnThumbs::for_users(),
            status: StatusBar::default(),
            users_request: None,
            connect_request: None,
            users_base: None,
            keep_selected: None,
            photo_job: None,
            preview_request: None,
            cancellable: None,
            wizard: None,
            unfinished: Vec::new(),
            set_photo_crop: None,
            chooser: FileChooser::default(),
            own_file_chooser: false,
            toast: None,
            copied: None,
            cloud: crate::gui::cloud_sign_in::CloudSignIn::new(prefs.cloud),
            theme: prefs.theme,
            imports: prefs.imports,
            wizard_remembered: false,
        };
        ctx.set_theme(app.theme);
        // egui's light orange for warnings is 2.8:1 on its light panels: too faint for "⚠ not
        // encrypted". A darker amber reads at over 4.5:1 (the themes test checks both).
        ctx.style_mut_of(egui::Theme::Light, |s| {
            s.visuals.warn_fg_color = egui::Color32::from_rgb(150, 85, 0);
        });
        // And the dark theme's hints (weak text) are 2.3:1; a lighter grey reads at 3:1+.
        ctx.style_mut_of(egui::Theme::Dark, |s| {
            s.visuals.weak_text_color = Some(egui::Color32::from_gray(115));
        });
        app.own_file_chooser = app.env.own_file_chooser;
        app.worker.send(Command::LoadProfiles {
            store: app.connect.store().clone(),
            hint: app.connect.wants_hint(),
        });
        if app.env.asks_dns_at_start() && app.connect.takes_suggestion() {
            app.worker.send(Command::SuggestServer);
        }
        // Read on the worker: the journals are files, and the first frame must not wait.
        app.worker.send(Command::FindUnfinished);
        app.cloud.resume(&app.worker);
        if let Some(ldif) = app.env.start_ldif.clone() {
            app.open_ldif(ldif);
        } else if app.env.start_demo {
            app.open_demo();
        }
        app
    }

    pub fn prefs(&self) -> Prefs {
        Prefs {
            connect: self.connect.prefs.clone(),
            grid: self.grid.prefs.clone(),
            include_sub_ous: self.include_sub_ous,
            theme: self.theme,
            imports: self.imports.clone(),
            cloud: self.cloud.prefs(),
        }
    }

    /// The connection shown in the toolbar, once connected.
    pub fn connection(&self) -> Option<&ConnectionInfo> {
        self.connection.as_ref()
    }

    pub fn grid(&self) -> &UserGrid {
        &self.grid
    }

    /// Thumbnails asked for, and the searches that read them ([`Worker::thumb_reads`]).
    pub fn thumb_reads(&self) -> (usize, usize) {
        self.worker.thumb_reads()
    }

    pub fn preview(&self) -> &Preview {
        &self.preview
    }

    pub fn status(&self) -> &StatusBar {
        &self.status
    }

    pub fn connect_dialog(&mut self) -> &mut ConnectDialog {
        &mut self.connect
    }

    /// The data folder (backups, journals, offline change files, locks).
    pub fn data(&self) -> &DataFolder {
        &self.data
    }

    /// The import wizard, while it is open.
    pub fn wizard(&self) -> Option<&Wizard> {
        self.wizard.as_ref()
    }

    /// Imports that stopped before their end with something left to undo, offered at start.
    pub fn unfinished_imports(&self) -> &[journal::Summary] {
        &self.unfinished
    }

    /// Opens the import wizard for the selected users, or all listed users when none is selected.
    pub fn open_wizard(&mut self) {
        let selected = self.grid.selected_users();
        let users: Vec<User> = if selected.is_empty() {
            self.grid.users().to_vec()
        } else {
            selected.into_iter().cloned().collect()
        };
        let profile = self.connect.prefs.profile.as_deref();
        self.wizard = Some(Wizard::remembering(
            users,
            &self.data,
            self.imports.get(profile),
        ));
        self.wizard_remembered = false;
    }

    /// Sets the wizard's photo folder: what Browse… does after its dialog, and what tests use.
    pub fn set_import_folder(&mut self, path: &Path) {
        if let Some(w) = &mut self.wizard {
            w.set_folder(path);
        }
    }

    /// Gives the wizard a mapping file instead of a pattern: what "Mapping file…" does after
    /// its dialog, and what tests use.
    pub fn set_import_map(&mut self, path: &Path) {
        if let Some(w) = &mut self.wizard {
            w.set_map_file(path);
        }
    }

    /// Saves the wizard's import report as CSV: what "Save report…" does after its dialog.
    pub fn save_import_report(&mut self, path: PathBuf) {
        if let Some(w) = &self.wizard {
            w.save_report(path, &self.worker);
        }
    }

    /// Loads the shipped demo directory (copied into the data folder by the worker; changes go
    /// beside it).
    pub fn open_demo(&mut self) {
        self.connect.busy = true;
        self.connect.error = None;
        self.connect_request = Some(self.worker.send(Command::OpenDemo));
    }

    /// Opens an LDIF export offline; changes go to `<data>/offline/<name>-changes.ldif`.
    pub fn open_ldif(&mut self, source: PathBuf) {
        let changes = Directory::default_changes_path(&self.data, &source);
        self.connect.busy = true;
        self.connect.error = None;
        self.connect_request = Some(self.worker.send(Command::OpenLdif { source, changes }));
    }

    /// Sets a user's photo from an image file: what "Set photo…", a dropped file and tests use.
    pub fn set_photo_from_file(&mut self, dn: &str, file: PathBuf) {
        let Some(user) = self.grid.users().iter().find(|u| u.dn == dn).cloned() else {
            self.status.error(format!("No such user in the list: {dn}"));
            return;
        };
        self.change_photo(Command::SetPhoto {
            user: Box::new(user),
            file,
            crop: None,
        });
    }

    /// Saves a user's stored photo to a file: what "Export photo…" does after its file dialog.
    pub fn export_photo_to(&mut self, dn: &str, path: PathBuf) {
        self.worker.send(Command::ExportPhoto {
            dn: dn.to_string(),
            path,
        });
    }

    /// Saves the stored photos of the users `dns` (of the list shown) into `folder`: what the
    /// row menu's "Export…" for several users does after its folder dialog.
    pub fn export_photos_to(&mut self, dns: &[String], folder: PathBuf) {
        let users = self
            .grid
            .users()
            .iter()
            .filter(|u| dns.contains(&u.dn))
            .cloned()
            .collect();
        self.worker.send(Command::ExportPhotos { users, folder });
    }

    /// Shows `users` as if a directory had listed them (benchmarks and tests of the grid).
    pub fn show_users(&mut self, info: ConnectionInfo, users: Vec<User>) {
        self.users_base = Some(info.base_dn.clone());
        self.connection = Some(info);
        self.grid.set_users(users);
    }

    fn load_users(&mut self) {
        let Some(base) = self.users_base.clone() else {
            return;
        };
        self.grid.loading = true;
        let depth = if self.include_sub_ous {
            Depth::Subtree
        } else {
            Depth::OneLevel
        };
        let which = self.grid.prefs.which;
        self.users_request = Some(self.worker.send(Command::Users { base, depth, which }));
    }

    fn refresh(&mut self) {
        self.keep_selected = self.preview.dn().map(str::to_string);
        self.thumbs.clear();
        self.tree.refresh(&self.worker);
        self.load_users();
    }

    fn disconnect(&mut self) {
        self.worker.send(Command::Disconnect);
        self.connection = None;
        self.users_base = None;
        self.grid.clear();
        self.tree.clear();
        self.preview.clear();
        self.thumbs.clear();
        self.status = StatusBar::default();
    }

    fn selection_changed(&mut self) {
        let sel = self.grid.selected_users();
        if let [one] = sel.as_slice() {
            if self.preview.dn() != Some(one.dn.as_str()) {
                let user = (*one).clone();
                self.ask_preview(user);
            }
        } else {
            self.preview.clear();
        }
    }

    /// Opens the system's file dialog (on the worker; the choice comes back as
    /// `Event::FilePicked`), or adphoto's own once the system's could not open.
    fn pick(&mut self, purpose: FilePurpose) {
        if self.own_file_chooser {
            self.chooser.open(purpose, None);
        } else {
            self.worker.send(Command::PickFile(purpose));
        }
    }

    /// The whole window, drawn into `ui` (eframe's root).
    pub fn root_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        for reply in self.worker.drain() {
            self.on_reply(&ctx, reply);
        }
        self.thumbs.tick();
        if let Some((purpose, path)) = self.chooser.ui(&ctx) {
            self.file_picked(purpose, path);
        }
        if self.connection.is_some()
            && ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::F5))
        {
            self.refresh();
        }

        egui::Panel::top("toolbar").show(ui, |ui| {
            ui.add_space(2.0);
            self.toolbar_ui(ui);
            ui.add_space(2.0);
        });
        let extra = match &self.connection {
            Some(c) => c.base_dn.clone(),
            None => String::new(),
        };
        egui::Panel::bottom("status").show(ui, |ui| {
            if self.status.ui(ui, &extra)
                && let Some(id) = self.cancellable
            {
                self.worker.send(Command::Cancel(id));
            }
        });

        if !self.unfinished.is_empty() {
            self.unfinished_ui(ui);
        }

        if self.connection.is_none() {
            // Below the toolbar and any notice: the dialog is pinned to its top edge, so it
            // grows downwards and its Connect button never moves.
            let area = ui.available_rect_before_wrap();
            egui::CentralPanel::default().show(ui, |ui| {
                ui.centered_and_justified(|ui| {
                    ui.weak("Connect to a directory, or open the demo directory to look around.");
                });
            });
            let action = self.connect.ui(&ctx, area);
            if let Some((profiles, saved)) = self.connect.take_save() {
                self.worker.send(Command::SaveProfiles {
                    store: self.connect.store().clone(),
                    profiles,
                    saved,
                });
            }
            match action {
                Some(ConnectAction::Connect(opts)) => {
                    self.connect.busy = true;
                    self.connect.error = None;
                    self.connect.offered_cert = None;
                    self.connect.notice = None;
                    self.connect_request = Some(self.worker.send(Command::Connect(opts)));
                }
                Some(ConnectAction::OpenDemo) => self.open_demo(),
                Some(ConnectAction::PickLdif) => self.pick(FilePurpose::Ldif),
                Some(ConnectAction::PickCaFile) => self.pick(FilePurpose::CaFile),
                Some(ConnectAction::Cancel) => {
                    if let Some(id) = self.connect_request {
                        self.worker.send(Command::Cancel(id));
                    }
                }
                None => {}
            }
            return;
        }

        self.cloud.ui(&ctx, &self.worker);
        if let Some(w) = &mut self.wizard {
            w.cloud = self.cloud.signed_in().map(str::to_string);
            let mut action = None;
            egui::CentralPanel::default().show(ui, |ui| {
                action = w.ui(ui, &self.worker, &mut self.thumbs);
            });
            // Once an import starts, its folder, pattern and size are this profile's defaults.
            if w.step == super::wizard::Step::Finish && !self.wizard_remembered {
                self.wizard_remembered = true;
                let profile = self.connect.prefs.profile.clone();
                self.imports.set(profile.as_deref(), w.memory());
            }
            match action {
                Some(WizardAction::Close) => self.wizard = None,
                Some(WizardAction::PickFolder) => self.pick(FilePurpose::ImportFolder),
                Some(WizardAction::PickReport) => self.pick(FilePurpose::ImportReport),
                Some(WizardAction::PickMap) => self.pick(FilePurpose::ImportMap),
                Some(WizardAction::SignInCloud) => self.cloud.show(&self.connect.prefs.ca_file),
                Some(WizardAction::PickSyncProfile) => self.pick_sync_profile(),
                None => {}
            }
            return;
        }

        self.photo_crop_ui(&ctx);

        let mut tree_action = None;
        egui::Panel::left("tree")
            .resizable(true)
            .default_size(210.0)
            .min_size(140.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                tree_action = self.tree.ui(ui, &mut self.include_sub_ous, &self.worker);
            });
        match tree_action {
            Some(TreeAction::Select(dn)) => {
                self.users_base = Some(dn);
                self.grid.select_none();
                self.preview.clear();
                self.load_users();
            }
            Some(TreeAction::IncludeSubOusChanged) => self.load_users(),
            None => {}
        }

        let mut preview_action = None;
        // A fixed width: the grid must not jump when the selection (and so the preview) changes.
        egui::Panel::right("preview")
            .resizable(false)
            .exact_size(240.0)
            .show(ui, |ui| {
                ui.add_space(4.0);
                let selected = self.grid.selected_users();
                let cloud = self.cloud.signed_in().is_some();
                preview_action = self
                    .preview
                    .ui(ui, &selected, self.photo_job.is_some(), cloud);
            });
        if let Some(a) = preview_action {
            self.preview_action(a);
        }

        let mut grid_actions = Vec::new();
        let mut reload = false;
        let grid_area = ui.available_rect_before_wrap();
        egui::CentralPanel::default().show(ui, |ui| {
            reload = self.grid.toolbar_ui(ui);
            ui.separator();
            let can_paste = self.copied.is_some();
            let read_only = self.preview.read_only_dn();
            grid_actions = self
                .grid
                .ui(ui, &mut self.thumbs, &self.worker, can_paste, read_only);
        });
        self.toast_ui(&ctx, grid_area);
        if reload {
            self.load_users();
        }
        for a in grid_actions {
            match a {
                GridAction::SelectionChanged => self.selection_changed(),
                GridAction::FileDropped { user, path } => {
                    if let Some(dn) = self.grid.users().get(user).map(|u| u.dn.clone()) {
                        self.grid.select_dn(&dn);
                        self.set_photo_from_file(&dn, path);
                    }
                }
                GridAction::DropMissed(m) => self.status.error(m),
                GridAction::Row(a) => self.row_action(a),
                GridAction::PasteImage(img) => self.paste_image(img),
            }
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.root_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.prefs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefs_round_trip_and_hold_no_secret() {
        let mut p = Prefs::default();
        p.connect.server = "dc1.example.test".into();
        p.connect.user = "helpdesk".into();
        p.grid.filter = super::super::user_grid::PhotoFilter::WithoutPhoto;
        let text = serde_json::to_string(&p).unwrap();
        assert!(!text.to_lowercase().contains("password"), "{text}");
        assert!(!text.to_lowercase().contains("insecure"), "{text}");
        let back: Prefs = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
        // Older or partial files still load.
        let partial: Prefs = serde_json::from_str(r#"{"include_sub_ous": false}"#).unwrap();
        assert!(!partial.include_sub_ous);
    }
}
