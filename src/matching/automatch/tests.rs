//! Automatch on hand-made cases and properties (renaming never changes the match).
use super::*;
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

fn user(sam: &str, given: &str, sn: &str) -> User {
    User::sample(sam, given, sn)
}

fn files(names: &[&str]) -> Vec<PhotoFile> {
    names.iter().map(|n| PhotoFile::from_path(*n)).collect()
}

fn run(names: &[&str], users: &[User], pattern: &str, strict: bool) -> MatchResult {
    automatch(
        &files(names),
        users,
        &Pattern::parse(pattern).unwrap(),
        &MatchOptions { strict },
    )
}

#[test]
fn simple_groups() {
    let users = [
        user("jdoe", "John", "Doe"),
        user("jroe", "Jane", "Roe"),
        user("nobody", "No", "Photo"),
    ];
    let r = run(
        &["jdoe.jpg", "JROE.PNG", "stranger.jpg"],
        &users,
        "{sAMAccountName}",
        false,
    );
    assert_eq!(
        r.matched,
        [Match { file: 0, user: 0 }, Match { file: 1, user: 1 }]
    );
    assert_eq!(r.files_without_match, [2]);
    assert_eq!(r.users_without_file, [2]);
    assert!(r.users_without_key.is_empty());
    assert!(r.ambiguous.is_empty());
}

#[test]
fn diacritics_insensitive_by_default_and_strict_is_exact() {
    let users = [user("jgarcia", "José", "García")];
    let r = run(&["Jose.Garcia.jpg"], &users, "{givenName}.{sn}", false);
    assert_eq!(r.matched, [Match { file: 0, user: 0 }]);
    let r = run(&["jose.garcia.jpg"], &users, "{givenName}.{sn}", true);
    assert!(r.matched.is_empty());
    assert_eq!(r.files_without_match, [0]);
    assert_eq!(r.users_without_file, [0]);
    let r = run(&["Jose.Garcia.jpg"], &users, "{givenName}.{sn}", true);
    assert!(r.matched.is_empty());
    // Strict still composes: a macOS (NFD) name is the same name.
    let nfd: String = "José.García".nfd().collect();
    let r = run(&[&format!("{nfd}.jpg")], &users, "{givenName}.{sn}", true);
    assert_eq!(r.matched, [Match { file: 0, user: 0 }]);
    let r = run(&["José.García.jpg"], &users, "{givenName}.{sn}", true);
    assert_eq!(r.matched, [Match { file: 0, user: 0 }]);
}

#[test]
fn two_john_does_are_ambiguous() {
    let users = [
        user("jdoe", "John", "Doe"),
        user("jdoe2", "John", "Doe"),
        user("jroe", "Jane", "Roe"),
    ];
    let r = run(
        &["John Doe.jpg", "Jane Roe.jpg"],
        &users,
        "{givenName} {sn}",
        false,
    );
    assert_eq!(r.matched, [Match { file: 1, user: 2 }]);
    assert_eq!(
        r.ambiguous,
        [Ambiguity {
            key: "john doe".into(),
            files: vec![0],
            candidates: vec![0, 1]
        }]
    );
    assert!(r.users_without_file.is_empty());
    assert!(r.files_without_match.is_empty());
}

#[test]
fn two_files_for_one_user_are_ambiguous() {
    let users = [user("jdoe", "John", "Doe")];
    for names in [&["jdoe.jpg", "jdoe.png"][..], &["jdoe.jpg", "Jdoe.JPG"][..]] {
        let r = run(names, &users, "{sAMAccountName}", false);
        assert!(r.matched.is_empty());
        assert_eq!(r.ambiguous.len(), 1);
        assert_eq!(r.ambiguous[0].files, [0, 1]);
        assert_eq!(r.ambiguous[0].candidates, [0]);
        assert!(r.users_without_file.is_empty());
    }
    // In strict mode jdoe.jpg and Jdoe.JPG are different names: one matches, one does not.
    let r = run(&["jdoe.jpg", "Jdoe.JPG"], &users, "{sAMAccountName}", true);
    assert_eq!(r.matched, [Match { file: 0, user: 0 }]);
    assert_eq!(r.files_without_match, [1]);
}

#[test]
fn same_names_in_subfolders_are_ambiguous() {
    let users = [user("jdoe", "John", "Doe")];
    let r = run(
        &["a/jdoe.jpg", "b/jdoe.jpg"],
        &users,
        "{sAMAccountName}",
        false,
    );
    assert_eq!(r.ambiguous[0].files, [0, 1]);
}

#[test]
fn users_whose_key_cannot_be_rendered_are_without_file() {
    let mut users = vec![user("jdoe", "John", "Doe"), user("svc", "", "")];
    users[1].given_name = None;
    users.push(User {
        dn: "CN=x".into(),
        employee_id: Some("7".into()),
        ..Default::default()
    });
    let r = run(&["John.Doe.jpg"], &users, "{givenName}.{sn}", false);
    assert_eq!(r.matched, [Match { file: 0, user: 0 }]);
    assert_eq!(r.users_without_file, [1, 2]);
    assert_eq!(r.users_without_key, [1, 2]);
}

#[test]
fn spacing_and_trailing_dots_are_forgiven() {
    let mut u = user("jdoe", "John", "Doe");
    u.display_name = Some("Doe, John Jr.".into());
    let users = [u];
    let r = run(&["doe,  john jr.jpg"], &users, "{displayName}", false);
    assert_eq!(r.matched, [Match { file: 0, user: 0 }]);
    let r = run(&["Doe, John Jr..jpg"], &users, "{displayName}", true);
    assert_eq!(r.matched, [Match { file: 0, user: 0 }]);
}

#[test]
fn forbidden_file_name_characters_match_their_replacement() {
    let mut u = user("jdoe", "John", "Doe");
    u.display_name = Some("Doe/Smith".into());
    let users = [u];
    for strict in [false, true] {
        let r = run(&["Doe_Smith.jpg"], &users, "{displayName}", strict);
        assert_eq!(r.matched, [Match { file: 0, user: 0 }]);
    }
}

#[test]
fn every_file_and_user_is_in_exactly_one_group() {
    let users = [
        user("a", "A", "X"),
        user("b", "B", "X"),
        user("b2", "B", "X"),
        user("c", "C", "X"),
    ];
    let names = [
        "A X.jpg", "B X.jpg", "c x.png", "C X.gif", "D X.jpg", " .jpg",
    ];
    let r = run(&names, &users, "{givenName} {sn}", false);
    let mut seen_files: Vec<usize> = r.matched.iter().map(|m| m.file).collect();
    seen_files.extend(&r.files_without_match);
    r.ambiguous.iter().for_each(|a| seen_files.extend(&a.files));
    seen_files.sort();
    assert_eq!(seen_files, (0..names.len()).collect::<Vec<_>>());
    let mut seen_users: Vec<usize> = r.matched.iter().map(|m| m.user).collect();
    seen_users.extend(&r.users_without_file);
    r.ambiguous
        .iter()
        .for_each(|a| seen_users.extend(&a.candidates));
    seen_users.sort();
    assert_eq!(seen_users, (0..users.len()).collect::<Vec<_>>());
    assert_eq!(r.files_without_match, [4, 5]);
}

#[test]
fn example_names_written_to_disk_are_found_again() {
    let tmp = tempfile::tempdir().unwrap();
    let mut users = vec![
        user("jdoe", "John", "Doe"),
        user("jgarcia", "José", "García"),
        user("lnowak", "Łukasz", "Nowak"),
        user("ss", "Søren", "Strauß"),
    ];
    users[0].display_name = Some("Doe/Smith, John: \"Jr.\"".into());
    users[1].display_name = Some("José García".into());
    users[2].display_name = Some("Łukasz Nowak".into());
    users[3].display_name = Some("Søren Strauß".into());
    for pattern in PRESETS_USED {
        let p = Pattern::parse(pattern).unwrap();
        let dir = tmp.path().join(pattern.replace(['{', '}'], ""));
        std::fs::create_dir(&dir).unwrap();
        for u in &users {
            let name = super::super::example_file_name(&p, u).unwrap();
            std::fs::write(dir.join(name), b"").unwrap();
        }
        let scan = super::super::scan_folder(&dir, false).unwrap();
        assert_eq!(scan.files.len(), users.len(), "{pattern}");
        for strict in [false, true] {
            let r = automatch(&scan.files, &users, &p, &MatchOptions { strict });
            assert_eq!(
                r.matched.len(),
                users.len(),
                "{pattern} strict={strict}: {r:?}"
            );
        }
    }
}

const PRESETS_USED: &[&str] = &[
    "{sAMAccountName}",
    "{givenName}.{sn}",
    "{sn}, {givenName}",
    "{displayName}",
];

// ---- properties ----

const NAME_POOL: &[&str] = &[
    "José",
    "Jose",
    "Zoë",
    "Łukasz",
    "Søren",
    "Strauß",
    "Müller",
    "Anna",
    "Ångström",
    "Çelik",
    "Nguyễn",
    "Dvořák",
    "Ólafsdóttir",
    "Smith",
    "O'Brien",
    "Anne-Marie",
    "Ελένη",
    "Дмитрий",
    "李",
    "van der Berg",
];

fn arb_user() -> impl Strategy<Value = User> {
    (
        0..NAME_POOL.len(),
        0..NAME_POOL.len(),
        "[a-z]{1,3}[0-9]{0,2}",
        proptest::option::weighted(0.9, "[0-9]{1,4}"),
    )
        .prop_map(|(g, s, sam, emp)| User {
            dn: format!("CN={sam}"),
            sam_account_name: Some(sam),
            given_name: Some(NAME_POOL[g].into()),
            sn: Some(NAME_POOL[s].into()),
            employee_id: emp,
            ..Default::default()
        })
}

fn arb_pattern() -> impl Strategy<Value = Pattern> {
    proptest::sample::select(vec![
        "{sAMAccountName}",
        "{givenName}.{sn}",
        "{givenName} {sn}",
        "{sn}_{givenName}",
        "photo-{employeeID}",
        "{Login}-{Last_Name}",
    ])
    .prop_map(|p| Pattern::parse(p).unwrap())
}

/// Changes the case of some characters and decomposes or composes the whole name.
fn mangle(name: &str, flips: &[bool], decompose: bool) -> String {
    let flipped: String = name
        .chars()
        .zip(flips.iter().cycle())
        .map(|(c, &f)| {
            if !f {
                c.to_string()
            } else if c.is_lowercase() {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            }
        })
        .collect();
    if decompose {
        flipped.nfd().collect()
    } else {
        flipped.nfc().collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Render → use as a file stem → automatch finds that user whenever the key is unique.
    #[test]
    fn pattern_round_trips_every_user(
        users in proptest::collection::vec(arb_user(), 1..30),
        pattern in arb_pattern(),
        strict in any::<bool>(),
    ) {
        let opts = MatchOptions { strict };
        let stems: Vec<(usize, String)> = users
            .iter()
            .enumerate()
            .filter_map(|(u, user)| pattern.render_stem(user).map(|s| (u, s)))
            .collect();
        let files: Vec<PhotoFile> =
            stems.iter().map(|(_, s)| PhotoFile::from_path(format!("{s}.jpg"))).collect();
        let r = automatch(&files, &users, &pattern, &opts);
        for (f, (u, stem)) in stems.iter().enumerate() {
            let key = opts.key(stem);
            let same_key = stems.iter().filter(|(_, s)| opts.key(s) == key).count();
            if same_key == 1 {
                prop_assert_eq!(r.user_of(f), Some(*u), "{} should match", stem);
            } else {
                prop_assert_eq!(r.user_of(f), None);
                prop_assert!(r.ambiguous.iter().any(|a| a.files.contains(&f) && a.candidates.contains(u)));
            }
        }
        // Nothing ambiguous is matched, and nobody is matched twice.
        let mut matched_users: Vec<usize> = r.matched.iter().map(|m| m.user).collect();
        matched_users.sort();
        matched_users.dedup();
        prop_assert_eq!(matched_users.len(), r.matched.len());
        for a in &r.ambiguous {
            prop_assert!(a.files.len() > 1 || a.candidates.len() > 1);
            prop_assert!(!r.matched.iter().any(|m| a.files.contains(&m.file) || a.candidates.contains(&m.user)));
        }
    }

    /// Renaming a matched file's case or (de)composing its accents never changes the match.
    #[test]
    fn case_and_composition_never_change_a_match(
        users in proptest::collection::vec(arb_user(), 1..30),
        pattern in arb_pattern(),
        flips in proptest::collection::vec(any::<bool>(), 1..8),
        decompose in any::<bool>(),
        upper_ext in any::<bool>(),
    ) {
        let opts = MatchOptions::default();
        let names: Vec<String> = users
            .iter()
            .filter_map(|u| pattern.render_stem(u))
            .map(|s| format!("{s}.jpg"))
            .collect();
        let files: Vec<PhotoFile> = names.iter().map(PhotoFile::from_path).collect();
        let before = automatch(&files, &users, &pattern, &opts);
        let renamed: Vec<PhotoFile> = names
            .iter()
            .map(|n| {
                let stem = n.strip_suffix(".jpg").unwrap();
                let ext = if upper_ext { "JPG" } else { "jpg" };
                PhotoFile::from_path(format!("{}.{ext}", mangle(stem, &flips, decompose)))
            })
            .collect();
        let after = automatch(&renamed, &users, &pattern, &opts);
        prop_assert_eq!(before, after);
    }

    /// Strict mode: only NFC (de)composition is forgiven, never case.
    #[test]
    fn strict_mode_ignores_composition_only(
        users in proptest::collection::vec(arb_user(), 1..10),
        decompose in any::<bool>(),
    ) {
        let pattern = Pattern::parse("{givenName}.{sn}").unwrap();
        let opts = MatchOptions { strict: true };
        let names: Vec<String> = users.iter().filter_map(|u| pattern.render_stem(u)).collect();
        let files = |f: &dyn Fn(&str) -> String| -> Vec<PhotoFile> {
            names.iter().map(|n| PhotoFile::from_path(format!("{}.jpg", f(n)))).collect()
        };
        let plain = automatch(&files(&|n| n.to_string()), &users, &pattern, &opts);
        let composed = automatch(&files(&|n| mangle(n, &[false], decompose)), &users, &pattern, &opts);
        prop_assert_eq!(&plain, &composed);
        let upper = automatch(&files(&|n| n.to_uppercase()), &users, &pattern, &opts);
        // An upper-cased name matches only if upper-casing did not change it (李.李).
        for (f, n) in names.iter().enumerate() {
            let grouped = upper.user_of(f).is_some()
                || upper.ambiguous.iter().any(|a| a.files.contains(&f));
            prop_assert_eq!(grouped, n.to_uppercase() == *n && plain.files_without_match.binary_search(&f).is_err());
        }
    }
}
