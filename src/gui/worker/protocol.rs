//! What the window and the worker say to each other: [`Command`]s in, [`Event`]s out. Each
//! command is sent with a request id ([`super::ReqId`]); every event it causes comes back with
//! that id, so a reply reaches the view that asked, whatever is on screen by then.

use std::path::PathBuf;
use std::sync::Arc;

use super::super::photo_bridge::{self, Thumbnail};
use crate::directory::{BackupRecord, ConnectOptions, Container, Depth, User};
use crate::import::{Cancel, Encoded, MatchBy, Matched, Plan, Progress, Report, UndoReport};
use crate::matching::{PhotoFile, ScanResult, Suggestion};

/// How the window is connected, for the toolbar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// `ldaps://dc1:636` or `demo.ldif`.
    pub target: String,
    pub base_dn: String,
    pub kind: ConnectionKind,
    /// Certificate verification was turned off for this connection.
    pub insecure: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionKind {
    Ldaps,
    StartTls,
    Kerberos,
    Plain,
    Offline,
}

impl ConnectionKind {
    pub fn label(self) -> &'static str {
        match self {
            ConnectionKind::Ldaps => "LDAPS",
            ConnectionKind::StartTls => "StartTLS",
            ConnectionKind::Kerberos => "Kerberos",
            ConnectionKind::Plain => "unencrypted",
            ConnectionKind::Offline => "offline",
        }
    }
}

/// What a file dialog is for; comes back with the chosen path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilePurpose {
    /// A new photo for the user with this DN.
    SetPhoto(String),
    /// A new Microsoft 365 photo for the user with this DN.
    SetCloudPhoto(String),
    /// Where to save this user's current photo.
    ExportPhoto { dn: String, suggested: String },
    /// A CA certificate for the connect dialog.
    CaFile,
    /// An LDIF export to open offline.
    Ldif,
    /// The folder of photos for the import wizard.
    ImportFolder,
    /// Where to save the import report (CSV).
    ImportReport,
    /// The folder to save these users' photos in (DNs).
    ExportFolder(Vec<String>),
    /// A mapping file (CSV: file → attribute value) for the import wizard.
    ImportMap,
    /// Where to save the wizard's choices as a sync profile (TOML).
    SyncProfile,
}

/// How a person signs in to Microsoft 365 from the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInWay {
    /// A code to type on the sign-in page, in any browser.
    Code,
    /// This computer's browser (authorization code with PKCE).
    Browser,
    /// Silently, from the sign-in kept in the credential store (at start); no prompt.
    Kept,
}

/// A Microsoft 365 sign-in that worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudSignedIn {
    /// The tenant signed in to.
    pub tenant: String,
    /// Why "keep me signed in" did not work, when it was asked for and did not.
    pub keep_problem: Option<String>,
}

/// What the window asks the engine to do.
#[derive(Debug)]
pub enum Command {
    /// Sign in to Microsoft 365 as a person (device code, or the system's browser); the worker
    /// keeps the sign-in (tokens in memory only) for imports to Microsoft 365 and their undo.
    CloudSignIn {
        opts: Box<crate::cloud::CloudOptions>,
        way: SignInWay,
    },
    /// Forget the Microsoft 365 sign-in, the kept one in the credential store too.
    CloudSignOut,
    Connect(Box<ConnectOptions>),
    OpenLdif {
        source: PathBuf,
        changes: PathBuf,
    },
    /// Copy the shipped demo directory into the data folder and open it as an LDIF export.
    OpenDemo,
    Disconnect,
    Children(String),
    Users {
        base: String,
        depth: Depth,
        /// Users, contacts or both.
        which: crate::directory::Which,
    },
    Thumb(String),
    /// Import wizard: a thumbnail of a photo file, for the matching table.
    FileThumb(PathBuf),
    Preview(Box<User>),
    SetPhoto {
        user: Box<User>,
        file: PathBuf,
        /// A crop chosen on the crop canvas (None: automatic).
        crop: Option<(crate::photo::CropRect, u8)>,
    },
    RemovePhoto(Box<User>),
    /// Change the user's Microsoft 365 photo (signed in), keeping its history.
    CloudPhoto {
        user: Box<User>,
        change: CloudChange,
    },
    /// Put back the state before one of adphoto's changes: the last one ("Restore previous",
    /// `record: None`) or one picked from the history.
    RestorePhoto {
        user: Box<User>,
        record: Option<Box<BackupRecord>>,
    },
    ExportPhoto {
        dn: String,
        path: PathBuf,
    },
    PickFile(FilePurpose),
    /// Import wizard: list the photos in a folder.
    Scan {
        folder: PathBuf,
        recursive: bool,
    },
    /// Import wizard: pair files with users.
    Automatch {
        files: Vec<PhotoFile>,
        users: Vec<User>,
        how: MatchBy,
    },
    /// Import wizard: the naming patterns that match most files.
    SuggestPatterns {
        files: Vec<PhotoFile>,
        users: Vec<User>,
    },
    /// Import wizard: run the plan (the engine's [`crate::import::import`]: lock, journal, job);
    /// stop it with `cancel`.
    Import {
        plan: Box<Plan>,
        cancel: Cancel,
    },
    /// Import wizard: encode one file for `target`, for the resize step's preview.
    EncodePreview {
        file: PathBuf,
        target: crate::photo::Target,
        /// A crop chosen by hand, with its quarter turns.
        crop: Option<(crate::photo::CropRect, u8)>,
    },
    /// Crop canvas: load a picture (rotated by `turns`) with its automatic crop.
    CropLoad {
        file: PathBuf,
        target: crate::photo::Target,
        turns: u8,
    },
    /// Crop canvas: encode with this crop, for the live preview.
    CropEncode {
        file: PathBuf,
        target: crate::photo::Target,
        crop: crate::photo::CropRect,
        turns: u8,
    },
    /// Undo the import recorded in this journal.
    Undo(PathBuf),
    /// Write a text file (the import report).
    SaveText {
        path: PathBuf,
        text: String,
        /// Said after "Saved PATH." (what to do with the file).
        then: Option<String>,
    },
    /// Read a user's stored photo into the window's clipboard ("Copy photo", Ctrl+C).
    CopyPhoto(Box<User>),
    /// Write a copied photo to each of these users ("Paste photo", Ctrl+V).
    PastePhoto {
        users: Vec<User>,
        jpeg: Arc<Vec<u8>>,
    },
    /// Remove the photo of each of these users.
    RemovePhotos(Vec<User>),
    /// Save each user's stored photo as `<account>.jpg` in `folder`.
    ExportPhotos {
        users: Vec<User>,
        folder: PathBuf,
    },
    /// Hand a user's stored photo to the crop canvas ("Edit current photo").
    EditPhoto(Box<User>),
    /// Hand an image pasted from the system's clipboard to the crop canvas for `user`.
    PasteImage {
        user: Box<User>,
        image: Arc<egui::ColorImage>,
    },
    /// May the signed-in account change these users' photos (the wizard's Summary)?
    PhotoRights(Vec<crate::directory::Who>),
    /// What the records of earlier imports say of this plan (the wizard's Summary).
    Foresee(Box<crate::import::Plan>),
    /// Look for a domain controller in DNS to suggest in the connect dialog.
    SuggestServer,
    /// Find the imports that stopped before their end (the notice at start).
    FindUnfinished,
    /// Read the saved connection profiles; with `hint`, also the server this computer's
    /// domain suggests (the Kerberos realm in krb5.conf, USERDNSDOMAIN on Windows).
    LoadProfiles {
        store: crate::settings::ProfileStore,
        hint: bool,
    },
    /// Write the connection profiles (never a password); `saved`: the one just saved.
    SaveProfiles {
        store: crate::settings::ProfileStore,
        profiles: Vec<crate::settings::Profile>,
        saved: Option<String>,
    },
    /// Stops this request if it is still under way (a connect, a listing, an export).
    Cancel(super::ReqId),
}

/// What comes back.
#[derive(Debug)]
pub enum Event {
    Connected(ConnectionInfo),
    /// The engine's words, and the refused certificate when there is one to pin.
    ConnectFailed {
        message: String,
        cert: Option<Box<crate::directory::CertSummary>>,
    },
    Children {
        dn: String,
        result: Result<Vec<Container>, String>,
    },
    Users(Result<Vec<User>, String>),
    Thumb {
        dn: String,
        image: Option<Thumbnail>,
    },
    FileThumb {
        path: PathBuf,
        result: Result<Thumbnail, String>,
        /// Its size and face, for the photo warnings.
        facts: Option<crate::photo::PhotoFacts>,
    },
    Preview {
        dn: String,
        photo: Option<PreviewPhoto>,
        /// adphoto's changes to this user's photo, newest first.
        history: Vec<BackupRecord>,
        error: Option<String>,
        /// May the signed-in account change it (`None`: not known, e.g. offline).
        can_write: Option<bool>,
    },
    /// The shown user's Microsoft 365 profile photo, after their [`Event::Preview`] (signed in
    /// only).
    CloudPreview {
        dn: String,
        photo: CloudPhoto,
        /// When adphoto last changed it (shown in local time); `None`: never, nothing to restore.
        last_change: Option<String>,
    },
    /// A photo was written, removed or restored: the user's new photo size (None: no photo).
    PhotoChanged {
        dn: String,
        photo_bytes: Option<usize>,
        message: String,
        /// For a set or a remove, which "Undo" (restore previous) takes back — not a restore —
        /// the toast's short text.
        undo: Option<String>,
    },
    /// A job began; `cancellable` jobs can be stopped with [`Command::Cancel`] of its id.
    JobStarted {
        text: String,
        cancellable: bool,
    },
    JobFailed(String),
    JobDone(String),
    /// A stored photo, read for the clipboard, and a picture of it for the system's.
    PhotoCopied {
        name: String,
        jpeg: Arc<Vec<u8>>,
        image: Option<Thumbnail>,
    },
    /// A picture is ready for the crop canvas of `dn` (a stored photo to edit, a pasted image).
    CropReady {
        dn: String,
        file: PathBuf,
    },
    /// Per user asked, in order: may the account change the photo (`None`: not known).
    PhotoRights(Result<Vec<Option<bool>>, String>),
    /// How many of the plan's users are known up to date or changed outside adphoto.
    Foreseen(crate::import::Foreseen),
    /// Imports that stopped before their end and can be undone ([`crate::import::journal::unfinished`]).
    Unfinished(Vec<crate::import::journal::Summary>),
    /// The saved profiles, and the server this computer's domain suggests.
    Profiles {
        result: Result<Vec<crate::settings::Profile>, String>,
        hint: Option<crate::directory::DomainHint>,
    },
    /// The profiles were written (or not); `saved`: the one just saved.
    ProfilesSaved {
        saved: Option<String>,
        result: Result<(), String>,
    },
    /// A domain controller found in DNS (SRV), or nothing.
    ServerSuggested(Option<crate::directory::DomainHint>),
    FilePicked {
        purpose: FilePurpose,
        path: Option<PathBuf>,
        /// The system's dialog could not open (it closed at once without a choice): the
        /// window shows its own chooser instead.
        native_failed: bool,
    },
    Cancelled,
    Scanned(Result<ScanResult, String>),
    /// Automatch's result (an error if it failed, or the mapping file is unusable; never an
    /// empty match in its place).
    Matched(Result<Box<Matched>, MatchFailed>),
    /// The naming patterns that match most files, best first.
    Suggested(Result<Vec<Suggestion>, String>),
    CropLoaded(Result<photo_bridge::CropSource, String>),
    CropEncoded(Result<(Thumbnail, usize), String>),
    /// A resize-step preview: the picture, and the photo as it would be written.
    Encoded(Result<(Thumbnail, Encoded), String>),
    /// The sign-in's code and the page to type it on (device code sign-in, before it ends).
    CloudDeviceCode {
        code: String,
        url: String,
        minutes: u64,
    },
    /// The Microsoft 365 sign-in ended: the tenant signed in to, or why not.
    CloudSignedIn(Result<CloudSignedIn, String>),
    ImportProgress(Progress),
    ImportDone(Box<Report>),
    Undone(Result<UndoReport, String>),
}

/// Why Automatch gave no answer.
#[derive(Debug)]
pub enum MatchFailed {
    /// The mapping file cannot be used; its own words say what to fix.
    Map(crate::matching::MapError),
    /// Matching itself failed (a bug, said plainly rather than shown as "nothing matched").
    Crashed(String),
}

/// The current photo of one user, decoded for the preview.
#[derive(Debug, Clone)]
pub struct PreviewPhoto {
    pub bytes: usize,
    pub width: u32,
    pub height: u32,
    pub image: Thumbnail,
}

/// What to do to a user's Microsoft 365 photo from the photo panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudChange {
    /// From this picture, fitted to 648×648 around the face.
    Set(PathBuf),
    Remove,
    /// Back to the state before adphoto's last change.
    Restore,
}

/// A user's photo in Microsoft 365, as the photo panel shows it.
#[derive(Debug, Clone)]
pub enum CloudPhoto {
    /// No Microsoft 365 account matches the user (by immutable id, UPN or mail).
    NoAccount,
    /// The account has no profile photo.
    None,
    Photo(PreviewPhoto),
    /// It could not be read or shown: why.
    Failed(String),
}

impl Event {
    /// Whether this is the last event of its request: status and progress events come before
    /// the answer, which ends the request (and its route to the view that asked).
    pub fn ends_request(&self) -> bool {
        !matches!(
            self,
            Event::JobStarted { .. }
                | Event::JobFailed(_)
                | Event::ImportProgress(_)
                | Event::CloudDeviceCode { .. }
        )
    }
}
