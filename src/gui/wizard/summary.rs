//! Step 5: what the import will do, worked out once on the way in (its inputs change only on
//! the pages before), and — asked of the server once — which users the signed-in account may
//! not change: they are left out before anything is sent.

use super::ask;
use crate::data_folder::DataFolder;
use crate::directory::PhotoAttribute;
use crate::gui::worker::{Command, ReqId, Worker};
use crate::import::{Plan, PlanSummary};

/// Where the rights check stands.
#[derive(Debug, Default, PartialEq)]
enum Rights {
    #[default]
    NotAsked,
    Asking(ReqId),
    /// The server answered: this many users left out.
    Checked(usize),
    /// It could not be asked: the import goes on and the server refuses what it must.
    Failed(String),
}

#[derive(Default)]
pub(super) struct SummaryStep {
    plan: Option<Plan>,
    numbers: PlanSummary,
    rights: Rights,
}

impl SummaryStep {
    pub(super) fn new(plan: Option<Plan>) -> Self {
        let numbers = plan.as_ref().map(Plan::summary).unwrap_or_default();
        Self {
            plan,
            numbers,
            rights: Rights::NotAsked,
        }
    }

    pub(super) fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    /// The import may start: the rights are known (or could not be asked).
    pub(super) fn ready(&self) -> bool {
        !matches!(self.rights, Rights::NotAsked | Rights::Asking(_))
            || self.plan.as_ref().is_none_or(|p| p.items.is_empty())
    }

    /// The server's answer to the rights check: users it says may not be changed move to the
    /// skipped list (the engine's rule, [`Plan::leave_out_unwritable`]).
    pub(super) fn rights_arrived(&mut self, id: ReqId, result: Result<Vec<Option<bool>>, String>) {
        if self.rights != Rights::Asking(id) {
            return;
        }
        self.rights = match (result, self.plan.as_mut()) {
            (Ok(rights), Some(plan)) => {
                let n = plan.leave_out_unwritable(&rights);
                self.numbers = plan.summary();
                Rights::Checked(n)
            }
            (Ok(_), None) => Rights::Checked(0),
            (Err(e), _) => Rights::Failed(e),
        };
    }

    /// Returns true when "Save list…" was clicked.
    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        data: &DataFolder,
        attribute: &PhotoAttribute,
    ) -> bool {
        let Some(plan) = &self.plan else {
            ui.label("Nothing to import.");
            return false;
        };
        if self.rights == Rights::NotAsked && !plan.items.is_empty() {
            self.rights = Rights::Asking(ask(worker, Command::PhotoRights(plan.who())));
        }
        let s = &self.numbers;
        ui.label(format!("{} photos to write", s.to_write));
        ui.label(format!(
            "{} replace an existing photo (the old one is saved first, in {})",
            s.replacing,
            data.backups().display()
        ));
        ui.label(format!("{} users skipped", s.skipped));
        match &self.rights {
            Rights::Asking(_) => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Checking with the server which users your account may change…");
                });
            }
            Rights::Checked(0) | Rights::NotAsked => {}
            Rights::Checked(n) => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "{n} users you may not change: left out (your account has no right \
                         to their photo; see Save list…)"
                    ),
                );
            }
            Rights::Failed(e) => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "Your rights could not be checked ({e}); the server will refuse \
                         what you may not change, and nothing is lost."
                    ),
                );
            }
        }
        ui.label(format!("Attribute: {}", attribute.name()));
        ui.add_space(6.0);
        ui.button("Save list…")
            .on_hover_text("Every user with the file to write, or why they are skipped (CSV)")
            .clicked()
    }
}
