//! Automatch: pairing photo files with users by a naming pattern.
//!
//! Every user's key is the pattern rendered for them ([`Pattern::render_stem`]) and normalised;
//! every file's key is its stem, normalised the same way ([`normalize`]). Files
//! and users are grouped by key in one hash map (one pass over the users, one over the files), so
//! the work grows linearly: no file is compared with every user.
//!
//! Per key:
//! * one file, one user → **matched**;
//! * files but no user → each file is **without match**;
//! * more than one file or more than one user → one **ambiguous** group with all of those files
//!   and users as candidates (two "John Doe"s; `jdoe.jpg` and `jdoe.png`). Nothing ambiguous is
//!   ever in `matched`; a person decides;
//! * users but no file → each user is **without file**, as is every user whose key cannot be
//!   rendered (an attribute the pattern reads is missing or blank).

use std::collections::HashMap;

use crate::directory::User;

use super::normalize;
use super::pattern::Pattern;
use super::scan::PhotoFile;

/// How names are compared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchOptions {
    /// `false` (default): ignore case, diacritics and spacing ([`normalize::fold`]).
    /// `true`: compare exactly after Unicode NFC ([`normalize::strict`]).
    pub strict: bool,
}

impl MatchOptions {
    /// The comparison key of a name under these options.
    pub fn key(&self, name: &str) -> String {
        if self.strict {
            normalize::strict(name)
        } else {
            normalize::fold(name)
        }
    }
}

/// A file paired with exactly one user. Both are indices into the slices given to [`automatch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Match {
    /// The file's index.
    pub file: usize,
    /// The user's index.
    pub user: usize,
}

/// Files and users that share one key, for a person to sort out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ambiguity {
    /// The normalised key they share.
    pub key: String,
    /// Indices into the files, in scan order.
    pub files: Vec<usize>,
    /// Indices into the users, in the order given.
    pub candidates: Vec<usize>,
}

/// The result groups of [`automatch`]; every file and every user is in exactly one of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchResult {
    /// In file order.
    pub matched: Vec<Match>,
    /// File indices, in file order.
    pub files_without_match: Vec<usize>,
    /// User indices, in user order (including those in `users_without_key`).
    pub users_without_file: Vec<usize>,
    /// The users without file whose key could not be rendered (an attribute the pattern reads is
    /// missing or blank), so that the wizard can say why.
    pub users_without_key: Vec<usize>,
    /// In the order of each group's first file.
    pub ambiguous: Vec<Ambiguity>,
}

impl MatchResult {
    /// The user a file was matched to, if any (linear; for tests and small lookups).
    pub fn user_of(&self, file: usize) -> Option<usize> {
        self.matched.iter().find(|m| m.file == file).map(|m| m.user)
    }
}

/// A key with its users and files. The first user is kept inline: most keys have one.
struct Group {
    first_user: Option<u32>,
    more_users: Vec<u32>,
    files: Vec<u32>,
}

/// Pairs `files` with `users` by `pattern`; see the module documentation.
pub fn automatch(
    files: &[PhotoFile],
    users: &[User],
    pattern: &Pattern,
    opts: &MatchOptions,
) -> MatchResult {
    let mut result = MatchResult::default();
    let mut index: HashMap<String, u32> = HashMap::with_capacity(users.len() + files.len());
    let mut groups: Vec<Group> = Vec::with_capacity(users.len());

    for (u, user) in users.iter().enumerate() {
        let key = pattern
            .render_stem(user)
            .map(|s| opts.key(&s))
            .filter(|k| !k.is_empty());
        let Some(key) = key else {
            result.users_without_key.push(u);
            continue;
        };
        match index.get(&key) {
            Some(&g) => groups[g as usize].more_users.push(u as u32),
            None => {
                index.insert(key, groups.len() as u32);
                groups.push(Group {
                    first_user: Some(u as u32),
                    more_users: Vec::new(),
                    files: Vec::new(),
                });
            }
        }
    }

    // Keys in the order their first file appears, for a stable, readable report.
    let mut file_groups: Vec<u32> = Vec::new();
    for (f, file) in files.iter().enumerate() {
        let key = opts.key(&file.stem);
        if key.is_empty() {
            result.files_without_match.push(f);
            continue;
        }
        let g = match index.get(&key) {
            Some(&g) => g,
            None => {
                let g = groups.len() as u32;
                index.insert(key, g);
                groups.push(Group {
                    first_user: None,
                    more_users: Vec::new(),
                    files: Vec::new(),
                });
                g
            }
        };
        let group = &mut groups[g as usize];
        if group.files.is_empty() {
            file_groups.push(g);
        }
        group.files.push(f as u32);
    }

    let mut users_with_file = vec![false; users.len()];
    let keys: Vec<&str> = if file_groups
        .iter()
        .any(|&g| is_ambiguous(&groups[g as usize]))
    {
        let mut keys = vec![""; groups.len()];
        for (k, &g) in &index {
            keys[g as usize] = k.as_str();
        }
        keys
    } else {
        Vec::new()
    };
    for &g in &file_groups {
        let group = &groups[g as usize];
        match group.first_user {
            None => result
                .files_without_match
                .extend(group.files.iter().map(|&f| f as usize)),
            Some(u) if group.more_users.is_empty() && group.files.len() == 1 => {
                users_with_file[u as usize] = true;
                result.matched.push(Match {
                    file: group.files[0] as usize,
                    user: u as usize,
                });
            }
            Some(u) => {
                let candidates: Vec<usize> = std::iter::once(u)
                    .chain(group.more_users.iter().copied())
                    .map(|u| u as usize)
                    .collect();
                for &c in &candidates {
                    users_with_file[c] = true;
                }
                result.ambiguous.push(Ambiguity {
                    key: keys[g as usize].to_string(),
                    files: group.files.iter().map(|&f| f as usize).collect(),
                    candidates,
                });
            }
        }
    }
    result.files_without_match.sort_unstable();
    result.users_without_file = users_with_file
        .iter()
        .enumerate()
        .filter(|(_, has)| !**has)
        .map(|(u, _)| u)
        .collect();
    result
}

fn is_ambiguous(g: &Group) -> bool {
    g.first_user.is_some() && (!g.more_users.is_empty() || g.files.len() > 1)
}

#[cfg(test)]
mod tests;
