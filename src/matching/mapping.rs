//! A mapping file instead of a naming pattern: HR exports that name photos by an unrelated id
//! list which file is whose.
//!
//! The file is CSV with a header row: a `file` column and one column named after the
//! attribute that identifies the user (`employeeID`, `mail`, `sAMAccountName`, an alias such as
//! `Login`), in either order. `,`, `;` (Excel in many locales) and tab are accepted as
//! delimiters (the one the header row uses most); a UTF-8 byte order mark is skipped; a file
//! that is not UTF-8 is read as Windows-1252 (Latin-1), as older Excel versions save it.
//!
//! Each row maps one file — relative to the photo folder, or absolute — to the user whose
//! attribute equals the key, compared as Automatch compares names ([`MatchOptions::key`]).
//! The file must be one of the folder's scanned photos. Bad rows — no such file, no user or
//! several users with the key, a file or a key given twice — are listed with their row number
//! (as a spreadsheet numbers them: the header is row 1) and left out; the good rows become a
//! [`MatchResult`] like Automatch's, so everything after it is the same.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use thiserror::Error;

use crate::directory::{USER_ATTRIBUTES, User};

use super::automatch::{Match, MatchOptions, MatchResult};
use super::pattern::{Part, Pattern, PatternError};
use super::scan::PhotoFile;

/// Why a mapping file cannot be used at all (a bad row is not an error: see [`BadRow`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MapError {
    /// The file could not be read.
    #[error("cannot read the mapping file {path}: {error}")]
    Read {
        /// The file, as shown.
        path: String,
        /// The system's words.
        error: String,
    },
    /// Not even a header row.
    #[error("the mapping file is empty: it needs a header row such as \"employeeID,file\"")]
    Empty,
    /// The header names no `file` column.
    #[error(
        "the mapping file's header row has no \"file\" column (it has: {columns}); name the column with the photo file names \"file\""
    )]
    NoFileColumn {
        /// The header's columns, as found.
        columns: String,
    },
    /// Not exactly two columns.
    #[error(
        "the mapping file's header row needs two columns, \"file\" and the attribute that identifies the user (e.g. \"employeeID,file\"); it has: {columns}"
    )]
    Columns {
        /// The header's columns, as found.
        columns: String,
    },
    /// The key column names no attribute adphoto reads.
    #[error(
        "the mapping file's column \"{column}\" is not an attribute adphoto reads for users; use one of: {known}"
    )]
    NotAnAttribute {
        /// The column's name.
        column: String,
        /// The attributes that would do.
        known: String,
    },
    /// None of the users has the key column's attribute at all.
    #[error("the mapping file's column \"{column}\": {error}")]
    NoUserHasIt {
        /// The column's name.
        column: String,
        /// What the pattern check says about it.
        error: PatternError,
    },
    /// The CSV reader gave up (its message).
    #[error("the mapping file is not valid CSV: {0}")]
    Csv(String),
}

/// One data row of a mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapRow {
    /// The row number as a spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// The `file` cell as written.
    pub file: String,
    /// The attribute value that names the user.
    pub key: String,
}

/// A parsed mapping file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapFile {
    /// The attribute the key column holds, in AD's spelling (`employeeID`).
    pub attribute: String,
    /// The data rows, in file order.
    pub rows: Vec<MapRow>,
}

/// What is wrong with a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file cell is empty.
    NoFile,
    /// The key cell is empty.
    NoKey,
    /// The file is not one of the folder's photos.
    FileNotFound,
    /// No user has this key.
    NoUser,
    /// This many users have this key.
    SeveralUsers(usize),
    /// The same file is on these other rows, for someone else.
    FileTwice(Vec<usize>),
    /// The same key is on these other rows, with another file.
    KeyTwice(Vec<usize>),
    /// The same file and key as this earlier row (which is used).
    Repeats(usize),
}

impl Problem {
    /// A stable name for JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::NoFile => "no_file",
            Problem::NoKey => "no_key",
            Problem::FileNotFound => "file_not_found",
            Problem::NoUser => "no_user",
            Problem::SeveralUsers(_) => "several_users",
            Problem::FileTwice(_) => "file_twice",
            Problem::KeyTwice(_) => "key_twice",
            Problem::Repeats(_) => "repeats",
        }
    }
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The row number as a spreadsheet shows it.
    pub row: usize,
    /// Its `file` cell.
    pub file: String,
    /// Its key cell.
    pub key: String,
    /// What is wrong with it, for code.
    pub problem: Problem,
    /// What to tell a person: "row 4: no user has employeeID 'E123'".
    pub message: String,
}

/// The mapping applied: the result groups, and the rows left out (by row number).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapped {
    /// The pairs, as Automatch would give them.
    pub result: MatchResult,
    /// The rows left out, in row order.
    pub bad_rows: Vec<BadRow>,
}

impl MapFile {
    /// Reads and parses a mapping file.
    pub fn read(path: &Path) -> Result<MapFile, MapError> {
        let bytes = std::fs::read(path).map_err(|e| MapError::Read {
            path: path.display().to_string(),
            error: e.to_string(),
        })?;
        MapFile::parse(&bytes)
    }

    /// Parses a mapping file's bytes (see the module documentation). Checks that the key column
    /// names an attribute the directory is read with; not yet that users have it.
    pub fn parse(bytes: &[u8]) -> Result<MapFile, MapError> {
        // Line ends as Excel (CRLF) or old Macs (CR) write them, made LF: the csv reader
        // numbers lines by LF only.
        let text = decode(bytes).replace("\r\n", "\n").replace('\r', "\n");
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
        let header_line = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .ok_or(MapError::Empty)?;
        let delimiter = [b',', b';', b'\t']
            .into_iter()
            .max_by_key(|&d| (header_line.bytes().filter(|&b| b == d).count(), d == b','))
            .unwrap_or(b',');
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| MapError::Csv(e.to_string()))?
            .clone();
        let names: Vec<&str> = header.iter().filter(|h| !h.is_empty()).collect();
        let columns = names.join(", ");
        let is_file = |h: &str| {
            matches!(
                h.to_ascii_lowercase().replace([' ', '_'], "").as_str(),
                "file" | "filename" | "photo" | "path"
            )
        };
        let Some(file_col) = header.iter().position(is_file) else {
            return Err(MapError::NoFileColumn { columns });
        };
        let key_cols: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(i, h)| *i != file_col && !h.is_empty())
            .map(|(i, _)| i)
            .collect();
        let [key_col] = key_cols[..] else {
            return Err(MapError::Columns { columns });
        };
        let column = &header[key_col];
        let attribute = attribute_of(column).ok_or_else(|| MapError::NotAnAttribute {
            column: column.to_string(),
            known: USER_ATTRIBUTES
                .iter()
                .filter(|a| **a != "objectGUID")
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| MapError::Csv(e.to_string()))?;
            let row = record
                .position()
                .map_or(rows.len() + 2, |p| p.line() as usize);
            let file = record.get(file_col).unwrap_or("").to_string();
            let key = record.get(key_col).unwrap_or("").to_string();
            if file.is_empty() && key.is_empty() {
                // `;;` lines Excel leaves under the data.
                continue;
            }
            rows.push(MapRow { row, file, key });
        }
        Ok(MapFile { attribute, rows })
    }

    /// The pattern of the key alone (`{employeeID}`): what the import's choices call the
    /// attribute a user needs to be found ([`crate::import::Choices::new`]).
    pub fn pattern(&self) -> Pattern {
        // The attribute passed `attribute_of`, so it parses; `{dn}` as a last resort.
        Pattern::parse(&format!("{{{}}}", self.attribute))
            .or_else(|_| Pattern::parse("{dn}"))
            .expect("a one-token pattern parses")
    }

    /// Applies the mapping to the folder's scanned `files` and `users`; see the module
    /// documentation. An error only when no user has the key attribute at all.
    pub fn apply(
        &self,
        folder: &Path,
        files: &[PhotoFile],
        users: &[User],
        opts: &MatchOptions,
    ) -> Result<Mapped, MapError> {
        let pattern = self.pattern();
        pattern
            .validate_against(users)
            .map_err(|error| MapError::NoUserHasIt {
                column: self.attribute.clone(),
                error,
            })?;
        let attr = &self.attribute;

        // The files by their normalised path, and (for a name written in another case) by
        // its lowercase form when that is unique.
        let mut by_path: HashMap<PathBuf, usize> = HashMap::with_capacity(files.len());
        let mut by_lower: HashMap<String, Option<usize>> = HashMap::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            let p = normal(&f.path);
            by_lower
                .entry(p.to_string_lossy().to_lowercase())
                .and_modify(|e| *e = None)
                .or_insert(Some(i));
            by_path.insert(p, i);
        }
        let find_file = |name: &str| -> Option<usize> {
            let p = Path::new(name);
            let full = normal(&if p.is_absolute() {
                p.to_path_buf()
            } else {
                folder.join(p)
            });
            by_path.get(&full).copied().or_else(|| {
                by_lower
                    .get(&full.to_string_lossy().to_lowercase())
                    .copied()
                    .flatten()
            })
        };
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::with_capacity(users.len());
        for (u, user) in users.iter().enumerate() {
            if let Some(v) = user.attr(attr).map(str::trim).filter(|v| !v.is_empty()) {
                by_key.entry(opts.key(v)).or_default().push(u);
            }
        }

        let mut bad: Vec<(usize, Problem)> = Vec::new();
        // Rows that are fine on their own: (row index, file, user).
        let mut good: Vec<(usize, usize, usize)> = Vec::new();
        for (i, r) in self.rows.iter().enumerate() {
            if r.file.is_empty() {
                bad.push((i, Problem::NoFile));
                continue;
            }
            if r.key.is_empty() {
                bad.push((i, Problem::NoKey));
                continue;
            }
            let Some(file) = find_file(&r.file) else {
                bad.push((i, Problem::FileNotFound));
                continue;
            };
            match by_key.get(&opts.key(&r.key)).map(Vec::as_slice) {
                None | Some([]) => bad.push((i, Problem::NoUser)),
                Some([user]) => good.push((i, file, *user)),
                Some(several) => bad.push((i, Problem::SeveralUsers(several.len()))),
            }
        }

        // A file given twice: for the same user the first row counts; for different users
        // none does (which one is right?). Then a user given two files: none counts.
        let row_no = |i: usize| self.rows[i].row;
        let mut by_file: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for &(i, f, u) in &good {
            by_file.entry(f).or_default().push((i, u));
        }
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        for &(i, f, u) in &good {
            let same = &by_file[&f];
            if same.len() == 1 {
                kept.push((i, f, u));
            } else if same.iter().all(|&(_, v)| v == u) {
                if same[0].0 == i {
                    kept.push((i, f, u));
                } else {
                    bad.push((i, Problem::Repeats(row_no(same[0].0))));
                }
            } else {
                let others = same
                    .iter()
                    .filter(|&&(j, v)| j != i && v != u)
                    .map(|&(j, _)| row_no(j))
                    .collect();
                bad.push((i, Problem::FileTwice(others)));
            }
        }
        let mut by_user: HashMap<usize, Vec<usize>> = HashMap::new();
        for &(i, _, u) in &kept {
            by_user.entry(u).or_default().push(i);
        }
        let mut result = MatchResult::default();
        for &(i, f, u) in &kept {
            let same = &by_user[&u];
            if same.len() == 1 {
                result.matched.push(Match { file: f, user: u });
            } else {
                let others = same
                    .iter()
                    .filter(|&&j| j != i)
                    .map(|&j| row_no(j))
                    .collect();
                bad.push((i, Problem::KeyTwice(others)));
            }
        }
        result.matched.sort_by_key(|m| m.file);

        let mut file_used = vec![false; files.len()];
        let mut user_used = vec![false; users.len()];
        for m in &result.matched {
            file_used[m.file] = true;
            user_used[m.user] = true;
        }
        result.files_without_match = (0..files.len()).filter(|&f| !file_used[f]).collect();
        result.users_without_file = (0..users.len()).filter(|&u| !user_used[u]).collect();
        result.users_without_key = result
            .users_without_file
            .iter()
            .copied()
            .filter(|&u| pattern.render(&users[u]).is_none())
            .collect();

        bad.sort_by_key(|(i, _)| *i);
        let bad_rows = bad
            .into_iter()
            .map(|(i, problem)| {
                let r = &self.rows[i];
                BadRow {
                    row: r.row,
                    file: r.file.clone(),
                    key: r.key.clone(),
                    message: message(r, attr, &problem),
                    problem,
                }
            })
            .collect();
        Ok(Mapped { result, bad_rows })
    }
}

/// The attribute a column header names (an alias resolved, AD's spelling), if the directory
/// is read with it.
fn attribute_of(column: &str) -> Option<String> {
    let p = Pattern::parse(&format!("{{{}}}", column.trim())).ok()?;
    let [Part::Token(t)] = p.parts() else {
        return None;
    };
    let a = &t.attribute;
    let known = USER_ATTRIBUTES
        .iter()
        .chain(["dn", "distinguishedName"].iter())
        .find(|k| k.eq_ignore_ascii_case(a))?;
    Some(known.to_string())
}

/// The bytes as text: UTF-8, else Windows-1252 read as Latin-1.
fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// A path with `.` components dropped and `..` applied, without touching the disk.
fn normal(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c.as_os_str()),
        }
    }
    out
}

fn rows_list(rows: &[usize]) -> String {
    let mut s = String::new();
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let _ = write!(s, "{r}");
    }
    s
}

fn message(r: &MapRow, attr: &str, p: &Problem) -> String {
    let what = match p {
        Problem::NoFile => format!("no file name for {attr} '{}'", r.key),
        Problem::NoKey => format!("no {attr} for the file '{}'", r.file),
        Problem::FileNotFound => format!(
            "the file '{}' is not among the photos in the folder (check the name; a file in a sub-folder needs \"Include subfolders\" / --recursive)",
            r.file
        ),
        Problem::NoUser => format!("no user has {attr} '{}'", r.key),
        Problem::SeveralUsers(n) => format!(
            "{n} users have {attr} '{}': the file '{}' is left for you to give to one of them",
            r.key, r.file
        ),
        Problem::FileTwice(rows) => format!(
            "the file '{}' is also given to someone else on row {}: neither row is used",
            r.file,
            rows_list(rows)
        ),
        Problem::KeyTwice(rows) => format!(
            "{attr} '{}' is also given another file on row {}: neither row is used",
            r.key,
            rows_list(rows)
        ),
        Problem::Repeats(row) => format!("repeats row {row}"),
    };
    format!("row {}: {what}", r.row)
}

#[cfg(test)]
mod tests;
