//! Saving stored photos as files: the window's "Export…" for many users and the CLI's `export`.
//! One set of rules for both: the file name from a naming pattern (a contact's cn when the
//! pattern gives nothing), the extension from the bytes, a few searches for many users, and no
//! user's file written over another's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::Cancel;
use crate::directory::{Directory, DirectoryError, Kind, PhotoAttribute, READ_CHUNK, User, Who};
use crate::matching::{Pattern, sanitize_file_name};

/// How exported files are named unless told otherwise: by logon name, so that an import with
/// the same pattern finds each file's user again. The window always uses it; `adphoto export`
/// takes it as `--pattern`'s default.
pub const DEFAULT_EXPORT_PATTERN: &str = "{sAMAccountName}";

/// What an export did, for its summary line.
#[derive(Debug, Default, PartialEq)]
pub struct ExportReport {
    /// Files written.
    pub saved: usize,
    /// Users without a stored photo (none was written for them).
    pub without: usize,
    /// Users whose photo was not saved, each with the reason ("Amelia Hart (ahart): …").
    pub failed: Vec<String>,
    /// Stopped on request before the end: the photos not yet read were not saved.
    pub cancelled: bool,
    /// Files already in the folder with another picture, kept (each is also in `failed`).
    pub kept: usize,
}

/// Where and how an export writes.
#[derive(Debug, Clone, Copy)]
pub struct ExportTo<'a> {
    /// The folder the files go into.
    pub folder: &'a Path,
    /// Names the files (".jpg" and so on is added).
    pub pattern: &'a Pattern,
    /// Replace a file already in the folder that holds another picture. Off, such a file is
    /// kept: the folder may be the one the originals were imported from, and a 96-pixel
    /// directory photo must not take the place of the original it was made from.
    pub overwrite: bool,
}

impl ExportReport {
    /// "12 photos saved to /tmp/x; 3 users have none" (no full stop).
    pub fn summary(&self, folder: &Path) -> String {
        let mut text = format!("{} photos saved to {}", self.saved, folder.display());
        if self.without > 0 {
            text.push_str(&format!("; {} users have none", self.without));
        }
        if self.cancelled {
            text.push_str("; cancelled, the others not saved");
        }
        text
    }
}

/// The directory read failed as a whole (connection lost) part way: what was saved before.
#[derive(Debug)]
pub struct ExportStopped {
    /// Why it stopped.
    pub error: DirectoryError,
    /// What was saved before it stopped.
    pub so_far: ExportReport,
}

/// The file name stem for `user`'s photo: `pattern` filled in, or a contact's cn when the
/// pattern gives nothing (a contact has no account name); characters no file name may hold
/// replaced. `None` when nothing names it.
pub fn export_stem(user: &User, pattern: &Pattern) -> Option<String> {
    pattern
        .render(user)
        .or_else(|| (user.kind == Kind::Contact).then(|| user.label()))
        .map(|n| sanitize_file_name(&n))
        .filter(|n| !n.trim().is_empty())
}

/// The extension a stored photo is saved with, from its first bytes: directories hold JPEG, but
/// nothing stops another tool from storing a PNG, and a wrong extension hides that.
pub fn extension(bytes: &[u8]) -> &'static str {
    crate::photo::Format::extension_of(bytes)
}

/// Names every user to export, in order: `Ok(stem)`, or `Err(reason)` when the pattern gives no
/// name or an earlier user already has it (two "John Smith" would otherwise share one file, the
/// second silently replacing the first). Case-insensitive, as Windows and macOS compare names.
pub fn name_all<'a>(
    users: impl IntoIterator<Item = &'a User>,
    pattern: &Pattern,
) -> Vec<Result<String, String>> {
    let mut taken: HashMap<String, String> = HashMap::new();
    users
        .into_iter()
        .map(|u| {
            let stem = export_stem(u, pattern)
                .ok_or_else(|| format!("the pattern {pattern} gives no file name"))?;
            let key = stem.to_lowercase();
            if let Some(first) = taken.get(&key) {
                return Err(format!(
                    "{stem} is already the file of {first}: choose a pattern that tells them apart"
                ));
            }
            taken.insert(key, u.label_with_account());
            Ok(stem)
        })
        .collect()
}

/// Saves the stored photos of `users` into `folder` (created if needed), named by `pattern`.
/// Users the listing shows without a photo are counted, not read; the others are read with one
/// search per [`READ_CHUNK`] users, so over a slow link an export costs a few round trips, not one
/// per user. `progress(done, total)` is called after each group; `cancel` is looked at before
/// each. A file that cannot be written is a failure of that user; the export goes on.
pub async fn export_photos(
    dir: &Directory,
    photo: &PhotoAttribute,
    users: &[User],
    to: ExportTo<'_>,
    cancel: &Cancel,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<ExportReport, ExportStopped> {
    let ExportTo {
        folder, pattern, ..
    } = to;
    let mut report = ExportReport::default();
    if let Err(e) = std::fs::create_dir_all(folder) {
        report.failed.push(format!("{}: {e}", folder.display()));
        return Ok(report);
    }
    // Only the photos to be written compete for names: a user without one takes none.
    let (to_read, without): (Vec<&User>, Vec<&User>) =
        users.iter().partition(|u| u.photo_bytes.is_some());
    report.without = without.len();
    let mut named: Vec<(&User, String)> = Vec::new();
    for (user, name) in to_read
        .iter()
        .zip(name_all(to_read.iter().copied(), pattern))
    {
        match name {
            Ok(stem) => named.push((user, stem)),
            Err(why) => report
                .failed
                .push(format!("{}: {why}", user.label_with_account())),
        }
    }
    let total = named.len();
    let mut done = 0;
    for group in named.chunks(READ_CHUNK * 4) {
        if cancel.is_cancelled() {
            report.cancelled = true;
            break;
        }
        let who: Vec<Who> = group.iter().map(|(u, _)| Who::from(*u)).collect();
        let found = match dir.read_photos(&who, photo).await {
            Ok(f) => f,
            Err(error) => {
                return Err(ExportStopped {
                    error,
                    so_far: report,
                });
            }
        };
        for ((user, stem), found) in group.iter().zip(found) {
            match found.map(|f| f.photo) {
                Ok(Some(bytes)) => {
                    let path = export_path(folder, stem, &bytes);
                    match save(&path, &bytes, to.overwrite) {
                        Ok(()) => report.saved += 1,
                        Err(Unsaved::Kept) => {
                            report.kept += 1;
                            report.failed.push(format!(
                                "{} already exists with another picture: kept",
                                path.display()
                            ));
                        }
                        Err(Unsaved::Io(e)) => {
                            report.failed.push(format!("{}: {e}", path.display()))
                        }
                    }
                }
                // Removed since the listing.
                Ok(None) => report.without += 1,
                Err(e) => report
                    .failed
                    .push(format!("{}: {e}", user.label_with_account())),
            }
        }
        done += group.len();
        progress(done, total);
    }
    Ok(report)
}

enum Unsaved {
    /// Another picture is in the way and `overwrite` is off.
    Kept,
    Io(std::io::Error),
}

/// Writes `bytes` as a new file at `path`. A file already there with the same bytes is this
/// export done before (fine); with other bytes it is replaced only when `overwrite` says so.
fn save(path: &Path, bytes: &[u8], overwrite: bool) -> Result<(), Unsaved> {
    use std::io::Write as _;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut f) => f.write_all(bytes).map_err(|e| {
            // No half-written picture left behind under the user's name.
            let _ = std::fs::remove_file(path);
            Unsaved::Io(e)
        }),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            if std::fs::read(path).is_ok_and(|old| old == bytes) {
                Ok(())
            } else if overwrite {
                std::fs::write(path, bytes).map_err(Unsaved::Io)
            } else {
                Err(Unsaved::Kept)
            }
        }
        Err(e) => Err(Unsaved::Io(e)),
    }
}

/// Where a photo (`bytes`) named `stem` is saved.
pub fn export_path(folder: &Path, stem: &str, bytes: &[u8]) -> PathBuf {
    folder.join(format!("{stem}.{}", extension(bytes)))
}

/// A file name a person chose for one photo, with the extension its bytes call for (the rule
/// of [`export_path`]): `jdoe.jpg` holding PNG bytes becomes `jdoe.png`; `.jpeg` stays for JPEG.
pub fn chosen_path_for(chosen: &Path, bytes: &[u8]) -> PathBuf {
    let wanted = extension(bytes);
    let has = chosen
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if has == wanted || (wanted == "jpg" && has == "jpeg") {
        chosen.to_path_buf()
    } else {
        chosen.with_extension(wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(account: Option<&str>, cn: &str, kind: Kind) -> User {
        let mut u = User {
            dn: format!("CN={cn},DC=x"),
            sam_account_name: account.map(Into::into),
            display_name: Some(cn.into()),
            kind,
            ..Default::default()
        };
        u.extra.insert("cn".into(), cn.into());
        u
    }

    #[test]
    fn names_by_pattern_contacts_by_cn_and_never_twice() {
        let p = Pattern::parse("{displayName}").unwrap();
        let users = [
            user(Some("jsmith"), "John Smith", Kind::User),
            user(Some("jsmith2"), "john smith", Kind::User),
            user(None, "Anna: Müller", Kind::Contact),
        ];
        let names = name_all(&users, &p);
        assert_eq!(names[0], Ok("John Smith".into()));
        let second = names[1].as_ref().unwrap_err();
        assert!(second.contains("John Smith (jsmith)"), "{second}");
        assert_eq!(names[2], Ok("Anna_ Müller".into()));

        let by_account = Pattern::parse("{sAMAccountName}").unwrap();
        let names = name_all(&users, &by_account);
        assert_eq!(names[2], Ok("Anna_ Müller".into()), "a contact by its cn");
        let mut nameless = user(None, "x", Kind::User);
        nameless.display_name = None;
        assert!(name_all(&[nameless], &by_account)[0].is_err());
    }

    /// The whole export on the demo directory: every stored photo byte for byte; cancelled
    /// before the first read, nothing is written and the report says so; a user gone from the
    /// directory is that user's failure, the others are saved.
    #[test]
    fn exports_the_demo_directory_and_stops_when_cancelled() {
        let tmp = tempfile::tempdir().unwrap();
        let source = crate::directory::demo::install(tmp.path()).unwrap();
        let dir = Directory::open_ldif(&source, tmp.path().join("changes.ldif")).unwrap();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let photo = PhotoAttribute::default();
        let base = dir.base_dn().to_string();
        let mut users = rt
            .block_on(dir.users(&base, crate::directory::Depth::Subtree, &photo))
            .unwrap();
        let with = users.iter().filter(|u| u.photo_bytes.is_some()).count();
        assert!(with > 2);
        let pattern = Pattern::parse("{sAMAccountName}").unwrap();

        let export = |users: &[User], to: &str, cancel: &Cancel| {
            let out = tmp.path().join(to);
            let mut calls = Vec::new();
            let to = ExportTo {
                folder: &out,
                pattern: &pattern,
                overwrite: false,
            };
            let report = rt
                .block_on(export_photos(
                    &dir,
                    &photo,
                    users,
                    to,
                    cancel,
                    &mut |done, total| calls.push((done, total)),
                ))
                .unwrap();
            (out, report, calls)
        };

        let (out, report, calls) = export(&users, "all", &Cancel::default());
        assert_eq!(report.saved, with);
        assert_eq!(report.without, users.len() - with);
        assert!(report.failed.is_empty() && !report.cancelled, "{report:?}");
        assert_eq!(calls.last(), Some(&(with, with)));
        for u in users.iter().filter(|u| u.photo_bytes.is_some()) {
            let stored = rt.block_on(dir.read_photo(&u.dn, &photo)).unwrap().unwrap();
            let name = format!("{}.jpg", u.sam_account_name.as_deref().unwrap());
            assert_eq!(std::fs::read(out.join(name)).unwrap(), stored);
        }

        let cancel = Cancel::default();
        cancel.cancel();
        let (out, report, _) = export(&users, "cancelled", &cancel);
        assert!(report.cancelled && report.saved == 0, "{report:?}");
        assert!(report.summary(&out).contains("cancelled"));
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);

        let gone = users.iter().position(|u| u.photo_bytes.is_some()).unwrap();
        users[gone].dn = format!("CN=Nobody,{base}");
        users[gone].object_guid = None;
        let (_, report, _) = export(&users, "one-gone", &Cancel::default());
        assert_eq!(
            (report.saved, report.failed.len()),
            (with - 1, 1),
            "{report:?}"
        );
    }

    /// An export into a folder that already holds pictures: the same picture is fine, another
    /// one is kept unless overwriting was asked for.
    #[test]
    fn a_file_already_there_is_kept_unless_overwrite() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("jdoe.jpg");
        std::fs::write(&path, b"the 3000 px original").unwrap();
        assert!(matches!(save(&path, b"small", false), Err(Unsaved::Kept)));
        assert_eq!(std::fs::read(&path).unwrap(), b"the 3000 px original");
        assert!(save(&path, b"the 3000 px original", false).is_ok());
        assert!(save(&path, b"small", true).is_ok());
        assert_eq!(std::fs::read(&path).unwrap(), b"small");
        let new = tmp.path().join("new.jpg");
        assert!(save(&new, b"x", false).is_ok());
        assert_eq!(std::fs::read(&new).unwrap(), b"x");
    }

    #[test]
    fn a_chosen_name_gets_the_extension_of_the_bytes() {
        let png = b"\x89PNG\r\n";
        let jpeg = [0xFF, 0xD8, 0xFF];
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(chosen_path_for(&p("/t/jdoe.jpg"), png), p("/t/jdoe.png"));
        assert_eq!(
            chosen_path_for(&p("/t/jdoe.JPEG"), &jpeg),
            p("/t/jdoe.JPEG")
        );
        assert_eq!(chosen_path_for(&p("/t/jdoe"), &jpeg), p("/t/jdoe.jpg"));
        assert_eq!(chosen_path_for(&p("/t/jdoe.png"), &jpeg), p("/t/jdoe.jpg"));
    }

    #[test]
    fn the_extension_follows_the_bytes() {
        assert_eq!(extension(&[0xFF, 0xD8, 0xFF]), "jpg");
        assert_eq!(extension(b"\x89PNG\r\n"), "png");
        assert_eq!(extension(b"GIF89a\x01\x00\x01\x00"), "gif");
        assert_eq!(extension(b"not a picture"), "bin");
        assert_eq!(extension(&[]), "bin");
        assert_eq!(
            export_path(Path::new("/out"), "a", &[0xFF, 0xD8]),
            Path::new("/out/a.jpg")
        );
    }
}
