//! Step 5: what the import will do, worked out once on the way in (its inputs change only on
//! the pages before).

use crate::data_folder::DataFolder;
use crate::directory::PhotoAttribute;
use crate::import::{Plan, PlanSummary};

#[derive(Default)]
pub(super) struct SummaryStep {
    plan: Option<Plan>,
    numbers: PlanSummary,
}

impl SummaryStep {
    pub(super) fn new(plan: Option<Plan>) -> Self {
        let numbers = plan.as_ref().map(Plan::summary).unwrap_or_default();
        Self { plan, numbers }
    }

    pub(super) fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    /// Returns true when "Save list…" was clicked.
    pub(super) fn ui(
        &self,
        ui: &mut egui::Ui,
        data: &DataFolder,
        attribute: &PhotoAttribute,
    ) -> bool {
        if self.plan.is_none() {
            ui.label("Nothing to import.");
            return false;
        }
        let s = &self.numbers;
        ui.label(format!("{} photos to write", s.to_write));
        ui.label(format!(
            "{} replace an existing photo (the old one is saved first, in {})",
            s.replacing,
            data.backups().display()
        ));
        ui.label(format!("{} users skipped", s.skipped));
        ui.label(format!("Attribute: {}", attribute.name()));
        ui.add_space(6.0);
        ui.button("Save list…")
            .on_hover_text("Every user with the file to write, or why they are skipped (CSV)")
            .clicked()
    }
}
