//! What an import will do: which file goes to which user, with which crop.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::choices::Skip;
use crate::directory::{PhotoAttribute, User};
use crate::photo::{CropRect, Prepared, Target};

/// One user's photo to write.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanItem {
    /// Who gets the photo.
    pub user: User,
    /// The picture file it is made from.
    pub file: PathBuf,
    /// `None`: the photo core chooses (face-centred square).
    pub crop: Option<CropRect>,
    /// Extra clockwise quarter turns chosen on the crop canvas.
    pub rotate_quarter_turns: u8,
    /// The photo already encoded for exactly this file, crop and target (the wizard's resize
    /// preview): the job writes it instead of encoding again, if the file is unchanged since.
    pub encoded: Option<Encoded>,
}

/// An encoded photo and the file it came from, as it was then.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    /// The photo as encoded.
    pub photo: Arc<Prepared>,
    /// The file as it was when encoded.
    pub stamp: FileStamp,
}

/// A file's size and modification time: changed on disk since, the encoded photo is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
}

impl FileStamp {
    /// The stamp of the file at `path` now; `None` when it cannot be read.
    pub fn of(path: &Path) -> Option<FileStamp> {
        let m = std::fs::metadata(path).ok()?;
        Some(FileStamp {
            len: m.len(),
            modified: m.modified().ok(),
        })
    }
}

impl PlanItem {
    /// The encoded photo, if there is one and the file has not changed since it was made.
    pub fn reusable(&self) -> Option<Arc<Prepared>> {
        let e = self.encoded.as_ref()?;
        (FileStamp::of(&self.file) == Some(e.stamp)).then(|| e.photo.clone())
    }
}

/// A whole import: items, target size and budget, attribute.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Names the journal and the undo: `20261125T093000Z` style, unique per run.
    pub id: String,
    /// The users to write, sorted by name.
    pub items: Vec<PlanItem>,
    /// Size and byte budget of every photo.
    pub target: Target,
    /// The attribute written (thumbnailPhoto, jpegPhoto).
    pub attribute: PhotoAttribute,
    /// Users that were considered but get no photo, with why (no file, ambiguous, unticked).
    pub skipped: Vec<(User, Skip)>,
    /// Where the photos go: the directory, Microsoft 365 or both.
    pub to: Destination,
    /// Replace photos someone changed in the directory since adphoto wrote them; by default
    /// they are left alone and reported ([`super::CHANGED_OUTSIDE`]).
    pub overwrite_changed: bool,
    /// The safety valve: the most photos one run may change, as a share (0–1) of the users
    /// considered; a run that would change more writes nothing and says why. `None`: no limit.
    pub max_change_share: Option<f64>,
    /// `--remove-missing`: the import's folder. A user whose photo adphoto made from a file in
    /// it that is gone since (and who still holds exactly that photo) loses the photo, saved
    /// first. `None` (the default): nothing is ever removed.
    pub remove_missing: Option<PathBuf>,
}

/// Where an import sends its photos. Both: the same file and crop make a photo for the
/// directory (the plan's target, 96 px for thumbnailPhoto) and one for Microsoft 365
/// ([`Target::microsoft_365`], 648 px), in one run with one journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Destination {
    /// The directory's photo attribute only (the default).
    #[default]
    Directory,
    /// The Microsoft 365 (Entra ID) profile photo only.
    Microsoft365,
    /// Both, the directory first.
    Both,
}

impl Destination {
    /// Whether the directory's photo attribute is written.
    pub fn directory(self) -> bool {
        matches!(self, Self::Directory | Self::Both)
    }

    /// Whether the Microsoft 365 profile photo is written.
    pub fn cloud(self) -> bool {
        matches!(self, Self::Microsoft365 | Self::Both)
    }

    /// `ad`, `m365`, `both`: the value of `import --to` and of a sync profile's `to`.
    pub fn option_value(self) -> &'static str {
        match self {
            Self::Directory => "ad",
            Self::Microsoft365 => "m365",
            Self::Both => "both",
        }
    }

    /// "Active Directory", "Microsoft 365", "Active Directory and Microsoft 365".
    pub fn describe(self) -> &'static str {
        match self {
            Self::Directory => "Active Directory",
            Self::Microsoft365 => "Microsoft 365",
            Self::Both => "Active Directory and Microsoft 365",
        }
    }
}

/// Why a user the account may not change is left out of an import, and why the window's photo
/// buttons are off for them: one sentence, so both faces say the same.
pub const NO_RIGHT: &str = "Your account may not change this user's photo: the server says so \
     (ask an administrator for write access to thumbnailPhoto in this OU).";

/// The numbers the summary step shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanSummary {
    /// Users who get a photo.
    pub to_write: usize,
    /// Users who already have a photo: it will be backed up, then replaced.
    pub replacing: usize,
    /// Users who get none.
    pub skipped: usize,
}

impl Plan {
    /// A plan with a new id and nobody skipped yet.
    pub fn new(items: Vec<PlanItem>, target: Target, attribute: PhotoAttribute) -> Self {
        Self {
            id: new_id(),
            items,
            target,
            attribute,
            skipped: Vec::new(),
            to: Destination::Directory,
            overwrite_changed: false,
            max_change_share: None,
            remove_missing: None,
        }
    }

    /// Who is to be written, for [`crate::directory::Directory::photo_rights`].
    pub fn who(&self) -> Vec<crate::directory::Who> {
        self.items.iter().map(|i| (&i.user).into()).collect()
    }

    /// Moves the users the signed-in account may not change (`rights[i] == Some(false)`, in the
    /// order of [`Self::who`]) to the skipped list, before anything is sent; returns how many.
    /// Unknown rights (`None`) stay: the server is the judge, and a refusal leaves no trace.
    pub fn leave_out_unwritable(&mut self, rights: &[Option<bool>]) -> usize {
        let items = std::mem::take(&mut self.items);
        let mut left_out = 0;
        for (i, item) in items.into_iter().enumerate() {
            if rights.get(i).copied().flatten() == Some(false) {
                left_out += 1;
                self.skipped.push((item.user, Skip::NoRight));
            } else {
                self.items.push(item);
            }
        }
        left_out
    }

    /// The report of a run that could not start (another writer holds the lock): every user
    /// skipped with `why`.
    pub fn not_started(&self, why: &str) -> super::Report {
        let reason = format!("not started: {why}");
        super::Report {
            id: self.id.clone(),
            results: self
                .items
                .iter()
                .map(|i| &i.user)
                .chain(self.skipped.iter().map(|(u, _)| u))
                .map(|u| {
                    let reason = reason.clone();
                    super::ItemResult::new(u, None, super::Status::Skipped { reason })
                })
                .collect(),
            not_started: Some(why.to_string()),
            ..Default::default()
        }
    }

    /// What a dry run reports: every item "to write", every skipped user with the reason. The
    /// window's "Save list…" and `adphoto import --dry-run --report` write this.
    pub fn preview_report(&self) -> super::Report {
        let to_write = self.items.iter().map(|i| {
            let replacing = i.user.photo_bytes.is_some();
            super::ItemResult::new(&i.user, Some(&i.file), super::Status::Planned { replacing })
        });
        let skipped = self.skipped.iter().map(|(u, why)| {
            let reason = why.to_string();
            super::ItemResult::new(u, None, super::Status::Skipped { reason })
        });
        super::Report {
            id: self.id.clone(),
            results: to_write.chain(skipped).collect(),
            ..Default::default()
        }
    }

    /// A new plan (new id, new journal) for the users of `report` that a lost server or a
    /// cancel left without their turn, or whose write it cut off: what "Retry" runs.
    pub fn retry(&self, report: &super::Report) -> Option<Plan> {
        let items: Vec<PlanItem> = self
            .items
            .iter()
            .filter(|i| {
                report
                    .unfinished
                    .iter()
                    .any(|dn| crate::directory::dn_eq(dn, &i.user.dn))
            })
            .cloned()
            .collect();
        (!items.is_empty()).then(|| Plan {
            to: self.to,
            overwrite_changed: self.overwrite_changed,
            max_change_share: self.max_change_share,
            ..Plan::new(items, self.target, self.attribute.clone())
        })
    }

    /// The counts the summary shows.
    pub fn summary(&self) -> PlanSummary {
        PlanSummary {
            to_write: self.items.len(),
            replacing: self
                .items
                .iter()
                .filter(|i| i.user.photo_bytes.is_some())
                .count(),
            skipped: self.skipped.len(),
        }
    }
}

/// A sortable, file-name-safe id from the current UTC time (with nanoseconds, so two imports
/// started in the same second differ).
pub fn new_id() -> String {
    let t = crate::clock::Moment::now();
    format!("{}Z-{:09}", t.compact(), t.nanosecond())
}
