//! `adphoto photo get|set|rm` and `adphoto restore`.

use std::path::PathBuf;

use clap::Subcommand;

use super::target_args::TargetArgs;
use super::{Failure, Outcome, write_file};
use crate::data_folder::DataFolder;
use crate::directory::{BackupStore, Directory, PhotoAttribute};
use crate::photo::PrepareOptions;

#[derive(Debug, Subcommand)]
pub enum PhotoCommand {
    /// Save a user's current photo to a file.
    Get {
        /// sAMAccountName, userPrincipalName or DN.
        #[arg(value_name = "USER")]
        who: String,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Set a user's photo from any picture: fitted to the preset (face-centred square, JPEG under
    /// the byte budget); the old photo is backed up first.
    Set {
        /// sAMAccountName, userPrincipalName or DN.
        #[arg(value_name = "USER")]
        who: String,
        /// JPEG, PNG, GIF, BMP, TIFF or WebP.
        file: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Remove a user's photo (it is backed up first).
    Rm {
        /// sAMAccountName, userPrincipalName or DN.
        #[arg(value_name = "USER")]
        who: String,
    },
}

pub async fn run(
    dir: &Directory,
    data: &DataFolder,
    photo: &PhotoAttribute,
    cmd: PhotoCommand,
) -> Result<Outcome, Failure> {
    let backups = BackupStore::in_folder(data);
    // Reading needs no lock; every change takes it (one writer per directory).
    let _lock = match &cmd {
        PhotoCommand::Get { .. } => None,
        _ => Some(super::lock_writes(dir, data).await?),
    };
    match cmd {
        PhotoCommand::Get { who, output } => {
            let u = dir.find_user(&who, photo).await?;
            match dir.read_photo(&u.dn, photo).await? {
                Some(bytes) => {
                    write_file(&output, &bytes)?;
                    say!(
                        "{}: {} bytes saved to {}",
                        u.label(),
                        bytes.len(),
                        output.display()
                    );
                    Ok(Outcome::Ok)
                }
                None => Err(Failure {
                    message: format!("{} has no {}", u.label(), photo.name()),
                    code: 1,
                }),
            }
        }
        PhotoCommand::Set { who, file, target } => {
            let target = target.target().map_err(Failure::usage)?;
            let prepared = crate::photo::prepare_file(&file, &PrepareOptions::with_target(target))
                .map_err(|e| Failure::usage(e.to_string()))?;
            let u = dir.find_user(&who, photo).await?;
            let outcome = dir.write_photo(&u, photo, &prepared.jpeg, &backups).await?;
            say_inline!(
                "{}: photo set ({}×{} px, {} bytes, quality {})",
                u.label(),
                prepared.width,
                prepared.height,
                outcome.bytes,
                prepared.quality
            );
            match outcome.backup.and_then(|b| b.file) {
                Some(f) => say!("; the old photo is saved in {}", f.display()),
                None => say!(),
            }
            Ok(Outcome::Ok)
        }
        PhotoCommand::Rm { who } => {
            let u = dir.find_user(&who, photo).await?;
            match dir.remove_photo(&u, photo, &backups).await? {
                Some(b) => say!(
                    "{}: photo removed; saved in {}",
                    u.label(),
                    b.file.unwrap_or_default().display()
                ),
                None => say!("{}: had no photo", u.label()),
            }
            Ok(Outcome::Ok)
        }
    }
}

/// "Restore previous": the state just before adphoto's last change to this user.
pub async fn restore(
    dir: &Directory,
    data: &DataFolder,
    photo: &PhotoAttribute,
    user: &str,
) -> Result<Outcome, Failure> {
    let _lock = super::lock_writes(dir, data).await?;
    let backups = BackupStore::in_folder(data);
    let u = dir.find_user(user, photo).await?;
    match dir.restore_photo(&u, photo, &backups).await? {
        Some((rec, _)) => {
            say!("{}", rec.restored(&u.label()));
            Ok(Outcome::Ok)
        }
        None => Err(Failure {
            message: crate::directory::nothing_to_restore(&u.label()),
            code: 1,
        }),
    }
}
