//! Patterns that find themselves: every preset and every attribute combination the users'
//! data allows is tried with [`automatch`] itself, so the counts are exactly what Automatch
//! will show for the pattern chosen.
//!
//! Candidates, in this order (which also breaks ties): the [`PRESETS`]; every other attribute
//! the directory reads for users (and any extra attribute the users carry) on its own; first
//! and last name joined by `.`, ` `, `_`, `-`, `, ` or nothing, in both orders. A candidate
//! reading an attribute none of the users has is not tried. Suggestions are those that match
//! at least one file (or leave one ambiguous), best first: most files matched, then fewest
//! ambiguous groups, then candidate order.

use rayon::prelude::*;

use crate::directory::{USER_ATTRIBUTES, User};

use super::automatch::{MatchOptions, automatch};
use super::pattern::{PRESETS, Pattern};
use super::scan::PhotoFile;

/// One pattern tried on the folder, with what Automatch made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The pattern tried.
    pub pattern: Pattern,
    /// A person's name for it: the preset's label, or one made up (`First-Last (John-Doe)`).
    pub label: String,
    /// Files paired with exactly one user.
    pub matched: usize,
    /// Ambiguous groups (as Automatch's Ambiguous tab counts them).
    pub ambiguous: usize,
}

/// Separators tried between first and last name, with how a label shows them.
const NAME_SEPARATORS: &[&str] = &[".", " ", "_", "-", ", ", ""];

/// Attributes never worth a suggestion (not names anyone files photos by).
const NOT_NAMES: &[&str] = &["objectGUID"];

/// Every pattern worth trying for `users`, with its label, in tie-breaking order, without
/// duplicates (by their written form) and without those reading an attribute no user has.
pub fn candidates(users: &[User]) -> Vec<(Pattern, String)> {
    let mut out: Vec<(Pattern, String)> = Vec::new();
    let mut push = |text: String, label: String| {
        let Ok(p) = Pattern::parse_for(&text, users) else {
            return;
        };
        if users.is_empty() {
            return;
        }
        let written = p.to_string();
        if !out
            .iter()
            .any(|(q, _)| q.to_string().eq_ignore_ascii_case(&written))
        {
            out.push((p, label));
        }
    };
    for (label, text) in PRESETS {
        push((*text).to_string(), (*label).to_string());
    }
    let mut attributes: Vec<String> = USER_ATTRIBUTES
        .iter()
        .filter(|a| !NOT_NAMES.contains(*a))
        .map(|a| a.to_string())
        .collect();
    for u in users.iter().take(200) {
        for k in u.extra.keys() {
            if !attributes.iter().any(|a| a.eq_ignore_ascii_case(k)) {
                attributes.push(k.clone());
            }
        }
    }
    for a in &attributes {
        push(format!("{{{a}}}"), format!("{a} attribute"));
    }
    for (first, second, l1, l2, e1, e2) in [
        ("givenName", "sn", "First", "Last", "John", "Doe"),
        ("sn", "givenName", "Last", "First", "Doe", "John"),
    ] {
        for sep in NAME_SEPARATORS {
            push(
                format!("{{{first}}}{sep}{{{second}}}"),
                format!("{l1}{sep}{l2} ({e1}{sep}{e2})"),
            );
        }
    }
    out
}

/// The patterns that match files of `files` to `users`, best first (see the module
/// documentation); empty when none matches anything. Each count is [`automatch`]'s own.
pub fn suggest_patterns(
    files: &[PhotoFile],
    users: &[User],
    opts: &MatchOptions,
) -> Vec<Suggestion> {
    if files.is_empty() || users.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<Suggestion> = candidates(users)
        .into_par_iter()
        .map(|(pattern, label)| {
            let r = automatch(files, users, &pattern, opts);
            Suggestion {
                pattern,
                label,
                matched: r.matched.len(),
                ambiguous: r.ambiguous.len(),
            }
        })
        .filter(|s| s.matched > 0 || s.ambiguous > 0)
        .collect();
    // Stable: equal counts keep the candidates' order.
    out.sort_by(|a, b| {
        b.matched
            .cmp(&a.matched)
            .then(a.ambiguous.cmp(&b.ambiguous))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(i: usize, given: &str, sn: &str) -> User {
        let mut u = User::sample(&format!("user{i}"), given, sn);
        u.employee_id = Some(format!("E{:05}", 1000 + i));
        u.mail = Some(format!(
            "{}.{}@example.test",
            given.to_lowercase(),
            sn.to_lowercase()
        ));
        u
    }

    fn staff() -> Vec<User> {
        let names = [
            ("John", "Doe"),
            ("Jane", "Roe"),
            ("Anna", "Berg"),
            ("Olof", "Lindqvist"),
            ("José", "García"),
        ];
        names
            .iter()
            .enumerate()
            .map(|(i, (g, s))| user(i, g, s))
            .collect()
    }

    fn files(names: &[String]) -> Vec<PhotoFile> {
        names.iter().map(PhotoFile::from_path).collect()
    }

    #[test]
    fn a_folder_named_by_employee_id_suggests_employee_id() {
        let users = staff();
        let mut names: Vec<String> = users
            .iter()
            .take(4)
            .map(|u| format!("{}.jpg", u.employee_id.as_deref().unwrap()))
            .collect();
        names.push("group-photo.jpg".into());
        let s = suggest_patterns(&files(&names), &users, &MatchOptions::default());
        assert_eq!(s[0].pattern.to_string(), "{employeeID}");
        assert_eq!(s[0].label, "Employee ID (10042)");
        assert_eq!((s[0].matched, s[0].ambiguous), (4, 0));
        assert_eq!(s.len(), 1, "{s:?}");
    }

    #[test]
    fn names_in_any_separator_and_order_are_found() {
        let users = staff();
        let names: Vec<String> = [
            "Doe-John.jpg",
            "Roe-Jane.png",
            "Garcia-Jose.jpg",
            "jdoe.jpg",
        ]
        .map(String::from)
        .to_vec();
        let s = suggest_patterns(&files(&names), &users, &MatchOptions::default());
        assert_eq!(s[0].pattern.to_string(), "{sn}-{givenName}");
        assert_eq!(s[0].label, "Last-First (Doe-John)");
        assert_eq!(s[0].matched, 3);
        // The counts are Automatch's own.
        let r = automatch(
            &files(&names),
            &users,
            &s[0].pattern,
            &MatchOptions::default(),
        );
        assert_eq!(r.matched.len(), s[0].matched);
    }

    #[test]
    fn nothing_matches_gives_no_suggestion() {
        let users = staff();
        let names: Vec<String> = vec!["IMG_0001.jpg".into(), "IMG_0002.jpg".into()];
        assert!(suggest_patterns(&files(&names), &users, &MatchOptions::default()).is_empty());
        assert!(suggest_patterns(&[], &users, &MatchOptions::default()).is_empty());
        assert!(suggest_patterns(&files(&names), &[], &MatchOptions::default()).is_empty());
    }

    #[test]
    fn a_tie_keeps_the_candidates_order_and_fewer_ambiguous_wins() {
        // employeeID and employeeNumber hold the same values: both match all files; the
        // preset listed first comes first.
        let mut users = staff();
        for u in &mut users {
            let id = u.employee_id.clone().unwrap();
            u.set_attr("employeeNumber", id);
        }
        let names: Vec<String> = users
            .iter()
            .map(|u| format!("{}.jpg", u.employee_id.as_deref().unwrap()))
            .collect();
        let s = suggest_patterns(&files(&names), &users, &MatchOptions::default());
        let top: Vec<(String, usize)> = s
            .iter()
            .map(|s| (s.pattern.to_string(), s.matched))
            .collect();
        assert_eq!(
            top,
            [
                ("{employeeID}".to_string(), 5),
                ("{employeeNumber}".to_string(), 5)
            ]
        );

        // Two John Does by first name: {givenName} leaves them ambiguous, {sAMAccountName}
        // matches the same number of files without.
        let mut users = staff();
        users.push(user(9, "John", "Smith"));
        let names: Vec<String> = vec!["John.jpg".into(), "user1.jpg".into(), "user2.jpg".into()];
        let s = suggest_patterns(&files(&names), &users, &MatchOptions::default());
        assert_eq!(s[0].pattern.to_string(), "{sAMAccountName}");
        assert_eq!((s[0].matched, s[0].ambiguous), (2, 0));
        let given = s
            .iter()
            .find(|s| s.pattern.to_string() == "{givenName}")
            .unwrap();
        assert_eq!((given.matched, given.ambiguous), (0, 1));
    }

    #[test]
    fn candidates_skip_attributes_nobody_has_and_duplicates() {
        let users = staff();
        let c = candidates(&users);
        let texts: Vec<String> = c.iter().map(|(p, _)| p.to_string()).collect();
        assert!(!texts.iter().any(|t| t == "{employeeNumber}"), "{texts:?}");
        assert!(!texts.iter().any(|t| t == "{objectGUID}"));
        let mut dedup = texts.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), texts.len());
        assert_eq!(texts[0], "{sAMAccountName}");
        assert!(texts.contains(&"{sn}{givenName}".to_string()));
    }

    /// 2,000 users × 2,000 files, as the wizard runs it. Optimised: `CARGO_PROFILE_DEV_OPT_LEVEL=3
    /// CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false cargo test --lib suggest_speed -- --ignored
    /// --nocapture` (12–25 ms for 23 candidates on 2 busy cores; about 130 ms unoptimised).
    #[test]
    #[ignore = "timing: run on demand"]
    fn suggest_speed() {
        // Every attribute the directory reads filled in: the most candidates there can be.
        let users: Vec<User> = (0..2000)
            .map(|i| {
                let mut u = user(i, &format!("Given{i}"), &format!("Family{}", i % 1500));
                u.user_principal_name = Some(format!("user{i}@example.test"));
                u.display_name = Some(format!("Given{i} Family{}", i % 1500));
                u.department = Some(format!("Dept{}", i % 20));
                u.title = Some("Clerk".into());
                u.set_attr("employeeNumber", format!("{}", 5000 + i));
                u.set_attr("cn", format!("Given{i} Family{}", i % 1500));
                u
            })
            .collect();
        let names: Vec<String> = users
            .iter()
            .map(|u| format!("{}.jpg", u.employee_id.as_deref().unwrap()))
            .collect();
        let files = files(&names);
        let start = std::time::Instant::now();
        let s = suggest_patterns(&files, &users, &MatchOptions::default());
        let took = start.elapsed();
        println!(
            "suggest_patterns: {} candidates, 2000 users x 2000 files in {took:?}",
            candidates(&users).len()
        );
        assert_eq!(s[0].matched, 2000);
    }
}
