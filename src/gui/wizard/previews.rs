//! The resize step's previews: each photo encoded on the worker exactly as the import would
//! write it, kept by (file, crop, size). A new crop encodes that one photo again, not all of
//! them, and Start import writes these photos instead of encoding them a second time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::ask;
use crate::gui::photo_bridge::Thumbnail;
use crate::gui::worker::{Command, ReqId, Worker};
use crate::import::{Encoded, ManualCrop};
use crate::photo::Target;

/// What a preview is of.
type Key = (PathBuf, Option<ManualCrop>, Target);

pub(super) enum Slot {
    Asked,
    /// The picture to show and the photo it shows, or why it failed.
    Done(Result<(egui::TextureHandle, Encoded), String>),
}

#[derive(Default)]
pub(super) struct Previews {
    slots: HashMap<Key, Slot>,
    /// Requests on their way, and what each is for.
    waiting: HashMap<ReqId, Key>,
}

impl Previews {
    pub(super) fn get(
        &self,
        file: &Path,
        crop: Option<ManualCrop>,
        target: Target,
    ) -> Option<&Slot> {
        self.slots.get(&(file.to_path_buf(), crop, target))
    }

    /// Asks the worker for this preview unless it has it or is making it.
    pub(super) fn ask(
        &mut self,
        worker: &Worker,
        file: &Path,
        crop: Option<ManualCrop>,
        target: Target,
    ) {
        let key = (file.to_path_buf(), crop, target);
        if self.slots.contains_key(&key) {
            return;
        }
        let id = ask(
            worker,
            Command::EncodePreview {
                file: key.0.clone(),
                target,
                crop,
            },
        );
        self.slots.insert(key.clone(), Slot::Asked);
        self.waiting.insert(id, key);
    }

    pub(super) fn arrived(
        &mut self,
        ctx: &egui::Context,
        id: ReqId,
        result: Result<(Thumbnail, Encoded), String>,
    ) {
        // Forgotten since (another size, another crop, another folder): dropped.
        let Some(key) = self.waiting.remove(&id) else {
            return;
        };
        let Some(slot) = self.slots.get_mut(&key) else {
            return;
        };
        *slot = Slot::Done(result.map(|(t, encoded)| {
            let img = egui::ColorImage::from_rgba_unmultiplied(
                [t.width as usize, t.height as usize],
                &t.rgba,
            );
            let name = format!("wizard-preview:{}", key.0.display());
            (
                ctx.load_texture(name, img, egui::TextureOptions::LINEAR),
                encoded,
            )
        }));
    }

    /// The photo encoded for exactly this file, crop and size, if it is done.
    pub(super) fn encoded(
        &self,
        file: &Path,
        crop: Option<ManualCrop>,
        target: Target,
    ) -> Option<Encoded> {
        match self.get(file, crop, target)? {
            Slot::Done(Ok((_, e))) => Some(e.clone()),
            _ => None,
        }
    }

    /// Forgets one preview (its crop changed).
    pub(super) fn forget(&mut self, file: &Path, crop: Option<ManualCrop>, target: Target) {
        let key = (file.to_path_buf(), crop, target);
        self.slots.remove(&key);
        self.waiting.retain(|_, k| *k != key);
    }

    /// Keeps only the previews for `target`: the others are never shown again unless the size
    /// is changed back, and memory stays that of one size.
    pub(super) fn keep_target(&mut self, target: Target) {
        self.slots.retain(|k, _| k.2 == target);
        self.waiting.retain(|_, k| k.2 == target);
    }

    pub(super) fn clear(&mut self) {
        self.slots.clear();
        self.waiting.clear();
    }

    /// How many were asked for (done or not).
    pub(super) fn asked(&self) -> usize {
        self.slots.len()
    }

    /// How many came back.
    pub(super) fn done(&self) -> usize {
        self.slots
            .values()
            .filter(|s| matches!(s, Slot::Done(_)))
            .count()
    }
}
