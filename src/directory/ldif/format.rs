//! LDIF as text: entries and change records read (RFC 2849: folded lines, base64 values,
//! comments) and change records written, each synced to disk before the change counts as made.

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::directory::ContainerKind;
use crate::directory::error::{DirectoryError, Result};

/// One entry: its DN and attributes (values as bytes; names as written in the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its DN.
    pub dn: String,
    /// Its attributes in file order, each with its values.
    pub attrs: Vec<(String, Vec<Vec<u8>>)>,
}

impl Entry {
    /// The values of attribute `name` (case-insensitive); none when it is absent.
    pub fn values(&self, name: &str) -> &[Vec<u8>] {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    pub(super) fn text(&self, name: &str) -> Option<String> {
        self.values(name)
            .first()
            .and_then(|v| String::from_utf8(v.clone()).ok())
    }

    pub(super) fn has_class(&self, class: &str) -> bool {
        self.values("objectClass")
            .iter()
            .any(|v| v.eq_ignore_ascii_case(class.as_bytes()))
    }

    pub(super) fn set(&mut self, name: &str, values: Vec<Vec<u8>>) {
        self.attrs.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        if !values.is_empty() {
            self.attrs.push((name.to_string(), values));
        }
    }

    pub(super) fn is_user(&self) -> bool {
        // Computers carry objectClass user too; contacts carry neither.
        self.has_class("user") && !self.has_class("computer")
    }

    pub(super) fn is_contact(&self) -> bool {
        self.has_class("contact")
    }

    pub(super) fn container_kind(&self) -> Option<ContainerKind> {
        if self.has_class("organizationalUnit") {
            Some(ContainerKind::OrganizationalUnit)
        } else if self.has_class("domainDNS") || self.has_class("domain") {
            Some(ContainerKind::Domain)
        } else if self.has_class("container") || self.has_class("builtinDomain") {
            Some(ContainerKind::Container)
        } else {
            None
        }
    }
}

/// One change record of a change file: replace or delete one attribute of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Give the attribute this one value.
    Replace {
        /// The entry.
        dn: String,
        /// The attribute.
        attr: String,
        /// The new value.
        value: Vec<u8>,
    },
    /// Remove the attribute.
    Delete {
        /// The entry.
        dn: String,
        /// The attribute.
        attr: String,
    },
}

/// One LDIF record: its `name: value` lines in order, `dn` first (`-` separators kept as `("-", [])`).
pub type Record = Vec<(String, Vec<u8>)>;

/// Parses LDIF into records. Handles folded lines, comments, base64 (`::`) values and `version:`.
pub fn parse_records(text: &str) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    let mut current: Record = Vec::new();
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(cont) = line.strip_prefix(' ') {
            match logical.last_mut() {
                Some((_, prev)) => prev.push_str(cont),
                None => return Err(bad(i + 1, "a continuation line with nothing before it")),
            }
        } else {
            logical.push((i + 1, line.to_string()));
        }
    }
    for (lineno, line) in logical {
        if line.is_empty() {
            if !current.is_empty() {
                records.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with('#') || (line == "-") {
            if line == "-" {
                current.push(("-".into(), Vec::new()));
            }
            continue;
        }
        let Some((name, rest)) = line.split_once(':') else {
            return Err(bad(lineno, "expected \"attribute: value\""));
        };
        let (value, name) = if let Some(b64) = rest.strip_prefix(':') {
            let v = B64
                .decode(b64.trim().as_bytes())
                .map_err(|e| bad(lineno, &format!("bad base64 value ({e})")))?;
            (v, name)
        } else if rest.starts_with('<') {
            return Err(bad(lineno, "values from URLs (\":<\") are not supported"));
        } else {
            (rest.trim_start().as_bytes().to_vec(), name)
        };
        // `thumbnailPhoto;binary` is the same attribute.
        let name = name.split(';').next().unwrap_or(name).trim().to_string();
        if current.is_empty() && name.eq_ignore_ascii_case("version") {
            continue;
        }
        if current.is_empty() && !name.eq_ignore_ascii_case("dn") {
            return Err(bad(lineno, "a record must start with \"dn:\""));
        }
        current.push((name, value));
    }
    if !current.is_empty() {
        records.push(current);
    }
    Ok(records)
}

pub(super) fn bad(line: usize, what: &str) -> DirectoryError {
    DirectoryError::Ldif(format!("line {line}: {what}"))
}

pub(super) fn utf8(v: Vec<u8>, what: &str) -> Result<String> {
    String::from_utf8(v).map_err(|_| DirectoryError::Ldif(format!("{what} is not UTF-8 text")))
}

/// Reads content records (an export). `changetype: add` records count as content.
pub fn parse_entries(text: &str) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for rec in parse_records(text)? {
        let mut it = rec.into_iter();
        let (_, dn) = it.next().expect("records start with dn");
        let mut entry = Entry {
            dn: utf8(dn, "a DN")?,
            attrs: Vec::new(),
        };
        for (name, value) in it {
            if name.eq_ignore_ascii_case("changetype") || name == "-" {
                continue;
            }
            match entry
                .attrs
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(&name))
            {
                Some((_, vals)) => vals.push(value),
                None => entry.attrs.push((name, vec![value])),
            }
        }
        out.push(entry);
    }
    Ok(out)
}

/// Reads a change file written by [`write_change`] (modify records with replace/delete).
pub fn parse_changes(text: &str) -> Result<Vec<Change>> {
    let mut out = Vec::new();
    for rec in parse_records(text)? {
        let mut dn = String::new();
        let mut op: Option<(String, String)> = None;
        for (name, value) in rec {
            let lname = name.to_ascii_lowercase();
            match lname.as_str() {
                "dn" => dn = utf8(value, "a DN")?,
                "changetype" => {}
                "replace" | "delete" | "add" => {
                    op = Some((lname, utf8(value, "an attribute name")?))
                }
                "-" => {
                    if let Some((kind, attr)) = op.take()
                        && kind == "delete"
                    {
                        out.push(Change::Delete {
                            dn: dn.clone(),
                            attr,
                        });
                    }
                }
                _ => {
                    if let Some((_, attr)) = &op
                        && attr.eq_ignore_ascii_case(&name)
                    {
                        out.push(Change::Replace {
                            dn: dn.clone(),
                            attr: attr.clone(),
                            value,
                        });
                        op = None;
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Whether a value can be written as plain text (RFC 2849 SAFE-STRING).
pub(super) fn is_safe(v: &[u8]) -> bool {
    v.iter()
        .all(|&b| b != 0 && b != b'\n' && b != b'\r' && b < 0x80)
        && !matches!(v.first(), Some(b' ' | b':' | b'<'))
        && v.last() != Some(&b' ')
}

/// One `name: value` line, base64 when needed, folded at 76 columns.
pub(super) fn attr_line(name: &str, value: &[u8]) -> String {
    let line = if is_safe(value) {
        format!("{name}: {}", String::from_utf8_lossy(value))
    } else {
        format!("{name}:: {}", B64.encode(value))
    };
    let mut out = String::with_capacity(line.len() + line.len() / 75 * 2 + 1);
    let mut rest = line.as_str();
    let mut width = 76;
    while rest.len() > width {
        // Every char before the split is ASCII except in a safe plain DN, so split on a boundary.
        let mut cut = width;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\n ");
        rest = &rest[cut..];
        width = 75;
    }
    out.push_str(rest);
    out.push('\n');
    out
}

/// The LDIF text of one change, ready to append to a change file.
pub fn change_text(change: &Change) -> String {
    let (dn, attr) = match change {
        Change::Replace { dn, attr, .. } | Change::Delete { dn, attr } => (dn, attr),
    };
    let mut s = attr_line("dn", dn.as_bytes());
    s.push_str("changetype: modify\n");
    match change {
        Change::Replace { value, .. } => {
            s.push_str(&attr_line("replace", attr.as_bytes()));
            s.push_str(&attr_line(attr, value));
        }
        Change::Delete { .. } => s.push_str(&attr_line("delete", attr.as_bytes())),
    }
    s.push_str("-\n\n");
    s
}

/// Appends a change to the change file, creating it (with a header) when new.
pub fn write_change(path: &Path, change: &Change) -> Result<()> {
    let io = |e: std::io::Error| {
        DirectoryError::Offline(format!(
            "cannot write the change file {}: {e}",
            path.display()
        ))
    };
    // It holds employee photos: private to the user, like the rest of the data folder.
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        crate::data_folder::create_private_dir(dir).map_err(io)?;
    }
    let new = !path.exists();
    let mut f = crate::data_folder::private_options()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io)?;
    if new {
        f.write_all(
            b"# Photo changes made by adphoto in offline mode.\n# Apply with: ldifde -i -f FILE   or   ldapmodify -f FILE\nversion: 1\n\n",
        )
        .map_err(io)?;
    }
    f.write_all(change_text(change).as_bytes()).map_err(io)?;
    f.sync_data().map_err(io)
}
