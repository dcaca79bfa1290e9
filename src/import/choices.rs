//! What a person decides about Automatch's result, and the plan that follows from it.
//!
//! The wizard edits [`Choices`] (tick pairs, give files without match to users, settle
//! ambiguous cases, crop by hand); `adphoto import` takes Automatch's proposal as it is. Both
//! build their [`Plan`] here, with the one set of skip reasons in [`Skip`], so the same folder,
//! pattern and choices give the same report from the window and from the terminal.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::plan::{Plan, PlanItem};
use crate::directory::{PhotoAttribute, User};
use crate::matching::{Ambiguity, MatchResult, Pattern, PhotoFile};
use crate::photo::{CropRect, Target};

/// A file Automatch paired with one user; `on: false` once a person unticks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair {
    /// The file's index.
    pub file: usize,
    /// The user's index.
    pub user: usize,
    /// Ticked: the pair is to be written.
    pub on: bool,
}

/// A file without match, and the user a person gave it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unmatched {
    /// The file's index.
    pub file: usize,
    /// The user it was given to; `None`: nobody yet.
    pub assigned: Option<usize>,
}

/// An ambiguous case, with the file chosen for each of its candidates (or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The files and users that share a name.
    pub ambiguity: Ambiguity,
    /// One per candidate, in the order of `ambiguity.candidates`.
    pub choice: Vec<Option<usize>>,
}

/// A crop chosen on the canvas: the rectangle and extra clockwise quarter turns.
pub type ManualCrop = (CropRect, u8);

/// Why a user gets no photo. The report, the dry run and the window all say it in these words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// Matched, then unticked in the wizard.
    LeftOut,
    /// One of several users or files that share a name, and no file was chosen for this user.
    /// `files`: their names.
    Ambiguous {
        /// The candidate files' names.
        files: Vec<String>,
    },
    /// No file is named for this user.
    NoFile,
    /// The user lacks an attribute the pattern reads, so no file name can match them.
    NoKey {
        /// The attributes the pattern reads.
        attributes: String,
    },
    /// The matched file cannot be used (not a picture, cut short, damaged).
    Damaged {
        /// The file's name.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The signed-in account may not change this user's photo, as the server says.
    NoRight,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::LeftOut => f.write_str("left out in the wizard"),
            Skip::Ambiguous { files } => {
                write!(f, "ambiguous ({}): no file chosen", files.join(", "))
            }
            Skip::NoFile => f.write_str("no matching file"),
            Skip::NoKey { attributes } => {
                write!(f, "no matching file: no {attributes} in the directory")
            }
            Skip::Damaged { file, reason } => write!(f, "{file} cannot be used: {reason}"),
            Skip::NoRight => f.write_str(super::plan::NO_RIGHT),
        }
    }
}

/// Automatch's result as a person edits it. Indices point into the files and users Automatch
/// was given; they stay valid as long as those lists do.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Choices {
    pairs: Vec<Pair>,
    unmatched: Vec<Unmatched>,
    users_without_file: Vec<usize>,
    /// Of those, the users lacking an attribute the pattern reads (sorted).
    users_without_key: Vec<usize>,
    /// The attributes the pattern reads, for [`Skip::NoKey`].
    key_attributes: String,
    cases: Vec<Case>,
    crops: HashMap<(usize, usize), ManualCrop>,
    /// Files found unusable, with why: their pairs start unticked.
    damaged: HashMap<usize, String>,
}

impl Choices {
    /// Automatch's proposal: every pair ticked, nothing assigned, nothing chosen.
    pub fn new(result: MatchResult, pattern: &Pattern) -> Self {
        Self {
            pairs: result
                .matched
                .iter()
                .map(|m| Pair {
                    file: m.file,
                    user: m.user,
                    on: true,
                })
                .collect(),
            unmatched: result
                .files_without_match
                .iter()
                .map(|&file| Unmatched {
                    file,
                    assigned: None,
                })
                .collect(),
            users_without_file: result.users_without_file,
            users_without_key: result.users_without_key,
            key_attributes: pattern.attributes().join(", "),
            cases: result
                .ambiguous
                .into_iter()
                .map(|ambiguity| Case {
                    choice: vec![None; ambiguity.candidates.len()],
                    ambiguity,
                })
                .collect(),
            crops: HashMap::new(),
            damaged: HashMap::new(),
        }
    }

    /// File `file` cannot be used (`reason` in plain words): the pairs using it are unticked,
    /// and their users are skipped with that reason unless a person ticks them again. Once per
    /// file: a person's later tick is not undone.
    pub fn mark_damaged(&mut self, file: usize, reason: impl Into<String>) {
        if self.damaged.contains_key(&file) {
            return;
        }
        self.damaged.insert(file, reason.into());
        for p in self.pairs.iter_mut().filter(|p| p.file == file) {
            p.on = false;
        }
    }

    /// Why file `file` cannot be used, when it was found so.
    pub fn damage(&self, file: usize) -> Option<&str> {
        self.damaged.get(&file).map(String::as_str)
    }

    /// The pairs Automatch found, ticked or not.
    pub fn pairs(&self) -> &[Pair] {
        &self.pairs
    }

    /// The files no user's name matched.
    pub fn unmatched(&self) -> &[Unmatched] {
        &self.unmatched
    }

    /// The ambiguous cases, each with what was chosen.
    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// The users no file names (indices).
    pub fn users_without_file(&self) -> &[usize] {
        &self.users_without_file
    }

    /// Whether user `u` has no value for an attribute the pattern reads.
    pub fn lacks_key(&self, u: usize) -> bool {
        self.users_without_key.binary_search(&u).is_ok()
    }

    /// How many users without file lack an attribute the pattern reads.
    pub fn users_without_key(&self) -> usize {
        self.users_without_key.len()
    }

    /// The attributes the pattern reads, joined for a sentence ("givenName, sn").
    pub fn key_attributes(&self) -> &str {
        &self.key_attributes
    }

    /// Ticks or unticks pair `i`.
    pub fn include(&mut self, i: usize, on: bool) {
        if let Some(p) = self.pairs.get_mut(i) {
            p.on = on;
        }
    }

    /// Ticks or unticks every pair.
    pub fn include_all(&mut self, on: bool) {
        for p in &mut self.pairs {
            p.on = on;
        }
    }

    /// Gives file without match `i` to user `user` (one of [`Choices::free_users`]), or takes
    /// it back with `None`. A user who already has a file is refused: returns false.
    pub fn assign(&mut self, i: usize, user: Option<usize>) -> bool {
        if let Some(u) = user
            && !self.free_users().contains(&u)
        {
            return false;
        }
        match self.unmatched.get_mut(i) {
            Some(x) => {
                x.assigned = user;
                true
            }
            None => false,
        }
    }

    /// Chooses `file` (one of the case's files, or none) for candidate `c` of case `case`.
    pub fn choose(&mut self, case: usize, c: usize, file: Option<usize>) {
        if let Some(x) = self.cases.get_mut(case)
            && file.is_none_or(|f| x.ambiguity.files.contains(&f))
            && let Some(slot) = x.choice.get_mut(c)
        {
            *slot = file;
        }
    }

    /// The crop chosen by hand for `file` written to `user`.
    pub fn crop(&self, file: usize, user: usize) -> Option<ManualCrop> {
        self.crops.get(&(file, user)).copied()
    }

    /// Keeps the crop and turn a person chose for this pair on the crop canvas.
    pub fn set_crop(&mut self, file: usize, user: usize, crop: ManualCrop) {
        self.crops.insert((file, user), crop);
    }

    /// Files without match not given to anyone yet (the count on their tab).
    pub fn unassigned_files(&self) -> usize {
        self.unmatched
            .iter()
            .filter(|x| x.assigned.is_none())
            .count()
    }

    /// Ambiguous cases where no file has been chosen for anyone yet (the count on their tab).
    pub fn unsettled_cases(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| c.choice.iter().all(Option::is_none))
            .count()
    }

    /// Users without file who have not been given one yet.
    pub fn free_users(&self) -> Vec<usize> {
        let taken: HashSet<usize> = self.unmatched.iter().filter_map(|x| x.assigned).collect();
        self.users_without_file
            .iter()
            .copied()
            .filter(|u| !taken.contains(u))
            .collect()
    }

    /// (file, user) pairs that will be written: ticked pairs, then ambiguous choices, then
    /// assigned files.
    pub fn chosen(&self) -> Vec<(usize, usize)> {
        let ticked = self.pairs.iter().filter(|p| p.on).map(|p| (p.file, p.user));
        let settled = self.cases.iter().flat_map(|x| {
            x.ambiguity
                .candidates
                .iter()
                .zip(&x.choice)
                .filter_map(|(&u, f)| f.map(|f| (f, u)))
        });
        let assigned = self
            .unmatched
            .iter()
            .filter_map(|x| x.assigned.map(|u| (x.file, u)));
        ticked.chain(settled).chain(assigned).collect()
    }

    /// Files no user will get, in file order.
    pub fn unused_files(&self) -> Vec<usize> {
        let used: HashSet<usize> = self.chosen().iter().map(|&(f, _)| f).collect();
        let mut all: Vec<usize> = self
            .pairs
            .iter()
            .map(|p| p.file)
            .chain(self.unmatched.iter().map(|x| x.file))
            .chain(
                self.cases
                    .iter()
                    .flat_map(|x| x.ambiguity.files.iter().copied()),
            )
            .filter(|f| !used.contains(f))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Why user `u` gets no photo, or `None` when a file is chosen for them.
    pub fn skip_reason(&self, u: usize, files: &[PhotoFile]) -> Option<Skip> {
        if self.chosen().iter().any(|&(_, cu)| cu == u) {
            return None;
        }
        Some(self.reason_unchosen(u, files))
    }

    fn reason_unchosen(&self, u: usize, files: &[PhotoFile]) -> Skip {
        if let Some(p) = self.pairs.iter().find(|p| p.user == u) {
            return match self.damaged.get(&p.file) {
                Some(reason) => Skip::Damaged {
                    file: files
                        .get(p.file)
                        .and_then(|f| f.path.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    reason: reason.clone(),
                },
                None => Skip::LeftOut,
            };
        }
        if let Some(x) = self
            .cases
            .iter()
            .find(|x| x.ambiguity.candidates.contains(&u))
        {
            return Skip::Ambiguous {
                files: x
                    .ambiguity
                    .files
                    .iter()
                    .filter_map(|&f| files.get(f)?.path.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .collect(),
            };
        }
        if self.lacks_key(u) {
            return Skip::NoKey {
                attributes: self.key_attributes.clone(),
            };
        }
        Skip::NoFile
    }

    /// The plan for these choices: a photo for each chosen pair, every other user skipped with
    /// its [`Skip`] reason. Both lists are sorted by name (then DN), so the report reads the
    /// same whatever order the users were listed in.
    pub fn plan(
        &self,
        users: &[User],
        files: &[PhotoFile],
        target: Target,
        attribute: PhotoAttribute,
    ) -> Plan {
        let chosen = self.chosen();
        let with_file: HashSet<usize> = chosen.iter().map(|&(_, u)| u).collect();
        let mut items: Vec<PlanItem> = chosen
            .iter()
            .filter_map(|&(f, u)| {
                let manual = self.crop(f, u);
                Some(PlanItem {
                    user: users.get(u)?.clone(),
                    file: files.get(f)?.path.clone(),
                    crop: manual.map(|m| m.0),
                    rotate_quarter_turns: manual.map_or(0, |m| m.1),
                    encoded: None,
                })
            })
            .collect();
        let mut skipped: Vec<(User, Skip)> = (0..users.len())
            .filter(|u| !with_file.contains(u))
            .map(|u| (users[u].clone(), self.reason_unchosen(u, files)))
            .collect();
        let key = |u: &User| (crate::matching::normalize::fold(&u.label()), u.dn.clone());
        items.sort_by_cached_key(|i| (key(&i.user), i.file.clone()));
        skipped.sort_by_cached_key(|(u, _)| key(u));
        let mut plan = Plan::new(items, target, attribute);
        plan.skipped = skipped;
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{MatchOptions, automatch};

    fn user(sam: &str, given: &str, sn: &str) -> User {
        User {
            display_name: Some(format!("{given} {sn}")),
            ..User::sample(sam, given, sn)
        }
    }

    /// Users: Anna Berg, John Doe ×2, Zoë Brontë, Nils (no sn), Pia Lund. Files: anna.berg,
    /// john.doe, zoe.bronte.png and .jpg (two files, one user), stranger.
    fn fixture() -> (Vec<User>, Vec<PhotoFile>, Choices) {
        let mut nils = user("nils", "Nils", "");
        nils.sn = None;
        let users = vec![
            user("aberg", "Anna", "Berg"),
            user("jdoe", "John", "Doe"),
            user("jdoe2", "John", "Doe"),
            user("zbronte", "Zoë", "Brontë"),
            nils,
            user("plund", "Pia", "Lund"),
        ];
        let files: Vec<PhotoFile> = [
            "anna.berg.jpg",
            "john.doe.jpg",
            "zoe.bronte.png",
            "zoe.bronte.jpg",
            "stranger.jpg",
        ]
        .iter()
        .map(|n| PhotoFile::from_path(format!("/photos/{n}")))
        .collect();
        let pattern = Pattern::parse("{givenName}.{sn}").unwrap();
        let result = automatch(&files, &users, &pattern, &MatchOptions::default());
        let choices = Choices::new(result, &pattern);
        (users, files, choices)
    }

    fn reasons(plan: &Plan) -> Vec<(String, String)> {
        plan.skipped
            .iter()
            .map(|(u, why)| (u.sam_account_name.clone().unwrap(), why.to_string()))
            .collect()
    }

    fn written(plan: &Plan) -> Vec<(String, String)> {
        plan.items
            .iter()
            .map(|i| {
                (
                    i.user.sam_account_name.clone().unwrap(),
                    i.file.file_name().unwrap().to_string_lossy().into_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn automatchs_proposal_writes_only_the_sure_pairs_and_says_why_for_everyone_else() {
        let (users, files, c) = fixture();
        let plan = c.plan(&users, &files, Target::outlook(), PhotoAttribute::default());
        assert_eq!(
            written(&plan),
            [("aberg".to_string(), "anna.berg.jpg".to_string())]
        );
        let r = reasons(&plan);
        assert_eq!(r.len(), 5, "{r:?}");
        // Sorted by name, then DN: John Doe ×2, Nils, Pia Lund, Zoë Brontë.
        let order: Vec<&str> = r.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(order, ["jdoe", "jdoe2", "nils", "plund", "zbronte"]);
        assert_eq!(r[0].1, "ambiguous (john.doe.jpg): no file chosen");
        assert_eq!(
            r[2].1,
            "no matching file: no givenName, sn in the directory"
        );
        assert_eq!(r[3].1, "no matching file");
        assert_eq!(
            r[4].1,
            "ambiguous (zoe.bronte.png, zoe.bronte.jpg): no file chosen"
        );
        assert_eq!(c.unused_files().len(), 4, "all but anna.berg");
    }

    #[test]
    fn ticks_assignments_and_settled_cases_make_the_plan() {
        let (users, files, mut c) = fixture();
        // Untick Anna: left out, and her file is unused.
        c.include(0, false);
        // Give "stranger.jpg" to Pia (free), then try to give it to Pia twice via another file.
        let stranger = c.unmatched().iter().position(|x| x.file == 4).unwrap();
        assert!(c.free_users().contains(&5));
        assert!(c.assign(stranger, Some(5)));
        assert!(!c.free_users().contains(&5));
        // John Doe (the second) gets john.doe.jpg; Zoë gets the .jpg.
        let john = c
            .cases()
            .iter()
            .position(|x| x.ambiguity.candidates.contains(&1))
            .unwrap();
        let zoe = 1 - john;
        c.choose(john, 1, Some(1));
        c.choose(zoe, 0, Some(3));
        // A file from another case is refused.
        c.choose(zoe, 0, Some(0));
        c.set_crop(3, 3, (CropRect::new(1, 2, 30, 30), 1));
        let plan = c.plan(&users, &files, Target::outlook(), PhotoAttribute::default());
        assert_eq!(
            written(&plan),
            [
                ("jdoe2".to_string(), "john.doe.jpg".to_string()),
                ("plund".to_string(), "stranger.jpg".to_string()),
                ("zbronte".to_string(), "zoe.bronte.jpg".to_string()),
            ]
        );
        let zoe_item = &plan.items[2];
        assert_eq!(zoe_item.crop, Some(CropRect::new(1, 2, 30, 30)));
        assert_eq!(zoe_item.rotate_quarter_turns, 1);
        let r = reasons(&plan);
        assert_eq!(r[0], ("aberg".into(), "left out in the wizard".into()));
        assert_eq!(r[1].0, "jdoe");
        assert!(r[1].1.starts_with("ambiguous"));
        assert_eq!(r[2].0, "nils");
        assert_eq!(r.len(), 3);
        assert_eq!(plan.summary().to_write, 3);
        // Unassigning frees Pia again; unused files now: anna.berg, zoe.bronte.png, stranger.
        assert!(c.assign(stranger, None));
        assert!(c.free_users().contains(&5));
        assert_eq!(c.unused_files(), [0, 2, 4]);
        c.include_all(true);
        assert_eq!(c.unused_files(), [2, 4]);
    }

    #[test]
    fn a_damaged_file_is_left_out_with_its_reason_until_ticked_again() {
        let (users, files, mut c) = fixture();
        // anna.berg.jpg (file 0) turns out not to be a picture.
        c.mark_damaged(0, "not a picture");
        assert_eq!(c.damage(0), Some("not a picture"));
        let plan = c.plan(&users, &files, Target::outlook(), PhotoAttribute::default());
        let r = reasons(&plan);
        assert_eq!(
            r[0],
            (
                "aberg".into(),
                "anna.berg.jpg cannot be used: not a picture".into()
            )
        );
        // A person who ticks it again is not overruled by a second report.
        let i = c.pairs().iter().position(|p| p.file == 0).unwrap();
        c.include(i, true);
        c.mark_damaged(0, "not a picture");
        assert!(c.pairs()[i].on);
    }

    #[test]
    fn the_plan_does_not_depend_on_the_order_users_were_listed_in() {
        let (users, files, _) = fixture();
        let pattern = Pattern::parse("{givenName}.{sn}").unwrap();
        let mut reversed = users.clone();
        reversed.reverse();
        let plan = |users: &[User]| {
            let r = automatch(&files, users, &pattern, &MatchOptions::default());
            let p = Choices::new(r, &pattern).plan(
                users,
                &files,
                Target::outlook(),
                PhotoAttribute::default(),
            );
            (written(&p), reasons(&p))
        };
        assert_eq!(plan(&users), plan(&reversed));
    }
}
