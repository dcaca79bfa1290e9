//! Times as the app stores them (RFC 3339 UTC, and compact UTC in ids and file names) and as a
//! person reads them (local date and time).

use std::sync::OnceLock;

use time::{OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

static LOCAL: OnceLock<UtcOffset> = OnceLock::new();

/// Reads the local UTC offset. Call it first thing in `main`: on Unix the `time` crate can read
/// it only while the process has a single thread; later calls fall back to UTC.
pub fn init_local_offset() {
    let _ = LOCAL.set(UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC));
}

fn local_offset() -> UtcOffset {
    *LOCAL.get_or_init(|| UtcOffset::current_local_offset().unwrap_or(UtcOffset::UTC))
}

/// Now, as the app stores times (RFC 3339 UTC): sortable, and the same on every machine.
pub fn now_rfc3339() -> String {
    Moment::now().rfc3339()
}

/// One moment in UTC, written the ways the app stores it: every stored time and time-named file
/// is made here, so two names for one moment always agree.
#[derive(Debug, Clone, Copy)]
pub struct Moment(OffsetDateTime);

impl Moment {
    /// This moment.
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc())
    }

    /// RFC 3339 UTC, as records and journals store times.
    pub fn rfc3339(self) -> String {
        self.0.format(&Rfc3339).unwrap_or_default()
    }

    /// `20261125T093000` (UTC, to the second): sortable and safe in a file name.
    pub fn compact(self) -> String {
        let t = self.0;
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    /// The nanoseconds within the second, so two names made in one second differ.
    pub fn nanosecond(self) -> u32 {
        self.0.nanosecond()
    }
}

/// "2026-12-01 14:03" in local time for a stored RFC 3339 time; the text itself if it is not one.
pub fn local_display(rfc3339: &str) -> String {
    let Ok(t) = OffsetDateTime::parse(rfc3339, &Rfc3339) else {
        return rfc3339.to_string();
    };
    let off = local_offset();
    let t = t.to_offset(off);
    let zone = if off == UtcOffset::UTC { " UTC" } else { "" };
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}{zone}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_display_reads_stored_times_and_passes_other_text() {
        let _ = LOCAL.set(UtcOffset::UTC);
        assert_eq!(
            local_display("2026-12-01T13:05:09.123Z"),
            "2026-12-01 13:05 UTC"
        );
        assert_eq!(local_display("not a time"), "not a time");
        assert!(local_display(&now_rfc3339()).starts_with("20"));
    }
}
