//! Step 5: what the import will do, worked out once on the way in (its inputs change only on
//! the pages before), and — asked of the server once — which users the signed-in account may
//! not change: they are left out before anything is sent.

use super::ask;
use crate::data_folder::DataFolder;
use crate::directory::PhotoAttribute;
use crate::gui::worker::{Command, ReqId, Worker};
use crate::import::{Destination, Foreseen, Plan, PlanSummary};

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

/// What the Summary asks of the wizard.
#[derive(Debug, PartialEq)]
pub(super) enum SummaryAction {
    SaveList,
    SignInCloud,
    SaveSyncProfile,
}

#[derive(Default)]
pub(super) struct SummaryStep {
    plan: Option<Plan>,
    numbers: PlanSummary,
    rights: Rights,
    /// Where the photos go: AD, Microsoft 365 or both (AD until a person signs in).
    to: Destination,
    /// "Replace photos changed outside adphoto".
    overwrite_changed: bool,
    /// What the records of earlier imports say: asked once, with the rights.
    foreseen: Option<Foreseen>,
    foresee_request: Option<ReqId>,
}

impl SummaryStep {
    pub(super) fn new(plan: Option<Plan>) -> Self {
        let numbers = plan.as_ref().map(Plan::summary).unwrap_or_default();
        Self {
            plan,
            numbers,
            rights: Rights::NotAsked,
            to: Destination::Directory,
            overwrite_changed: false,
            foreseen: None,
            foresee_request: None,
        }
    }

    /// The records' answer ([`crate::import::foresee`]).
    pub(super) fn foreseen(&mut self, id: ReqId, found: Foreseen) {
        if self.foresee_request == Some(id) {
            self.foreseen = Some(found);
        }
    }

    pub(super) fn plan(&self) -> Option<&Plan> {
        self.plan.as_ref()
    }

    /// Where the person chose to send the photos, and whether photos changed outside adphoto
    /// are replaced (what [`Self::plan_to_run`] sets on the plan).
    pub(super) fn choices(&self) -> (Destination, bool) {
        (self.to, self.overwrite_changed)
    }

    /// The plan to run, sent where the person chose.
    pub(super) fn plan_to_run(&self) -> Option<Plan> {
        let mut plan = self.plan.clone()?;
        plan.to = self.to;
        plan.overwrite_changed = self.overwrite_changed;
        Some(plan)
    }

    /// "Write to:": AD, Microsoft 365 or both; the cloud choices once signed in (`cloud`: the
    /// tenant). Returns true when "Sign in to Microsoft 365…" was clicked.
    fn destination_ui(&mut self, ui: &mut egui::Ui, cloud: Option<&str>) -> bool {
        if cloud.is_none() {
            self.to = Destination::Directory;
        }
        let mut sign_in = false;
        ui.horizontal(|ui| {
            ui.label("Write to:");
            ui.radio_value(&mut self.to, Destination::Directory, "Active Directory");
            ui.add_enabled_ui(cloud.is_some(), |ui| {
                ui.radio_value(&mut self.to, Destination::Microsoft365, "Microsoft 365")
                    .on_disabled_hover_text("Sign in to Microsoft 365 first");
                ui.radio_value(&mut self.to, Destination::Both, "Both")
                    .on_disabled_hover_text("Sign in to Microsoft 365 first");
            });
        });
        match cloud {
            Some(tenant) => {
                ui.weak(format!(
                    "Signed in to Microsoft 365 ({tenant}): the same file and crop give a \
                     648×648 profile photo there; the old one is saved first."
                ));
            }
            None => {
                sign_in = ui
                    .button("Sign in to Microsoft 365…")
                    .on_hover_text("To write the profile photo Outlook and Teams show as well")
                    .clicked();
            }
        }
        sign_in
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

    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        worker: &Worker,
        data: &DataFolder,
        attribute: &PhotoAttribute,
        cloud: Option<&str>,
    ) -> Option<SummaryAction> {
        if self.plan.is_none() {
            ui.label("Nothing to import.");
            return None;
        }
        let sign_in = self.destination_ui(ui, cloud);
        ui.add_space(4.0);
        let Some(plan) = &self.plan else {
            return None;
        };
        if self.rights == Rights::NotAsked && !plan.items.is_empty() {
            self.rights = Rights::Asking(ask(worker, Command::PhotoRights(plan.who())));
            self.foresee_request = Some(ask(worker, Command::Foresee(Box::new(plan.clone()))));
        }
        let s = &self.numbers;
        ui.label(format!("{} photos to write", s.to_write));
        if let Some(f) = self
            .foreseen
            .filter(|f| f.up_to_date + f.changed_outside > 0)
        {
            if f.up_to_date > 0 {
                ui.label(format!(
                    "{} of them already have this very photo (from the last import): not \
                     written again",
                    f.up_to_date
                ));
            }
            if f.changed_outside > 0 {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "{} were changed outside adphoto since it wrote them: left as they \
                         are unless \"Replace photos changed outside adphoto\" is ticked",
                        f.changed_outside
                    ),
                );
            }
        }
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
        ui.checkbox(
            &mut self.overwrite_changed,
            "Replace photos changed outside adphoto",
        )
        .on_hover_text(
            "A photo someone changed in the directory since adphoto wrote it (by hand, another \
             tool or another computer) is left as it is unless this is ticked; Finish says who. \
             Users who already have this very photo are never written again.",
        );
        ui.add_space(6.0);
        let (save, save_sync) = ui
            .horizontal(|ui| {
                let save = ui
                    .button("Save list…")
                    .on_hover_text(
                        "Every user with the file to write, or why they are skipped (CSV)",
                    )
                    .clicked();
                let save_sync = ui
                    .button("Save as nightly sync…")
                    .on_hover_text(
                        "These choices as a profile for `adphoto sync`: every night it imports \
                         into this OU what is new or changed in the folder, and nothing else \
                         (never a password in the file)",
                    )
                    .clicked();
                (save, save_sync)
            })
            .inner;
        if save {
            Some(SummaryAction::SaveList)
        } else if save_sync {
            Some(SummaryAction::SaveSyncProfile)
        } else if sign_in {
            Some(SummaryAction::SignInCloud)
        } else {
            None
        }
    }
}
