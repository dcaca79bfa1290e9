//! What made each user's current photo: per directory and attribute, the source file (size,
//! modification time, sha256) and the settings (size, budget, crop, turns) of the import that
//! wrote it, and the photo's own sha256. A re-run finds an unchanged source up to date without
//! decoding it again, and a photo someone changed in the directory since is "changed outside
//! adphoto" and left alone unless asked ([`Judged::ChangedOutside`]).
//!
//! A record stays true only while adphoto has not changed the photo by another way since
//! (undo, restore, a single-photo set): every such change saves a backup first, so a record is
//! trusted only while the user's latest backup is the one it noted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::plan::{Plan, PlanItem};
use crate::data_folder::DataFolder;
use crate::directory::{BackupStore, sha256_hex};

/// Why a user an import would write is left alone by default: someone changed the photo in
/// the directory since adphoto wrote it.
pub const CHANGED_OUTSIDE: &str = "changed outside adphoto since adphoto wrote it: left as it is \
     (--overwrite-changed, or \"Replace photos changed outside adphoto\", replaces it)";

/// A source file as it was when its photo was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// The file's path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub len: u64,
    /// Its modification time, nanoseconds since 1970 (`None` where the system has none).
    pub modified_ns: Option<u128>,
    /// sha256 of its bytes.
    pub sha256: String,
}

impl SourceFile {
    /// The file's size and time now, without reading it.
    fn stamp(path: &Path) -> Option<(u64, Option<u128>)> {
        let m = std::fs::metadata(path).ok()?;
        let modified = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_nanos());
        Some((m.len(), modified))
    }

    /// Describes `bytes`, just read from `path` (the import hashes what it decodes).
    pub fn of_bytes(path: &Path, bytes: &[u8]) -> Option<Self> {
        let (len, modified_ns) = Self::stamp(path)?;
        (len == bytes.len() as u64).then(|| Self {
            path: path.to_path_buf(),
            len,
            modified_ns,
            sha256: sha256_hex(bytes),
        })
    }

    /// Reads and describes the file at `path`.
    pub fn read(path: &Path) -> Option<Self> {
        Self::of_bytes(path, &std::fs::read(path).ok()?)
    }

    /// Whether the file at this path still holds these bytes: same size and time, or — copied
    /// or touched — the same sha256.
    fn unchanged(&self, path: &Path) -> bool {
        if path != self.path {
            return false;
        }
        match Self::stamp(path) {
            Some((len, modified)) if len == self.len && modified == self.modified_ns => true,
            Some((len, _)) if len == self.len => {
                Self::read(path).is_some_and(|now| now.sha256 == self.sha256)
            }
            _ => false,
        }
    }
}

/// One user's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Made {
    /// The file the photo was made from.
    pub source: SourceFile,
    /// The settings it was made with ([`settings`]).
    pub settings: String,
    /// sha256 of the photo written (what the user held after).
    pub photo_sha256: String,
    /// The user's latest backup then (its record's name): a newer one means adphoto changed the
    /// photo since by another way, and this record no longer says what the user holds.
    pub latest_backup: Option<String>,
}

/// What the record says of one item of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judged {
    /// No record to go by (or an outdated one): encode and compare as usual.
    Unknown,
    /// The user holds what this very source and these settings made: nothing to do.
    UpToDate,
    /// The user holds a photo adphoto did not write: someone changed it since.
    ChangedOutside,
    /// The user holds adphoto's photo, but the source or settings changed: write the new one.
    SourceChanged,
}

/// The records of one directory and attribute, in the data folder (`made/`, private).
#[derive(Debug, Clone)]
pub struct Provenance {
    path: PathBuf,
    made: BTreeMap<String, Made>,
}

/// The settings that decide the photo made from a file, as one comparable string.
pub fn settings(plan: &Plan, item: &PlanItem) -> String {
    format!(
        "{} {}px max {} B crop {} turns {}",
        plan.attribute.name(),
        plan.target.size,
        plan.target.max_bytes,
        item.crop
            .map(|c| format!("{}x{}+{}+{}", c.width, c.height, c.x, c.y))
            .unwrap_or_else(|| "auto".into()),
        item.rotate_quarter_turns % 4
    )
}

/// A backup, named so that two taken in the same second differ (its record file's name).
fn mark(r: crate::directory::BackupRecord) -> String {
    r.record_file
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or(r.taken_at)
}

fn key(dn: &str) -> String {
    dn.to_lowercase()
}

impl Provenance {
    /// The records for this directory (its write lock's key) and attribute; none when there
    /// are none yet or the file cannot be read (a re-run then only compares bytes, as before).
    pub fn load(data: &DataFolder, directory_key: &str, attribute: &str) -> Self {
        let name = sha256_hex(format!("{directory_key}\n{}", attribute.to_lowercase()).as_bytes());
        let path = data
            .root()
            .join("made")
            .join(format!("{}.json", &name[..24]));
        let made = std::fs::read(&path)
            .ok()
            .and_then(|b| match serde_json::from_slice(&b) {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!("{}: unreadable, starting afresh: {e}", path.display());
                    None
                }
            })
            .unwrap_or_default();
        Self { path, made }
    }

    /// Writes the records back (through a temporary file: never half a file).
    pub fn save(&self) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(&self.made).map_err(std::io::Error::other)?;
        crate::data_folder::write_private(&self.path, &bytes, false)
    }

    /// The user's record, if it still stands (no later change by adphoto: the latest backup is
    /// the one it noted).
    pub(super) fn standing(
        &self,
        user: &crate::directory::User,
        backups: &BackupStore,
        attribute: &str,
    ) -> Option<&Made> {
        let made = self.made.get(&key(&user.dn))?;
        let latest = backups.latest(user, attribute).ok()?.map(mark);
        (latest == made.latest_backup).then_some(made)
    }

    /// `dn` holds no photo of adphoto's any more (it was removed): no record.
    pub(super) fn forget(&mut self, dn: &str) {
        self.made.remove(&key(dn));
    }

    /// What the record says of `item`, whose user holds a photo of sha256 `held` now.
    pub fn judge(
        &self,
        plan: &Plan,
        item: &PlanItem,
        held: Option<&str>,
        backups: &BackupStore,
    ) -> Judged {
        let Some(made) = self.standing(&item.user, backups, plan.attribute.name()) else {
            return Judged::Unknown;
        };
        if held != Some(made.photo_sha256.as_str()) {
            return Judged::ChangedOutside;
        }
        if made.settings == settings(plan, item) && made.source.unchanged(&item.file) {
            Judged::UpToDate
        } else {
            Judged::SourceChanged
        }
    }

    /// Whether there is a record for `item`'s user that still stands.
    pub fn has(&self, plan: &Plan, item: &PlanItem, backups: &BackupStore) -> bool {
        self.standing(&item.user, backups, plan.attribute.name())
            .is_some()
    }

    /// Notes that `item`'s user now holds the photo of sha256 `photo_sha256`, made from `source`.
    pub fn record(
        &mut self,
        plan: &Plan,
        item: &PlanItem,
        source: SourceFile,
        photo_sha256: String,
        backups: &BackupStore,
    ) {
        let latest_backup = backups
            .latest(&item.user, plan.attribute.name())
            .ok()
            .flatten()
            .map(mark);
        self.made.insert(
            key(&item.user.dn),
            Made {
                source,
                settings: settings(plan, item),
                photo_sha256,
                latest_backup,
            },
        );
    }
}

/// What the records already say of a plan, before it runs: how many users hold the photo it
/// would write (not written again) and how many a person changed since adphoto wrote them
/// (left alone unless [`Plan::overwrite_changed`]). At least these; the run finds more "up to
/// date" among users without a record by comparing the photos it makes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Foreseen {
    /// Users who hold what this very source and these settings made.
    pub up_to_date: usize,
    /// Users whose photo was changed outside adphoto since it wrote it.
    pub changed_outside: usize,
}

/// [`Foreseen`] for `plan` against `dir`, from the data folder's records (the window's
/// Summary asks it; a few searches, nothing decoded, nothing written).
pub async fn foresee(
    dir: &crate::directory::Directory,
    data: &DataFolder,
    mut plan: Plan,
) -> Foreseen {
    let made = Provenance::load(data, &dir.lock_key().await, plan.attribute.name());
    // Counted whatever the box says: changed outside is what it is about.
    plan.overwrite_changed = false;
    let (_, done) = sort_out(dir, &plan, &made, &BackupStore::in_folder(data)).await;
    let count =
        |f: fn(&super::report::Status) -> bool| done.iter().filter(|r| f(&r.status)).count();
    Foreseen {
        up_to_date: count(|s| matches!(s, super::report::Status::UpToDate)),
        changed_outside: count(
            |s| matches!(s, super::report::Status::Skipped { reason } if reason == CHANGED_OUTSIDE),
        ),
    }
}

/// Sorts out, before anything is encoded, the users the records speak for: up to date (this
/// source and these settings made what they hold: nothing to do, not decoded again) and
/// changed outside adphoto (left alone unless the plan says [`Plan::overwrite_changed`]). Their photos are read with
/// a few searches; when that fails the plan goes on whole (the batches compare bytes anyway).
/// Returns the plan of what is left to do and the results of the rest.
pub(super) async fn sort_out(
    dir: &crate::directory::Directory,
    plan: &Plan,
    made: &Provenance,
    backups: &BackupStore,
) -> (Plan, Vec<super::report::ItemResult>) {
    use super::report::{ItemResult, Status};
    let known: Vec<usize> = (0..plan.items.len())
        .filter(|&i| made.has(plan, &plan.items[i], backups))
        .collect();
    let mut decided: Vec<Option<Status>> = vec![None; plan.items.len()];
    if !known.is_empty() {
        let who: Vec<crate::directory::Who> = known
            .iter()
            .map(|&i| crate::directory::Who::from(&plan.items[i].user))
            .collect();
        match dir.read_photos(&who, &plan.attribute).await {
            Ok(found) => {
                for (&i, found) in known.iter().zip(found) {
                    let Ok(found) = found else { continue };
                    let held = found.photo.as_deref().map(sha256_hex);
                    decided[i] = match made.judge(plan, &plan.items[i], held.as_deref(), backups) {
                        Judged::UpToDate => Some(Status::UpToDate),
                        Judged::ChangedOutside if !plan.overwrite_changed => {
                            Some(Status::Skipped {
                                reason: CHANGED_OUTSIDE.into(),
                            })
                        }
                        _ => None,
                    };
                }
            }
            Err(e) => tracing::info!("reading the photos to compare first failed ({e}); going on"),
        }
    }
    let mut todo = Plan {
        items: Vec::new(),
        ..plan.clone()
    };
    let mut done = Vec::new();
    for (item, status) in plan.items.iter().zip(decided) {
        match status {
            Some(s) => done.push(ItemResult::new(&item.user, Some(&item.file), s)),
            None => todo.items.push(item.clone()),
        }
    }
    (todo, done)
}
