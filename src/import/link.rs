//! Riding out a lost connection: a few reconnects with growing pauses over about half a
//! minute (a VPN that hiccups, a DC that restarts), then a clear "unreachable".

use std::time::Duration;

use super::job::Cancel;
use crate::directory::Directory;

/// Pauses before each reconnect try: about 30 s in all, plus each try's own time.
pub const BACKOFF: [Duration; 5] = [
    Duration::from_millis(500),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(15),
];

/// Longest a single reconnect try may take (shorter than an operation timeout: the server is
/// known to have gone away, so a silent one should not hold the batch for long).
const TRY_LIMIT: Duration = Duration::from_secs(5);

/// Reconnects `dir`, pausing per [`BACKOFF`]. `Err` (the last error, for a person) when the
/// server stayed away or the user cancelled meanwhile.
pub async fn reconnect(dir: &Directory, cancel: &Cancel) -> Result<(), String> {
    let pauses = &BACKOFF;
    let mut last = String::from("the connection was lost");
    for (i, pause) in pauses.iter().enumerate() {
        if cancel.is_cancelled() {
            return Err("cancelled while reconnecting".into());
        }
        tracing::warn!(
            "connection to the server lost; reconnecting (try {} of {})",
            i + 1,
            pauses.len()
        );
        // Sleep in small steps so a cancel is seen at once.
        let until = tokio::time::Instant::now() + *pause;
        while tokio::time::Instant::now() < until && !cancel.is_cancelled() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        match dir.reconnect(TRY_LIMIT).await {
            Ok(()) => {
                tracing::warn!("reconnected to the server");
                return Ok(());
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}
