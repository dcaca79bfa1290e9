//! The crop canvas: the upright photo, a square frame to drag, corner handles to resize, the
//! mouse wheel to zoom, rotate by 90°, back to the automatic crop, and a live preview of the
//! encoded result with its size. Decoding and encoding run on the worker.

use std::path::PathBuf;

use egui::{Color32, Pos2, Rect, Sense, Stroke, StrokeKind, Vec2, WidgetInfo};

use super::photo_bridge::{CropSource, Thumbnail};
use super::worker::{Command, Event, Owner, ReqId, Worker};
use crate::photo::{CropRect, Target};

/// Smallest crop side in full-picture pixels.
const MIN_SIDE: f32 = 16.0;
/// The result column beside the picture.
const RESULT_WIDTH: f32 = 150.0;

/// What the canvas asks of its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CropAction {
    /// Use this crop and rotation.
    Apply(CropRect, u8),
    Cancel,
}

pub struct CropCanvas {
    file: PathBuf,
    target: Target,
    turns: u8,
    /// Who the canvas belongs to: its requests' replies are routed there.
    owner: Owner,
    /// The picture asked for last, and the preview asked for last: older replies are dropped.
    loading: Option<ReqId>,
    encoding: Option<ReqId>,
    image: Option<egui::TextureHandle>,
    /// Full upright picture size (after `turns`).
    full: Vec2,
    auto: Option<CropRect>,
    /// The frame in full-picture pixels: top-left and side.
    pos: Vec2,
    side: f32,
    error: Option<String>,
    preview: Option<(egui::TextureHandle, usize)>,
    /// The crop the preview was asked for.
    previewed: Option<(CropRect, u8)>,
}

impl CropCanvas {
    /// A canvas for `file`, starting from `crop` (or the automatic crop) and `turns`.
    pub fn open(
        file: PathBuf,
        target: Target,
        start: Option<(CropRect, u8)>,
        owner: Owner,
        worker: &Worker,
    ) -> Self {
        let turns = start.map_or(0, |(_, t)| t);
        let mut c = Self {
            file,
            target,
            turns,
            owner,
            loading: None,
            encoding: None,
            image: None,
            full: Vec2::ZERO,
            auto: None,
            pos: Vec2::ZERO,
            side: 0.0,
            error: None,
            preview: None,
            previewed: None,
        };
        if let Some((crop, _)) = start {
            c.set_crop(crop);
        }
        c.load(worker);
        c
    }

    fn load(&mut self, worker: &Worker) {
        self.image = None;
        self.preview = None;
        self.previewed = None;
        self.encoding = None;
        self.loading = Some(worker.send_as(
            self.owner,
            Command::CropLoad {
                file: self.file.clone(),
                target: self.target,
                turns: self.turns,
            },
        ));
    }

    fn set_crop(&mut self, c: CropRect) {
        self.pos = Vec2::new(c.x as f32, c.y as f32);
        self.side = c.width.min(c.height) as f32;
    }

    /// The frame as the photo core takes it.
    pub fn crop(&self) -> CropRect {
        let side = self.side.round().max(1.0) as u32;
        CropRect::new(
            self.pos.x.round().max(0.0) as u32,
            self.pos.y.round().max(0.0) as u32,
            side,
            side,
        )
    }

    pub fn turns(&self) -> u8 {
        self.turns
    }

    /// The picture is loaded and the preview's size is known (tests).
    pub fn preview_bytes(&self) -> Option<usize> {
        self.preview.as_ref().map(|p| p.1)
    }

    /// The upright picture's full size, once loaded (tests).
    pub fn picture_size(&self) -> Option<(u32, u32)> {
        self.image
            .is_some()
            .then_some((self.full.x as u32, self.full.y as u32))
    }

    pub fn is_loaded(&self) -> bool {
        self.image.is_some()
    }

    /// A reply from the worker; returns the event when it is not for this canvas.
    pub fn handle(&mut self, ctx: &egui::Context, id: ReqId, event: Event) -> Option<Event> {
        match event {
            Event::CropLoaded(result) if Some(id) == self.loading => self.loaded(ctx, result),
            Event::CropEncoded(result) if Some(id) == self.encoding => self.encoded(ctx, result),
            // Answers to earlier requests of this canvas: superseded.
            Event::CropLoaded(_) | Event::CropEncoded(_) => {}
            other => return Some(other),
        }
        None
    }

    fn loaded(&mut self, ctx: &egui::Context, result: Result<CropSource, String>) {
        match result {
            Ok(src) => {
                self.image = Some(texture(ctx, "crop-canvas", &src.image));
                let keep = self.side > 0.0
                    && self.pos.x + self.side <= src.full.0 as f32
                    && self.pos.y + self.side <= src.full.1 as f32;
                self.full = Vec2::new(src.full.0 as f32, src.full.1 as f32);
                self.auto = Some(src.auto);
                if !keep {
                    self.set_crop(src.auto);
                }
                self.clamp();
                self.error = None;
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn encoded(&mut self, ctx: &egui::Context, result: Result<(Thumbnail, usize), String>) {
        match result {
            Ok((t, bytes)) => self.preview = Some((texture(ctx, "crop-preview", &t), bytes)),
            Err(e) => self.error = Some(e),
        }
    }

    fn clamp(&mut self) {
        let max_side = self.full.x.min(self.full.y).max(1.0);
        self.side = self.side.clamp(MIN_SIDE.min(max_side), max_side);
        self.pos.x = self.pos.x.clamp(0.0, (self.full.x - self.side).max(0.0));
        self.pos.y = self.pos.y.clamp(0.0, (self.full.y - self.side).max(0.0));
    }

    /// The keyboard: Enter applies, Esc cancels, the arrows move the frame (Shift: five times
    /// as far), + and − zoom in and out around its centre. Taken from the input, so the grid
    /// or the wizard behind the canvas does not act on them too.
    fn keys(&mut self, ui: &mut egui::Ui) -> Option<CropAction> {
        use egui::{Key, Modifiers};
        let (enter, esc, step, zoom) = ui.input_mut(|i| {
            let enter = i.consume_key(Modifiers::NONE, Key::Enter);
            let esc = i.consume_key(Modifiers::NONE, Key::Escape);
            let mut step = Vec2::ZERO;
            for (m, far) in [(Modifiers::NONE, 1.0), (Modifiers::SHIFT, 5.0)] {
                for (key, dir) in [
                    (Key::ArrowLeft, Vec2::new(-1.0, 0.0)),
                    (Key::ArrowRight, Vec2::new(1.0, 0.0)),
                    (Key::ArrowUp, Vec2::new(0.0, -1.0)),
                    (Key::ArrowDown, Vec2::new(0.0, 1.0)),
                ] {
                    if i.consume_key(m, key) {
                        step += dir * far;
                    }
                }
            }
            let mut zoom = 1.0;
            for key in [Key::Plus, Key::Equals] {
                if i.consume_key(Modifiers::NONE, key) || i.consume_key(Modifiers::SHIFT, key) {
                    zoom *= 0.95;
                }
            }
            if i.consume_key(Modifiers::NONE, Key::Minus) {
                zoom /= 0.95;
            }
            (enter, esc, step, zoom)
        });
        if self.image.is_some() {
            // One step is 1% of the picture's shorter side.
            self.pos += step * (self.full.x.min(self.full.y) * 0.01);
            if zoom != 1.0 {
                let centre = self.pos + Vec2::splat(self.side / 2.0);
                self.side *= zoom;
                self.clamp();
                self.pos = centre - Vec2::splat(self.side / 2.0);
            }
            self.clamp();
        }
        if esc {
            return Some(CropAction::Cancel);
        }
        (enter && self.image.is_some()).then(|| CropAction::Apply(self.crop(), self.turns))
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, worker: &Worker) -> Option<CropAction> {
        let mut action = self.keys(ui);
        ui.horizontal(|ui| {
            ui.strong("Crop");
            ui.weak(
                self.file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            );
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        ui.horizontal(|ui| {
            if ui.button("Rotate 90°").clicked() {
                self.turns = (self.turns + 1) % 4;
                self.side = 0.0;
                self.load(worker);
            }
            if ui
                .add_enabled(self.auto.is_some(), egui::Button::new("Reset to automatic"))
                .clicked()
                && let Some(a) = self.auto
            {
                self.set_crop(a);
                self.clamp();
            }
            // Not before the picture is there: there is no crop to apply yet.
            if ui
                .add_enabled(self.image.is_some(), egui::Button::new("Apply"))
                .on_hover_text("Enter")
                .on_disabled_hover_text("The picture is still loading")
                .clicked()
            {
                action = Some(CropAction::Apply(self.crop(), self.turns));
            }
            if ui.button("Cancel crop").on_hover_text("Esc").clicked() {
                action = Some(CropAction::Cancel);
            }
        });
        let mut dragging = false;
        ui.horizontal_top(|ui| {
            let avail = 440.0_f32;
            let Some(tex) = self.image.clone() else {
                // The picture's room while it loads, so the window does not grow under the
                // pointer when it arrives.
                let (rect, _) = ui.allocate_exact_size(Vec2::splat(avail), Sense::hover());
                egui::Spinner::new()
                    .paint_at(ui, Rect::from_center_size(rect.center(), Vec2::splat(24.0)));
                return;
            };
            let scale = avail / self.full.x.max(self.full.y).max(1.0);
            let size = self.full * scale;
            let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
            let painter = ui.painter_at(rect);
            painter.image(
                tex.id(),
                rect,
                Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0)),
                Color32::WHITE,
            );
            let to_screen = |p: Vec2| rect.min + p * scale;
            let frame = Rect::from_min_size(to_screen(self.pos), Vec2::splat(self.side * scale));
            // Dim outside the frame.
            let shade = Color32::from_black_alpha(140);
            for r in [
                Rect::from_min_max(rect.min, Pos2::new(rect.max.x, frame.min.y)),
                Rect::from_min_max(Pos2::new(rect.min.x, frame.max.y), rect.max),
                Rect::from_min_max(
                    Pos2::new(rect.min.x, frame.min.y),
                    Pos2::new(frame.min.x, frame.max.y),
                ),
                Rect::from_min_max(
                    Pos2::new(frame.max.x, frame.min.y),
                    Pos2::new(rect.max.x, frame.max.y),
                ),
            ] {
                painter.rect_filled(r, 0.0, shade);
            }
            painter.rect_stroke(
                frame,
                0.0,
                Stroke::new(2.0, Color32::WHITE),
                StrokeKind::Middle,
            );

            // Drag the frame.
            let body = ui.interact(
                frame.shrink(8.0),
                ui.scope_id().with("crop-frame"),
                Sense::drag(),
            );
            body.widget_info(|| WidgetInfo::labeled(egui::Role::Button, true, "crop frame"));
            if body.dragged() {
                self.pos += body.drag_delta() / scale;
                self.clamp();
                dragging = true;
            }
            // Zoom with the wheel around the frame's centre.
            if body.hovered() {
                let dy = ui.input(|i| i.smooth_scroll_delta.y);
                if dy != 0.0 {
                    let centre = self.pos + Vec2::splat(self.side / 2.0);
                    self.side *= (1.0 - dy * 0.002).clamp(0.5, 1.5);
                    self.clamp();
                    self.pos = centre - Vec2::splat(self.side / 2.0);
                    self.clamp();
                }
            }
            // Corner handles: the opposite corner stays put.
            let corners = [
                ("top-left", frame.left_top(), frame.right_bottom()),
                ("top-right", frame.right_top(), frame.left_bottom()),
                ("bottom-left", frame.left_bottom(), frame.right_top()),
                ("bottom-right", frame.right_bottom(), frame.left_top()),
            ];
            for (name, corner, opposite) in corners {
                let handle = Rect::from_center_size(corner, Vec2::splat(14.0));
                painter.rect_filled(handle, 2.0, Color32::WHITE);
                let r = ui.interact(
                    handle,
                    ui.scope_id().with(("crop-handle", name)),
                    Sense::drag(),
                );
                let label = format!("crop handle {name}");
                r.widget_info(|| WidgetInfo::labeled(egui::Role::Button, true, &label));
                if r.dragged()
                    && let Some(p) = r.interact_pointer_pos()
                {
                    let o = (opposite - rect.min) / scale;
                    let q = (p - rect.min) / scale;
                    let d = q - o;
                    let mut side = d.x.abs().max(d.y.abs()).max(MIN_SIDE);
                    // Stay inside the picture, growing from the fixed corner.
                    let room_x = if d.x < 0.0 { o.x } else { self.full.x - o.x };
                    let room_y = if d.y < 0.0 { o.y } else { self.full.y - o.y };
                    side = side.min(room_x).min(room_y).max(1.0);
                    self.side = side;
                    self.pos = Vec2::new(
                        if d.x < 0.0 { o.x - side } else { o.x },
                        if d.y < 0.0 { o.y - side } else { o.y },
                    );
                    self.clamp();
                    dragging = true;
                }
            }

            ui.vertical(|ui| {
                // A fixed width, whatever the result's label says: the window keeps its size.
                ui.set_width(RESULT_WIDTH);
                ui.label("Result");
                match &self.preview {
                    Some((t, bytes)) => {
                        ui.add(egui::Image::new(t).fit_to_exact_size(Vec2::splat(128.0)));
                        ui.label(format!(
                            "{} × {} px, {}",
                            self.target.size,
                            self.target.size,
                            crate::photo::human_bytes(*bytes)
                        ));
                    }
                    None => {
                        ui.spinner();
                    }
                }
                let c = self.crop();
                ui.weak(format!("crop {}×{} at {}, {}", c.width, c.height, c.x, c.y));
            });
        });
        // Live preview once the frame rests.
        if self.image.is_some() && !dragging {
            let key = (self.crop(), self.turns);
            if self.previewed != Some(key) {
                self.previewed = Some(key);
                self.encoding = Some(worker.send_as(
                    self.owner,
                    Command::CropEncode {
                        file: self.file.clone(),
                        target: self.target,
                        crop: key.0,
                        turns: key.1,
                    },
                ));
            }
        }
        action
    }
}

fn texture(ctx: &egui::Context, name: &str, t: &Thumbnail) -> egui::TextureHandle {
    let img =
        egui::ColorImage::from_rgba_unmultiplied([t.width as usize, t.height as usize], &t.rgba);
    ctx.load_texture(name, img, egui::TextureOptions::LINEAR)
}
