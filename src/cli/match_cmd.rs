//! `adphoto match`: pair a folder of photos with directory users by a naming pattern and show the
//! result groups, as text or as JSON. Writes nothing to the directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Failure, Outcome};
use crate::directory::User;
use crate::matching::{MatchOptions, MatchResult, Pattern, ScanResult, automatch, scan_folder};

/// Where the photos are, how they are named, and whose they are: shared by `match` and `import`.
#[derive(Debug, Clone, clap::Args)]
pub struct MatchSource {
    /// Folder with the photo files.
    #[arg(long, value_name = "DIR")]
    pub folder: PathBuf,
    /// Naming pattern, e.g. "{sAMAccountName}", "{givenName}.{sn}", "photo-{employeeID}".
    #[arg(long, value_name = "PATTERN")]
    pub pattern: String,
    /// Match against the users of this OU (default: the whole domain).
    #[arg(long, value_name = "DN")]
    pub ou: Option<String>,
    /// Include users in sub-OUs of --ou.
    #[arg(long)]
    pub subtree: bool,
    /// Look for photos in sub-folders of --folder too.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Compare names exactly (after Unicode NFC) instead of ignoring case, accents and spacing.
    #[arg(long)]
    pub strict: bool,
}

/// Arguments of `adphoto match`.
#[derive(Debug, Clone, clap::Args)]
pub struct MatchArgs {
    #[command(flatten)]
    pub source: MatchSource,
    /// Print a JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What matching found, with what it was given.
pub struct Matched {
    pub pattern: Pattern,
    pub opts: MatchOptions,
    pub scan: ScanResult,
    pub result: MatchResult,
}

/// Parses and checks the pattern against `users`, scans the folder, runs Automatch.
/// A malformed or unknown pattern, or an unreadable folder, is a usage error (exit 2).
pub fn match_files(source: &MatchSource, users: &[User]) -> Result<Matched, Failure> {
    let pattern = parse_pattern(&source.pattern, users)?;
    let scan = scan_folder(&source.folder, source.recursive).map_err(|e| {
        Failure::usage(format!(
            "cannot read the folder {}: {e}",
            source.folder.display()
        ))
    })?;
    let opts = MatchOptions {
        strict: source.strict,
    };
    let result = automatch(&scan.files, users, &pattern, &opts);
    Ok(Matched {
        pattern,
        opts,
        scan,
        result,
    })
}

/// The pattern a person typed, checked against `users`; a bad one is a usage error (exit 2).
pub fn parse_pattern(text: &str, users: &[User]) -> Result<Pattern, Failure> {
    Pattern::parse_for(text, users)
        .map_err(|e| Failure::usage(format!("invalid pattern {text:?}: {e}")))
}

/// Runs the command against `users` (already listed from --ou/--subtree by the caller).
pub fn run(args: &MatchArgs, users: &[User]) -> Result<Outcome, Failure> {
    let m = match_files(&args.source, users)?;
    if args.json {
        let v = report_json(&m.result, &m.scan, users);
        say!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        say_inline!(
            "{}",
            report_text(
                &m.result,
                &m.scan,
                users,
                &m.pattern,
                &m.opts,
                &args.source.folder
            )
        );
    }
    Ok(Outcome::Ok)
}

/// The JSON contract: `matched` (`[{file, dn}]`), `files_without_match` (`[file]`),
/// `users_without_file` (`[dn]`), `ambiguous` (`[{files, candidates}]`, candidates as DNs) and
/// `ignored` (`[file]`); besides those, `users_without_key` (the users without file whose pattern
/// attributes are missing), `skipped_folders`, `scan_errors` (`[{folder, error}]`) and `counts`.
/// Files are paths as scanned (the folder joined with the name).
pub fn report_json(result: &MatchResult, scan: &ScanResult, users: &[User]) -> Value {
    let file = |i: usize| path_str(&scan.files[i].path);
    let dn = |i: usize| users[i].dn.clone();
    json!({
        "matched": result.matched.iter()
            .map(|m| json!({"file": file(m.file), "dn": dn(m.user)}))
            .collect::<Vec<_>>(),
        "files_without_match": result.files_without_match.iter().map(|&f| file(f)).collect::<Vec<_>>(),
        "users_without_file": result.users_without_file.iter().map(|&u| dn(u)).collect::<Vec<_>>(),
        "users_without_key": result.users_without_key.iter().map(|&u| dn(u)).collect::<Vec<_>>(),
        "ambiguous": result.ambiguous.iter()
            .map(|a| json!({
                "files": a.files.iter().map(|&f| file(f)).collect::<Vec<_>>(),
                "candidates": a.candidates.iter().map(|&u| dn(u)).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>(),
        "ignored": scan.ignored.iter().map(|p| path_str(p)).collect::<Vec<_>>(),
        "skipped_folders": scan.skipped_dirs.iter().map(|p| path_str(p)).collect::<Vec<_>>(),
        "scan_errors": scan.errors.iter()
            .map(|(p, e)| json!({"folder": path_str(p), "error": e}))
            .collect::<Vec<_>>(),
        "counts": {
            "files": scan.files.len(),
            "users": users.len(),
            "matched": result.matched.len(),
            "files_without_match": result.files_without_match.len(),
            "users_without_file": result.users_without_file.len(),
            "ambiguous": result.ambiguous.len(),
            "ignored": scan.ignored.len(),
        },
    })
}

/// The human-readable report: a summary, then each group with its members.
pub fn report_text(
    result: &MatchResult,
    scan: &ScanResult,
    users: &[User],
    pattern: &Pattern,
    opts: &MatchOptions,
    folder: &Path,
) -> String {
    let rel = |p: &Path| -> String {
        p.strip_prefix(folder)
            .map(path_str)
            .unwrap_or_else(|_| path_str(p))
    };
    let file = |i: usize| rel(&scan.files[i].path);
    let user = |i: usize| format!("{} ({})", users[i].label(), users[i].dn);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Pattern {pattern}, {} comparison; folder {}: {} photo file(s), {} ignored; {} user(s).",
        if opts.strict {
            "strict"
        } else {
            "case-, accent- and spacing-insensitive"
        },
        folder.display(),
        scan.files.len(),
        scan.ignored.len(),
        users.len(),
    );
    let _ = writeln!(
        out,
        "{} matched, {} ambiguous, {} file(s) without match, {} user(s) without file.",
        result.matched.len(),
        result.ambiguous.len(),
        result.files_without_match.len(),
        result.users_without_file.len(),
    );
    if !result.matched.is_empty() {
        let _ = writeln!(out, "\nMatched ({}):", result.matched.len());
        for m in &result.matched {
            let _ = writeln!(out, "  {} -> {}", file(m.file), user(m.user));
        }
    }
    if !result.ambiguous.is_empty() {
        let _ = writeln!(
            out,
            "\nAmbiguous ({}), not imported until someone decides:",
            result.ambiguous.len()
        );
        for a in &result.ambiguous {
            let files: Vec<String> = a.files.iter().map(|&f| file(f)).collect();
            let _ = writeln!(out, "  {}", files.join(", "));
            for &c in &a.candidates {
                let _ = writeln!(out, "    candidate: {}", user(c));
            }
        }
    }
    if !result.files_without_match.is_empty() {
        let _ = writeln!(
            out,
            "\nFiles without match ({}):",
            result.files_without_match.len()
        );
        for &f in &result.files_without_match {
            let _ = writeln!(out, "  {}", file(f));
        }
    }
    if !result.users_without_file.is_empty() {
        let _ = writeln!(
            out,
            "\nUsers without file ({}):",
            result.users_without_file.len()
        );
        let attrs = pattern.attributes().join(", ");
        for &u in &result.users_without_file {
            if result.users_without_key.binary_search(&u).is_ok() {
                let _ = writeln!(out, "  {}  [missing {attrs}]", user(u));
            } else {
                let _ = writeln!(out, "  {}", user(u));
            }
        }
    }
    if !scan.ignored.is_empty() {
        let _ = writeln!(out, "\nIgnored, not photos ({}):", scan.ignored.len());
        for p in &scan.ignored {
            let _ = writeln!(out, "  {}", rel(p));
        }
    }
    if !scan.skipped_dirs.is_empty() {
        let _ = writeln!(
            out,
            "\nSub-folders not searched ({}):",
            scan.skipped_dirs.len()
        );
        for p in &scan.skipped_dirs {
            let _ = writeln!(out, "  {}", rel(p));
        }
    }
    for (p, e) in &scan.errors {
        let _ = writeln!(out, "\nCould not read {}: {e}", rel(p));
    }
    out
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
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
            text.contains(
                "1 matched, 1 ambiguous, 1 file(s) without match, 2 user(s) without file."
            ),
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
        assert_eq!(a.source.pattern, "{Login}");
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
    fn bad_pattern_or_folder_exit_codes() {
        let tmp = folder();
        let args = |pattern: &str, folder: &Path| MatchArgs {
            source: MatchSource {
                folder: folder.to_path_buf(),
                pattern: pattern.into(),
                ou: None,
                subtree: false,
                recursive: false,
                strict: false,
            },
            json: true,
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
}
