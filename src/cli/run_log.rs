//! Where the command line's log goes. Every run: warnings (or more, with -v / ADPHOTO_LOG) on
//! stderr. An unattended run (`adphoto sync`) also logs where an admin looks the next morning:
//! the system's log — the journal on Linux (syslog where there is no journal), the Windows
//! Event Log (Application, source "adphoto"), syslog on macOS — and a file a day in the data
//! folder's `logs/`, the last 30 kept. What the run prints (each `say!` line: the counts, each
//! failure, the undo command) goes there as events of the [`RUN`] target, so the log holds the
//! same words as the terminal would have; stderr leaves that target out, as it is printed
//! already.

use tracing::Level;
use tracing_subscriber::filter::{FilterExt as _, FilterFn, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer};

use crate::data_folder::{DataFolder, create_private_dir};

/// The target of the lines a run prints (see `say!`), for the logs of unattended runs.
pub const RUN: &str = "adphoto::run";

/// Days of log files kept in the data folder.
const LOG_DAYS: usize = 30;

/// Logging for this run; `unattended` adds the system log and the data folder's log file.
pub fn init(verbose: u8, unattended: bool) {
    let level = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_env("ADPHOTO_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let mut layers: Vec<BoxedLayer> = vec![
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter.and(FilterFn::new(|m| m.target() != RUN)))
            .boxed(),
    ];
    let mut problems = Vec::new();
    if unattended {
        // adphoto's own news at info, everyone else's (ldap3, rustls…) only when a warning.
        let wanted = || {
            Targets::new()
                .with_default(Level::WARN)
                .with_target("adphoto", Level::INFO)
        };
        match log_file(&DataFolder::from_env()) {
            Ok(appender) => layers.push(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_target(false)
                    .with_writer(appender)
                    .with_filter(wanted())
                    .boxed(),
            ),
            Err(e) => problems.push(e),
        }
        match system_log() {
            Ok(layer) => layers.push(layer.with_filter(wanted()).boxed()),
            Err(e) => problems.push(e),
        }
    }
    let _ = tracing_subscriber::registry().with(layers).try_init();
    // Said once logging is up, so that whichever log works has it.
    for problem in problems {
        tracing::warn!("{problem}");
    }
}

/// The data folder's log, one file a day (`sync.YYYY-MM-DD.log`), the oldest removed past
/// [`LOG_DAYS`].
fn log_file(data: &DataFolder) -> Result<tracing_appender::rolling::RollingFileAppender, String> {
    let dir = data.logs();
    create_private_dir(&dir).map_err(|e| format!("no log file in {}: {e}", dir.display()))?;
    tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("sync")
        .filename_suffix("log")
        .max_log_files(LOG_DAYS)
        .build(&dir)
        .map_err(|e| format!("no log file in {}: {e}", dir.display()))
}

type BoxedLayer = Box<dyn Layer<tracing_subscriber::Registry> + Send + Sync>;

/// The system's own log for this platform.
#[cfg(target_os = "linux")]
fn system_log() -> Result<BoxedLayer, String> {
    // The journal where systemd runs (the timer's own runs land there anyway, by unit); plain
    // syslog elsewhere (containers, other inits).
    match tracing_journald::layer() {
        Ok(journal) => Ok(Box::new(journal.with_syslog_identifier("adphoto".into()))),
        Err(journal_error) => syslog().map_err(|e| {
            format!("no system log: the journal could not be reached ({journal_error}), {e}")
        }),
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn system_log() -> Result<BoxedLayer, String> {
    syslog().map_err(|e| format!("no system log: {e}"))
}

#[cfg(unix)]
fn syslog() -> Result<BoxedLayer, String> {
    use syslog_tracing::{Facility, Options, Syslog};
    let syslog = Syslog::new(c"adphoto", Options::LOG_PID, Facility::User)
        .ok_or("syslog is already in use")?;
    Ok(Box::new(
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(false)
            .without_time()
            .with_level(false)
            .with_writer(syslog),
    ))
}

#[cfg(windows)]
fn system_log() -> Result<BoxedLayer, String> {
    event_log::EventLog::open()
        .map(|l| Box::new(l) as BoxedLayer)
        .map_err(|e| format!("no Windows Event Log: {e}"))
}

/// The Windows Event Log, Application log, source "adphoto". Our own few lines over the three
/// calls it takes (RegisterEventSourceW, ReportEventW): the crates that wrap it are either for
/// the `log` facade or unmaintained. The MSI registers the source (with EventCreate.exe's
/// messages, which show the text as it is); unregistered, Windows still logs the text, under
/// a "description cannot be found" note.
#[cfg(windows)]
mod event_log {
    use tracing::field::{Field, Visit};
    use tracing::{Event, Level, Subscriber};
    use tracing_subscriber::layer::{Context, Layer};
    use windows_sys::Win32::System::EventLog::{
        EVENTLOG_ERROR_TYPE, EVENTLOG_INFORMATION_TYPE, EVENTLOG_WARNING_TYPE,
        RegisterEventSourceW, ReportEventW,
    };

    pub struct EventLog {
        /// The event source handle, kept as an address: the handle is usable from any thread
        /// (ReportEventW is thread-safe), which a raw pointer cannot say.
        handle: usize,
    }

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(std::iter::once(0)).collect()
    }

    impl EventLog {
        pub fn open() -> Result<Self, String> {
            let source = wide("adphoto");
            // SAFETY: a NUL-terminated UTF-16 name; NULL server = this computer.
            let handle = unsafe { RegisterEventSourceW(std::ptr::null(), source.as_ptr()) };
            if handle.is_null() {
                return Err(std::io::Error::last_os_error().to_string());
            }
            Ok(Self {
                handle: handle as usize,
            })
        }
    }

    #[derive(Default)]
    struct Text(String);

    impl Visit for Text {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            use std::fmt::Write as _;
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            if field.name() == "message" {
                let _ = write!(self.0, "{value:?}");
            } else {
                let _ = write!(self.0, "{}={value:?}", field.name());
            }
        }
    }

    impl<S: Subscriber> Layer<S> for EventLog {
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            let mut text = Text::default();
            event.record(&mut text);
            // Event ids 1–3 by level: EventCreate.exe's message for each is the text itself.
            let (kind, id) = match *event.metadata().level() {
                Level::ERROR => (EVENTLOG_ERROR_TYPE, 3),
                Level::WARN => (EVENTLOG_WARNING_TYPE, 2),
                _ => (EVENTLOG_INFORMATION_TYPE, 1),
            };
            let text = wide(&text.0);
            let strings = [text.as_ptr()];
            // SAFETY: the handle from RegisterEventSourceW, one NUL-terminated string that
            // outlives the call, no SID, no raw data.
            unsafe {
                ReportEventW(
                    self.handle as _,
                    kind,
                    0,
                    id,
                    std::ptr::null_mut(),
                    1,
                    0,
                    strings.as_ptr(),
                    std::ptr::null(),
                );
            }
        }
    }
}
