//! Many users at once, for links where every round trip costs (a VPN, a branch office 10–50 ms
//! away): the photos of a batch are read with a few searches (objectGUIDs OR-ed in one filter),
//! and changes are sent pipelined — many operations in flight on the connection (ldap3
//! multiplexes them) under a window that adapts to the server.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ldap3::{Mod, Scope};
use tokio::task::JoinSet;

use super::error::{DirectoryError, Result};
use super::ldap::{LdapBackend, binary, first, format_guid};
use super::{User, filter};

/// Users per search. 50 GUIDs make a ~2.5 kB filter and at most 5 MB of photos in one answer.
pub const READ_CHUNK: usize = 50;
/// Searches in flight at once while reading a batch.
const READS_IN_FLIGHT: usize = 4;
/// Tries of one change the server answered "busy", "unavailable" or "unwilling" to.
const BUSY_TRIES: u32 = 3;

/// An entry to read or change: its DN and, when known, its objectGUID (preferred: indexed, and
/// it finds the user even after a rename or move).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    /// Its DN, as last seen.
    pub dn: String,
    /// Its objectGUID, when known.
    pub guid: Option<String>,
}

impl Who {
    /// An entry known only by its DN.
    pub fn dn(dn: impl Into<String>) -> Self {
        Self {
            dn: dn.into(),
            guid: None,
        }
    }
}

impl From<&User> for Who {
    fn from(u: &User) -> Self {
        Self {
            dn: u.dn.clone(),
            guid: u.object_guid.clone(),
        }
    }
}

/// An entry as a bulk read found it: who it is now (DN, objectGUID, sAMAccountName — what a
/// history record needs) and its photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The entry as read now.
    pub user: User,
    /// Its photo; `None`: it has none.
    pub photo: Option<Vec<u8>>,
}

/// One change to send: a new photo, or `None` to remove it.
#[derive(Debug, Clone)]
pub struct Change {
    /// The entry to change.
    pub dn: String,
    /// The photo to write; `None`: remove it.
    pub value: Option<Arc<Vec<u8>>>,
}

/// What became of a change sent with [`LdapBackend::send_changes`].
#[derive(Debug)]
pub enum Sent {
    /// The server applied it.
    Done,
    /// The server refused it (rights, constraint, gone…): nothing changed.
    Refused(DirectoryError),
    /// Sent, and the answer never came (connection lost, timeout): it may have landed.
    Unknown(DirectoryError),
    /// Not sent: the connection was lost before its turn.
    NotSent(DirectoryError),
}

/// How many changes may be in flight. Starts at 8 and doubles each round trip while the
/// server keeps up (slow start); grows by one per window after that. It shrinks when the server
/// says busy/unavailable/unwilling or a change times out (halved), and — the part that matters
/// with a DC that works through writes one at a time — when changes come back much later than
/// the quickest one did: they are queueing in the server, and more in flight would only make
/// them (and the reads behind them) wait (TCP Vegas's rule). So it settles near "the round
/// trip's worth plus a little" on any link, without a setting a person must know.
#[derive(Debug, Clone)]
pub struct Window {
    size: f64,
    slow_start: bool,
    /// The quickest answer seen: the link's round trip plus one change's work.
    base: Option<Duration>,
}

impl Window {
    /// Changes in flight at first, before the server's pace is known.
    pub const START: usize = 8;
    /// The most in flight: more only queues on the DC.
    pub const MAX: usize = 64;

    /// How many changes may be in flight now.
    pub fn size(&self) -> usize {
        (self.size as usize).clamp(1, Self::MAX)
    }

    /// A change came back done after `latency` (from sending to its answer).
    pub fn on_done(&mut self, latency: Duration) {
        let base = *self.base.get_or_insert(latency);
        let base = base.min(latency);
        self.base = Some(base);
        if latency > base * 2 + Duration::from_millis(5) {
            self.slow_start = false;
            self.size = (self.size - 1.0 / self.size).max(1.0);
            return;
        }
        let step = if self.slow_start {
            1.0
        } else {
            1.0 / self.size
        };
        self.size = (self.size + step).min(Self::MAX as f64);
    }

    /// The server said busy: halve the window.
    pub fn on_busy(&mut self) {
        self.slow_start = false;
        self.size = (self.size / 2.0).max(1.0);
    }
}

impl Default for Window {
    fn default() -> Self {
        Self {
            size: Self::START as f64,
            slow_start: true,
            base: None,
        }
    }
}

/// `(objectGUID=\67\45…)`: the GUID's 16 bytes as AD stores them (first three groups
/// little-endian, the inverse of [`format_guid`]), every byte escaped.
pub fn guid_filter(guid: &str) -> Option<String> {
    let hex: String = guid.chars().filter(|c| *c != '-').collect();
    let raw = hex::decode(hex).ok().filter(|b| b.len() == 16)?;
    let order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
    let mut f = String::from("(objectGUID=");
    for i in order {
        f.push_str(&format!("\\{:02x}", raw[i]));
    }
    f.push(')');
    Some(f)
}

fn who_filter(w: &Who) -> String {
    w.guid
        .as_deref()
        .and_then(guid_filter)
        .unwrap_or_else(|| format!("(distinguishedName={})", filter::escape(&w.dn)))
}

/// Busy, unavailable, unwilling: the server may take it a moment later.
fn is_busy(e: &DirectoryError) -> bool {
    matches!(e, DirectoryError::Ldap { code: 51..=53, .. })
}

impl LdapBackend {
    /// Each of `who` as found, in order; `Err(NoSuchObject)` for one not in the directory. The
    /// outer `Err` is a failure of the whole read (connection lost).
    pub async fn read_many(&self, who: &[Who], attr: &str) -> Result<Vec<Result<Found>>> {
        let entries = self
            .entries_for(who, &[attr, "objectGUID", "sAMAccountName"])
            .await?;
        Ok(who
            .iter()
            .zip(entries)
            .map(|(w, e)| {
                let e = e.ok_or_else(|| DirectoryError::NoSuchObject(w.dn.clone()))?;
                Ok(Found {
                    user: User {
                        dn: e.dn.clone(),
                        object_guid: binary(&e, "objectGUID").and_then(|b| format_guid(&b)),
                        sam_account_name: first(&e, "sAMAccountName"),
                        ..Default::default()
                    },
                    photo: binary(&e, attr).filter(|b| !b.is_empty()),
                })
            })
            .collect())
    }

    /// Whether the signed-in account may write `attr` on each of `who`, in order, as the DC
    /// computes it (allowedAttributesEffective, which AD and Samba give for the bound account;
    /// absent when it may write nothing). `None` for an entry not found.
    ///
    /// Asked only for the users about to be changed, never with a listing: the attribute is
    /// computed per entry (helpdesk: 2,100 users listed in 2.1 s instead of 0.32 s) and an
    /// administrator's holds every attribute (12 kB an entry).
    pub async fn photo_rights(&self, who: &[Who], attr: &str) -> Result<Vec<Option<bool>>> {
        let entries = self
            .entries_for(who, &["allowedAttributesEffective", "objectGUID"])
            .await?;
        Ok(entries
            .into_iter()
            .map(|e| {
                e.map(|e| {
                    e.attrs
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("allowedAttributesEffective"))
                        .is_some_and(|(_, v)| v.iter().any(|a| a.eq_ignore_ascii_case(attr)))
                })
            })
            .collect())
    }

    /// The entries of `who` with `attrs`, in order (`None`: not in the directory): a few
    /// searches of [`READ_CHUNK`] OR-ed objectGUIDs (DNs when there is none), some in flight.
    async fn entries_for(
        &self,
        who: &[Who],
        attrs: &[&str],
    ) -> Result<Vec<Option<ldap3::SearchEntry>>> {
        let mut found: Vec<Option<ldap3::SearchEntry>> = Vec::new();
        let mut by_guid: HashMap<String, usize> = HashMap::new();
        let mut by_dn: HashMap<String, usize> = HashMap::new();
        let mut chunks: VecDeque<String> = who
            .chunks(READ_CHUNK)
            .map(|c| format!("(|{})", c.iter().map(who_filter).collect::<String>()))
            .collect();
        let mut running: JoinSet<Result<Vec<ldap3::SearchEntry>>> = JoinSet::new();
        let attrs: Vec<String> = attrs.iter().map(|a| a.to_string()).collect();
        loop {
            while running.len() < READS_IN_FLIGHT
                && let Some(f) = chunks.pop_front()
            {
                let (me, base, attrs) = (self.clone(), self.base_dn.clone(), attrs.clone());
                running.spawn(async move {
                    let attrs: Vec<&str> = attrs.iter().map(String::as_str).collect();
                    me.search_paged_on(&base, Scope::Subtree, &f, &attrs, true)
                        .await
                });
            }
            let Some(done) = running.join_next().await else {
                break;
            };
            let entries =
                done.map_err(|e| DirectoryError::Connection(format!("a read failed: {e}")))??;
            for e in entries {
                if let Some(g) = binary(&e, "objectGUID").and_then(|b| format_guid(&b)) {
                    by_guid.insert(g, found.len());
                }
                by_dn.insert(e.dn.to_lowercase(), found.len());
                found.push(Some(e));
            }
        }
        // Each entry once: taken out, not copied (a photo can be 100 kB).
        Ok(who
            .iter()
            .map(|w| {
                let at = w
                    .guid
                    .as_ref()
                    .and_then(|g| by_guid.get(&g.to_lowercase()))
                    .or_else(|| by_dn.get(&w.dn.to_lowercase()));
                at.and_then(|&i| found[i].take())
            })
            .collect())
    }

    /// Sends every change pipelined, at most [`Window::size`] in flight, and says what became of
    /// each, in order. Busy answers are tried again after a pause (the window shrinks); once the
    /// connection is lost nothing more is sent and the rest is [`Sent::NotSent`].
    pub async fn send_changes(&self, changes: &[Change], attr: &str) -> Vec<Sent> {
        let mut out: Vec<Option<Sent>> = (0..changes.len()).map(|_| None).collect();
        let mut queue: VecDeque<(usize, u32)> = (0..changes.len()).map(|i| (i, 0)).collect();
        let mut running: JoinSet<(usize, u32, Duration, Result<()>)> = JoinSet::new();
        let mut lost: Option<String> = None;
        loop {
            while lost.is_none() && running.len() < self.window_size() {
                let Some((i, tries)) = queue.pop_front() else {
                    break;
                };
                let (me, change, attr) = (self.clone(), changes[i].clone(), attr.to_string());
                running.spawn(async move {
                    if tries > 0 {
                        tokio::time::sleep(Duration::from_millis(200 << tries)).await;
                    }
                    let sent = Instant::now();
                    let result = me.apply(&change, &attr).await;
                    (i, tries + 1, sent.elapsed(), result)
                });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let Ok((i, tries, latency, result)) = joined else {
                continue; // a panicked task: its slot stays empty and is reported below
            };
            out[i] = Some(match result {
                Ok(()) => {
                    self.window(|w| w.on_done(latency));
                    Sent::Done
                }
                Err(e) if is_busy(&e) && tries < BUSY_TRIES && lost.is_none() => {
                    self.window(|w| w.on_busy());
                    queue.push_back((i, tries));
                    continue;
                }
                Err(e) if e.is_link_lost() => {
                    self.window(|w| w.on_busy());
                    lost.get_or_insert_with(|| e.to_string());
                    Sent::Unknown(e)
                }
                Err(e) => Sent::Refused(e),
            });
        }
        let why = lost.unwrap_or_else(|| "the change could not be sent".into());
        out.into_iter()
            .map(|s| s.unwrap_or_else(|| Sent::NotSent(DirectoryError::Connection(why.clone()))))
            .collect()
    }

    async fn apply(&self, change: &Change, attr: &str) -> Result<()> {
        let name = attr.as_bytes().to_vec();
        match &change.value {
            Some(bytes) => {
                let values = std::collections::HashSet::from([bytes.to_vec()]);
                self.modify(
                    &change.dn,
                    vec![Mod::Replace(name, values)],
                    Some((attr, bytes.len())),
                )
                .await
            }
            None => {
                self.modify(
                    &change.dn,
                    vec![Mod::Delete(name, Default::default())],
                    None,
                )
                .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_filter_is_the_inverse_of_the_text_form() {
        let raw: [u8; 16] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
        let text = format_guid(&raw).unwrap();
        let f = guid_filter(&text).unwrap();
        let want: String = raw.iter().map(|b| format!("\\{b:02x}")).collect();
        assert_eq!(f, format!("(objectGUID={want})"));
        assert!(guid_filter("not-a-guid").is_none());
        // A DN goes through RFC 4515 escaping when there is no GUID.
        assert_eq!(
            who_filter(&Who::dn("CN=O'Brien (temp)*,DC=x")),
            "(distinguishedName=CN=O'Brien \\28temp\\29\\2a,DC=x)"
        );
    }

    #[test]
    fn the_window_grows_while_the_server_keeps_up_and_shrinks_when_it_queues_or_is_busy() {
        let ms = Duration::from_millis;
        let mut w = Window::default();
        assert_eq!(w.size(), Window::START);
        for _ in 0..8 {
            w.on_done(ms(20));
        }
        assert_eq!(w.size(), 16, "slow start doubles in one window");
        w.on_busy();
        assert_eq!(w.size(), 8);
        for _ in 0..8 {
            w.on_done(ms(22));
        }
        assert_eq!(w.size(), 8, "after a back-off it grows by one per window");
        w.on_done(ms(21));
        assert_eq!(w.size(), 9);
        // Answers three times slower than the quickest: the server is queueing.
        for _ in 0..20 {
            w.on_done(ms(60));
        }
        assert!(w.size() < 9, "{}", w.size());
        for _ in 0..10 {
            w.on_busy();
        }
        assert_eq!(w.size(), 1);
        for _ in 0..100_000 {
            w.on_done(ms(20));
        }
        assert_eq!(w.size(), Window::MAX);
    }
}
