//! The user grid: a virtualised table (only visible rows are laid out), sort, search, a photo
//! filter, and selection by click, Ctrl-click, Shift-click, Ctrl+A and Esc.
//!
//! The filtered, sorted view is an index list rebuilt only when its inputs change, so a frame
//! with 100,000 users costs the same as one with 100.

use std::collections::HashSet;
use std::path::PathBuf;

use egui::{Key, Modifiers, Rect, Sense};
use egui_extras::{Column, TableBuilder};

mod prefs;
mod row_menu;
mod texts;
mod toolbar;

pub use prefs::{GridPrefs, PhotoFilter, SortKey, which_noun};
use texts::haystack;
pub use texts::{human_bytes, title_text};

use super::thumbs::DnThumbs;
use super::worker::Worker;
use crate::directory::User;
use row_menu::clipboard_actions;
pub use row_menu::{MenuState, RowAction, menu_ui};

/// Something the app must act on after the grid was drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridAction {
    SelectionChanged,
    /// An image file was dropped on the row of this user (index into `users`).
    FileDropped {
        user: usize,
        path: PathBuf,
    },
    /// Files were dropped where no single user could be told.
    DropMissed(String),
    /// A row menu item, Ctrl+C or Ctrl+V: for the selected users.
    Row(RowAction),
    /// An image from the system's clipboard was pasted (Ctrl+V) onto the selection.
    PasteImage(std::sync::Arc<egui::ColorImage>),
}

pub const ROW_HEIGHT: f32 = 28.0;

#[derive(Default)]
pub struct UserGrid {
    users: Vec<User>,
    /// Lower-cased text the search box matches against, one per user.
    haystacks: Vec<String>,
    /// Indices into `users`, filtered and sorted: what the table shows.
    view: Vec<usize>,
    view_key: Option<(String, GridPrefs)>,
    pub search: String,
    pub prefs: GridPrefs,
    selected: HashSet<usize>,
    /// Where a Shift-click range starts (index into `users`).
    anchor: Option<usize>,
    /// The row the keyboard moves from: the last clicked or arrowed-to (index into `users`).
    lead: Option<usize>,
    /// Set by a keyboard move: the table scrolls this view row into sight once.
    scroll_to: Option<usize>,
    /// Ctrl+F was pressed: the search box takes the focus.
    focus_search: bool,
    /// The row menu opened from the keyboard: on this row (index into `users`), under it.
    key_menu: Option<(usize, Option<egui::Pos2>)>,
    /// Row rectangles drawn this frame, to know which row a dropped file landed on.
    row_rects: Vec<(usize, Rect)>,
    pub loading: bool,
}

impl UserGrid {
    pub fn set_users(&mut self, users: Vec<User>) {
        self.haystacks = users.iter().map(haystack).collect();
        self.users = users;
        self.selected.clear();
        self.anchor = None;
        self.lead = None;
        self.view_key = None;
        self.loading = false;
    }

    pub fn clear(&mut self) {
        self.set_users(Vec::new());
    }

    pub fn users(&self) -> &[User] {
        &self.users
    }

    /// Updates one user's photo size after a write or removal.
    pub fn set_photo_bytes(&mut self, dn: &str, bytes: Option<usize>) {
        if let Some(u) = self.users.iter_mut().find(|u| u.dn == dn) {
            u.photo_bytes = bytes;
            self.view_key = None;
        }
    }

    /// The selected users, in view order.
    pub fn selected_users(&self) -> Vec<&User> {
        self.view
            .iter()
            .filter(|i| self.selected.contains(i))
            .map(|&i| &self.users[i])
            .collect()
    }

    pub fn selected_count(&self) -> usize {
        self.selected.len()
    }

    /// How many users the filter and search let through.
    pub fn shown_count(&self) -> usize {
        self.view.len()
    }

    /// Rebuilds the view if the search, filter or sort changed (and drops hidden users from
    /// the selection, so actions never touch users that are not shown).
    fn refresh_view(&mut self) -> bool {
        let key = (self.search.trim().to_lowercase(), self.prefs.clone());
        if self.view_key.as_ref() == Some(&key) {
            return false;
        }
        let needle = &key.0;
        let filter = self.prefs.filter;
        let mut view: Vec<usize> = (0..self.users.len())
            .filter(|&i| match filter {
                PhotoFilter::All => true,
                PhotoFilter::WithPhoto => self.users[i].photo_bytes.is_some(),
                PhotoFilter::WithoutPhoto => self.users[i].photo_bytes.is_none(),
            })
            .filter(|&i| needle.is_empty() || self.haystacks[i].contains(needle.as_str()))
            .collect();
        let users = &self.users;
        let text = |i: usize, f: fn(&User) -> Option<&str>| -> String {
            f(&users[i]).unwrap_or("").to_lowercase()
        };
        match self.prefs.sort {
            SortKey::Name => view.sort_by_cached_key(|&i| users[i].label().to_lowercase()),
            SortKey::Account => {
                view.sort_by_cached_key(|&i| text(i, |u| u.sam_account_name.as_deref()))
            }
            SortKey::Mail => view.sort_by_cached_key(|&i| text(i, |u| u.mail.as_deref())),
            SortKey::Title => view.sort_by_cached_key(|&i| title_text(&users[i]).to_lowercase()),
            SortKey::Photo => view.sort_by_key(|&i| users[i].photo_bytes),
        }
        if self.prefs.descending {
            view.reverse();
        }
        let before = self.selected.len();
        let visible: HashSet<usize> = view.iter().copied().collect();
        self.selected.retain(|i| visible.contains(i));
        self.view = view;
        self.view_key = Some(key);
        self.selected.len() != before
    }

    /// Search box and filter buttons.
    /// The table; returns what changed. `can_paste`: a photo was copied, so the row menu offers Paste;
    /// `read_only_dn`: a user the server said the account may not change.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        thumbs: &mut DnThumbs,
        worker: &Worker,
        can_paste: bool,
        read_only_dn: Option<&str>,
    ) -> Vec<GridAction> {
        let mut actions = Vec::new();
        if self.refresh_view() {
            actions.push(GridAction::SelectionChanged);
        }
        if self.loading {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Loading users…");
            });
        }
        // Keyboard: only when no text field has the focus (Ctrl+A there selects text).
        if !ui.ctx().egui_wants_keyboard_input() {
            let menu_key = ui.input_mut(|i| {
                i.consume_key(Modifiers::NONE, Key::Menu)
                    || i.consume_key(Modifiers::SHIFT, Key::F10)
            }) && !self.selected.is_empty();
            if menu_key && self.lead.is_none_or(|l| !self.selected.contains(&l)) {
                self.lead = self
                    .view
                    .iter()
                    .copied()
                    .find(|i| self.selected.contains(i));
            }
            if menu_key {
                self.key_menu = self.lead.map(|l| (l, None));
            }
            actions.extend(clipboard_actions(ui));
            // Esc closes an open menu first (the menu sees it), then clears the selection.
            let menu_open = self.key_menu.is_some() || egui::Popup::is_any_open(ui.ctx());
            let (all, esc) = ui.input_mut(|i| {
                (
                    i.consume_key(Modifiers::COMMAND, Key::A),
                    !menu_open && i.consume_key(Modifiers::NONE, Key::Escape),
                )
            });
            if all {
                self.selected = self.view.iter().copied().collect();
                actions.push(GridAction::SelectionChanged);
            }
            if esc && !self.selected.is_empty() {
                self.selected.clear();
                self.anchor = None;
                actions.push(GridAction::SelectionChanged);
            }
            if let Some((to, shift)) = ui.input_mut(|i| self.keyboard_move(i)) {
                self.move_to(to, shift);
                actions.push(GridAction::SelectionChanged);
            }
        }
        if ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::F)) {
            self.focus_search = true;
        }

        ui.style_mut().interaction.selectable_labels = false;
        // While a file is dragged over the window, light up the row it would land on.
        let drop_target = ui.ctx().input(|i| {
            if i.raw.hovered_files.is_empty() {
                return None;
            }
            let p = i.pointer.latest_pos()?;
            self.row_rects
                .iter()
                .find(|(_, r)| r.contains(p))
                .map(|(u, _)| *u)
        });
        self.row_rects.clear();
        let mut clicked: Option<(usize, Modifiers)> = None;
        let mut secondary: Option<usize> = None;
        let mut menu_action: Option<RowAction> = None;
        let mut sort_clicked: Option<SortKey> = None;
        let prefs = self.prefs.clone();
        let header =
            |ui: &mut egui::Ui, text: &str, key: SortKey, sort_clicked: &mut Option<SortKey>| {
                let arrow = match (prefs.sort == key, prefs.descending) {
                    (true, false) => " ⏶",
                    (true, true) => " ⏷",
                    _ => "",
                };
                if ui
                    .add(
                        egui::Button::new(egui::RichText::new(format!("{text}{arrow}")).strong())
                            .frame(false),
                    )
                    .on_hover_text("Sort by this column (click again to reverse)")
                    .clicked()
                {
                    *sort_clicked = Some(key);
                }
            };
        // Column widths share the width there is (a 900 px window leaves ~400 px here), so
        // every column stays in sight; they are laid out again when the width changes by
        // 100 px (a person's own resizing holds until then).
        let width = (ui.available_width() - ROW_HEIGHT - 4.0 - 64.0).max(300.0);
        let table = TableBuilder::new(ui)
            .id_salt(("user-grid", (width / 100.0) as i32))
            .striped(true)
            .sense(Sense::click())
            .resizable(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(ROW_HEIGHT + 4.0))
            .column(Column::initial(width * 0.28).at_least(70.0).clip(true))
            .column(Column::initial(width * 0.18).at_least(50.0).clip(true))
            .column(Column::initial(width * 0.28).at_least(50.0).clip(true))
            .column(Column::initial(width * 0.22).at_least(50.0).clip(true))
            .column(Column::remainder().at_least(56.0))
            .min_scrolled_height(0.0);
        let table = match self.scroll_to.take() {
            Some(row) => table.scroll_to_row(row, None),
            None => table,
        };
        let users = &self.users;
        let view = &self.view;
        let selected = &self.selected;
        let row_rects = &mut self.row_rects;
        let key_menu = &mut self.key_menu;
        table
            .header(ROW_HEIGHT, |mut row| {
                row.col(|ui| {
                    ui.label("");
                });
                row.col(|ui| header(ui, "Name", SortKey::Name, &mut sort_clicked));
                row.col(|ui| header(ui, "Account", SortKey::Account, &mut sort_clicked));
                row.col(|ui| header(ui, "Mail", SortKey::Mail, &mut sort_clicked));
                row.col(|ui| header(ui, "Title / Department", SortKey::Title, &mut sort_clicked));
                row.col(|ui| header(ui, "Photo", SortKey::Photo, &mut sort_clicked));
            })
            .body(|body| {
                body.rows(ROW_HEIGHT, view.len(), |mut row| {
                    let idx = view[row.index()];
                    let u = &users[idx];
                    row.set_selected(selected.contains(&idx) || drop_target == Some(idx));
                    row.col(|ui| {
                        if u.photo_bytes.is_some() {
                            let alt = format!("Photo of {}", u.label());
                            thumbs.user(&u.dn, worker).ui(ui, ROW_HEIGHT - 4.0, &alt);
                        }
                    });
                    row.col(|ui| {
                        ui.add(egui::Label::new(u.label()).truncate());
                    });
                    row.col(|ui| {
                        if u.kind == crate::directory::Kind::Contact {
                            ui.weak("contact")
                                .on_hover_text("An address-book contact: no account");
                        } else {
                            ui.add(
                                egui::Label::new(u.sam_account_name.as_deref().unwrap_or(""))
                                    .truncate(),
                            );
                        }
                    });
                    row.col(|ui| {
                        ui.add(egui::Label::new(u.mail.as_deref().unwrap_or("")).truncate());
                    });
                    row.col(|ui| {
                        ui.add(egui::Label::new(title_text(u)).truncate());
                    });
                    row.col(|ui| {
                        let text = u
                            .photo_bytes
                            .map_or_else(|| "none".to_string(), human_bytes);
                        ui.add(egui::Label::new(text).truncate());
                    });
                    let resp = row.response();
                    row_rects.push((idx, resp.rect));
                    if resp.clicked() {
                        clicked = Some((idx, click_modifiers(&resp.ctx)));
                    }
                    // Right-click acts on the selection when the row is in it, else on the row
                    // alone (it becomes the selection), as file managers do.
                    if resp.secondary_clicked() && !selected.contains(&idx) {
                        secondary = Some(idx);
                    }
                    let state = MenuState {
                        users: if selected.contains(&idx) {
                            selected.len()
                        } else {
                            1
                        },
                        has_photo: u.photo_bytes.is_some(),
                        can_paste,
                        read_only: read_only_dn == Some(u.dn.as_str()),
                    };
                    egui::Popup::context_menu(&resp).show(|ui| {
                        if let Some(a) = menu_ui(ui, state) {
                            menu_action = Some(a);
                        }
                    });
                    // The Menu key / Shift+F10: the same menu, under the row it is for.
                    if let Some((row_idx, at)) = key_menu
                        && *row_idx == idx
                    {
                        let pos = *at.get_or_insert(
                            resp.rect.left_bottom() + egui::vec2(ROW_HEIGHT * 2.0, 0.0),
                        );
                        let mut open = true;
                        egui::Popup::menu(&resp)
                            .id(egui::Id::unique("row-menu-from-keyboard"))
                            .open_bool(&mut open)
                            .at_position(pos)
                            .show(|ui| {
                                if let Some(a) = menu_ui(ui, state) {
                                    menu_action = Some(a);
                                }
                            });
                        if !open || menu_action.is_some() {
                            *key_menu = None;
                        }
                    }
                });
            });

        if let Some(key) = sort_clicked {
            if self.prefs.sort == key {
                self.prefs.descending = !self.prefs.descending;
            } else {
                self.prefs.sort = key;
                self.prefs.descending = false;
            }
        }
        if let Some((idx, mods)) = clicked.or(secondary.map(|i| (i, Modifiers::NONE))) {
            self.click(idx, mods);
            actions.push(GridAction::SelectionChanged);
        }
        if let Some(a) = menu_action {
            actions.push(GridAction::Row(a));
        }
        actions.extend(self.dropped_files(ui.ctx()));
        actions
    }

    /// Click semantics of file managers: plain click selects one, Ctrl toggles, Shift selects
    /// the range from the last clicked row (Ctrl+Shift adds the range).
    pub fn click(&mut self, idx: usize, mods: Modifiers) {
        self.lead = Some(idx);
        if mods.shift
            && let Some(anchor) = self.anchor
        {
            let pos = |i: usize| self.view.iter().position(|&v| v == i);
            if let (Some(a), Some(b)) = (pos(anchor), pos(idx)) {
                let (lo, hi) = (a.min(b), a.max(b));
                if !mods.command {
                    self.selected.clear();
                }
                self.selected.extend(self.view[lo..=hi].iter().copied());
                return;
            }
        }
        if mods.command {
            if !self.selected.remove(&idx) {
                self.selected.insert(idx);
            }
        } else {
            self.selected.clear();
            self.selected.insert(idx);
        }
        self.anchor = Some(idx);
    }

    /// The view row an arrow, Page or Home/End key asks for (consumed), and whether Shift
    /// was held. A page is what fits in the window, roughly.
    fn keyboard_move(&self, i: &mut egui::InputState) -> Option<(usize, bool)> {
        let last = self.view.len().checked_sub(1)?;
        let page = ((i.content_rect().height() / ROW_HEIGHT) as usize)
            .saturating_sub(4)
            .max(1);
        let at = self
            .lead
            .and_then(|l| self.view.iter().position(|&v| v == l));
        // Shift first: egui lets a pattern without Shift match a key pressed with it.
        for shift in [true, false] {
            let m = if shift {
                Modifiers::SHIFT
            } else {
                Modifiers::NONE
            };
            let to = if i.consume_key(m, Key::ArrowDown) {
                at.map_or(0, |a| (a + 1).min(last))
            } else if i.consume_key(m, Key::ArrowUp) {
                at.map_or(0, |a| a.saturating_sub(1))
            } else if i.consume_key(m, Key::PageDown) {
                at.map_or(0, |a| (a + page).min(last))
            } else if i.consume_key(m, Key::PageUp) {
                at.map_or(0, |a| a.saturating_sub(page))
            } else if i.consume_key(m, Key::Home) {
                0
            } else if i.consume_key(m, Key::End) {
                last
            } else {
                continue;
            };
            return Some((to, shift));
        }
        None
    }

    /// Moves the keyboard's row to view row `pos`: selects it alone, or with Shift the range
    /// from the anchor, as a click or Shift-click there would; and scrolls it into sight.
    pub fn move_to(&mut self, pos: usize, shift: bool) {
        let Some(&idx) = self.view.get(pos) else {
            return;
        };
        let mods = if shift {
            Modifiers::SHIFT
        } else {
            Modifiers::NONE
        };
        self.click(idx, mods);
        self.scroll_to = Some(pos);
    }

    pub fn select_none(&mut self) {
        self.selected.clear();
        self.anchor = None;
    }

    /// Selects one user by DN (after a reload, to keep the preview on the same person).
    pub fn select_dn(&mut self, dn: &str) {
        if let Some(i) = self.users.iter().position(|u| u.dn == dn) {
            self.selected.clear();
            self.selected.insert(i);
            self.anchor = Some(i);
        }
    }

    fn dropped_files(&self, ctx: &egui::Context) -> Vec<GridAction> {
        let (files, pos) = ctx.input(|i| (i.raw.dropped_files.clone(), i.pointer.latest_pos()));
        let paths: Vec<PathBuf> = files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if paths.is_empty() {
            return Vec::new();
        }
        if paths.len() > 1 {
            return vec![GridAction::DropMissed(
                "Drop one image on a user's row; for many files use Import…".into(),
            )];
        }
        let on_row = pos.and_then(|p| {
            self.row_rects
                .iter()
                .find(|(_, r)| r.contains(p))
                .map(|(i, _)| *i)
        });
        let user = on_row.or_else(|| {
            // No pointer position over a row (some platforms report none during a drop):
            // one selected user is unambiguous.
            (self.selected.len() == 1)
                .then(|| self.selected.iter().copied().next())
                .flatten()
        });
        match user {
            Some(user) => vec![GridAction::FileDropped {
                user,
                path: paths[0].clone(),
            }],
            None => vec![GridAction::DropMissed(
                "Drop the image on the row of the user it belongs to.".into(),
            )],
        }
    }
}

/// The modifiers of this frame's primary click, read from the click event itself (a quick
/// Ctrl-click can begin and end inside one frame, before the modifier state shows it).
fn click_modifiers(ctx: &egui::Context) -> Modifiers {
    ctx.input(|i| {
        i.events
            .iter()
            .rev()
            .find_map(|e| match e {
                egui::Event::PointerButton {
                    pressed: false,
                    button: egui::PointerButton::Primary,
                    modifiers,
                    ..
                } => Some(*modifiers),
                _ => None,
            })
            .unwrap_or(i.modifiers)
    })
}

#[cfg(test)]
mod tests;
