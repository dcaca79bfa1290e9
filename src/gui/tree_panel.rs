//! The OU tree: the domain root, its OUs and containers, each level loaded when first opened.

use std::collections::{HashMap, HashSet};

use crate::directory::{Container, ContainerKind};

use super::worker::{Command, ReqId, Worker};

enum Level {
    /// Asked for with this request: an answer to an older one (before a Refresh) is dropped.
    Loading(ReqId),
    Loaded(Vec<Container>),
    Failed(String),
}

#[derive(Default)]
pub struct TreePanel {
    root: Option<Container>,
    levels: HashMap<String, Level>,
    open: HashSet<String>,
    pub selected: Option<String>,
}

/// What the user did in the tree.
pub enum TreeAction {
    Select(String),
    IncludeSubOusChanged,
}

impl TreePanel {
    /// A fresh tree for a new connection, with the domain root selected and open.
    pub fn reset(&mut self, base_dn: &str, worker: &Worker) {
        self.levels.clear();
        self.open.clear();
        self.root = Some(Container {
            dn: base_dn.to_string(),
            name: domain_name(base_dn),
            kind: ContainerKind::Domain,
        });
        self.selected = Some(base_dn.to_string());
        self.expand(base_dn, worker);
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    fn expand(&mut self, dn: &str, worker: &Worker) {
        self.open.insert(dn.to_string());
        if !self.levels.contains_key(dn) {
            let id = worker.send(Command::Children(dn.to_string()));
            self.levels.insert(dn.to_string(), Level::Loading(id));
        }
    }

    /// Children arrived from the worker, answering request `id`.
    pub fn loaded(&mut self, id: ReqId, dn: String, result: Result<Vec<Container>, String>) {
        if !matches!(self.levels.get(&dn), Some(Level::Loading(asked)) if *asked == id) {
            return;
        }
        let level = match result {
            Ok(c) => Level::Loaded(c),
            Err(e) => Level::Failed(e),
        };
        self.levels.insert(dn, level);
    }

    /// Forget loaded levels (Refresh); open ones load again.
    pub fn refresh(&mut self, worker: &Worker) {
        self.levels.clear();
        let open: Vec<String> = self.open.iter().cloned().collect();
        for dn in open {
            let id = worker.send(Command::Children(dn.clone()));
            self.levels.insert(dn, Level::Loading(id));
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        include_sub_ous: &mut bool,
        worker: &Worker,
    ) -> Option<TreeAction> {
        let mut action = None;
        if ui
            .checkbox(include_sub_ous, "Include sub-OUs")
            .on_hover_text("Show the users of the selected OU and of every OU below it")
            .changed()
        {
            action = Some(TreeAction::IncludeSubOusChanged);
        }
        ui.separator();
        let Some(root) = self.root.clone() else {
            return action;
        };
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.style_mut().interaction.selectable_labels = false;
                if let Some(a) = self.node_ui(ui, &root, 0, worker) {
                    action = Some(a);
                }
            });
        action
    }

    fn node_ui(
        &mut self,
        ui: &mut egui::Ui,
        node: &Container,
        depth: usize,
        worker: &Worker,
    ) -> Option<TreeAction> {
        let mut action = None;
        let is_open = self.open.contains(&node.dn);
        let has_children = match self.levels.get(&node.dn) {
            Some(Level::Loaded(c)) => !c.is_empty(),
            _ => true,
        };
        ui.horizontal(|ui| {
            ui.add_space(depth as f32 * 14.0);
            let arrow = if !has_children {
                "  "
            } else if is_open {
                "⏷"
            } else {
                "⏵"
            };
            let toggle = ui
                .add_enabled(has_children, egui::Button::new(arrow).frame(false).small())
                .on_hover_text(if is_open { "Collapse" } else { "Expand" });
            if toggle.clicked() {
                if is_open {
                    self.open.remove(&node.dn);
                } else {
                    self.expand(&node.dn, worker);
                }
            }
            let selected = self.selected.as_deref() == Some(node.dn.as_str());
            let resp = ui
                .selectable_label(selected, &node.name)
                .on_hover_text(&node.dn);
            if resp.clicked() {
                // Selecting a container also opens it: one click to see what is inside.
                self.selected = Some(node.dn.clone());
                self.expand(&node.dn, worker);
                action = Some(TreeAction::Select(node.dn.clone()));
            }
        });
        if self.open.contains(&node.dn) {
            match self.levels.get(&node.dn) {
                Some(Level::Loading(_)) | None => {
                    ui.horizontal(|ui| {
                        ui.add_space((depth + 1) as f32 * 14.0 + 4.0);
                        ui.spinner();
                        ui.weak("loading…");
                    });
                }
                Some(Level::Failed(e)) => {
                    ui.horizontal(|ui| {
                        ui.add_space((depth + 1) as f32 * 14.0 + 4.0);
                        ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {e}"));
                    });
                }
                Some(Level::Loaded(children)) => {
                    for child in children.clone() {
                        if let Some(a) = self.node_ui(ui, &child, depth + 1, worker) {
                            action = Some(a);
                        }
                    }
                }
            }
        }
        action
    }
}

/// `demo.example` for `DC=demo,DC=example`; the DN itself when it has no DC parts.
fn domain_name(dn: &str) -> String {
    let dcs: Vec<String> = crate::directory::split_dn(dn)
        .into_iter()
        .filter_map(|r| {
            let (k, v) = r.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("dc")
                .then(|| v.trim().to_string())
        })
        .collect();
    if dcs.is_empty() {
        crate::directory::rdn_value(dn)
    } else {
        dcs.join(".")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn domain_names() {
        assert_eq!(super::domain_name("DC=demo,DC=example"), "demo.example");
        assert_eq!(super::domain_name("O=Acme"), "Acme");
    }
}
