//! `adphoto sync PROFILE.toml`: the unattended import of a folder that HR keeps filling, for a
//! scheduled job. The profile names the server, the sign-in (never a password: Kerberos, or
//! ADPHOTO_PASSWORD from the job's environment), the OU, the folder and pattern (or mapping
//! file), the size and the targets; the sync is then exactly `adphoto import … --yes` with
//! those options — the same engine call, no rules of its own — plus the safety valve (20 % of
//! the users at most unless `--allow-mass-change`). What changed nothing is "up to date" and not
//! written (the records of what made each photo). Exit codes: 0 all up to date or written, 1
//! some failed, 2 it could not run (no connection, the valve, another adphoto writing).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use std::process::ExitCode;

use clap::Args;

use super::Cli;
use super::schedule::{self, Job, When};
use crate::import::SyncProfile;

/// The share of the users one sync may change at once, unless told otherwise.
pub const DEFAULT_MAX_CHANGE_PERCENT: u8 = 20;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The sync profile (TOML): see the README's "Nightly sync". Relative paths in it are
    /// taken from the profile's own folder.
    #[arg(value_name = "PROFILE.toml")]
    pub profile: PathBuf,
    /// Let this run change more than the profile's max_change_percent (default 20 %) of the
    /// users' photos at once.
    #[arg(long)]
    pub allow_mass_change: bool,
    /// Save the per-user result as CSV here (instead of the profile's `report`).
    #[arg(long, value_name = "CSV")]
    pub report: Option<PathBuf>,
    /// Show what would be written, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Run this profile on a schedule, as you: a systemd user timer (Linux), a Task Scheduler
    /// task (Windows), a launchd agent (macOS). WHEN: daily@HH:MM, weekdays@HH:MM,
    /// weekly@DAY@HH:MM (DAY: mon … sun) or hourly.
    #[arg(
        long,
        value_name = "WHEN",
        conflicts_with_all = ["remove_schedule", "allow_mass_change", "report", "dry_run"]
    )]
    pub install_schedule: Option<When>,
    /// Remove this profile's schedule.
    #[arg(long, conflicts_with_all = ["allow_mass_change", "report", "dry_run"])]
    pub remove_schedule: bool,
}

impl SyncArgs {
    /// A sync run (not a schedule being set up): it logs to the system log and the data folder.
    pub fn runs_the_sync(&self) -> bool {
        self.install_schedule.is_none() && !self.remove_schedule
    }
}

/// The `adphoto … import … --yes` command line `profile` stands for; paths relative to
/// `base_dir` (the profile's folder).
pub fn import_argv(p: &SyncProfile, base_dir: &Path, args: &SyncArgs) -> Vec<OsString> {
    let path = |p: &Path| base_dir.join(p).into_os_string();
    let mut v: Vec<OsString> = vec!["adphoto".into()];
    let mut opt = |name: &str, value: Option<OsString>| {
        if let Some(value) = value {
            v.push(format!("--{name}").into());
            v.push(value);
        }
    };
    opt("server", p.server.clone().map(Into::into));
    opt("user", p.user.clone().map(Into::into));
    opt("security", p.security.clone().map(Into::into));
    opt("ca-file", p.ca_file.as_deref().map(path));
    opt("pin-sha256", p.pin_sha256.clone().map(Into::into));
    opt("base", p.base.clone().map(Into::into));
    opt("attribute", p.attribute.clone().map(Into::into));
    opt("timeout", p.timeout.map(|t| t.to_string().into()));
    opt("tenant", p.tenant.clone().map(Into::into));
    opt("client-id", p.client_id.clone().map(Into::into));
    opt("cloud", p.cloud.clone().map(Into::into));
    opt("client-cert", p.client_cert.as_deref().map(path));
    if p.kerberos {
        v.push("--kerberos".into());
    }
    v.push("import".into());
    let mut opt = |name: &str, value: Option<OsString>| {
        if let Some(value) = value {
            v.push(format!("--{name}").into());
            v.push(value);
        }
    };
    opt("folder", Some(path(&p.folder)));
    opt("pattern", p.pattern.clone().map(Into::into));
    opt("map", p.map.as_deref().map(path));
    opt("ou", p.ou.clone().map(Into::into));
    opt("preset", p.preset.clone().map(Into::into));
    opt("size", p.size.map(|s| s.to_string().into()));
    opt("max-bytes", p.max_bytes.map(|b| b.to_string().into()));
    opt("to", p.to.clone().map(Into::into));
    let report = args
        .report
        .clone()
        .or_else(|| p.report.as_deref().map(|p| base_dir.join(p)));
    opt("report", report.map(Into::into));
    if !args.allow_mass_change {
        let percent = p.max_change_percent.unwrap_or(DEFAULT_MAX_CHANGE_PERCENT);
        opt("max-change-percent", Some(percent.to_string().into()));
    }
    for (on, flag) in [
        (p.subtree, "--subtree"),
        (p.contacts, "--contacts"),
        (p.recursive, "--recursive"),
        (p.overwrite_changed, "--overwrite-changed"),
        (p.remove_missing, "--remove-missing"),
        (args.dry_run, "--dry-run"),
        (true, "--yes"),
    ] {
        if on {
            v.push(flag.into());
        }
    }
    v
}

/// Runs the sync: the profile read, turned into its import command and run as that. Or sets
/// up or removes its schedule.
pub fn run(args: &SyncArgs) -> ExitCode {
    let profile = match SyncProfile::read(&args.profile) {
        Ok(p) => p,
        Err(e) if args.remove_schedule => {
            // A schedule outlives a deleted or broken profile: it can still be removed.
            tracing::debug!("{e}");
            SyncProfile::default()
        }
        Err(e) => {
            eprintln!("adphoto: {e}");
            tracing::error!(target: "adphoto::run", "sync {}: {e}", args.profile.display());
            return ExitCode::from(2);
        }
    };
    if !args.runs_the_sync() {
        return set_schedule(args);
    }
    let base_dir = args
        .profile
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let argv = import_argv(&profile, base_dir, args);
    tracing::info!(target: "adphoto::run", "sync {} started", args.profile.display());
    tracing::debug!("sync {}: {:?}", args.profile.display(), argv);
    let started = std::time::Instant::now();
    let code = match <Cli as clap::Parser>::try_parse_from(argv) {
        Ok(Cli {
            connection,
            command: Some(command),
            ..
        }) => super::run(connection, false, command),
        Ok(_) => ExitCode::from(2),
        Err(e) => {
            eprintln!("adphoto: {}: {}", args.profile.display(), e.kind());
            tracing::error!(target: "adphoto::run", "sync {}: {e}", args.profile.display());
            let _ = e.print();
            ExitCode::from(2)
        }
    };
    let ended = match code {
        c if c == ExitCode::SUCCESS => "done (exit 0)",
        c if c == ExitCode::from(1) => "done, some failed (exit 1)",
        _ => "could not run (exit 2)",
    };
    if code == ExitCode::SUCCESS {
        tracing::info!(target: "adphoto::run", "sync {} {ended} in {:.1} s", args.profile.display(), started.elapsed().as_secs_f64());
    } else {
        tracing::warn!(target: "adphoto::run", "sync {} {ended} in {:.1} s", args.profile.display(), started.elapsed().as_secs_f64());
    }
    code
}

/// `--install-schedule` / `--remove-schedule`: the job that runs `adphoto sync PROFILE` (this
/// adphoto, the profile's absolute path). Exit 0 done, 1 written but the system's scheduler
/// was not reached (what to run is printed), 2 nothing done.
fn set_schedule(args: &SyncArgs) -> ExitCode {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let profile = std::fs::canonicalize(&args.profile).unwrap_or_else(|_| absolute(&args.profile));
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .unwrap_or_else(|_| PathBuf::from("adphoto"));
    // The name comes from the profile alone; when does not matter for removing.
    let when = args.install_schedule.unwrap_or(When::Hourly);
    let job = Job::new(exe, profile, when);
    let done = schedule::apply(&job, args.install_schedule.is_some());
    match done {
        Ok(done) => {
            for file in &done.files {
                say!("{}", file.display());
            }
            for note in &done.notes {
                say!("{note}");
            }
            if done.active || args.remove_schedule {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("adphoto: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> SyncArgs {
        SyncArgs {
            profile: "p.toml".into(),
            allow_mass_change: false,
            report: None,
            dry_run: false,
            install_schedule: None,
            remove_schedule: false,
        }
    }

    #[test]
    fn a_profile_is_the_import_command_it_stands_for() {
        let p = SyncProfile::parse(
            r#"
            server = "ldaps://dc1.corp.example"
            kerberos = true
            ca_file = "corp-ca.pem"
            ou = "OU=Staff,DC=corp,DC=example"
            subtree = true
            folder = "photos"
            pattern = "{sAMAccountName}"
            report = "/var/log/adphoto/sync.csv"
            "#,
        )
        .unwrap();
        let argv: Vec<String> = import_argv(&p, Path::new("/etc/adphoto"), &args())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect();
        let line = argv.join(" ");
        assert_eq!(
            line,
            "adphoto --server ldaps://dc1.corp.example --ca-file /etc/adphoto/corp-ca.pem \
             --kerberos import --folder /etc/adphoto/photos --pattern {sAMAccountName} \
             --ou OU=Staff,DC=corp,DC=example --report /var/log/adphoto/sync.csv \
             --max-change-percent 20 --subtree --yes"
        );
        let mass = SyncArgs {
            allow_mass_change: true,
            ..args()
        };
        let line: Vec<_> = import_argv(&p, Path::new("/etc/adphoto"), &mass);
        assert!(!line.iter().any(|a| a == "--max-change-percent"));
    }
}
