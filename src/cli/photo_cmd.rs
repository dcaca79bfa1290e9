//! `adphoto photo get|set|rm` and `adphoto restore`.

use std::path::PathBuf;

use clap::Subcommand;

use super::target_args::TargetArgs;
use super::{Failure, Outcome, write_file};
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
    photo: &PhotoAttribute,
    cmd: PhotoCommand,
) -> Result<Outcome, Failure> {
    let backups = BackupStore::default_location();
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
            let input = std::fs::read(&file)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", file.display())))?;
            let prepared = crate::photo::prepare(&input, &PrepareOptions::with_target(target))
                .map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
            drop(input);
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
            match outcome.backup {
                Some(b) => say!("; the old photo is saved in {}", b.file.display()),
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
                    b.file.display()
                ),
                None => say!("{}: had no photo", u.label()),
            }
            Ok(Outcome::Ok)
        }
    }
}

pub async fn restore(
    dir: &Directory,
    photo: &PhotoAttribute,
    user: &str,
) -> Result<Outcome, Failure> {
    let backups = BackupStore::default_location();
    let u = dir.find_user(user, photo).await?;
    match dir.restore_photo(&u, photo, &backups).await? {
        Some((rec, _)) => {
            say!(
                "{}: restored the photo saved at {}",
                u.label(),
                rec.taken_at
            );
            Ok(Outcome::Ok)
        }
        None => Err(Failure {
            message: format!("{} has no saved photo to restore", u.label()),
            code: 1,
        }),
    }
}
