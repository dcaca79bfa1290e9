//! What an import will do: which file goes to which user, with which crop.

use std::path::PathBuf;

use crate::directory::{PhotoAttribute, User};
use crate::matching::{MatchResult, ScanResult};
use crate::photo::{CropRect, Target};

/// One user's photo to write.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanItem {
    pub user: User,
    pub file: PathBuf,
    /// `None`: the photo core chooses (face-centred square).
    pub crop: Option<CropRect>,
    /// Extra clockwise quarter turns chosen on the crop canvas.
    pub rotate_quarter_turns: u8,
}

/// A whole import: items, target size and budget, attribute.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Names the journal and the undo: `20261125T093000Z` style, unique per run.
    pub id: String,
    pub items: Vec<PlanItem>,
    pub target: Target,
    pub attribute: PhotoAttribute,
    /// Users that were considered but get no photo, with why (no file, ambiguous, unticked).
    pub skipped: Vec<(User, String)>,
}

/// The numbers the summary step shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanSummary {
    pub to_write: usize,
    /// Users who already have a photo: it will be backed up, then replaced.
    pub replacing: usize,
    pub skipped: usize,
}

impl Plan {
    pub fn new(items: Vec<PlanItem>, target: Target, attribute: PhotoAttribute) -> Self {
        Self {
            id: new_id(),
            items,
            target,
            attribute,
            skipped: Vec::new(),
        }
    }

    /// The plan Automatch proposes: matched pairs become items (automatic crop); ambiguous cases
    /// and users without a file are skipped with the reason — nothing ambiguous is written silently.
    pub fn from_matches(
        users: &[User],
        scan: &ScanResult,
        result: &MatchResult,
        target: Target,
        attribute: PhotoAttribute,
    ) -> Self {
        let items = result
            .matched
            .iter()
            .map(|m| PlanItem {
                user: users[m.user].clone(),
                file: scan.files[m.file].path.clone(),
                crop: None,
                rotate_quarter_turns: 0,
            })
            .collect();
        let mut plan = Plan::new(items, target, attribute);
        for a in &result.ambiguous {
            let files: Vec<String> = a
                .files
                .iter()
                .map(|&f| scan.files[f].path.display().to_string())
                .collect();
            for &u in &a.candidates {
                plan.skipped.push((
                    users[u].clone(),
                    format!("ambiguous: {} — decide in the wizard", files.join(", ")),
                ));
            }
        }
        for &u in &result.users_without_file {
            plan.skipped
                .push((users[u].clone(), "no matching file".into()));
        }
        plan
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
                .map(|u| super::ItemResult {
                    dn: u.dn.clone(),
                    name: u.label(),
                    sam_account_name: u.sam_account_name.clone(),
                    file: None,
                    status: super::Status::Skipped {
                        reason: reason.clone(),
                    },
                })
                .collect(),
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
        (!items.is_empty()).then(|| Plan::new(items, self.target, self.attribute.clone()))
    }

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
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z-{:09}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}
