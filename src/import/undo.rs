//! Undoing an import from its journal: each photo it wrote is replaced by the one it backed
//! up, or removed when the user had none — unless someone changed it since.

use std::path::Path;

use sha2::{Digest as _, Sha256};

use super::journal::{self, Entry, Journal};
use super::report::{ItemResult, Report, Status};
use crate::directory::{BackupStore, Directory, DirectoryError, PhotoAttribute};

/// Undoes the import recorded in `journal_path`. Users already undone are left alone, so an
/// interrupted undo can simply be run again.
pub async fn undo(
    dir: &Directory,
    journal_path: &Path,
    backups: &BackupStore,
) -> std::io::Result<Report> {
    let entries = journal::read(journal_path)?;
    let mut attribute = PhotoAttribute::default();
    let mut id = String::new();
    for e in &entries {
        if let Entry::Started {
            id: i,
            attribute: a,
            ..
        } = e
        {
            attribute = PhotoAttribute(a.clone());
            id = i.clone();
        }
    }
    let undone: Vec<&str> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Undone { dn } => Some(dn.as_str()),
            _ => None,
        })
        .collect();
    let mut log = Journal::create(journal_path.to_path_buf())?;
    let mut results = Vec::new();
    for e in &entries {
        let Entry::Written {
            dn,
            file,
            sha256,
            backup,
            ..
        } = e
        else {
            continue;
        };
        if undone.contains(&dn.as_str()) {
            continue;
        }
        let status = undo_one(dir, dn, sha256, backup.as_deref(), &attribute, backups).await;
        if matches!(status, Status::Written { .. }) {
            log.append(&Entry::Undone { dn: dn.clone() })?;
        }
        results.push(ItemResult {
            dn: dn.clone(),
            name: crate::directory::rdn_value(dn),
            sam_account_name: None,
            file: Some(file.clone()),
            status,
        });
    }
    Ok(Report {
        id,
        results,
        cancelled: false,
        journal: Some(journal_path.to_path_buf()),
    })
}

async fn undo_one(
    dir: &Directory,
    dn: &str,
    written_sha: &str,
    backup: Option<&Path>,
    attribute: &PhotoAttribute,
    backups: &BackupStore,
) -> Status {
    let fail = |e: DirectoryError| Status::Failed {
        reason: e.to_string(),
    };
    let user = match dir.find_user(dn, attribute).await {
        Ok(u) => u,
        Err(e) => return fail(e),
    };
    let current = match dir.read_photo(dn, attribute).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    if current.as_deref().map(|c| hex::encode(Sha256::digest(c))) != Some(written_sha.to_string()) {
        return Status::Skipped {
            reason: "the photo was changed after the import; left as it is".into(),
        };
    }
    match backup {
        Some(path) => {
            let old = match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    return Status::Failed {
                        reason: format!("the backup {} cannot be read: {e}", path.display()),
                    };
                }
            };
            match dir.write_photo(&user, attribute, &old, backups).await {
                Ok(o) => Status::Written {
                    bytes: o.bytes,
                    width: 0,
                    height: 0,
                    quality: 0,
                    backup: o.backup.map(|b| b.file),
                },
                Err(e) => fail(e),
            }
        }
        None => match dir.remove_photo(&user, attribute, backups).await {
            Ok(b) => Status::Written {
                bytes: 0,
                width: 0,
                height: 0,
                quality: 0,
                backup: b.map(|b| b.file),
            },
            Err(e) => fail(e),
        },
    }
}
