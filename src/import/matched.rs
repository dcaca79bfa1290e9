//! One engine call for matching, used by `adphoto match`/`import`, the wizard and the sync: a
//! folder's files paired with users by a naming pattern or a mapping file, and every matched
//! file's header checked, so an unusable file is skipped the same way in every face — decided
//! here once, never by what a view happened to show.

use std::path::PathBuf;

use super::choices::Choices;
use crate::directory::User;
use crate::matching::{self, BadRow, MapError, MapFile, MatchOptions, MatchResult, Pattern};
use crate::matching::{PhotoFile, automatch};

/// How files are paired with users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchBy {
    /// A naming pattern, already checked against the users.
    Pattern(Pattern),
    /// A mapping file, its file names relative to `folder`.
    Map {
        /// The CSV mapping file.
        file: PathBuf,
        /// The folder its file names are relative to.
        folder: PathBuf,
    },
}

/// What matching found.
#[derive(Debug, Clone)]
pub struct Matched {
    /// Automatch's groups (matched, files without a user, users without a file, ambiguous).
    pub result: MatchResult,
    /// The matched files that are not usable pictures (file index, why), in file order.
    pub damaged: Vec<(usize, String)>,
    /// The pattern used; for a mapping file its key attribute alone (`{employeeID}`).
    pub pattern: Pattern,
    /// A mapping file's rows left out.
    pub bad_rows: Vec<BadRow>,
}

impl Matched {
    /// Automatch's proposal as a person starts from it: every pair ticked except those whose
    /// file cannot be used, which are skipped as [`super::Skip::Damaged`].
    pub fn proposal(&self) -> Choices {
        let mut choices = Choices::new(self.result.clone(), &self.pattern);
        for (file, why) in &self.damaged {
            choices.mark_damaged(*file, why.clone());
        }
        choices
    }
}

/// Pairs `files` with `users` and checks the header of every matched file (in parallel: a
/// few milliseconds a file, read from its first bytes only). Errors only for a mapping file that
/// cannot be used at all; its bad rows are in the answer.
pub fn match_files(
    files: &[PhotoFile],
    users: &[User],
    how: &MatchBy,
    opts: &MatchOptions,
) -> Result<Matched, MapError> {
    let (result, pattern, bad_rows) = match how {
        MatchBy::Pattern(p) => (automatch(files, users, p, opts), p.clone(), Vec::new()),
        MatchBy::Map { file, folder } => {
            let map = MapFile::read(file)?;
            let mapped = map.apply(folder, files, users, opts)?;
            (mapped.result, map.pattern(), mapped.bad_rows)
        }
    };
    let damaged = damaged(files, &result);
    Ok(Matched {
        result,
        damaged,
        pattern,
        bad_rows,
    })
}

/// The matched files whose header says they are no usable picture (not an image, an unknown
/// format, too large, unreadable). A file cut short after a good header is found when it is
/// decoded at the import, and reported then: finding it here would mean reading every file whole.
fn damaged(files: &[PhotoFile], result: &MatchResult) -> Vec<(usize, String)> {
    use rayon::prelude::*;
    let mut indices: Vec<usize> = result.matched.iter().map(|m| m.file).collect();
    indices.sort_unstable();
    indices.dedup();
    indices
        .par_iter()
        .filter_map(|&i| {
            let path = &files.get(i)?.path;
            crate::photo::check_file(path)
                .err()
                .map(|e| (i, e.reason()))
        })
        .collect()
}

/// Reads a folder of photos for matching, with the reason in plain words when it cannot.
pub fn scan(folder: &std::path::Path, recursive: bool) -> Result<matching::ScanResult, String> {
    matching::scan_folder(folder, recursive)
        .map_err(|e| format!("cannot read the folder {}: {e}", folder.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(sam: &str) -> User {
        User {
            dn: format!("CN={sam},DC=t"),
            sam_account_name: Some(sam.into()),
            display_name: Some(sam.into()),
            ..User::default()
        }
    }

    /// A non-image is skipped in the proposal; a good file is ticked; the answer does not depend
    /// on anything but the files.
    #[test]
    fn unusable_files_start_unticked_with_their_reason() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.jpg"), b"this is not a picture").unwrap();
        let good = image::RgbImage::from_pixel(64, 64, image::Rgb([200, 150, 120]));
        good.save(dir.path().join("good.png")).unwrap();
        let files = scan(dir.path(), false).unwrap().files;
        let users = [user("bad"), user("good")];
        let how = MatchBy::Pattern(Pattern::parse("{sAMAccountName}").unwrap());
        let m = match_files(&files, &users, &how, &MatchOptions::default()).unwrap();
        assert_eq!(m.result.matched.len(), 2);
        assert_eq!(m.damaged.len(), 1, "{:?}", m.damaged);
        let bad = files
            .iter()
            .position(|f| f.path.ends_with("bad.jpg"))
            .unwrap();
        assert_eq!(m.damaged[0].0, bad);
        let choices = m.proposal();
        let on: Vec<usize> = choices
            .pairs()
            .iter()
            .filter(|p| p.on)
            .map(|p| p.file)
            .collect();
        assert_eq!(on.len(), 1);
        assert_ne!(on[0], bad);
        assert!(choices.damage(bad).is_some());
    }
}
