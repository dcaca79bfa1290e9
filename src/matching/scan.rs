//! Listing a folder of photos. The only I/O in `matching`: directory entries are listed, files
//! are never opened, so a person can rename or move them while the app runs.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};

/// Extensions accepted as photos, compared case-insensitively.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff", "webp"];

/// Files operating systems and tools leave in photo folders.
const SYSTEM_FILES: &[&str] = &["thumbs.db", "desktop.ini", ".ds_store", "ehthumbs.db"];

/// Folders a recursive scan never enters (besides hidden ones): macOS zip leftovers and
/// Synology/QNAP thumbnail caches, which are full of image files named like the photos.
const SYSTEM_DIRS: &[&str] = &["__macosx", "@eadir", ".@__thumb", "$recycle.bin"];

/// One photo file found by a scan.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhotoFile {
    /// `dir.join(relative path)`: absolute if the scanned folder was given absolute.
    pub path: PathBuf,
    /// The file name without its last extension (`John.Doe` for `Sales/John.Doe.jpg`). In a
    /// recursive scan the sub-folder is *not* part of it: folders organise photos, names match them.
    pub stem: String,
}

impl PhotoFile {
    /// A file from its path alone (for callers that have names but no folder, and for tests).
    pub fn from_path(path: impl Into<PathBuf>) -> PhotoFile {
        let path = path.into();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        PhotoFile { path, stem }
    }
}

/// Why a file is not a photo candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// An image by its extension.
    Photo,
    /// A dot-file, or (on Windows) a file with the hidden attribute.
    Hidden,
    /// Thumbs.db, desktop.ini, .DS_Store and the like, or (on Windows) a system file.
    System,
    /// Any other extension, or none.
    NotImage,
}

/// What a scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanResult {
    /// Photo files, sorted by path.
    pub files: Vec<PhotoFile>,
    /// Files that are not photos (hidden, system, other extensions), sorted by path.
    pub ignored: Vec<PathBuf>,
    /// Sub-folders not entered: every sub-folder of a non-recursive scan, hidden and system
    /// folders (`.git`, `__MACOSX`, `@eaDir`) of a recursive one.
    pub skipped_dirs: Vec<PathBuf>,
    /// Sub-folders that could not be read, with the reason; the rest of the scan went on.
    pub errors: Vec<(PathBuf, String)>,
}

/// Classifies a file by its name alone (no I/O).
pub fn classify(file_name: &OsStr) -> FileKind {
    let name = file_name.to_string_lossy();
    let lower = name.to_lowercase();
    if SYSTEM_FILES.contains(&lower.as_str()) {
        return FileKind::System;
    }
    if name.starts_with('.') {
        return FileKind::Hidden;
    }
    match Path::new(file_name).extension() {
        Some(ext) if is_image_extension(&ext.to_string_lossy()) => FileKind::Photo,
        _ => FileKind::NotImage,
    }
}

/// Whether an extension (without dot) is an accepted image extension, case-insensitively.
pub fn is_image_extension(ext: &str) -> bool {
    IMAGE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
}

/// Lists the photo files in `dir` (and its sub-folders when `recursive`). Fails only if `dir`
/// itself cannot be read; an unreadable sub-folder is recorded in [`ScanResult::errors`].
/// Symbolic links are followed; a folder reached twice (a link loop) is entered once.
pub fn scan_folder(dir: &Path, recursive: bool) -> io::Result<ScanResult> {
    let mut result = ScanResult::default();
    let mut visited = HashSet::new();
    if let Ok(canon) = dir.canonicalize() {
        visited.insert(canon);
    }
    let mut pending = vec![dir.to_path_buf()];
    let mut first = true;
    while let Some(current) = pending.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(e) => e,
            Err(e) if first => return Err(e),
            Err(e) => {
                result.errors.push((current, e.to_string()));
                continue;
            }
        };
        first = false;
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    result.errors.push((current.clone(), e.to_string()));
                    continue;
                }
            };
            let path = entry.path();
            let name = entry.file_name();
            let Some(is_dir) = entry_is_dir(&entry) else {
                // A dangling link or an entry that vanished while listing.
                result.ignored.push(path);
                continue;
            };
            if is_dir {
                let lower = name.to_string_lossy().to_lowercase();
                let hidden = lower.starts_with('.') || has_hidden_attribute(&entry);
                if !recursive || hidden || SYSTEM_DIRS.contains(&lower.as_str()) {
                    result.skipped_dirs.push(path);
                } else if path.canonicalize().map_or(true, |c| visited.insert(c)) {
                    pending.push(path);
                }
                continue;
            }
            let mut kind = classify(&name);
            if kind == FileKind::Photo && has_hidden_attribute(&entry) {
                kind = FileKind::Hidden;
            }
            if kind == FileKind::Photo {
                result.files.push(PhotoFile::from_path(path));
            } else {
                result.ignored.push(path);
            }
        }
    }
    result.files.sort_by(|a, b| a.path.cmp(&b.path));
    result.ignored.sort();
    result.skipped_dirs.sort();
    Ok(result)
}

/// Whether an entry is a folder, following symbolic links; `None` if that cannot be told.
fn entry_is_dir(entry: &std::fs::DirEntry) -> Option<bool> {
    let ft = entry.file_type().ok()?;
    if ft.is_symlink() {
        std::fs::metadata(entry.path()).ok().map(|m| m.is_dir())
    } else {
        Some(ft.is_dir())
    }
}

/// Windows' hidden or system attribute (free: the listing already carries it).
#[cfg(windows)]
fn has_hidden_attribute(entry: &std::fs::DirEntry) -> bool {
    use std::os::windows::fs::MetadataExt;
    const HIDDEN: u32 = 0x2;
    const SYSTEM: u32 = 0x4;
    entry
        .metadata()
        .map(|m| m.file_attributes() & (HIDDEN | SYSTEM) != 0)
        .unwrap_or(false)
}

#[cfg(not(windows))]
fn has_hidden_attribute(_entry: &std::fs::DirEntry) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(p: &Path) {
        if let Some(d) = p.parent() {
            fs::create_dir_all(d).unwrap();
        }
        fs::write(p, b"").unwrap();
    }

    fn names(paths: impl IntoIterator<Item = impl AsRef<Path>>, root: &Path) -> Vec<String> {
        paths
            .into_iter()
            .map(|p| {
                p.as_ref()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn classify_by_name() {
        let c = |s: &str| classify(OsStr::new(s));
        assert_eq!(c("jdoe.jpg"), FileKind::Photo);
        assert_eq!(c("JDOE.JPEG"), FileKind::Photo);
        for ext in IMAGE_EXTENSIONS {
            assert_eq!(c(&format!("a.{}", ext.to_uppercase())), FileKind::Photo);
        }
        assert_eq!(c("Thumbs.db"), FileKind::System);
        assert_eq!(c("DESKTOP.INI"), FileKind::System);
        assert_eq!(c(".DS_Store"), FileKind::System);
        assert_eq!(c("._jdoe.jpg"), FileKind::Hidden);
        assert_eq!(c(".hidden.png"), FileKind::Hidden);
        assert_eq!(c("notes.txt"), FileKind::NotImage);
        assert_eq!(c("jpg"), FileKind::NotImage);
        assert_eq!(c("photo.jpg.bak"), FileKind::NotImage);
        assert_eq!(c("photo.heic"), FileKind::NotImage);
    }

    #[test]
    fn flat_scan_ignores_and_counts_hidden_system_and_other_files() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for f in [
            "jdoe.jpg",
            "Jane.Roe.PNG",
            "x.webp",
            "y.TIFF",
            "Thumbs.db",
            "desktop.ini",
            ".DS_Store",
            "._jdoe.jpg",
            "readme.txt",
            "noext",
            "sub/deep.jpg",
        ] {
            touch(&root.join(f));
        }
        let r = scan_folder(root, false).unwrap();
        assert_eq!(
            names(r.files.iter().map(|f| &f.path), root),
            ["Jane.Roe.PNG", "jdoe.jpg", "x.webp", "y.TIFF"]
        );
        let stems: Vec<_> = r.files.iter().map(|f| f.stem.as_str()).collect();
        assert_eq!(stems, ["Jane.Roe", "jdoe", "x", "y"]);
        assert_eq!(r.ignored.len(), 6);
        assert_eq!(
            names(&r.ignored, root),
            [
                ".DS_Store",
                "._jdoe.jpg",
                "Thumbs.db",
                "desktop.ini",
                "noext",
                "readme.txt"
            ]
        );
        assert_eq!(names(&r.skipped_dirs, root), ["sub"]);
        assert!(r.errors.is_empty());
    }

    #[test]
    fn recursive_scan_enters_subfolders_but_not_hidden_or_system_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        for f in [
            "top.jpg",
            "Sales/jdoe.jpg",
            "Sales/EMEA/jroe.png",
            "Sales/EMEA/Thumbs.db",
            ".git/objects/a.jpg",
            "__MACOSX/._top.jpg",
            "@eaDir/top.jpg/SYNOFILE_THUMB_XL.jpg",
        ] {
            touch(&root.join(f));
        }
        let r = scan_folder(root, true).unwrap();
        assert_eq!(
            names(r.files.iter().map(|f| &f.path), root),
            ["Sales/EMEA/jroe.png", "Sales/jdoe.jpg", "top.jpg"]
        );
        let stems: Vec<_> = r.files.iter().map(|f| f.stem.as_str()).collect();
        assert_eq!(stems, ["jroe", "jdoe", "top"]);
        assert_eq!(names(&r.ignored, root), ["Sales/EMEA/Thumbs.db"]);
        assert_eq!(names(&r.skipped_dirs, root), [".git", "@eaDir", "__MACOSX"]);
    }

    #[cfg(unix)]
    #[test]
    fn recursive_scan_survives_a_link_loop() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        touch(&root.join("a/jdoe.jpg"));
        std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("missing"), root.join("dangling.jpg")).unwrap();
        let r = scan_folder(root, true).unwrap();
        assert_eq!(names(r.files.iter().map(|f| &f.path), root), ["a/jdoe.jpg"]);
        assert_eq!(names(&r.ignored, root), ["dangling.jpg"]);
    }

    #[test]
    fn missing_folder_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(scan_folder(&tmp.path().join("nope"), false).is_err());
    }
}
