use super::*;
use crate::matching::{automatch, scan_folder};
use clap::Parser;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: MatchArgs,
}

fn users() -> Vec<User> {
    let u = |sam: &str, given: &str, sn: &str| User {
        dn: format!("CN={given} {sn},OU=Staff,DC=example,DC=test"),
        sam_account_name: Some(sam.into()),
        given_name: Some(given.into()),
        sn: Some(sn.into()),
        ..Default::default()
    };
    let mut v = vec![
        u("jdoe", "John", "Doe"),
        u("jdoe2", "John", "Doe"),
        u("jgarcia", "José", "García"),
        u("nophoto", "No", "Photo"),
    ];
    v[1].dn = "CN=John Doe 2,OU=Staff,DC=example,DC=test".into();
    v.push(User {
        dn: "CN=svc,DC=example,DC=test".into(),
        ..Default::default()
    });
    v
}

fn folder() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for f in [
        "John.Doe.jpg",
        "jose.garcia.PNG",
        "stranger.jpg",
        "Thumbs.db",
        "notes.txt",
    ] {
        std::fs::write(tmp.path().join(f), b"").unwrap();
    }
    tmp
}

#[test]
fn json_report_has_the_contract_keys() {
    let tmp = folder();
    let users = users();
    let scan = scan_folder(tmp.path(), false).unwrap();
    let pattern = Pattern::parse("{givenName}.{sn}").unwrap();
    let r = automatch(&scan.files, &users, &pattern, &MatchOptions::default());
    let v = report_json(&r, &scan, &users);
    let p = |n: &str| path_str(&tmp.path().join(n));
    assert_eq!(
        v["matched"],
        json!([{"file": p("jose.garcia.PNG"), "dn": "CN=José García,OU=Staff,DC=example,DC=test"}])
    );
    assert_eq!(v["files_without_match"], json!([p("stranger.jpg")]));
    assert_eq!(
        v["users_without_file"],
        json!([
            "CN=No Photo,OU=Staff,DC=example,DC=test",
            "CN=svc,DC=example,DC=test"
        ])
    );
    assert_eq!(v["users_without_key"], json!(["CN=svc,DC=example,DC=test"]));
    assert_eq!(
        v["ambiguous"],
        json!([{
            "files": [p("John.Doe.jpg")],
            "candidates": [
                "CN=John Doe,OU=Staff,DC=example,DC=test",
                "CN=John Doe 2,OU=Staff,DC=example,DC=test"
            ]
        }])
    );
    assert_eq!(v["ignored"], json!([p("Thumbs.db"), p("notes.txt")]));
    assert_eq!(v["counts"]["files"], 3);
    assert_eq!(v["counts"]["ignored"], 2);

    let text = report_text(
        &r,
        &scan,
        &users,
        &pattern,
        &MatchOptions::default(),
        tmp.path(),
    );
    assert!(
        text.contains("1 matched, 1 ambiguous, 1 file(s) without match, 2 user(s) without file."),
        "{text}"
    );
    assert!(
        text.contains("  jose.garcia.PNG -> José García (CN=José García,"),
        "{text}"
    );
    assert!(
        text.contains("    candidate: John Doe (CN=John Doe 2,"),
        "{text}"
    );
    assert!(text.contains("[missing givenName, sn]"), "{text}");
    assert!(
        text.contains("Ignored, not photos (2):\n  Thumbs.db\n  notes.txt\n"),
        "{text}"
    );
}

#[test]
fn arguments_parse() {
    let cli = Cli::try_parse_from([
        "match",
        "--folder",
        "/p",
        "--pattern",
        "{Login}",
        "--ou",
        "OU=Staff,DC=x",
        "--subtree",
        "--strict",
        "--json",
        "-r",
    ])
    .unwrap();
    let a = cli.args;
    assert_eq!(a.source.folder, PathBuf::from("/p"));
    assert_eq!(a.source.pattern.as_deref(), Some("{Login}"));
    assert_eq!(a.source.ou.as_deref(), Some("OU=Staff,DC=x"));
    assert!(a.source.subtree && a.source.strict && a.json && a.source.recursive);
    let a = Cli::try_parse_from(["match", "--folder", "/p", "--pattern", "{sn}"])
        .unwrap()
        .args;
    assert!(
        !a.source.subtree
            && !a.source.strict
            && !a.json
            && !a.source.recursive
            && a.source.ou.is_none()
    );
}

#[test]
fn suggest_and_map_arguments() {
    let a = Cli::try_parse_from(["match", "--folder", "/p", "--suggest", "--json"])
        .unwrap()
        .args;
    assert!(a.suggest && a.json && a.source.pattern.is_none());
    let a = Cli::try_parse_from(["match", "--folder", "/p", "--map", "ids.csv"])
        .unwrap()
        .args;
    assert_eq!(a.source.map.as_deref(), Some(Path::new("ids.csv")));
    for conflicting in [
        &["--suggest", "--pattern", "{sn}"][..],
        &["--suggest", "--map", "m.csv"],
        &["--pattern", "{sn}", "--map", "m.csv"],
    ] {
        let mut argv = vec!["match", "--folder", "/p"];
        argv.extend_from_slice(conflicting);
        assert!(Cli::try_parse_from(argv).is_err(), "{conflicting:?}");
    }
}

#[test]
fn suggestions_table_and_json() {
    let tmp = folder();
    let users = users();
    let scan = scan_folder(tmp.path(), false).unwrap();
    let all = suggest_patterns(&scan.files, &users, &MatchOptions::default());
    let text = suggestions_text(&all[..all.len().min(3)], scan.files.len(), users.len());
    assert!(
        text.starts_with("PATTERN           MATCHED  AMBIGUOUS  LABEL\n"),
        "{text}"
    );
    assert!(
        text.contains("{givenName}.{sn}      1/3          1  First.Last (John.Doe)"),
        "{text}"
    );
    assert!(
        text.contains("Best: --pattern \"{givenName}.{sn}\""),
        "{text}"
    );
    let v = suggestions_json(&all[..1]);
    assert_eq!(
        v,
        json!([{"pattern": "{givenName}.{sn}", "label": "First.Last (John.Doe)", "matched": 1, "ambiguous": 1}])
    );
    assert!(suggestions_text(&[], 3, 5).starts_with("No preset or attribute matches"));
}

#[test]
fn a_mapping_file_matches_and_lists_its_bad_rows() {
    let tmp = folder();
    let mut users = users();
    users[2].employee_id = Some("E3".into());
    users[3].employee_id = Some("E4".into());
    let map = tmp.path().join("ids.csv");
    std::fs::write(
        &map,
        "\u{FEFF}file;employeeID\nstranger.jpg;E3\nJohn.Doe.jpg;E99\nnone.jpg;E4\n",
    )
    .unwrap();
    let source = MatchSource {
        folder: tmp.path().to_path_buf(),
        pattern: None,
        map: Some(map.clone()),
        ou: None,
        subtree: false,
        contacts: false,
        recursive: false,
        strict: false,
    };
    let m = match_files(&source, &users).unwrap();
    assert_eq!(m.found.pattern.to_string(), "{employeeID}");
    assert_eq!(m.found.result.matched.len(), 1);
    assert_eq!(users[m.found.result.matched[0].user].dn, users[2].dn);
    let rows: Vec<usize> = m.found.bad_rows.iter().map(|b| b.row).collect();
    assert_eq!(rows, [3, 4]);
    let v = bad_rows_json(&m.found.bad_rows);
    assert_eq!(v[0]["problem"], "no_user");
    assert_eq!(v[1]["problem"], "file_not_found");
    let text = bad_rows_text(&m.found.bad_rows);
    assert!(
        text.contains("Mapping file rows left out (2):\n  row 3: no user has employeeID 'E99'\n"),
        "{text}"
    );
    // An unusable mapping file, or neither a pattern nor a map, is a usage error.
    std::fs::write(&map, "who,file\n").unwrap();
    let err = match_files(&source, &users).err().unwrap();
    assert_eq!(err.code, 2);
    assert!(
        err.message.contains("\"who\" is not an attribute"),
        "{}",
        err.message
    );
    let none = MatchSource {
        map: None,
        ..source
    };
    assert!(
        match_files(&none, &users)
            .err()
            .unwrap()
            .message
            .contains("--suggest")
    );
}

#[test]
fn bad_pattern_or_folder_exit_codes() {
    let tmp = folder();
    let args = |pattern: &str, folder: &Path| MatchArgs {
        source: MatchSource {
            folder: folder.to_path_buf(),
            pattern: Some(pattern.into()),
            map: None,
            ou: None,
            subtree: false,
            contacts: false,
            recursive: false,
            strict: false,
        },
        suggest: false,
        json: true,
        check: false,
        check_size: 96,
    };
    let users = users();
    let code = |r: Result<Outcome, Failure>| match r {
        Ok(_) => 0,
        Err(f) => f.code,
    };
    assert_eq!(code(run(&args("{givenName", tmp.path()), &users)), 2);
    assert_eq!(code(run(&args("{colour}", tmp.path()), &users)), 2);
    assert_eq!(
        code(run(&args("{sn}", &tmp.path().join("missing")), &users)),
        2
    );
    assert_eq!(code(run(&args("{sn}", tmp.path()), &users)), 0);
}
