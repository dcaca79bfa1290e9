//! `adphoto import`, `adphoto export` and `adphoto undo`: the wizard's job, headless.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::cloud_cmd::SignInArgs;
use super::match_cmd::{MatchSource, bad_rows_text, match_files, parse_pattern};
use super::target_args::TargetArgs;
use super::{Failure, Outcome, write_file};
use crate::cloud::CloudBackups;
use crate::data_folder::DataFolder;
use crate::directory::{BackupStore, Directory, PhotoAttribute};
use crate::import::{self, CloudSide, Destination, JobOptions, Report, Session, Status};

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub source: MatchSource,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Show what would be written, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Save the per-user result as CSV (with --dry-run: what would be written, and who is
    /// skipped and why).
    #[arg(long, value_name = "CSV")]
    pub report: Option<PathBuf>,
    /// Don't ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Users processed at once.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Replace photos someone changed in the directory since adphoto wrote them (by default
    /// they are left as they are and reported as "changed outside adphoto").
    #[arg(long)]
    pub overwrite_changed: bool,
    /// Remove the photo of a user whose file is gone from the folder since adphoto made their
    /// photo from it (saved first; undo puts it back). Only photos adphoto made from this
    /// folder and that nobody changed since are removed. Off unless given.
    #[arg(long)]
    pub remove_missing: bool,
    /// The safety valve: write nothing if more than this share of the users considered would
    /// get a new photo at once (`adphoto sync`: 20 unless --allow-mass-change).
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub max_change_percent: Option<u8>,
    /// Where the photos go: ad (the directory's photo attribute), m365 (the Microsoft 365
    /// profile photo, 648×648, through Microsoft Graph: needs --tenant and --client-id), or
    /// both — the same file and crop, in one run with one journal and one undo.
    #[arg(long, value_enum, default_value = "ad")]
    pub to: To,
    #[command(flatten)]
    pub sign_in: SignInArgs,
}

/// `--to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum To {
    Ad,
    M365,
    Both,
}

impl From<To> for Destination {
    fn from(t: To) -> Self {
        match t {
            To::Ad => Destination::Directory,
            To::M365 => Destination::Microsoft365,
            To::Both => Destination::Both,
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Folder to save the photos in (created if needed).
    #[arg(long, value_name = "DIR")]
    pub folder: PathBuf,
    /// The OU whose users' photos are saved (default: the whole domain).
    #[arg(long, value_name = "DN")]
    pub ou: Option<String>,
    /// Include users in sub-OUs of --ou.
    #[arg(long)]
    pub subtree: bool,
    /// Save contacts' photos too (named by their cn when the pattern gives nothing).
    #[arg(long)]
    pub contacts: bool,
    /// File name pattern (".jpg" is added).
    #[arg(long, value_name = "PATTERN", default_value = crate::import::DEFAULT_EXPORT_PATTERN)]
    pub pattern: String,
    /// Replace files already in the folder that hold another picture (they are kept otherwise).
    #[arg(long)]
    pub overwrite: bool,
}

pub async fn import(
    dir: &Directory,
    conn: &super::ConnectionArgs,
    data: &DataFolder,
    photo: &PhotoAttribute,
    args: &ImportArgs,
) -> Result<Outcome, Failure> {
    let target = args.target.target().map_err(Failure::usage)?;
    let users = super::users_cmd::list(
        dir,
        args.source.ou.as_deref(),
        args.source.subtree,
        args.source.contacts,
        photo,
    )
    .await?;
    let m = match_files(&args.source, &users)?;
    // Automatch's proposal as it is (unusable files skipped): what the wizard starts from
    // before anyone edits it.
    let choices = m.found.proposal();
    let mut plan = choices.plan(&users, &m.scan.files, target, photo.clone());
    plan.to = args.to.into();
    plan.overwrite_changed = args.overwrite_changed;
    plan.remove_missing = args.remove_missing.then(|| args.source.folder.clone());
    plan.max_change_share = args.max_change_percent.map(|p| f64::from(p) / 100.0);
    // Users this account may not change are left out before anything is sent (dry run too).
    if let Err(e) = import::check_rights(dir, &mut plan).await {
        eprintln!("Note: your rights could not be checked ({e}); the server refuses what it must.");
    }
    let unused = choices.unused_files();
    let sum = plan.summary();
    let backups = BackupStore::in_folder(data);
    say!(
        "{} photos to write ({} replacing an existing photo, backed up to {}), {} users skipped, {} files without a user; attribute {}, {}×{} px ≤ {} bytes",
        sum.to_write,
        sum.replacing,
        backups.root().display(),
        sum.skipped,
        unused.len(),
        photo.name(),
        target.size,
        target.size,
        target.max_bytes
    );
    // A mapping file's bad rows: left out, said before anything is written.
    say_inline!("{}", bad_rows_text(&m.found.bad_rows));
    if args.dry_run {
        for item in &plan.items {
            let replacing = if item.user.photo_bytes.is_some() {
                " (replaces a photo)"
            } else {
                ""
            };
            say!(
                "  write  {} ← {}{replacing}",
                item.user.label_with_account(),
                item.file.display()
            );
        }
        for (u, why) in &plan.skipped {
            say!("  skip   {}: {why}", u.label_with_account());
        }
        for &f in &unused {
            say!("  unused {}", m.scan.files[f].path.display());
        }
        if args.remove_missing {
            say!(
                "  (--remove-missing: a user above without a file loses the photo adphoto made \
                 from a file of this folder that is gone, if it is still that photo; checked \
                 when it runs)"
            );
        }
        if let Some(path) = &args.report {
            write_file(path, plan.preview_report().to_csv().as_bytes())?;
            say!("List saved to {}", path.display());
        }
        return Ok(Outcome::Ok);
    }
    // (With --remove-missing a folder HR emptied still has its removals to make.)
    if plan.items.is_empty() && plan.remove_missing.is_none() {
        say!("Nothing to write.");
        return Ok(Outcome::Ok);
    }
    // One writer per directory: refused at once (exit 2) while another import, undo or restore
    // runs. The engine's session: the same lock and journal as the window's import.
    // Read before our own lock is taken: while we hold it, every import of this directory
    // would look as if it were still running. Only the command line says it; the window
    // offers them at start.
    let unfinished = import::journal::unfinished(data, Some(dir.base_dn()));
    let mut session = Session::lock(dir, data, &super::command_line())
        .await
        .map_err(|e| Failure::usage(e.to_string()))?;
    // Signed in before anyone is asked to confirm, so a wrong tenant or secret shows at once.
    let cloud = if plan.to.cloud() {
        session
            .lock_tenant(&args.sign_in.tenant(), &super::command_line())
            .map_err(|e| Failure::usage(e.to_string()))?;
        Some(CloudSide {
            graph: args.sign_in.connect(conn).await?,
            backups: CloudBackups::in_folder(data),
        })
    } else {
        None
    };
    if !args.yes {
        confirm(&format!(
            "Write {} photos to {}{}?",
            sum.to_write,
            plan.to.describe(),
            if plan.remove_missing.is_some() {
                ", and remove those adphoto made from files now gone from the folder"
            } else {
                ""
            }
        ))?;
    }
    for old in &unfinished {
        eprintln!(
            "Note: an earlier {}. `adphoto undo --import {}` puts those users back.",
            old.describe(),
            old.id
        );
    }
    let (cancel, on_ctrl_c) = super::cancel_on_ctrl_c("the users under way");
    let mut opts = JobOptions::default();
    if let Some(n) = args.concurrency {
        opts.concurrency = n.max(1);
    }
    let bar = super::progress::Progress::new(plan.items.len(), "users");
    let report = session
        .run(dir, cloud.as_ref(), &plan, opts, &cancel, |p| {
            if let Status::Failed { reason } = &p.last.status {
                let to = if p.to_cloud { " (Microsoft 365)" } else { "" };
                bar.println(format!("failed: {}{to}: {reason}", p.last.name));
            }
            bar.set(p.done, p.total);
        })
        .await;
    bar.finish();
    on_ctrl_c.abort();
    let report = report.map_err(|e| Failure::usage(e.to_string()))?;
    finish(&report, args.report.as_ref())
}

fn finish(report: &Report, csv: Option<&PathBuf>) -> Result<Outcome, Failure> {
    if let Some(why) = &report.not_started {
        return Err(Failure::usage(format!("nothing was written: {why}")));
    }
    say!(
        "{}{}",
        report.counts(),
        if report.cancelled { " (cancelled)" } else { "" }
    );
    for r in &report.results {
        if let Status::Failed { reason } = &r.status {
            say!("  failed {}: {reason}", r.name);
        }
    }
    for r in &report.cloud {
        match &r.status {
            Status::Failed { reason } => say!("  failed {} (Microsoft 365): {reason}", r.name),
            Status::Skipped { reason } if reason == crate::cloud::NO_ACCOUNT => {
                say!("  no cloud account {}", r.name)
            }
            _ => {}
        }
    }
    if let Some(why) = &report.unreachable {
        let left = report.unfinished.len();
        eprintln!(
            "adphoto: the server could not be reached again ({why}). {left} users were not attempted or were cut off mid-write (not attempted: server unreachable); run the import again when the server is back, or undo it."
        );
    }
    if let Some(path) = csv {
        write_file(path, report.to_csv().as_bytes())?;
        say!("Report saved to {}", path.display());
    }
    let failed = report.failed() + report.cloud_failed();
    if report.written() + report.removed() + report.cloud_written() > 0 || failed > 0 {
        say!("Undo this import with: adphoto undo --import {}", report.id);
    }
    if report.written() > 0 && report.cloud.is_empty() {
        say!("Hybrid tenants (Entra Connect) show the new photos after the next sync.");
    }
    // A run that stopped before every user had their turn is not a success for a script.
    Ok(if failed > 0 || report.stopped_early() {
        Outcome::SomeFailed
    } else {
        Outcome::Ok
    })
}

pub(crate) fn confirm(question: &str) -> Result<(), Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "not a terminal: add --yes to write without asking",
        ));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
        Ok(())
    } else {
        Err(Failure {
            message: "nothing written".into(),
            code: 1,
        })
    }
}

pub async fn export(
    dir: &Directory,
    photo: &PhotoAttribute,
    args: &ExportArgs,
) -> Result<Outcome, Failure> {
    let users =
        super::users_cmd::list(dir, args.ou.as_deref(), args.subtree, args.contacts, photo).await?;
    let pattern = parse_pattern(&args.pattern, &users)?;
    let (cancel, on_ctrl_c) = super::cancel_on_ctrl_c("the photos being read");
    let bar = super::progress::Progress::new(users.len(), "photos read");
    let to = crate::import::ExportTo {
        folder: &args.folder,
        pattern: &pattern,
        overwrite: args.overwrite,
    };
    let result =
        crate::import::export_photos(dir, photo, &users, to, &cancel, &mut |done, total| {
            bar.set(done, total)
        })
        .await;
    bar.finish();
    on_ctrl_c.abort();
    let report = match result {
        Ok(r) => r,
        Err(stopped) => {
            say!("{} before it stopped", stopped.so_far.summary(&args.folder));
            return Err(stopped.error.into());
        }
    };
    for f in &report.failed {
        eprintln!("not saved: {f}");
    }
    say!("{}", report.summary(&args.folder));
    if report.kept > 0 {
        eprintln!(
            "{} files already in {} hold other pictures and were kept: --overwrite replaces them",
            report.kept,
            args.folder.display()
        );
    }
    Ok(if report.failed.is_empty() && !report.cancelled {
        Outcome::Ok
    } else {
        Outcome::SomeFailed
    })
}
