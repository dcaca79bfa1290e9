//! Grid thumbnails: loaded only for rows on screen, cached as textures, memory bounded.
//!
//! The grid asks [`ThumbCache::get`] for each visible row that has a photo. A miss queues a
//! read through the worker, at most [`MAX_IN_FLIGHT`] at a time, so scrolling through
//! 100,000 users asks the server only for what is shown. Past [`CAPACITY`] textures the least
//! recently shown are dropped (48×48 RGBA: about 9 kB each, so the cache stays under ~20 MB).

use std::collections::{HashMap, HashSet};

use egui::{ColorImage, TextureHandle, TextureOptions};

use super::photo_bridge::Thumbnail;
use super::worker::{Command, Worker};

pub const CAPACITY: usize = 2_000;
pub const MAX_IN_FLIGHT: usize = 16;

enum Slot {
    Ready(TextureHandle),
    /// Read but not decodable, or no photo after all: don't ask again.
    Missing,
}

/// A lazy, bounded cache of grid thumbnails keyed by DN.
#[derive(Default)]
pub struct ThumbCache {
    slots: HashMap<String, (Slot, u64)>,
    in_flight: HashSet<String>,
    /// Frame counter for least-recently-used eviction.
    clock: u64,
}

impl ThumbCache {
    /// The texture for `dn` if loaded; otherwise queues a load (when there is room) and returns None.
    pub fn get(&mut self, dn: &str, worker: &Worker) -> Option<TextureHandle> {
        if let Some((slot, used)) = self.slots.get_mut(dn) {
            *used = self.clock;
            return match slot {
                Slot::Ready(t) => Some(t.clone()),
                Slot::Missing => None,
            };
        }
        if self.in_flight.len() < MAX_IN_FLIGHT && !self.in_flight.contains(dn) {
            self.in_flight.insert(dn.to_string());
            worker.send(Command::Thumb(dn.to_string()));
        }
        None
    }

    /// Whether a load for `dn` is under way (the grid shows a spinner then).
    pub fn is_loading(&self, dn: &str) -> bool {
        self.in_flight.contains(dn)
    }

    /// A thumbnail arrived from the worker.
    pub fn insert(&mut self, ctx: &egui::Context, dn: String, image: Option<Thumbnail>) {
        self.in_flight.remove(&dn);
        let slot = match image {
            Some(t) => {
                let img = ColorImage::from_rgba_unmultiplied(
                    [t.width as usize, t.height as usize],
                    &t.rgba,
                );
                Slot::Ready(ctx.load_texture(format!("thumb:{dn}"), img, TextureOptions::LINEAR))
            }
            None => Slot::Missing,
        };
        self.slots.insert(dn, (slot, self.clock));
        self.evict();
    }

    /// Forget one user's thumbnail (its photo changed).
    pub fn invalidate(&mut self, dn: &str) {
        self.slots.remove(dn);
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.in_flight.clear();
    }

    /// Call once per frame.
    pub fn tick(&mut self) {
        self.clock += 1;
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn evict(&mut self) {
        if self.slots.len() <= CAPACITY {
            return;
        }
        // Drop the oldest quarter at once so eviction is rare.
        let mut ages: Vec<u64> = self.slots.values().map(|(_, used)| *used).collect();
        ages.sort_unstable();
        let cutoff = ages[ages.len() - CAPACITY * 3 / 4];
        self.slots.retain(|_, (_, used)| *used >= cutoff);
    }
}
