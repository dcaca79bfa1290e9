//! Table thumbnails: loaded only for rows on screen, cached as textures, memory bounded.
//!
//! A table asks [`ThumbCache::get`] for each visible row. A miss queues a load through the
//! worker, at most [`MAX_IN_FLIGHT`] at a time (more for stored photos, read in batches), so scrolling through 100,000 rows loads only
//! what is shown. Past the capacity the least recently shown textures are dropped.
//!
//! The user grid keys its cache by DN (the stored photo, [`Command::Thumb`]); the import
//! wizard keys one by file path (the photo files, [`Command::FileThumb`]) and shares the DN
//! one with the grid.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::hash::Hash;
use std::path::PathBuf;

use egui::{ColorImage, TextureHandle, TextureOptions};

use super::photo_bridge::Thumbnail;
use super::worker::{Command, Owner, Worker};

/// 48×48 RGBA is about 9 kB a texture, so the grid's cache stays under ~20 MB.
pub const CAPACITY: usize = 2_000;
/// Loads asked for at once by default: file thumbnails are decoded one by one, so few.
pub const MAX_IN_FLIGHT: usize = 16;
/// Stored photos are read in batches of up to 50 ([`crate::directory::READ_CHUNK`]): a whole
/// screenful is asked for at once and read with one search.
pub const MAX_IN_FLIGHT_STORED: usize = 48;

/// What a table row shows for one key.
pub enum Thumb<'a> {
    Ready(TextureHandle),
    Loading,
    /// Could not be shown; the reason in plain words (empty when there is simply no photo).
    Failed(&'a str),
    /// Not asked yet (the in-flight limit was reached): the next frame asks again.
    Waiting,
}

impl Thumb<'_> {
    /// The picture at `side` points (`alt` is what a screen reader and the tests read), or a
    /// spinner while it loads; None when there is nothing to show, for the caller to explain.
    pub fn ui(&self, ui: &mut egui::Ui, side: f32, alt: &str) -> Option<egui::Response> {
        match self {
            Thumb::Ready(tex) => Some(
                ui.add(
                    egui::Image::from_texture(tex)
                        .fit_to_exact_size(egui::vec2(side, side))
                        .corner_radius(3.0)
                        .alt_text(alt),
                ),
            ),
            Thumb::Loading | Thumb::Waiting => Some(ui.add(egui::Spinner::new().size(12.0))),
            Thumb::Failed(_) => None,
        }
    }
}

enum Slot {
    Ready(TextureHandle),
    /// Read but not decodable, or no photo after all: don't ask again.
    Missing(String),
}

/// A lazy, bounded cache of thumbnail textures.
pub struct ThumbCache<K> {
    slots: HashMap<K, (Slot, u64)>,
    in_flight: HashSet<K>,
    /// Frame counter for least-recently-used eviction.
    clock: u64,
    capacity: usize,
    max_in_flight: usize,
    /// Names the textures (egui's debug views show them).
    prefix: &'static str,
}

impl<K: Hash + Eq + Clone + Debug> ThumbCache<K> {
    /// Why `key` could not be loaded, once that is known.
    pub fn failure(&self, key: &K) -> Option<String> {
        match self.slots.get(key) {
            Some((Slot::Missing(why), _)) => Some(why.clone()),
            _ => None,
        }
    }

    pub fn new(prefix: &'static str, capacity: usize) -> Self {
        Self {
            slots: HashMap::new(),
            in_flight: HashSet::new(),
            clock: 0,
            capacity: capacity.max(4),
            max_in_flight: MAX_IN_FLIGHT,
            prefix,
        }
    }

    /// What to show for `key` now; a miss calls `load` (when there is room) to queue its load.
    pub fn lookup(&mut self, key: &K, load: impl FnOnce(K)) -> Thumb<'_> {
        if let Some((slot, used)) = self.slots.get_mut(key) {
            *used = self.clock;
            return match slot {
                Slot::Ready(t) => Thumb::Ready(t.clone()),
                Slot::Missing(why) => Thumb::Failed(why),
            };
        }
        if self.in_flight.contains(key) {
            return Thumb::Loading;
        }
        if self.in_flight.len() >= self.max_in_flight {
            return Thumb::Waiting;
        }
        self.in_flight.insert(key.clone());
        load(key.clone());
        Thumb::Loading
    }

    /// A thumbnail (or why there is none) arrived from the worker.
    pub fn insert(&mut self, ctx: &egui::Context, key: K, image: Result<Thumbnail, String>) {
        self.in_flight.remove(&key);
        let slot = match image {
            Ok(t) => {
                let img = ColorImage::from_rgba_unmultiplied(
                    [t.width as usize, t.height as usize],
                    &t.rgba,
                );
                let name = format!("{}:{key:?}", self.prefix);
                Slot::Ready(ctx.load_texture(name, img, TextureOptions::LINEAR))
            }
            Err(why) => Slot::Missing(why),
        };
        self.slots.insert(key, (slot, self.clock));
        self.evict();
    }

    /// Forget one thumbnail (its picture changed).
    pub fn invalidate(&mut self, key: &K) {
        self.slots.remove(key);
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

    /// How many textures are loaded (failures not counted).
    pub fn ready_count(&self) -> usize {
        self.slots
            .values()
            .filter(|(s, _)| matches!(s, Slot::Ready(_)))
            .count()
    }

    fn evict(&mut self) {
        if self.slots.len() <= self.capacity {
            return;
        }
        // Drop the oldest quarter at once so eviction is rare.
        let mut ages: Vec<u64> = self.slots.values().map(|(_, used)| *used).collect();
        ages.sort_unstable();
        let cutoff = ages[ages.len() - self.capacity * 3 / 4];
        self.slots.retain(|_, (_, used)| *used >= cutoff);
    }
}

/// Stored photos keyed by DN (the user grid, and the wizard's "current photo" column).
pub type DnThumbs = ThumbCache<String>;

impl DnThumbs {
    pub fn for_users() -> Self {
        Self {
            max_in_flight: MAX_IN_FLIGHT_STORED,
            ..Self::new("thumb", CAPACITY)
        }
    }

    /// The stored photo of `dn`, loaded through [`Command::Thumb`].
    pub fn user(&mut self, dn: &str, worker: &Worker) -> Thumb<'_> {
        self.lookup(&dn.to_string(), |dn| {
            worker.send(Command::Thumb(dn));
        })
    }
}

/// Photo files keyed by path (the wizard's matching table).
pub type FileThumbs = ThumbCache<PathBuf>;

/// File thumbnails are larger than the grid's (to tell faces apart), so fewer are kept:
/// 96×96 RGBA is about 37 kB, 500 of them under ~20 MB.
pub const FILE_CAPACITY: usize = 500;

impl FileThumbs {
    pub fn for_files() -> Self {
        Self::new("file-thumb", FILE_CAPACITY)
    }

    /// The picture in `path`, decoded on the worker through [`Command::FileThumb`].
    pub fn file(&mut self, path: &std::path::Path, worker: &Worker) -> Thumb<'_> {
        // Only the import wizard shows photo files.
        self.lookup(&path.to_path_buf(), |p| {
            worker.send_as(Owner::Wizard, Command::FileThumb(p));
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Thumbnail {
        Thumbnail {
            width: 1,
            height: 1,
            rgba: vec![0, 0, 0, 255],
        }
    }

    #[test]
    fn loads_once_and_keeps_failures_with_their_reason() {
        let ctx = egui::Context::default();
        let mut c: ThumbCache<u32> = ThumbCache::new("t", 10);
        let mut asked = Vec::new();
        assert!(matches!(c.lookup(&1, |k| asked.push(k)), Thumb::Loading));
        assert!(matches!(c.lookup(&1, |k| asked.push(k)), Thumb::Loading));
        assert_eq!(asked, vec![1], "a load under way is not asked again");
        c.insert(&ctx, 1, Ok(tiny()));
        c.insert(&ctx, 2, Err("broken".into()));
        assert!(matches!(c.lookup(&1, |_| panic!()), Thumb::Ready(_)));
        assert!(matches!(
            c.lookup(&2, |_| panic!()),
            Thumb::Failed("broken")
        ));
        assert_eq!(c.ready_count(), 1);
    }

    #[test]
    fn at_most_max_in_flight_loads_and_bounded_size() {
        let ctx = egui::Context::default();
        let mut c: ThumbCache<usize> = ThumbCache::new("t", 8);
        let mut asked = 0;
        for k in 0..MAX_IN_FLIGHT + 5 {
            c.lookup(&k, |_| asked += 1);
        }
        assert_eq!(asked, MAX_IN_FLIGHT);
        assert!(matches!(
            c.lookup(&(MAX_IN_FLIGHT + 1), |_| ()),
            Thumb::Waiting
        ));
        for k in 0..100 {
            c.tick();
            c.insert(&ctx, k, Ok(tiny()));
        }
        assert!(c.len() <= 8, "{}", c.len());
        // The newest survive eviction.
        assert!(matches!(c.lookup(&99, |_| ()), Thumb::Ready(_)));
    }
}
