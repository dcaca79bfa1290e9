//! Changes to one user's Microsoft 365 photo that keep its history: the state before is saved
//! in [`CloudBackups`] first (nothing is sent if it cannot be), the result read back. Set,
//! remove and "Restore previous", for both faces.

use std::path::PathBuf;

use super::backup::{CloudBackups, read_state};
use super::error::{CloudError, Result};
use super::graph::{CloudUser, Graph, check_photo};
use crate::directory::sha256_hex;

/// What the read-back after a write found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadBack {
    /// The same bytes (sha256) as written.
    Same,
    /// Microsoft 365 gives back other bytes (it may have re-encoded the picture).
    Different {
        /// The size of what Microsoft 365 gave back (0: no photo at all).
        bytes: usize,
    },
    /// A removal, and the user has no photo now.
    Gone,
}

impl ReadBack {
    /// What a person should know after the change: `None` when all is as sent.
    pub fn warning(&self) -> Option<String> {
        match self {
            ReadBack::Same | ReadBack::Gone => None,
            ReadBack::Different { bytes } => Some(format!(
                "Microsoft 365 now gives back a different picture ({bytes} bytes) than the one \
                 sent; it may have re-encoded it. Check it in Outlook or Teams."
            )),
        }
    }
}

/// One photo changed: what it was (saved in the backups before the change) and the check after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoChange {
    /// The photo before the change; `None` when the user had none.
    pub old: Option<Vec<u8>>,
    /// Where the old photo was saved.
    pub backup: Option<std::path::PathBuf>,
    /// What reading the photo again after the change found.
    pub read_back: ReadBack,
}

/// What "Restore previous" did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// The record put back: a photo file, or a "had no photo" marker.
    pub record: PathBuf,
    /// The size of the photo put back; `None`: the user had no photo then, so it was removed.
    pub bytes: Option<usize>,
    /// The change made to get there (the photo it replaced is saved, so this can be undone).
    pub change: PhotoChange,
}

/// What both faces say when adphoto never changed `name`'s Microsoft 365 photo.
pub fn nothing_to_restore(name: &str) -> String {
    format!("adphoto never changed {name}'s Microsoft 365 photo: nothing to restore.")
}

/// What "Restore previous" did to `name`, in the words both faces use.
pub fn restored(name: &str, r: &Restored) -> String {
    let when = super::backup::taken_at(&r.record);
    match r.bytes {
        Some(_) => format!(
            "{name}: put back the Microsoft 365 photo it had before adphoto's change of {when}."
        ),
        None if r.change.old.is_none() => format!(
            "{name}: had no Microsoft 365 photo before adphoto's change of {when}, and has none now."
        ),
        None => format!(
            "{name}: had no Microsoft 365 photo before adphoto's change of {when}, so the photo was removed (and saved)."
        ),
    }
}

impl Graph {
    /// The photo for `user`, the old one saved in `backups` first (nothing is written if it
    /// cannot be), then read back and compared.
    pub async fn replace_photo(
        &self,
        user: &CloudUser,
        bytes: &[u8],
        backups: &CloudBackups,
    ) -> Result<PhotoChange> {
        check_photo(bytes)?;
        let old = self.photo(&user.id).await?;
        let backup = save_old(backups, &user.id, old.as_deref())?;
        self.put_photo(&user.id, bytes).await?;
        let read_back = match self.photo(&user.id).await? {
            Some(now) if sha256_hex(&now) == sha256_hex(bytes) => ReadBack::Same,
            Some(now) => ReadBack::Different { bytes: now.len() },
            None => ReadBack::Different { bytes: 0 },
        };
        Ok(PhotoChange {
            old,
            backup,
            read_back,
        })
    }

    /// Removes `user`'s photo, saved in `backups` first; `old: None` when there was none
    /// (and nothing was sent).
    pub async fn remove_photo(
        &self,
        user: &CloudUser,
        backups: &CloudBackups,
    ) -> Result<PhotoChange> {
        let Some(old) = self.photo(&user.id).await? else {
            return Ok(PhotoChange {
                old: None,
                backup: None,
                read_back: ReadBack::Gone,
            });
        };
        let backup = save_old(backups, &user.id, Some(&old))?;
        self.delete_photo(&user.id).await?;
        let read_back = match self.photo(&user.id).await? {
            None => ReadBack::Gone,
            Some(now) => ReadBack::Different { bytes: now.len() },
        };
        Ok(PhotoChange {
            old: Some(old),
            backup,
            read_back,
        })
    }

    /// "Restore previous": puts back the state before adphoto's last change to `user`'s
    /// Microsoft 365 photo (the old photo, or none), itself saved first so it can be undone
    /// too. `Ok(None)` when adphoto never changed it.
    pub async fn restore_previous(
        &self,
        user: &CloudUser,
        backups: &CloudBackups,
    ) -> Result<Option<Restored>> {
        let Some(record) = backups.latest(&user.id) else {
            return Ok(None);
        };
        let before = read_state(&record)
            .map_err(|e| CloudError::Backup(format!("cannot read {}: {e}", record.display())))?;
        let change = match &before {
            Some(bytes) => self.replace_photo(user, bytes, backups).await?,
            None => self.remove_photo(user, backups).await?,
        };
        Ok(Some(Restored {
            record,
            bytes: before.map(|b| b.len()),
            change,
        }))
    }
}

fn save_old(
    backups: &CloudBackups,
    user_id: &str,
    old: Option<&[u8]>,
) -> Result<Option<std::path::PathBuf>> {
    backups
        .save_state(user_id, old)
        .map_err(|e| CloudError::Backup(e.to_string()))
}
