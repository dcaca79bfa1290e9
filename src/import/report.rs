//! Per-user results of an import, and the CSV a helpdesk user saves from them.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::directory::User;

/// What happened to one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// The photo was written (and, on a server, read back the same).
    Written {
        /// The JPEG's size.
        bytes: usize,
        /// Its width in pixels.
        width: u32,
        /// Its height in pixels.
        height: u32,
        /// The JPEG quality that fit the budget.
        quality: u8,
        /// Where the replaced photo was saved, when there was one.
        backup: Option<PathBuf>,
    },
    /// The user was attempted and the write did not happen (or did not read back).
    Failed {
        /// Why, for a person.
        reason: String,
    },
    /// The user was not attempted.
    Skipped {
        /// Why, for a person.
        reason: String,
    },
    /// A dry run: this photo would be written (`replacing` one the user has).
    Planned {
        /// Whether it would replace a photo the user has.
        replacing: bool,
    },
    /// The user already holds exactly this photo: nothing written, nothing backed up, nothing
    /// journaled — a re-run that changes nothing does nothing.
    UpToDate,
    /// `--remove-missing`: the photo adphoto made from a file that is gone from the folder was
    /// removed (read back: none).
    Removed {
        /// Where the removed photo was saved.
        backup: Option<PathBuf>,
    },
}

/// One user's line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemResult {
    /// The user's DN.
    pub dn: String,
    /// The user's name as shown.
    pub name: String,
    /// Their logon name, when they have one.
    #[serde(rename = "sAMAccountName")]
    pub sam_account_name: Option<String>,
    /// The picture file, when there was one.
    pub file: Option<PathBuf>,
    /// What happened.
    #[serde(flatten)]
    pub status: Status,
}

impl ItemResult {
    /// `user`'s line: who they are as the report names them, the file, what happened.
    pub fn new(user: &User, file: Option<&Path>, status: Status) -> Self {
        Self {
            dn: user.dn.clone(),
            name: user.label(),
            sam_account_name: user.sam_account_name.clone(),
            file: file.map(Path::to_path_buf),
            status,
        }
    }
}

/// Why a user had no turn: the server went away (`why`) and did not come back. The one wording
/// of the import's report, its retry and the undo's.
pub(crate) fn not_attempted(why: &(impl std::fmt::Display + ?Sized)) -> String {
    format!("not attempted: server unreachable ({why})")
}

/// The whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// The plan's id (names the journal).
    pub id: String,
    /// One line per user, written, failed or skipped: the directory's photo.
    pub results: Vec<ItemResult>,
    /// The same for the Microsoft 365 photo, when it was a destination (empty otherwise).
    pub cloud: Vec<ItemResult>,
    /// Stopped by the person before every user had their turn.
    pub cancelled: bool,
    /// The server went away and did not come back: why, for a person. The rest was not attempted.
    pub unreachable: Option<String>,
    /// DNs of the users the run left without their turn or cut off mid-write (cancelled or
    /// server lost): what a retry writes.
    pub unfinished: Vec<String>,
    /// The journal that records the run, for undo.
    pub journal: Option<PathBuf>,
    /// The import did not start (the directory busy, no journal): why, for a person. Nothing
    /// was written.
    pub not_started: Option<String>,
}

impl Report {
    /// Users whose photo was written.
    pub fn written(&self) -> usize {
        self.count(|s| matches!(s, Status::Written { .. }))
    }

    /// Users whose photo was removed (`--remove-missing`).
    pub fn removed(&self) -> usize {
        self.count(|s| matches!(s, Status::Removed { .. }))
    }

    /// Users attempted whose write failed.
    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed { .. }))
    }

    /// Users not attempted.
    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, Status::Skipped { .. }))
    }

    /// Users who already held the photo the import would have written.
    pub fn up_to_date(&self) -> usize {
        self.count(|s| matches!(s, Status::UpToDate))
    }

    /// "3 written, 5 up to date, 0 failed, 2 skipped": the one line both faces show; with
    /// Microsoft 365 as well, "Active Directory: …; Microsoft 365: …".
    pub fn counts(&self) -> String {
        let line = |rs: &[ItemResult]| {
            let n = |f: fn(&Status) -> bool| rs.iter().filter(|r| f(&r.status)).count();
            let outside =
                n(|s| matches!(s, Status::Skipped { reason } if reason == super::CHANGED_OUTSIDE));
            let removed = n(|s| matches!(s, Status::Removed { .. }));
            format!(
                "{} written, {}{} up to date, {} failed, {} skipped{}",
                n(|s| matches!(s, Status::Written { .. })),
                if removed > 0 {
                    format!("{removed} removed, ")
                } else {
                    String::new()
                },
                n(|s| matches!(s, Status::UpToDate)),
                n(|s| matches!(s, Status::Failed { .. })),
                n(|s| matches!(s, Status::Skipped { .. })),
                if outside > 0 {
                    format!(" ({outside} changed outside adphoto)")
                } else {
                    String::new()
                }
            )
        };
        match (self.results.is_empty(), self.cloud.is_empty()) {
            (_, true) => line(&self.results),
            (true, false) => format!("Microsoft 365: {}", line(&self.cloud)),
            (false, false) => format!(
                "Active Directory: {}; Microsoft 365: {}",
                line(&self.results),
                line(&self.cloud)
            ),
        }
    }

    /// Users whose Microsoft 365 photo was written.
    pub fn cloud_written(&self) -> usize {
        self.cloud_count(|s| matches!(s, Status::Written { .. }))
    }

    /// Users whose Microsoft 365 write failed.
    pub fn cloud_failed(&self) -> usize {
        self.cloud_count(|s| matches!(s, Status::Failed { .. }))
    }

    fn cloud_count(&self, f: impl Fn(&Status) -> bool) -> usize {
        self.cloud.iter().filter(|r| f(&r.status)).count()
    }

    /// Whether the run stopped before every user had their turn (cancelled, server lost).
    pub fn stopped_early(&self) -> bool {
        self.cancelled || self.unreachable.is_some()
    }

    fn count(&self, f: impl Fn(&Status) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.status)).count()
    }

    /// CSV with a header row; RFC 4180 quoting; UTF-8 with a BOM so Excel reads accents right.
    pub fn to_csv(&self) -> String {
        let mut out =
            String::from("\u{feff}name,sAMAccountName,dn,file,result,bytes,detail,target\r\n");
        let rows = self
            .results
            .iter()
            .map(|r| (r, "Active Directory"))
            .chain(self.cloud.iter().map(|r| (r, "Microsoft 365")));
        for (r, target) in rows {
            let (result, bytes, detail) = match &r.status {
                Status::Written { bytes, backup, .. } => (
                    "written",
                    bytes.to_string(),
                    backup
                        .as_ref()
                        .map(|b| format!("old photo saved in {}", b.display()))
                        .unwrap_or_default(),
                ),
                Status::Failed { reason } => ("failed", String::new(), reason.clone()),
                Status::Removed { backup } => (
                    "removed",
                    String::new(),
                    format!(
                        "its file is gone from the folder; the photo is saved in {}",
                        backup
                            .as_ref()
                            .map(|b| b.display().to_string())
                            .unwrap_or_default()
                    ),
                ),
                Status::UpToDate => (
                    "up to date",
                    String::new(),
                    "already holds this photo: not written again".to_string(),
                ),
                Status::Skipped { reason } => ("skipped", String::new(), reason.clone()),
                Status::Planned { replacing } => (
                    "to write",
                    String::new(),
                    if *replacing {
                        "replaces the current photo (saved first)".into()
                    } else {
                        String::new()
                    },
                ),
            };
            let file = r
                .file
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default();
            let row = [
                r.name.as_str(),
                r.sam_account_name.as_deref().unwrap_or(""),
                r.dn.as_str(),
                file.as_str(),
                result,
                bytes.as_str(),
                detail.as_str(),
                target,
            ];
            out.push_str(&row.map(csv_field).join(","));
            out.push_str("\r\n");
        }
        out
    }
}

fn csv_field(s: &str) -> String {
    // A cell beginning with = + - @ (or tab, CR) is a formula to a spreadsheet, quoted or not
    // (OWASP "CSV injection"): a leading apostrophe makes it text.
    let neutral;
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        neutral = format!("'{s}");
        neutral.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let r = Report {
            results: vec![
                ItemResult {
                    dn: "CN=Doe\\, John,OU=Sales".into(),
                    name: "John \"JD\" Doe".into(),
                    sam_account_name: Some("jdoe".into()),
                    file: Some("photos/jdoe.jpg".into()),
                    status: Status::Written {
                        bytes: 9_000,
                        width: 96,
                        height: 96,
                        quality: 80,
                        backup: None,
                    },
                },
                ItemResult {
                    dn: "CN=x".into(),
                    name: "=cmd()".into(),
                    sam_account_name: None,
                    file: None,
                    status: Status::Failed {
                        reason: "bad file".into(),
                    },
                },
            ],
            ..Default::default()
        };
        let csv = r.to_csv();
        let lines: Vec<_> = csv.split("\r\n").collect();
        assert_eq!(
            lines[1],
            "\"John \"\"JD\"\" Doe\",jdoe,\"CN=Doe\\, John,OU=Sales\",photos/jdoe.jpg,written,9000,,Active Directory"
        );
        assert_eq!(lines[2], "'=cmd(),,CN=x,,failed,,bad file,Active Directory");
        assert_eq!((r.written(), r.failed(), r.skipped()), (1, 1, 0));
    }

    #[test]
    fn csv_neutralises_every_formula_start() {
        for bad in [
            "=HYPERLINK(\"http://evil.example/x\",\"Click\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            let cell = csv_field(bad);
            let inner = cell.strip_prefix('"').unwrap_or(&cell);
            assert!(inner.starts_with('\''), "{bad:?} gave {cell:?}");
        }
        assert_eq!(csv_field("Anna-Lena"), "Anna-Lena", "a dash inside is fine");
        assert_eq!(
            csv_field("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
    }
}
