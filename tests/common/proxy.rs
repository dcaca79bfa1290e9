//! A TCP proxy on loopback in front of the test DC, for fault and slow-link tests and the link
//! bench (`benches/link.rs` includes this file).
//!
//! - **Delay**: every chunk is forwarded `delay` after it arrived, in each direction — latency
//!   without a bandwidth cap: chunks in flight are queued with their due time, never slept on one
//!   after another (which would turn a 100 kB photo in 4 chunks into 4 delays). TCP_NODELAY on
//!   both sides, so the proxy adds no Nagle stalls of its own.
//! - **cut / heal**: the DC "goes away" for adphoto (every connection dropped, new ones closed
//!   at once) while the one shared test DC keeps serving the other tests.
//! - **hold_replies / release**: answers from the server wait in the proxy — a test can change
//!   the directory behind adphoto's back between a write and its read-back.
//!
//! Listens on 127.0.0.1 only and refuses any upstream that is not loopback. Runs on its own
//! thread and tokio runtime, so blocking tests can use it too.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::AbortHandle;
use tokio::time::Instant;

/// When and how many bytes were read from clients.
type RequestLog = Arc<Mutex<Vec<(Instant, usize)>>>;

pub struct Proxy {
    pub port: u16,
    cut: Arc<AtomicBool>,
    live: Arc<Mutex<Vec<AbortHandle>>>,
    hold: watch::Sender<bool>,
    /// When and how many bytes were read from clients (requests on their way to the server).
    requested: RequestLog,
}

impl Proxy {
    /// Listens on 127.0.0.1 (a free port) and forwards to `upstream` (a loopback address),
    /// adding `delay` in each direction.
    pub fn start(upstream: SocketAddr, delay: Duration) -> Self {
        Self::start_each_way(upstream, delay, delay)
    }

    /// As [`Self::start`], with its own delay for requests (`to_server`) and for answers.
    pub fn start_each_way(upstream: SocketAddr, to_server: Duration, to_client: Duration) -> Self {
        assert!(upstream.ip().is_loopback(), "loopback only");
        let listener = StdListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let live: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (hold, held) = watch::channel(false);
        let requested: RequestLog = Arc::default();
        let (c, l, r) = (cut.clone(), live.clone(), requested.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    if c.load(Ordering::SeqCst) {
                        drop(client); // the server is "away": closed at once
                        continue;
                    }
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        continue;
                    };
                    for s in [&client, &server] {
                        let _ = s.set_nodelay(true);
                    }
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    let mut handles = Vec::new();
                    handles.extend(pump(cr, sw, to_server, None, Some(r.clone())));
                    handles.extend(pump(sr, cw, to_client, Some(held.clone()), None));
                    if let Ok(mut v) = l.lock() {
                        v.retain(|h| !h.is_finished());
                        v.extend(handles);
                    }
                }
            });
        });
        Self {
            port,
            cut,
            live,
            hold,
            requested,
        }
    }

    /// The clients' last burst of requests — chunks read with less than `gap` between them —
    /// as (bytes, time since its last chunk). A request that waits for its answer before the
    /// next is sent is a burst of its own when requests are delayed by more than `gap`.
    pub fn last_request_burst(&self, gap: Duration) -> Option<(usize, Duration)> {
        let log = self.requested.lock().unwrap();
        let (last, _) = *log.last()?;
        let mut bytes = 0;
        let mut next = last;
        for &(at, n) in log.iter().rev() {
            if next.duration_since(at) > gap {
                break;
            }
            bytes += n;
            next = at;
        }
        Some((bytes, last.elapsed()))
    }

    /// The DC goes away: every open connection is dropped, new ones are closed at once.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        if let Ok(mut v) = self.live.lock() {
            for h in v.drain(..) {
                h.abort();
            }
        }
    }

    /// The DC is back.
    pub fn heal(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }

    /// Answers from the server wait in the proxy until [`Self::release`] (requests still go
    /// through, so the server applies them).
    pub fn hold_replies(&self) {
        self.hold.send_replace(true);
    }

    pub fn release(&self) {
        self.hold.send_replace(false);
    }
}

/// One direction: a reader stamps each chunk with its due time, a writer sends it then (after
/// any hold is released). Dropping both ends (abort) closes the connection.
fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
    held: Option<watch::Receiver<bool>>,
    log: Option<RequestLog>,
) -> [AbortHandle; 2] {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if let Some(l) = &log {
                        l.lock().unwrap().push((Instant::now(), n));
                    }
                    if tx
                        .send((Instant::now() + delay, buf[..n].to_vec()))
                        .is_err()
                    {
                        break;
                    }
                }
            }
        }
    });
    let writer = tokio::spawn(async move {
        let mut held = held;
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if let Some(h) = held.as_mut() {
                while *h.borrow_and_update() {
                    if h.changed().await.is_err() {
                        break;
                    }
                }
            }
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    [reader.abort_handle(), writer.abort_handle()]
}
