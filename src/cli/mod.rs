//! The headless command line over the same engine the window uses. Without a command `main`
//! opens the window instead, with these arguments filling in its connect dialog.
//!
//! Exit codes: 0 success, 1 some items failed, 2 usage or connection errors. Never a panic.

/// `println!` that never panics: a closed pipe (`adphoto users | head`) is not an error.
macro_rules! say {
    () => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock());
    }};
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let line = format!($($t)*);
        let _ = writeln!(std::io::stdout().lock(), "{line}");
        // The same words in an unattended run's logs (cli/run_log.rs).
        tracing::info!(target: "adphoto::run", "{line}");
    }};
}

/// `print!` that never panics.
macro_rules! say_inline {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($t)*);
    }};
}

mod cloud_cmd;
mod connection;
pub mod convert_cmd;
mod import_cmd;
pub mod match_cmd;
mod photo_cmd;
mod progress;
mod run_log;
pub mod schedule;
pub mod sync_cmd;
pub mod target_args;
mod undo_cmd;
mod users_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use connection::ConnectionArgs;

use crate::data_folder::{DataFolder, WriteLock};
use crate::directory::Directory;

/// Put employee photos into Active Directory.
#[derive(Debug, Parser)]
#[command(
    name = "adphoto",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Without a command, adphoto opens its window (--server, --user and --ca-file fill in its \
                  connect dialog; --ldif FILE or --demo open a directory at once). With a command, \
                  --demo works on the demo directory: adphoto --demo users"
)]
pub struct Cli {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// Log more (repeat for even more): -v info, -vv debug.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Use the shipped demo directory (a fictional company; no AD needed): the window opens on
    /// it, and commands work on it as with --ldif.
    #[arg(long, env = "ADPHOTO_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,
    /// Without a command, adphoto opens its window.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the OU tree.
    Tree {
        /// Print JSON instead of an indented tree.
        #[arg(long)]
        json: bool,
    },
    /// List users of an OU (not contacts or computers).
    Users(users_cmd::UsersArgs),
    /// Read, set or remove one user's photo.
    #[command(subcommand)]
    Photo(photo_cmd::PhotoCommand),
    /// Pair a folder of photo files with users by a naming pattern (writes nothing).
    Match(match_cmd::MatchArgs),
    /// Fit any picture into a JPEG for AD (size, byte budget, face-centred crop). Needs no server.
    Convert(convert_cmd::ConvertArgs),
    /// Give many users their photo from a folder: match files by a naming pattern, fit, back up, write.
    Import(import_cmd::ImportArgs),
    /// Save users' current photos as files.
    Export(import_cmd::ExportArgs),
    /// The unattended import for a scheduled job: a profile (TOML) names server, sign-in, OU,
    /// folder, pattern, size and targets; what changed is written, what did not is left, and a
    /// run that would change more than 20 % of the users writes nothing (--allow-mass-change).
    /// Exit 0: all up to date or written; 1: some failed; 2: it could not run.
    Sync(sync_cmd::SyncArgs),
    /// Undo an import: put back the photos it replaced, remove the ones it added. Each user is
    /// checked first: one whose photo was changed since the import is left as it is (and named).
    Undo {
        /// The import's id (printed at its end); default: every import of this directory that
        /// still has something to undo, newest first (asks first when there are several).
        #[arg(long = "import", value_name = "ID")]
        id: Option<String>,
        /// Don't ask: with several imports to undo, undo them all, newest first.
        #[arg(long, short = 'y')]
        yes: bool,
        /// An import that wrote Microsoft 365 photos: sign in with these to put them back too.
        #[command(flatten)]
        sign_in: cloud_cmd::SignInArgs,
    },
    /// Microsoft 365 (Entra ID): users and profile photos through Microsoft Graph, for a
    /// cloud-only tenant. Sign-in: with ADPHOTO_CLIENT_SECRET set, the app's own identity;
    /// otherwise a person, by device code.
    Cloud(cloud_cmd::CloudArgs),
    /// Put a user's previous photo back from the backups.
    Restore {
        /// sAMAccountName, userPrincipalName or DN.
        #[arg(value_name = "USER")]
        who: String,
    },
}

/// What a command run ended in, mapped to the exit code.
pub enum Outcome {
    Ok,
    SomeFailed,
}

/// An error that ends a command: printed as one line, exit code 2 (usage/connection) or 1.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code: 2,
        }
    }
}

impl From<crate::data_folder::LockError> for Failure {
    fn from(e: crate::data_folder::LockError) -> Self {
        Self::usage(e.to_string())
    }
}

impl From<crate::directory::DirectoryError> for Failure {
    fn from(e: crate::directory::DirectoryError) -> Self {
        Self {
            code: if e.is_connection_error() { 2 } else { 1 },
            message: e.advice_for_command_line(),
        }
    }
}

/// The arguments, with logging set up as they ask; `Err` is the exit code after clap has said
/// what is wrong (or printed the help or version, which exits 0).
pub fn parse() -> Result<Cli, ExitCode> {
    match Cli::try_parse() {
        Ok(cli) => {
            let unattended = matches!(&cli.command, Some(Command::Sync(a)) if a.runs_the_sync());
            run_log::init(cli.verbose, unattended);
            Ok(cli)
        }
        Err(e) => {
            let _ = e.print();
            Err(ExitCode::from(if e.use_stderr() { 2 } else { 0 }))
        }
    }
}

/// Runs one command to its end: the demo directory set up if asked, a runtime started unless
/// the command needs no server.
pub fn run(mut connection: ConnectionArgs, demo: bool, command: Command) -> ExitCode {
    let data = DataFolder::from_env();
    if demo && connection.ldif.is_none() {
        match crate::directory::demo::install(data.root()) {
            Ok(path) => connection.ldif = Some(path),
            Err(e) => {
                eprintln!("adphoto: cannot set up the demo directory: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Command::Sync(args) = &command {
        // The profile's import command, run as that (it opens its own directory).
        return sync_cmd::run(args);
    }
    if let Command::Convert(args) = &command {
        // Pure photo work, no server: no async runtime to start and stop around it (its
        // threads cost a one-photo run more time than the photo).
        return exit_code(convert_cmd::run(args));
    }
    // One thread for the LDAP traffic: ldap3 hands every entry from its connection task to the
    // search, and across threads each handoff is a wake-up (~4,000 for a 2,000-user listing,
    // a fifth of its time). Photo work runs on the blocking pool, which keeps every core.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("adphoto: cannot start: {e}");
            return ExitCode::from(2);
        }
    };
    exit_code(runtime.block_on(async {
        match command {
            // Microsoft 365 only: no directory to open.
            Command::Cloud(args) => cloud_cmd::run(&connection, &data, args).await,
            other => run_command(&connection, &data, other).await,
        }
    }))
}

/// A command's end as the process's exit code, with the failure said on stderr.
fn exit_code(r: Result<Outcome, Failure>) -> ExitCode {
    match r {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::SomeFailed) => ExitCode::from(1),
        Err(f) => {
            eprintln!("adphoto: {}", f.message);
            tracing::error!(target: "adphoto::run", "{}", f.message);
            ExitCode::from(f.code)
        }
    }
}

async fn run_command(
    conn: &ConnectionArgs,
    data: &DataFolder,
    command: Command,
) -> Result<Outcome, Failure> {
    let started = std::time::Instant::now();
    let dir = conn.open(data).await?;
    tracing::debug!("connected and signed in after {:?}", started.elapsed());
    let photo = conn.photo_attribute();
    let result = match command {
        Command::Tree { json } => users_cmd::tree(&dir, json).await,
        Command::Users(args) => users_cmd::users(&dir, &photo, &args).await,
        Command::Photo(cmd) => photo_cmd::run(&dir, data, &photo, cmd).await,
        Command::Match(args) => {
            let users = users_cmd::list(
                &dir,
                args.source.ou.as_deref(),
                args.source.subtree,
                args.source.contacts,
                &photo,
            )
            .await?;
            match_cmd::run(&args, &users)
        }
        Command::Import(args) => import_cmd::import(&dir, conn, data, &photo, &args).await,
        Command::Export(args) => import_cmd::export(&dir, &photo, &args).await,
        Command::Undo { id, yes, sign_in } => {
            undo_cmd::undo(&dir, conn, data, id.as_deref(), yes, &sign_in).await
        }
        Command::Convert(args) => convert_cmd::run(&args),
        Command::Restore { who } => photo_cmd::restore(&dir, data, &photo, &who).await,
        Command::Cloud(_) => Err(Failure::usage("cloud commands need no directory")),
        Command::Sync(_) => Err(Failure::usage("sync opens the profile's directory itself")),
    };
    if let Some(path) = dir.changes_path().await
        && path.exists()
    {
        eprintln!("Offline changes are in {}", path.display());
    }
    tracing::debug!("command done after {:?}", started.elapsed());
    dir.close().await;
    result
}

/// Writes bytes to a file, creating its folder; errors as a one-line failure.
pub(crate) fn write_file(path: &PathBuf, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::usage(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| Failure::usage(format!("cannot write {}: {e}", path.display())))
}

/// Takes the data folder's write lock for this directory, naming this run for anyone refused.
pub(crate) async fn lock_writes(dir: &Directory, data: &DataFolder) -> Result<WriteLock, Failure> {
    Ok(data.lock_writes(&dir.lock_key().await, &command_line())?)
}

/// This run's command line, as a second writer that is refused sees it.
pub(crate) fn command_line() -> String {
    std::env::args()
        .map(|a| if a.contains(' ') { format!("{a:?}") } else { a })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A cancel flag that Ctrl-C sets (saying `what` it waits for); abort the handle when done.
pub(crate) fn cancel_on_ctrl_c(
    what: &'static str,
) -> (crate::import::Cancel, tokio::task::JoinHandle<()>) {
    let cancel = crate::import::Cancel::default();
    let flag = cancel.clone();
    // The listener is made here, not in the task: `tokio::signal::ctrl_c()` listens only from
    // its first poll, and a Ctrl-C before the task first ran ended the process uncancelled.
    #[cfg(unix)]
    let mut listener =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok();
    #[cfg(windows)]
    let mut listener = tokio::signal::windows::ctrl_c().ok();
    let handle = tokio::spawn(async move {
        let Some(l) = listener.as_mut() else { return };
        if l.recv().await.is_some() {
            eprintln!("\nCancelling after {what}…");
            flag.cancel();
        }
    });
    (cancel, handle)
}
