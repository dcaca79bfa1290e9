//! `adphoto match`: pair a folder of photos with directory users by a naming pattern (or a
//! mapping file) and show the result groups, as text or as JSON; or, with `--suggest`, the
//! patterns that match most files. Writes nothing to the directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Failure, Outcome};
use crate::directory::User;
use crate::import::MatchBy;
use crate::matching::{
    BadRow, MatchOptions, MatchResult, Pattern, ScanResult, Suggestion, suggest_patterns,
};

/// Where the photos are, how they are named, and whose they are: shared by `match` and `import`.
#[derive(Debug, Clone, clap::Args)]
pub struct MatchSource {
    /// Folder with the photo files.
    #[arg(long, value_name = "DIR")]
    pub folder: PathBuf,
    /// Naming pattern, e.g. "{sAMAccountName}", "{givenName}.{sn}", "photo-{employeeID}".
    #[arg(long, value_name = "PATTERN", conflicts_with = "map")]
    pub pattern: Option<String>,
    /// A CSV mapping file instead of a pattern: a header row with a "file" column and one
    /// attribute column (e.g. "employeeID,file"; "," or ";"); each row gives one file (relative
    /// to --folder, or absolute) to the user with that attribute value. Bad rows are listed and
    /// left out.
    #[arg(long, value_name = "CSV")]
    pub map: Option<PathBuf>,
    /// Match against the users of this OU (default: the whole domain).
    #[arg(long, value_name = "DN")]
    pub ou: Option<String>,
    /// Include users in sub-OUs of --ou.
    #[arg(long)]
    pub subtree: bool,
    /// Take contacts (address-book entries without an account) as well as users.
    #[arg(long)]
    pub contacts: bool,
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
    /// Instead of matching: try every preset and attribute combination the users' data allows
    /// and show the three patterns that match most files.
    #[arg(long, conflicts_with_all = ["pattern", "map"])]
    pub suggest: bool,
    /// Print a JSON object instead of text (with --suggest: an array).
    #[arg(long)]
    pub json: bool,
    /// Look at every matched picture: no face found, a small face, or smaller than the
    /// stored size (96 px; see --check-size). About 20 ms a picture, on every core.
    #[arg(long)]
    pub check: bool,
    /// The stored size --check compares against, in pixels.
    #[arg(long, value_name = "PX", default_value_t = 96)]
    pub check_size: u32,
}

/// What matching found, with what it was given.
pub struct Matched {
    /// The engine's answer: groups, unusable files, the pattern (with a mapping file, its key
    /// attribute alone, `{employeeID}`), the mapping file's rows left out.
    pub found: crate::import::Matched,
    pub opts: MatchOptions,
    pub scan: ScanResult,
}

/// Parses and checks the pattern against `users` (or takes the mapping file), scans the
/// folder and matches through the engine ([`crate::import::match_files`], the wizard's call).
/// A malformed or unknown pattern, an unusable mapping file or an unreadable folder is a usage
/// error (exit 2); bad rows of a mapping file are not.
pub fn match_files(source: &MatchSource, users: &[User]) -> Result<Matched, Failure> {
    let how = match (&source.map, &source.pattern) {
        (Some(file), _) => MatchBy::Map {
            file: file.clone(),
            folder: source.folder.clone(),
        },
        (None, Some(p)) => MatchBy::Pattern(parse_pattern(p, users)?),
        (None, None) => {
            return Err(Failure::usage(
                "say how the files are named: --pattern \"{sAMAccountName}\" (or another pattern), \
                 --map FILE.csv, or find out with `adphoto match --folder DIR --suggest`",
            ));
        }
    };
    let scan = scan(source)?;
    let opts = MatchOptions {
        strict: source.strict,
    };
    let found = crate::import::match_files(&scan.files, users, &how, &opts)
        .map_err(|e| Failure::usage(e.to_string()))?;
    Ok(Matched { found, opts, scan })
}

fn scan(source: &MatchSource) -> Result<ScanResult, Failure> {
    crate::import::scan(&source.folder, source.recursive).map_err(Failure::usage)
}

/// `--suggest`: the three patterns that match most files, as a table or a JSON array.
fn suggest(args: &MatchArgs, users: &[User]) -> Result<Outcome, Failure> {
    let scan = scan(&args.source)?;
    let opts = MatchOptions {
        strict: args.source.strict,
    };
    let all = suggest_patterns(&scan.files, users, &opts);
    let top = &all[..all.len().min(3)];
    if args.json {
        say!(
            "{}",
            serde_json::to_string_pretty(&suggestions_json(top)).unwrap_or_default()
        );
    } else {
        say_inline!("{}", suggestions_text(top, scan.files.len(), users.len()));
    }
    Ok(Outcome::Ok)
}

/// `[{pattern, label, matched, ambiguous}]`, best first.
pub fn suggestions_json(top: &[Suggestion]) -> Value {
    Value::Array(
        top.iter()
            .map(|s| {
                json!({
                    "pattern": s.pattern.to_string(),
                    "label": s.label,
                    "matched": s.matched,
                    "ambiguous": s.ambiguous,
                })
            })
            .collect(),
    )
}

/// A small table of the suggestions, best first, with how to use the best.
pub fn suggestions_text(top: &[Suggestion], files: usize, users: usize) -> String {
    let mut out = String::new();
    if top.is_empty() {
        let _ = writeln!(
            out,
            "No preset or attribute matches any of the {files} photo file(s) to the {users} user(s). \
             If the files are named by an id from another system, give a mapping file with --map."
        );
        return out;
    }
    let w = top
        .iter()
        .map(|s| s.pattern.to_string().chars().count())
        .max()
        .unwrap_or(0)
        .max("PATTERN".len());
    let _ = writeln!(
        out,
        "{:<w$}  {:>7}  {:>9}  LABEL",
        "PATTERN", "MATCHED", "AMBIGUOUS"
    );
    for s in top {
        let _ = writeln!(
            out,
            "{:<w$}  {:>7}  {:>9}  {}",
            s.pattern.to_string(),
            format!("{}/{files}", s.matched),
            s.ambiguous,
            s.label
        );
    }
    let _ = writeln!(
        out,
        "\nBest: --pattern \"{}\" ({} of {files} files match).",
        top[0].pattern, top[0].matched
    );
    out
}

/// The matched files that cannot be used (skipped by an import), one a line.
pub fn damaged_text(m: &Matched) -> String {
    let mut out = String::new();
    if !m.found.damaged.is_empty() {
        let _ = writeln!(
            out,
            "\nMatched files that cannot be used ({}), skipped by an import:",
            m.found.damaged.len()
        );
        for (f, why) in &m.found.damaged {
            let _ = writeln!(out, "  {}: {why}", path_str(&m.scan.files[*f].path));
        }
    }
    out
}

/// `[{file, reason}]`: the matched files that cannot be used.
fn damaged_json(m: &Matched) -> Value {
    Value::Array(
        m.found
            .damaged
            .iter()
            .map(|(f, why)| json!({"file": path_str(&m.scan.files[*f].path), "reason": why}))
            .collect(),
    )
}

/// The bad rows of a mapping file, one a line, for the terminal.
pub fn bad_rows_text(bad_rows: &[BadRow]) -> String {
    let mut out = String::new();
    if !bad_rows.is_empty() {
        let _ = writeln!(out, "\nMapping file rows left out ({}):", bad_rows.len());
        for b in bad_rows {
            let _ = writeln!(out, "  {}", b.message);
        }
    }
    out
}

/// `[{row, file, key, problem, message}]`.
pub fn bad_rows_json(bad_rows: &[BadRow]) -> Value {
    Value::Array(
        bad_rows
            .iter()
            .map(|b| {
                json!({
                    "row": b.row,
                    "file": b.file,
                    "key": b.key,
                    "problem": b.problem.code(),
                    "message": b.message,
                })
            })
            .collect(),
    )
}

/// The pattern a person typed, checked against `users`; a bad one is a usage error (exit 2).
pub fn parse_pattern(text: &str, users: &[User]) -> Result<Pattern, Failure> {
    Pattern::parse_for(text, users)
        .map_err(|e| Failure::usage(format!("invalid pattern {text:?}: {e}")))
}

/// Runs the command against `users` (already listed from --ou/--subtree by the caller).
pub fn run(args: &MatchArgs, users: &[User]) -> Result<Outcome, Failure> {
    if args.suggest {
        return suggest(args, users);
    }
    let m = match_files(&args.source, users)?;
    let checked = args.check.then(|| check_matched(&m, args.check_size));
    if args.json {
        let mut v = report_json(&m.found.result, &m.scan, users);
        if args.source.map.is_some() {
            v["bad_rows"] = bad_rows_json(&m.found.bad_rows);
        }
        v["damaged"] = damaged_json(&m);
        if let (Some(checked), Some(list)) = (&checked, v["matched"].as_array_mut()) {
            for (entry, warnings) in list.iter_mut().zip(checked) {
                entry["warnings"] = json!(warnings);
            }
        }
        say!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        if let Some(map) = &args.source.map {
            say!(
                "Mapping file {} (by {}).",
                map.display(),
                m.found.pattern.attributes().join(", ")
            );
        }
        say_inline!(
            "{}",
            report_text(
                &m.found.result,
                &m.scan,
                users,
                &m.found.pattern,
                &m.opts,
                &args.source.folder
            )
        );
        say_inline!("{}", bad_rows_text(&m.found.bad_rows));
        say_inline!("{}", damaged_text(&m));
        if let Some(checked) = &checked {
            let flagged: Vec<String> = m
                .found
                .result
                .matched
                .iter()
                .zip(checked)
                .filter(|(_, w)| !w.is_empty())
                .map(|(mm, w)| {
                    format!(
                        "  {} ({}): {}",
                        path_str(&m.scan.files[mm.file].path),
                        users[mm.user].label_with_account(),
                        w.join("; ")
                    )
                })
                .collect();
            say!(
                "Pictures to look at ({} of {} matched):",
                flagged.len(),
                checked.len()
            );
            for line in flagged {
                say!("{line}");
            }
        }
    }
    Ok(Outcome::Ok)
}

/// The photo warnings of each matched file, in order (checked in parallel).
fn check_matched(m: &Matched, size: u32) -> Vec<Vec<String>> {
    use rayon::prelude::*;
    let target = crate::photo::Target {
        size,
        ..crate::photo::Target::outlook()
    };
    m.found
        .result
        .matched
        .par_iter()
        .map(|mm| {
            let path = &m.scan.files[mm.file].path;
            match std::fs::read(path)
                .map_err(|e| e.to_string())
                .and_then(|b| crate::photo::facts(&b).map_err(|e| e.to_string()))
            {
                Ok(f) => crate::photo::photo_warnings(&f, &target),
                Err(e) => vec![format!("cannot be used: {e}")],
            }
        })
        .collect()
}

/// The JSON contract: `matched` (`[{file, dn}]`), `files_without_match` (`[file]`),
/// `users_without_file` (`[dn]`), `ambiguous` (`[{files, candidates}]`, candidates as DNs) and
/// `ignored` (`[file]`); besides those, `users_without_key` (the users without file whose pattern
/// attributes are missing), `skipped_folders`, `scan_errors` (`[{folder, error}]`) and `counts`.
/// Files are paths as scanned (the folder joined with the name). With `--map`, `bad_rows`
/// (`[{row, file, key, problem, message}]`) too.
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
mod tests;
