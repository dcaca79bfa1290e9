//! Step 4: the size of the stored photos, each photo as it will be written (encoded on the
//! worker, only those scrolled into sight), and the crop canvas for any of them.

use super::automatch::AutomatchStep;
use super::previews::{Previews, Slot};
use crate::directory::User;
use crate::gui::crop_canvas::{CropAction, CropCanvas};
use crate::gui::worker::{Event, Owner, ReqId, Worker};
use crate::matching::PhotoFile;
use crate::photo::{Preset, Target};

pub(super) struct ResizeStep {
    /// A preset, or `None` for a custom size.
    size: Option<Preset>,
    custom_px: u32,
    custom_kb: u32,
    /// The target the previews are kept for.
    shown: Option<Target>,
    pub(super) previews: Previews,
    /// The crop canvas open for (file, user).
    canvas: Option<((usize, usize), CropCanvas)>,
}

impl Default for ResizeStep {
    fn default() -> Self {
        Self {
            size: Some(Preset::Outlook),
            custom_px: 256,
            custom_kb: 50,
            shown: None,
            previews: Previews::default(),
            canvas: None,
        }
    }
}

impl ResizeStep {
    /// The size chosen: a preset, or a custom (pixels, kB).
    pub(super) fn choice(&self) -> (Option<Preset>, Option<(u32, u32)>) {
        (self.size, Some((self.custom_px, self.custom_kb)))
    }

    /// Starts from a remembered size.
    pub(super) fn remember(&mut self, preset: Option<Preset>, custom: Option<(u32, u32)>) {
        self.size = preset;
        if let Some((px, kb)) = custom {
            (self.custom_px, self.custom_kb) = (px, kb);
        }
    }

    pub(super) fn target(&self) -> Result<Target, String> {
        match self.size {
            Some(p) => Ok(p.target()),
            None => Target::custom(self.custom_px, self.custom_kb as usize * 1024)
                .map_err(|e| e.to_string()),
        }
    }

    pub(super) fn canvas(&self) -> Option<&CropCanvas> {
        self.canvas.as_ref().map(|(_, c)| c)
    }

    /// The files changed: previews and the canvas were of the old ones.
    pub(super) fn reset(&mut self) {
        self.previews.clear();
        self.canvas = None;
    }

    pub(super) fn canvas_reply(
        &mut self,
        ctx: &egui::Context,
        id: ReqId,
        event: Event,
    ) -> Option<Event> {
        match &mut self.canvas {
            Some((_, c)) => c.handle(ctx, id, event),
            // The canvas was closed: its late answers are dropped.
            None => None,
        }
    }

    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        users: &[User],
        files: &[PhotoFile],
        automatch: &mut AutomatchStep,
    ) {
        let Some(choices) = automatch.choices_mut() else {
            return;
        };
        if let Some((key, canvas)) = &mut self.canvas {
            let key = *key;
            match canvas.ui(ui, worker) {
                Some(CropAction::Apply(crop, turns)) => {
                    let (f, u) = key;
                    // Only this photo is encoded again.
                    if let (Ok(target), Some(file)) = (self.target(), files.get(f)) {
                        self.previews.forget(&file.path, choices.crop(f, u), target);
                    }
                    choices.set_crop(f, u, (crop, turns));
                    self.canvas = None;
                }
                Some(CropAction::Cancel) => self.canvas = None,
                None => {}
            }
            return;
        }
        ui.label("Size of the stored photos");
        for p in Preset::ALL {
            ui.radio_value(&mut self.size, Some(p), p.describe());
        }
        ui.radio_value(&mut self.size, None, "Custom");
        if self.size.is_none() {
            ui.horizontal(|ui| {
                ui.add(
                    egui::DragValue::new(&mut self.custom_px)
                        .range(16..=2048)
                        .suffix(" px"),
                );
                ui.add(
                    egui::DragValue::new(&mut self.custom_kb)
                        .range(1..=1000)
                        .suffix(" KiB"),
                );
            });
            if let Err(e) = self.target() {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
        }
        ui.weak("Each photo is cropped to a square around the face automatically.");
        let Ok(target) = self.target() else {
            return;
        };
        if self.shown != Some(target) {
            self.shown = Some(target);
            self.previews.keep_target(target);
        }
        let chosen = choices.chosen();
        ui.add_space(6.0);
        ui.weak(format!(
            "{} photos. Click one to choose its crop by hand.",
            chosen.len()
        ));
        let side = 112.0;
        // Room for the name, the size and a warning line.
        let cell = egui::vec2(side + 16.0, side + 62.0);
        let per_row =
            ((ui.available_width() / (cell.x + ui.spacing().item_spacing.x)) as usize).max(1);
        let rows = chosen.len().div_ceil(per_row);
        let mut open: Option<(usize, usize)> = None;
        let mut shown = Vec::new();
        egui::ScrollArea::vertical()
            .id_salt("resize-previews")
            .auto_shrink([false, false])
            .show_rows(ui, cell.y, rows, |ui, row_range| {
                for row in row_range {
                    ui.horizontal(|ui| {
                        let first = row * per_row;
                        for &(f, u) in chosen.iter().skip(first).take(per_row) {
                            let (Some(file), Some(user)) = (files.get(f), users.get(u)) else {
                                continue;
                            };
                            let crop = choices.crop(f, u);
                            shown.push((f, crop));
                            let slot = self.previews.get(&file.path, crop, target);
                            if preview_cell_ui(ui, cell, side, &user.label(), slot, &target) {
                                open = Some((f, u));
                            }
                        }
                    });
                }
            });
        // Ask the worker for the previews that came into sight (it encodes a few at a time).
        for (f, crop) in shown {
            self.previews.ask(worker, &files[f].path, crop, target);
        }
        if let Some((f, u)) = open {
            let start = choices.crop(f, u);
            let file = files[f].path.clone();
            let canvas = CropCanvas::open(file, target, start, Owner::Wizard, worker);
            self.canvas = Some(((f, u), canvas));
        }
    }
}

/// One photo: the preview to click (for the crop canvas) with its size, its error, or a
/// spinner. Returns true when it was clicked.
fn preview_cell_ui(
    ui: &mut egui::Ui,
    cell: egui::Vec2,
    side: f32,
    user: &str,
    slot: Option<&Slot>,
    target: &crate::photo::Target,
) -> bool {
    let mut clicked = false;
    ui.allocate_ui(cell, |ui| {
        ui.set_min_size(cell);
        ui.vertical(|ui| match slot {
            Some(Slot::Done(Ok((tex, encoded)))) => {
                let r = ui.add(
                    egui::Image::new(tex)
                        .fit_to_exact_size(egui::vec2(side, side))
                        .sense(egui::Sense::click()),
                );
                let label = format!("Adjust crop of {user}");
                r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
                clicked = r.on_hover_text("Adjust the crop").clicked();
                ui.label(user);
                ui.weak(crate::photo::human_bytes(encoded.photo.jpeg.len()));
                // One short line; all of it on hover (the cell has room for one).
                let warnings = encoded.photo.warnings(target);
                if let Some(first) = warnings.first() {
                    let short = first.split([':', '(']).next().unwrap_or(first).trim();
                    ui.colored_label(ui.visuals().warn_fg_color, format!("⚠ {short}"))
                        .on_hover_text(warnings.join("\n"));
                }
            }
            Some(Slot::Done(Err(e))) => {
                ui.label(user);
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            _ => {
                ui.spinner();
                ui.label(user);
            }
        });
    });
    clicked
}
