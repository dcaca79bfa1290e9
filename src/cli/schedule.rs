//! `adphoto sync PROFILE --install-schedule daily@02:00` / `--remove-schedule`: the nightly job
//! set up the way each system runs one for a user — a systemd user timer on Linux, a Task
//! Scheduler task on Windows, a launchd agent on macOS. The files are made by pure functions
//! (tested here, and on Linux checked by systemd's own `systemd-analyze verify`); installing
//! writes them and asks the system's tool to load them. Each profile gets its own job, named
//! after the profile file, so several OUs can sync at different hours.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// When the job runs, as given after `--install-schedule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Every day at this time.
    Daily(Time),
    /// Monday to Friday at this time.
    Weekdays(Time),
    /// Once a week, on this day (0 = Monday) at this time.
    Weekly(u8, Time),
    /// At the start of every hour.
    Hourly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time {
    pub hour: u8,
    pub minute: u8,
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WINDOWS_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

pub const WHEN_HELP: &str =
    "daily@HH:MM, weekdays@HH:MM, weekly@DAY@HH:MM (DAY: mon … sun) or hourly";

impl FromStr for When {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a schedule: give {WHEN_HELP}");
        let lower = s.trim().to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('@').collect();
        match parts.as_slice() {
            ["hourly"] => Ok(When::Hourly),
            ["daily", t] => Ok(When::Daily(t.parse().map_err(|_| bad())?)),
            ["weekdays", t] => Ok(When::Weekdays(t.parse().map_err(|_| bad())?)),
            ["weekly", day, t] => {
                let day = DAYS
                    .iter()
                    .position(|d| day.starts_with(&d.to_ascii_lowercase()))
                    .ok_or_else(bad)?;
                Ok(When::Weekly(day as u8, t.parse().map_err(|_| bad())?))
            }
            _ => Err(bad()),
        }
    }
}

impl FromStr for Time {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (h, m) = s.split_once(':').ok_or(())?;
        let (hour, minute) = (
            h.parse::<u8>().map_err(|_| ())?,
            m.parse::<u8>().map_err(|_| ())?,
        );
        if hour > 23 || minute > 59 || m.len() != 2 {
            return Err(());
        }
        Ok(Time { hour, minute })
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::Daily(t) => write!(f, "every day at {t}"),
            When::Weekdays(t) => write!(f, "Monday to Friday at {t}"),
            When::Weekly(d, t) => write!(f, "every {} at {t}", WINDOWS_DAYS[*d as usize]),
            When::Hourly => write!(f, "every hour"),
        }
    }
}

/// What the job runs: this adphoto, `sync`, the profile (absolute paths, as a job starts
/// in no particular folder).
#[derive(Debug, Clone)]
pub struct Job {
    /// The job's name: `sync-` and the profile file's stem, reduced to what every scheduler
    /// accepts in a name.
    pub name: String,
    pub exe: PathBuf,
    pub profile: PathBuf,
    pub when: When,
}

impl Job {
    pub fn new(exe: PathBuf, profile: PathBuf, when: When) -> Self {
        let stem = profile
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Job {
            name: format!("sync-{stem}"),
            exe,
            profile,
            when,
        }
    }

    fn folder(&self) -> &Path {
        self.profile.parent().unwrap_or(Path::new("/"))
    }

    /// systemd user units: `adphoto-<name>.service` (one run) and `.timer` (when). The timer is
    /// Persistent, so a night the machine was off is caught up at the next start; a run still
    /// going when the next is due is not started twice (systemd never starts a running unit).
    pub fn systemd_units(&self) -> (String, String) {
        let on_calendar = match self.when {
            When::Daily(t) => format!("*-*-* {t}:00"),
            When::Weekdays(t) => format!("Mon..Fri *-*-* {t}:00"),
            When::Weekly(d, t) => format!("{} *-*-* {t}:00", DAYS[d as usize]),
            When::Hourly => "hourly".to_string(),
        };
        let service = format!(
            "# Written by `adphoto sync --install-schedule`; `--remove-schedule` removes it.\n\
             [Unit]\n\
             Description=adphoto sync of {profile}\n\
             After=network-online.target\n\
             \n\
             [Service]\n\
             Type=oneshot\n\
             ExecStart={exe} sync {profile_arg}\n\
             WorkingDirectory={folder}\n\
             # A photo import is background work: it yields the machine to people.\n\
             Nice=10\n\
             IOSchedulingClass=idle\n",
            profile = systemd_escape_text(&self.profile.display().to_string()),
            exe = systemd_quote(&self.exe.display().to_string()),
            profile_arg = systemd_quote(&self.profile.display().to_string()),
            // One path, not a command line: unquoted (systemd would take quotes literally).
            folder = systemd_escape_text(&self.folder().display().to_string()),
        );
        let timer = format!(
            "# Written by `adphoto sync --install-schedule`; `--remove-schedule` removes it.\n\
             [Unit]\n\
             Description=adphoto sync of {profile}, {when}\n\
             \n\
             [Timer]\n\
             OnCalendar={on_calendar}\n\
             Persistent=true\n\
             \n\
             [Install]\n\
             WantedBy=timers.target\n",
            profile = systemd_escape_text(&self.profile.display().to_string()),
            when = self.when,
        );
        (service, timer)
    }

    /// The Task Scheduler task (schtasks /Create /XML). It runs as `user` whether or not they
    /// are logged on (LogonType Password: schtasks asks for the password once and Windows keeps
    /// it; adphoto never sees it), with least privilege, never two at once, a missed run
    /// started when the machine is back, and a four-hour limit.
    pub fn windows_task_xml(&self, user: &str) -> String {
        let start = |t: Time| format!("2026-01-01T{t}:00");
        let trigger = match self.when {
            When::Daily(t) => format!(
                "    <CalendarTrigger>\n      <StartBoundary>{}</StartBoundary>\n      \
                 <ScheduleByDay><DaysInterval>1</DaysInterval></ScheduleByDay>\n    \
                 </CalendarTrigger>\n",
                start(t)
            ),
            When::Weekdays(t) => format!(
                "    <CalendarTrigger>\n      <StartBoundary>{}</StartBoundary>\n      \
                 <ScheduleByWeek><WeeksInterval>1</WeeksInterval><DaysOfWeek>{}</DaysOfWeek>\
                 </ScheduleByWeek>\n    </CalendarTrigger>\n",
                start(t),
                WINDOWS_DAYS[..5]
                    .iter()
                    .map(|d| format!("<{d} />"))
                    .collect::<String>()
            ),
            When::Weekly(d, t) => format!(
                "    <CalendarTrigger>\n      <StartBoundary>{}</StartBoundary>\n      \
                 <ScheduleByWeek><WeeksInterval>1</WeeksInterval><DaysOfWeek><{} />\
                 </DaysOfWeek></ScheduleByWeek>\n    </CalendarTrigger>\n",
                start(t),
                WINDOWS_DAYS[d as usize]
            ),
            When::Hourly => format!(
                "    <TimeTrigger>\n      <StartBoundary>{}</StartBoundary>\n      \
                 <Repetition><Interval>PT1H</Interval></Repetition>\n    </TimeTrigger>\n",
                start(Time { hour: 0, minute: 0 })
            ),
        };
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n\
             <Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n\
             \x20 <RegistrationInfo>\n\
             \x20   <Author>{user}</Author>\n\
             \x20   <Description>adphoto sync of {profile}, {when}. Written by adphoto sync --install-schedule; --remove-schedule removes it.</Description>\n\
             \x20   <URI>\\adphoto\\{name}</URI>\n\
             \x20 </RegistrationInfo>\n\
             \x20 <Triggers>\n{trigger}  </Triggers>\n\
             \x20 <Principals>\n\
             \x20   <Principal id=\"Author\">\n\
             \x20     <UserId>{user}</UserId>\n\
             \x20     <LogonType>Password</LogonType>\n\
             \x20     <RunLevel>LeastPrivilege</RunLevel>\n\
             \x20   </Principal>\n\
             \x20 </Principals>\n\
             \x20 <Settings>\n\
             \x20   <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n\
             \x20   <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n\
             \x20   <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n\
             \x20   <StartWhenAvailable>true</StartWhenAvailable>\n\
             \x20   <RunOnlyIfNetworkAvailable>true</RunOnlyIfNetworkAvailable>\n\
             \x20   <ExecutionTimeLimit>PT4H</ExecutionTimeLimit>\n\
             \x20   <Priority>7</Priority>\n\
             \x20   <Enabled>true</Enabled>\n\
             \x20 </Settings>\n\
             \x20 <Actions Context=\"Author\">\n\
             \x20   <Exec>\n\
             \x20     <Command>{exe}</Command>\n\
             \x20     <Arguments>sync \"{profile_arg}\"</Arguments>\n\
             \x20     <WorkingDirectory>{folder}</WorkingDirectory>\n\
             \x20   </Exec>\n\
             \x20 </Actions>\n\
             </Task>\n",
            user = xml_escape(user),
            profile = xml_escape(&self.profile.display().to_string()),
            when = self.when,
            name = xml_escape(&self.name),
            exe = xml_escape(&self.exe.display().to_string()),
            profile_arg = xml_escape(&self.profile.display().to_string()),
            folder = xml_escape(&self.folder().display().to_string()),
        )
    }

    /// The launchd agent (~/Library/LaunchAgents). launchd runs a missed calendar job when the
    /// Mac wakes.
    pub fn launchd_plist(&self) -> String {
        let interval = |weekday: Option<u8>, t: Option<Time>| {
            let mut s = String::from("    <dict>\n");
            if let Some(d) = weekday {
                // launchd: 0 and 7 are Sunday, 1 Monday.
                s += &format!("      <key>Weekday</key><integer>{}</integer>\n", d + 1);
            }
            if let Some(t) = t {
                s += &format!("      <key>Hour</key><integer>{}</integer>\n", t.hour);
            }
            s += &format!(
                "      <key>Minute</key><integer>{}</integer>\n    </dict>\n",
                t.map_or(0, |t| t.minute)
            );
            s
        };
        let intervals: String = match self.when {
            When::Daily(t) => interval(None, Some(t)),
            When::Weekdays(t) => (0..5).map(|d| interval(Some(d), Some(t))).collect(),
            When::Weekly(d, t) => interval(Some(d), Some(t)),
            When::Hourly => interval(None, None),
        };
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
             <plist version=\"1.0\">\n<dict>\n\
             \x20 <key>Label</key><string>{label}</string>\n\
             \x20 <key>ProgramArguments</key>\n  <array>\n\
             \x20   <string>{exe}</string>\n    <string>sync</string>\n    <string>{profile}</string>\n\
             \x20 </array>\n\
             \x20 <key>WorkingDirectory</key><string>{folder}</string>\n\
             \x20 <key>StartCalendarInterval</key>\n  <array>\n{intervals}  </array>\n\
             \x20 <key>ProcessType</key><string>Background</string>\n\
             </dict>\n</plist>\n",
            label = xml_escape(&self.launchd_label()),
            exe = xml_escape(&self.exe.display().to_string()),
            profile = xml_escape(&self.profile.display().to_string()),
            folder = xml_escape(&self.folder().display().to_string()),
        )
    }

    pub fn launchd_label(&self) -> String {
        format!("com.adphoto.{}", self.name)
    }

    pub fn systemd_unit(&self) -> String {
        format!("adphoto-{}", self.name)
    }

    pub fn windows_task_name(&self) -> String {
        format!("\\adphoto\\{}", self.name)
    }
}

/// One argument for an ExecStart line: quoted, with systemd's specifiers (`%`) and variable
/// expansion (`$`) escaped, so a path is taken exactly as it is.
fn systemd_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '%' => out.push_str("%%"),
            '$' => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Free text in a unit file (Description=): only specifiers need escaping.
fn systemd_escape_text(s: &str) -> String {
    s.replace('%', "%%").replace(['\n', '\r'], " ")
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// What installing or removing did, for the person at the terminal.
pub struct Done {
    /// Files written or removed.
    pub files: Vec<PathBuf>,
    /// Lines to print: what runs when, as whom, and anything still to do.
    pub notes: Vec<String>,
    /// The system's scheduler took it (false: the files are there but not loaded; the notes
    /// say how).
    pub active: bool,
}

/// Installs (or removes: nothing there is said, not an error) the job for this system.
pub fn apply(job: &Job, install: bool) -> Result<Done, String> {
    #[cfg(target_os = "macos")]
    use launchd as here;
    #[cfg(all(unix, not(target_os = "macos")))]
    use systemd as here;
    #[cfg(windows)]
    use windows as here;
    if install {
        here::install(job)
    } else {
        here::remove(job)
    }
}

/// Runs a system tool; its own words when it fails.
fn run_tool(program: &str, args: &[&str]) -> Result<(), String> {
    match std::process::Command::new(program).args(args).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Err(format!("cannot run {program}: {e}")),
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod systemd {
    use super::*;

    /// `$XDG_CONFIG_HOME/systemd/user` (default ~/.config/systemd/user), where systemd's user
    /// manager looks for a user's own units.
    pub fn user_unit_dir() -> Result<PathBuf, String> {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
            .ok_or("no home folder (HOME) to put the timer in")?;
        Ok(config.join("systemd").join("user"))
    }

    pub fn install(job: &Job) -> Result<Done, String> {
        let dir = &user_unit_dir()?;
        let (service, timer) = job.systemd_units();
        let unit = job.systemd_unit();
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut files = Vec::new();
        for (ext, text) in [("service", service), ("timer", timer)] {
            let path = dir.join(format!("{unit}.{ext}"));
            std::fs::write(&path, text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            files.push(path);
        }
        let user = std::env::var("USER").unwrap_or_else(|_| "you".into());
        let mut notes = vec![format!(
            "{} runs `adphoto sync {}` {}, as {user}.",
            unit,
            job.profile.display(),
            job.when
        )];
        let timer = format!("{unit}.timer");
        let active = run_tool("systemctl", &["--user", "daemon-reload"])
            .and_then(|()| run_tool("systemctl", &["--user", "enable", "--now", &timer]));
        match &active {
            Ok(()) => {
                notes.push(format!(
                    "Next runs: systemctl --user list-timers {timer}; log: journalctl --user -u {unit}"
                ));
                if !Path::new("/var/lib/systemd/linger").join(&user).exists() {
                    notes.push(format!(
                        "It runs only while {user} is logged in: `loginctl enable-linger {user}` \
                         lets it run at night without a login."
                    ));
                }
            }
            Err(e) => notes.push(format!(
                "The timer is written but not started ({e}). In {user}'s session: \
                 systemctl --user daemon-reload && systemctl --user enable --now {timer}"
            )),
        }
        Ok(Done {
            files,
            notes,
            active: active.is_ok(),
        })
    }

    pub fn remove(job: &Job) -> Result<Done, String> {
        let dir = &user_unit_dir()?;
        let unit = job.systemd_unit();
        let timer = format!("{unit}.timer");
        let stopped = run_tool("systemctl", &["--user", "disable", "--now", &timer]);
        let mut files = Vec::new();
        for ext in ["timer", "service"] {
            let path = dir.join(format!("{unit}.{ext}"));
            match std::fs::remove_file(&path) {
                Ok(()) => files.push(path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
            }
        }
        let _ = run_tool("systemctl", &["--user", "daemon-reload"]);
        let mut notes = Vec::new();
        if files.is_empty() {
            notes.push(format!("No schedule {unit} was installed."));
        } else {
            notes.push(format!("{unit} removed."));
            if let Err(e) = stopped {
                notes.push(format!(
                    "systemd was not told ({e}): it forgets the timer at its next start."
                ));
            }
        }
        Ok(Done {
            files,
            notes,
            active: false,
        })
    }
}

#[cfg(target_os = "macos")]
mod launchd {
    use super::*;

    fn plist_path(job: &Job) -> Result<PathBuf, String> {
        let home = std::env::var_os("HOME").ok_or("no home folder (HOME)")?;
        Ok(PathBuf::from(home)
            .join("Library/LaunchAgents")
            .join(format!("{}.plist", job.launchd_label())))
    }

    pub fn install(job: &Job) -> Result<Done, String> {
        let path = plist_path(job)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(&path, job.launchd_plist())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let p = path.display().to_string();
        let _ = run_tool("launchctl", &["unload", &p]);
        let active = run_tool("launchctl", &["load", "-w", &p]);
        let mut notes = vec![format!(
            "{} runs `adphoto sync {}` {} while you are logged in.",
            job.launchd_label(),
            job.profile.display(),
            job.when
        )];
        if let Err(e) = &active {
            notes.push(format!(
                "Written but not loaded ({e}): launchctl load -w {p}"
            ));
        }
        Ok(Done {
            files: vec![path],
            notes,
            active: active.is_ok(),
        })
    }

    pub fn remove(job: &Job) -> Result<Done, String> {
        let path = plist_path(job)?;
        if !path.exists() {
            return Ok(Done {
                files: vec![],
                notes: vec![format!(
                    "No schedule {} was installed.",
                    job.launchd_label()
                )],
                active: false,
            });
        }
        let _ = run_tool("launchctl", &["unload", &path.display().to_string()]);
        std::fs::remove_file(&path)
            .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        Ok(Done {
            files: vec![path],
            notes: vec![format!("{} removed.", job.launchd_label())],
            active: false,
        })
    }
}

#[cfg(windows)]
mod windows {
    use super::*;

    /// DOMAIN\user of the person installing: the task runs as them.
    fn current_user() -> String {
        let user = std::env::var("USERNAME").unwrap_or_default();
        match std::env::var("USERDOMAIN") {
            Ok(d) if !d.is_empty() => format!("{d}\\{user}"),
            _ => user,
        }
    }

    pub fn install(job: &Job) -> Result<Done, String> {
        let user = current_user();
        // schtasks reads the XML from a file, as UTF-16 (what the XML declares).
        let dir = std::env::temp_dir();
        let path = dir.join(format!("adphoto-{}.xml", job.name));
        let mut bytes = vec![0xFF, 0xFE];
        for unit in job.windows_task_xml(&user).encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        std::fs::write(&path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        let name = job.windows_task_name();
        // /RP *: schtasks asks for the user's password itself (Windows keeps it for the task).
        let status = std::process::Command::new("schtasks")
            .args(["/Create", "/F", "/TN", &name, "/XML"])
            .arg(&path)
            .args(["/RU", &user, "/RP", "*"])
            .status();
        let _ = std::fs::remove_file(&path);
        match status {
            Ok(s) if s.success() => Ok(Done {
                files: vec![],
                notes: vec![
                    format!(
                        "Task {name} runs `adphoto sync {}` {}, as {user}, whether or not \
                         {user} is logged on.",
                        job.profile.display(),
                        job.when
                    ),
                    format!("See it in Task Scheduler, or: schtasks /Query /TN {name} /V"),
                ],
                active: true,
            }),
            Ok(s) => Err(format!("schtasks could not create the task ({s})")),
            Err(e) => Err(format!("cannot run schtasks: {e}")),
        }
    }

    pub fn remove(job: &Job) -> Result<Done, String> {
        let name = job.windows_task_name();
        run_tool("schtasks", &["/Delete", "/F", "/TN", &name])?;
        Ok(Done {
            files: vec![],
            notes: vec![format!("Task {name} removed.")],
            active: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(when: &str) -> Job {
        Job::new(
            "/usr/bin/adphoto".into(),
            "/etc/adphoto/HR photos%.toml".into(),
            when.parse().unwrap(),
        )
    }

    #[test]
    fn schedules_are_read_as_written_and_nonsense_is_refused() {
        let t = |hour, minute| Time { hour, minute };
        assert_eq!("daily@02:00".parse(), Ok(When::Daily(t(2, 0))));
        assert_eq!("Weekdays@23:59".parse(), Ok(When::Weekdays(t(23, 59))));
        assert_eq!("weekly@sun@03:30".parse(), Ok(When::Weekly(6, t(3, 30))));
        assert_eq!("weekly@Monday@03:30".parse(), Ok(When::Weekly(0, t(3, 30))));
        assert_eq!("hourly".parse(), Ok(When::Hourly));
        for bad in [
            "daily",
            "daily@24:00",
            "daily@2:5",
            "daily@02:60",
            "weekly@xyz@01:00",
            "nightly@02:00",
            "",
        ] {
            let e = bad.parse::<When>().unwrap_err();
            assert!(e.contains("is not a schedule"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_systemd_units_run_this_profile_at_that_time() {
        let j = job("weekdays@02:15");
        assert_eq!(j.name, "sync-HR_photos_");
        let (service, timer) = j.systemd_units();
        assert!(
            service.contains(
                "ExecStart=\"/usr/bin/adphoto\" sync \"/etc/adphoto/HR photos%%.toml\"\n"
            ),
            "{service}"
        );
        assert!(
            service.contains("WorkingDirectory=/etc/adphoto\n"),
            "{service}"
        );
        assert!(
            timer.contains("OnCalendar=Mon..Fri *-*-* 02:15:00\n"),
            "{timer}"
        );
        assert!(timer.contains("Persistent=true\n"));
        assert!(timer.contains("WantedBy=timers.target\n"));
        let (_, hourly) = job("hourly").systemd_units();
        assert!(hourly.contains("OnCalendar=hourly\n"));
    }

    /// The task as Task Scheduler reads it: the schema's namespace, the trigger, the user and
    /// logon type, and the command with its argument quoted (a space in the path).
    #[test]
    fn the_windows_task_xml_is_the_task_scheduler_schema() {
        let j = Job::new(
            r"C:\Program Files\adphoto\adphoto.exe".into(),
            r"C:\ProgramData\adphoto\HR & co.toml".into(),
            "weekly@tue@02:00".parse().unwrap(),
        );
        let xml = j.windows_task_xml(r"CORP\helpdesk");
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let ns = "http://schemas.microsoft.com/windows/2004/02/mit/task";
        let root = doc.root_element();
        assert_eq!(root.tag_name().namespace(), Some(ns));
        assert_eq!(root.tag_name().name(), "Task");
        let text = |path: &[&str]| -> String {
            let mut node = root;
            for name in path {
                node = node
                    .children()
                    .find(|c| c.tag_name().name() == *name)
                    .unwrap_or_else(|| panic!("no {name} in {path:?}"));
            }
            node.text().unwrap_or_default().to_string()
        };
        assert_eq!(
            text(&["Principals", "Principal", "UserId"]),
            r"CORP\helpdesk"
        );
        assert_eq!(text(&["Principals", "Principal", "LogonType"]), "Password");
        assert_eq!(
            text(&["Principals", "Principal", "RunLevel"]),
            "LeastPrivilege"
        );
        assert_eq!(
            text(&["Triggers", "CalendarTrigger", "StartBoundary"]),
            "2026-01-01T02:00:00"
        );
        let days = root
            .descendants()
            .find(|n| n.tag_name().name() == "DaysOfWeek")
            .unwrap();
        let days: Vec<_> = days
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(days, ["Tuesday"]);
        assert_eq!(text(&["Settings", "MultipleInstancesPolicy"]), "IgnoreNew");
        assert_eq!(text(&["Settings", "StartWhenAvailable"]), "true");
        assert_eq!(
            text(&["Actions", "Exec", "Command"]),
            r"C:\Program Files\adphoto\adphoto.exe"
        );
        assert_eq!(
            text(&["Actions", "Exec", "Arguments"]),
            r#"sync "C:\ProgramData\adphoto\HR & co.toml""#
        );
        // (On Linux a Windows path is one file name: the stem is all of it.)
        let uri = text(&["RegistrationInfo", "URI"]);
        assert!(
            uri.starts_with(r"\adphoto\sync-") && uri.ends_with("HR___co"),
            "{uri}"
        );
        // Every day, and every hour, as their own triggers.
        let daily = job("daily@02:00").windows_task_xml("u");
        assert!(daily.contains("<DaysInterval>1</DaysInterval>"));
        let hourly = job("hourly").windows_task_xml("u");
        roxmltree::Document::parse(&hourly).unwrap();
        assert!(hourly.contains("<Interval>PT1H</Interval>"));
    }

    #[test]
    fn the_launchd_agent_lists_each_start() {
        let plist = job("weekdays@06:05").launchd_plist();
        let doc = roxmltree::Document::parse_with_options(
            &plist,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .expect("well-formed plist");
        let weekdays: Vec<_> = doc
            .descendants()
            .filter(|n| n.is_element() && n.text() == Some("Weekday"))
            .collect();
        assert_eq!(weekdays.len(), 5);
        assert!(plist.contains("<string>/etc/adphoto/HR photos%.toml</string>"));
        assert!(plist.contains("<key>Hour</key><integer>6</integer>"));
        assert!(plist.contains("<key>Minute</key><integer>5</integer>"));
    }
}
