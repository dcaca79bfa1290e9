//! The map kept true: every path from one of our modules into another (`use crate::…`,
//! `crate::x::…` in code, `super::super::…` climbing out of a module, `adphoto::…` in main.rs)
//! must be one that ARCHITECTURE.md's table "Modules and who may import whom" allows. The table
//! is read from ARCHITECTURE.md itself, so the map and this test cannot drift apart.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module name → the modules it may import, as ARCHITECTURE.md's table says.
type Table = BTreeMap<String, BTreeSet<String>>;

const TABLE_HEADER: &str = "| module | owns | may import |";

#[test]
fn every_import_is_one_the_map_allows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let table = parse_table(&map).unwrap_or_else(|e| panic!("ARCHITECTURE.md: {e}"));
    let mut problems = table_problems(&table);
    problems.extend(modules_problems(&table, root));
    for file in rust_files(&root.join("src")) {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&file).unwrap();
        problems.extend(check_file(&rel, &text, &table));
    }
    assert!(
        problems.is_empty(),
        "the code and ARCHITECTURE.md's table disagree (fix the import, or the map if the \
         design changed):\n{}",
        problems.join("\n")
    );
}

/// The checker itself must be able to fail: a bad import of each kind is named, with its line.
#[test]
fn a_forbidden_import_is_named_with_file_line_and_rule() {
    let map = format!(
        "{TABLE_HEADER}\n|---|---|---|\n| `photo` | pictures | — |\n\
         | `directory` | LDAP | `photo` |\n| `gui` | the window | `directory`, `photo` |\n\
         | `cli` | commands | `directory` |\n| `main` | chooses | `cli`, `gui` |\n"
    );
    let table = parse_table(&map).unwrap();
    assert!(table_problems(&table).is_empty());
    let code = "//! use crate::gui; in a comment is no import\n\
                use crate::photo::Photo;\n\
                const S: &str = \"crate::gui\";\n\
                use crate::{photo, gui::App};\n\
                fn f() { let _ = crate::cli::run(); }\n\
                mod tests {\n    use super::super::gui::App;\n}\n";
    let problems = check_file("src/directory/mod.rs", code, &table);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0]
            .starts_with("src/directory/mod.rs:4: `directory` imports `gui` (crate::{gui…})"),
        "{}",
        problems[0]
    );
    assert!(
        problems[0].contains("may import only `photo`"),
        "{}",
        problems[0]
    );
    assert!(problems[1].starts_with("src/directory/mod.rs:5: `directory` imports `cli`"));
    assert!(problems[2].starts_with("src/directory/mod.rs:7: `directory` imports `gui`"));

    let main = "use adphoto::cli;\nfn main() { adphoto::photo::x(); }\n";
    let problems = check_file("src/main.rs", main, &table);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(problems[0].starts_with("src/main.rs:2: `main` imports `photo`"));

    // The map's own rules: only main chooses a face, and nobody goes round in a circle.
    let bad = map.replace(
        "| `photo` | pictures | — |",
        "| `photo` | pictures | `directory`, `cli` |",
    );
    let problems = table_problems(&parse_table(&bad).unwrap());
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`photo` may import the face `cli`")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("cycle")),
        "{problems:#?}"
    );
}

/// Reads the table under [`TABLE_HEADER`]: the first column's `name`, the third column's names.
fn parse_table(markdown: &str) -> Result<Table, String> {
    let mut lines = markdown
        .lines()
        .skip_while(|l| l.trim() != TABLE_HEADER)
        .skip(2);
    let mut table = Table::new();
    for line in lines.by_ref().take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
        let [module, _, may_import] = cells[..] else {
            return Err(format!("a row without three columns: {line}"));
        };
        let names = backticked(module);
        let [name] = &names[..] else {
            return Err(format!(
                "a row whose first column is not one `module`: {line}"
            ));
        };
        let allowed = backticked(may_import).into_iter().collect();
        if table.insert(name.clone(), allowed).is_some() {
            return Err(format!("`{name}` has two rows"));
        }
    }
    if table.is_empty() {
        return Err(format!("no table under the header {TABLE_HEADER}"));
    }
    Ok(table)
}

/// The `names` in a table cell.
fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The table's own rules: it names only its modules, only `main` chooses a face (so the engine
/// never imports `gui` or `cli`, and neither face the other), and no module depends on itself
/// through others.
fn table_problems(table: &Table) -> Vec<String> {
    let mut problems = Vec::new();
    for (module, allowed) in table {
        for other in allowed {
            if !table.contains_key(other) {
                problems.push(format!(
                    "ARCHITECTURE.md: `{module}` may import `{other}`, which has no row"
                ));
            }
            if ["gui", "cli"].contains(&other.as_str()) && module != "main" {
                problems.push(format!(
                    "ARCHITECTURE.md: `{module}` may import the face `{other}`; only `main` \
                     chooses between the faces"
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(table) {
        problems.push(format!("ARCHITECTURE.md: a cycle: {}", cycle.join(" → ")));
    }
    problems
}

/// A path from a module back to itself through the allowed imports, if there is one.
fn find_cycle(table: &Table) -> Option<Vec<String>> {
    fn visit(
        table: &Table,
        module: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut cycle = path[at..].to_vec();
            cycle.push(module.to_string());
            return Some(cycle);
        }
        if !done.insert(module.to_string()) {
            return None;
        }
        path.push(module.to_string());
        for next in table.get(module).into_iter().flatten() {
            if let Some(cycle) = visit(table, next, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    table
        .keys()
        .find_map(|m| visit(table, m, &mut Vec::new(), &mut done))
}

/// The modules lib.rs declares, and main, against the table's rows: none missing, none extra.
fn modules_problems(table: &Table, root: &Path) -> Vec<String> {
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let mut declared: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.trim().strip_suffix(';')?.split("mod ").nth(1))
        .map(|name| name.trim().to_string())
        .collect();
    declared.insert("main".into());
    let rows: BTreeSet<String> = table.keys().cloned().collect();
    let mut problems = Vec::new();
    for m in declared.difference(&rows) {
        problems.push(format!(
            "ARCHITECTURE.md: the module `{m}` has no row in the table"
        ));
    }
    for m in rows.difference(&declared) {
        problems.push(format!(
            "ARCHITECTURE.md: the table's `{m}` is not a module of src/lib.rs"
        ));
    }
    problems
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// Every import of another module in one file (`rel`: its path from the repository root) that
/// the table does not allow, as "file:line: rule".
fn check_file(rel: &str, text: &str, table: &Table) -> Vec<String> {
    let Some(module_path) = module_path(rel) else {
        return Vec::new(); // lib.rs declares the modules; it imports none
    };
    let code = blank_comments_and_strings(text);
    let (module, root_word) = if rel == "src/main.rs" {
        ("main".to_string(), "adphoto")
    } else {
        (module_path[0].clone(), "crate")
    };
    let no_rules = BTreeSet::new();
    let allowed = table.get(&module).unwrap_or(&no_rules);
    let mut problems = Vec::new();
    for (at, target, how) in references(&code, &module_path, root_word) {
        if target == module || allowed.contains(&target) {
            continue;
        }
        let line = code[..at].matches('\n').count() + 1;
        let rule = if table.contains_key(&target) {
            let may: Vec<String> = allowed.iter().map(|m| format!("`{m}`")).collect();
            match may.is_empty() {
                true => format!("`{module}` may import none of our modules"),
                false => format!("`{module}` may import only {}", may.join(", ")),
            }
        } else {
            format!("`{target}` is not a module in the table")
        };
        problems.push(format!(
            "{rel}:{line}: `{module}` imports `{target}` ({how}), and ARCHITECTURE.md's table \
             does not allow it: {rule}"
        ));
    }
    problems
}

/// The module a file is, as its path from the crate root (`src/gui/worker/jobs.rs` →
/// gui, worker, jobs); main.rs is `main`; lib.rs, the root itself, is `None`.
fn module_path(rel: &str) -> Option<Vec<String>> {
    let inside = rel.strip_prefix("src/")?.strip_suffix(".rs")?;
    match inside {
        "lib" => None,
        "main" => Some(vec!["main".into()]),
        _ => {
            let mut path: Vec<String> = inside.split('/').map(str::to_string).collect();
            if path.last().is_some_and(|l| l == "mod") {
                path.pop();
            }
            Some(path)
        }
    }
}

/// Each reference to a top-level module: (byte offset, module, the path as written).
/// `code` has its comments and strings blanked; `file_module` is where the file sits, and inline
/// `mod x { … }` blocks go one deeper for `super`.
fn references(code: &str, file_module: &[String], root_word: &str) -> Vec<(usize, String, String)> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    // Inline modules open at this point, by the brace depth their block started at.
    let mut inline: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut pending_mod = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'{' {
            if pending_mod {
                inline.push(depth);
                pending_mod = false;
            }
            depth += 1;
            i += 1;
            continue;
        }
        if c == b'}' {
            depth = depth.saturating_sub(1);
            if inline.last() == Some(&depth) {
                inline.pop();
            }
            i += 1;
            continue;
        }
        if c == b';' {
            pending_mod = false;
        }
        if !(c.is_ascii_alphabetic() || c == b'_') || (i > 0 && is_ident(bytes[i - 1])) {
            i += 1;
            continue;
        }
        let word_end = ident_end(bytes, i);
        let word = &code[i..word_end];
        if word == "mod" {
            pending_mod = true;
        }
        let preceded_by_path = i >= 2 && &bytes[i - 2..i] == b"::" || i > 0 && bytes[i - 1] == b'$';
        if preceded_by_path {
            i = word_end;
            continue;
        }
        let mut module_depth = file_module.len() + inline.len();
        let mut at = word_end;
        let from_root = if word == root_word {
            true
        } else if word == "super" && root_word == "crate" {
            let mut supers = 1;
            while code[at..].starts_with("::super") && !is_ident_at(bytes, at + 7) {
                supers += 1;
                at += 7;
            }
            // Climbing stays inside the file's top-level module unless it reaches the root.
            module_depth = module_depth.saturating_sub(supers);
            module_depth == 0
        } else {
            false
        };
        if from_root && code[at..].starts_with("::") {
            let after = skip_space(bytes, at + 2);
            let written = code[i..at].to_string();
            if bytes.get(after) == Some(&b'{') {
                for (offset, name) in group_heads(code, after) {
                    found.push((offset, name.clone(), format!("{written}::{{{name}…}}")));
                }
            } else if after < bytes.len() && is_ident(bytes[after]) {
                let name = code[after..ident_end(bytes, after)].to_string();
                found.push((i, name.clone(), format!("{written}::{name}")));
            }
        }
        i = at.max(word_end);
    }
    found
}

/// The first name of each item in a `{ a::b, c, d::{e, f} }` group that starts at `open`.
fn group_heads(code: &str, open: usize) -> Vec<(usize, String)> {
    let bytes = code.as_bytes();
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                depth += 1;
                if depth == 1 {
                    expect_head = true;
                }
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expect_head = true,
            c if depth == 1 && expect_head && is_ident(c) => {
                let end = ident_end(bytes, i);
                let name = &code[i..end];
                if name != "self" {
                    heads.push((i, name.to_string()));
                }
                expect_head = false;
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    heads
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_ident_at(bytes: &[u8], i: usize) -> bool {
    bytes.get(i).is_some_and(|&c| is_ident(c))
}

fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    while is_ident_at(bytes, i) {
        i += 1;
    }
    i
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

/// The source with every comment, string and character literal turned into spaces (line
/// breaks kept, so offsets still give line numbers): what is left is the code that imports.
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |out: &mut String, c: char| out.push(if c == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut nesting = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    nesting += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    nesting -= 1;
                    out.push_str("  ");
                    i += 2;
                    if nesting == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
        } else if c == 'r'
            && (!prev_ident || (i > 0 && chars[i - 1] == 'b'))
            && matches!(next, Some('"' | '#'))
        {
            let hashes = chars[i + 1..].iter().take_while(|&&h| h == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let start = i + 2 + hashes;
            let end = (start..chars.len())
                .find(|&j| {
                    chars[j..]
                        .iter()
                        .take(close.len())
                        .copied()
                        .eq(close.chars())
                })
                .map_or(chars.len(), |j| j + close.len());
            for &ch in &chars[i..end] {
                blank(&mut out, ch);
            }
            i = end;
        } else if c == '"' {
            blank(&mut out, c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    blank(&mut out, chars[i]);
                    i += 1;
                }
            }
            if i < chars.len() {
                blank(&mut out, chars[i]);
                i += 1;
            }
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{7f}'), or else a lifetime or label, kept.
            let end = if next == Some('\\') {
                (i + 2..chars.len())
                    .find(|&j| chars[j] == '\'')
                    .map(|j| j + 1)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    for &ch in &chars[i..end] {
                        blank(&mut out, ch);
                    }
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}
