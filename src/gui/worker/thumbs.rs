//! Stored photos for the grid and the wizard, read in batches (`Command::Thumb`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};

use super::super::photo_bridge;
use super::ReqId;
use super::jobs::{THUMB_SIDE, WorkerState};
use super::protocol::Event;
use crate::directory::{READ_CHUNK, Who};

/// Grid and wizard thumbnails: the requests a frame sends together (the rows in sight) are read
/// with one search per [`READ_CHUNK`] users instead of one read each — over a link 20 ms away a
/// screenful is one round trip, not thirty. Two batches at most are under way, so a fast scroll
/// never floods the server; pictures are decoded off the async threads.
pub(super) async fn thumb_batches(
    s: Arc<WorkerState>,
    mut rx: mpsc::UnboundedReceiver<(ReqId, String)>,
) {
    let limit = Arc::new(Semaphore::new(2));
    while let Some(first) = rx.recv().await {
        // A frame sends its requests within a moment: gather them.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let mut batch = vec![first];
        while batch.len() < READ_CHUNK
            && let Ok(more) = rx.try_recv()
        {
            batch.push(more);
        }
        let Ok(permit) = limit.clone().acquire_owned().await else {
            return;
        };
        let s = s.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let Some(dir) = s.dir() else {
                for (id, dn) in batch {
                    s.emit(id, Event::Thumb { dn, image: None });
                }
                return;
            };
            let who: Vec<Who> = batch.iter().map(|(_, dn)| Who::dn(dn.clone())).collect();
            let counts = &s.thumb_reads;
            counts.requests.fetch_add(who.len(), Ordering::Relaxed);
            let searches = who.len().div_ceil(READ_CHUNK);
            counts.searches.fetch_add(searches, Ordering::Relaxed);
            let photos: Vec<Option<Vec<u8>>> = match dir.read_photos(&who, &s.photo).await {
                Ok(found) => found
                    .into_iter()
                    .map(|f| f.ok().and_then(|f| f.photo))
                    .collect(),
                Err(_) => vec![None; batch.len()],
            };
            let s2 = s.clone();
            let _ = tokio::task::spawn_blocking(move || {
                for ((id, dn), bytes) in batch.into_iter().zip(photos) {
                    let image = bytes.and_then(|b| photo_bridge::thumbnail(&b, THUMB_SIDE).ok());
                    s2.emit(id, Event::Thumb { dn, image });
                }
            })
            .await;
        });
    }
}
