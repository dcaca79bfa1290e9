//! `adphoto undo`: put back what imports changed, checking every user against the directory.

use std::io::IsTerminal as _;

use super::cloud_cmd::SignInArgs;
use super::{Failure, Outcome};
use crate::data_folder::DataFolder;
use crate::directory::{BackupStore, Directory};
use crate::import;
use crate::import::journal::{self, Journal};

pub async fn undo(
    dir: &Directory,
    conn: &super::ConnectionArgs,
    data: &DataFolder,
    id: Option<&str>,
    yes: bool,
    sign_in: &SignInArgs,
) -> Result<Outcome, Failure> {
    let journals = data.journals();
    let _lock = super::lock_writes(dir, data).await?;
    let todo: Vec<journal::Summary> = match id {
        Some(id) => {
            let path = Journal::path_for(&journals, id);
            if !path.exists() {
                return Err(Failure::usage(format!(
                    "no import {id}: there is no journal {}",
                    path.display()
                )));
            }
            let s = journal::summarize(&path).map_err(|e| {
                Failure::usage(format!("cannot read the journal {}: {e}", path.display()))
            })?;
            if !s.has_something_to_undo() {
                say!("Nothing left to undo: {}.", s.describe());
                return Ok(Outcome::Ok);
            }
            vec![s]
        }
        None => journal::with_something_to_undo(&journals, Some(dir.base_dn())),
    };
    if todo.is_empty() {
        say!(
            "Nothing to undo: no import of {} has anything left to undo.",
            dir.base_dn()
        );
        return Ok(Outcome::Ok);
    }
    if todo.len() > 1 && !yes {
        let list: String = todo
            .iter()
            .map(|s| format!("\n  {}  {}", s.id, s.describe()))
            .collect();
        if !std::io::stdin().is_terminal() {
            return Err(Failure::usage(format!(
                "{} imports have something to undo:{list}\nUndo one with --import ID, or all of them (newest first) with --yes.",
                todo.len()
            )));
        }
        say!(
            "{} imports have something to undo, newest first:{list}",
            todo.len()
        );
        super::import_cmd::confirm(&format!("Undo all {} (newest first)?", todo.len()))?;
    }
    // Microsoft 365 photos to put back: signed in when a tenant is given (its lock taken),
    // otherwise the undo says to sign in for them.
    let wrote_cloud = todo
        .iter()
        .any(|s| s.left.iter().any(|t| t.cloud.is_some()));
    let mut _tenant_lock = None;
    let cloud = if wrote_cloud && sign_in.given() {
        _tenant_lock = Some(data.lock_writes(
            &import::tenant_lock_key(&sign_in.tenant()),
            &super::command_line(),
        )?);
        Some(import::CloudSide {
            graph: sign_in.connect(conn).await?,
            backups: crate::cloud::CloudBackups::in_folder(data),
        })
    } else {
        if wrote_cloud {
            eprintln!(
                "Note: Microsoft 365 photos are to be put back too: give --tenant and --client-id to sign in for them."
            );
        }
        None
    };
    let (cancel, on_ctrl_c) = super::cancel_on_ctrl_c("the user under way");
    let backups = BackupStore::in_folder(data);
    let mut all_done = true;
    for s in &todo {
        say!("Undoing the {} ({}):", s.describe(), s.id);
        let report = import::undo(dir, &s.path, &backups, cloud.as_ref(), &cancel)
            .await
            .map_err(|e| {
                Failure::usage(format!("cannot use the journal {}: {e}", s.path.display()))
            })?;
        say!("  {}", report.describe());
        for r in &report.results {
            match &r.outcome {
                import::UndoOutcome::Failed(why) | import::UndoOutcome::NotAttempted(why) => {
                    say!("  not undone {}: {why}", r.name)
                }
                _ => {}
            }
        }
        all_done &= report.complete();
        if cancel.is_cancelled() {
            break;
        }
    }
    on_ctrl_c.abort();
    Ok(if all_done && !cancel.is_cancelled() {
        Outcome::Ok
    } else {
        Outcome::SomeFailed
    })
}
