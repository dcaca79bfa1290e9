//! The one door from a picture file to a directory photo, shared by the import, `photo set`,
//! `convert` and the window, so they read files the same way and fail in the same words.

use std::path::{Path, PathBuf};

use super::{PhotoError, PrepareOptions, Prepared, prepare};

/// Reads `path` and prepares it ([`prepare`]). The file's bytes are let go of before returning:
/// only the small JPEG stays in memory (an import holds many of these at once).
pub fn prepare_file(path: &Path, opts: &PrepareOptions) -> Result<Prepared, FileError> {
    prepare_file_with(path, opts, |_| ()).map(|(p, ())| p)
}

/// [`prepare_file`], also handing the file's bytes to `look` (the import hashes the source
/// it decodes, so a re-run can tell it unchanged without decoding it again).
pub fn prepare_file_with<T>(
    path: &Path,
    opts: &PrepareOptions,
    look: impl FnOnce(&[u8]) -> T,
) -> Result<(Prepared, T), FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let seen = look(&bytes);
    let prepared = prepare(&bytes, opts).map_err(|error| FileError::Photo {
        path: path.to_path_buf(),
        error,
    })?;
    Ok((prepared, seen))
}

/// Checks that `path` is a picture adphoto can read, from its header only: a quick look at
/// hundreds of files before anything is decoded, so files that are not pictures, empty or cut
/// short in their header are left out up front. Damage further in is found when the photo is
/// encoded. Reads the first 64 KiB, which holds the header of nearly every photo; only when
/// that is not enough, the first MiB (large metadata blocks) or the whole file (TIFF, whose
/// directory may sit at the end).
pub fn check_file(path: &Path) -> Result<super::ImageInfo, FileError> {
    use std::io::Read as _;
    const FIRST: u64 = 64 << 10;
    const MORE: u64 = 1 << 20;
    let read = |e: std::io::Error| FileError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let prefix = |limit: u64| -> Result<Vec<u8>, FileError> {
        let mut head = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(limit).read_to_end(&mut head))
            .map_err(read)?;
        Ok(head)
    };
    let mut head = prefix(FIRST)?;
    let mut limit = FIRST;
    loop {
        let inspected = super::inspect(&head);
        let tiff = super::Format::of(&head) == Some(super::Format::Tiff);
        // Found, or the whole file was read, or as much as a non-TIFF header may need.
        let done = inspected.is_ok() || (head.len() as u64) < limit || (limit == MORE && !tiff);
        if done {
            return inspected.map_err(|error| FileError::Photo {
                path: path.to_path_buf(),
                error,
            });
        }
        (head, limit) = if tiff {
            (std::fs::read(path).map_err(read)?, u64::MAX)
        } else {
            (prefix(MORE)?, MORE)
        };
    }
}

/// Why a picture file could not become a directory photo. Shown whole, it names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's words.
        reason: String,
    },
    /// The file was read, but its bytes are no usable picture.
    #[error("{}: {error}", path.display())]
    Photo {
        /// The file.
        path: PathBuf,
        /// What is wrong with its bytes.
        error: PhotoError,
    },
}

impl FileError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            FileError::Read { path, .. } | FileError::Photo { path, .. } => path,
        }
    }

    /// The reason without the path, for lists that show the file beside it (the import's
    /// report and journal).
    pub fn reason(&self) -> String {
        match self {
            FileError::Read { reason, .. } => format!("cannot read the file: {reason}"),
            FileError::Photo { error, .. } => error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_file_or_leave_it_to_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.jpg");
        let e = prepare_file(&missing, &PrepareOptions::default()).unwrap_err();
        assert!(matches!(e, FileError::Read { .. }));
        assert!(
            e.to_string()
                .starts_with(&format!("cannot read {}: ", missing.display())),
            "{e}"
        );
        assert!(e.reason().starts_with("cannot read the file: "), "{e:?}");
        assert_eq!(e.path(), missing);

        let text = dir.path().join("notes.jpg");
        std::fs::write(&text, b"not a picture").unwrap();
        let e = prepare_file(&text, &PrepareOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{}: {}", text.display(), PhotoError::NotAnImage)
        );
        assert_eq!(e.reason(), PhotoError::NotAnImage.to_string());
    }
}
