//! Naming patterns: `{givenName}.{sn}`, `photo-{employeeID}`, `{Login}`.
//!
//! Grammar: literal text with tokens in braces. A token is an LDAP attribute name (letters, digits,
//! `-`, `_`, compared case-insensitively) or one of the friendly aliases `{First_Name}` (givenName),
//! `{Last_Name}` (sn), `{Login}` (sAMAccountName) and `{Email}` (mail). `{{` and `}}` stand for a
//! literal brace. Blanks just inside the braces are ignored (`{ sn }`).
//!
//! A pattern names a file, not a folder: it may not contain `/` or `\`. If it ends with an image
//! extension (`{sAMAccountName}.jpg`) that extension is dropped, since files are matched by their
//! name without extension.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

use crate::directory::{USER_ATTRIBUTES, User};

use super::scan::IMAGE_EXTENSIONS;

/// Why a pattern cannot be used. The messages are meant for the person typing the pattern.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PatternError {
    /// Nothing typed.
    #[error("the naming pattern is empty")]
    Empty,
    /// A `{` without its `}`.
    #[error("the brace at position {position} is never closed: add '}}' after the attribute name")]
    UnclosedBrace {
        /// Where the brace is (0-based, in characters).
        position: usize,
    },
    /// A `}` without its `{`.
    #[error(
        "the '}}' at position {position} has no opening '{{' (write '}}}}' for a literal brace)"
    )]
    UnmatchedClosingBrace {
        /// Where the brace is.
        position: usize,
    },
    /// `{}` with no name inside.
    #[error("empty token '{{}}' at position {position}: put an attribute name between the braces")]
    EmptyToken {
        /// Where the token starts.
        position: usize,
    },
    /// A token whose name no attribute could have.
    #[error(
        "'{{{token}}}' at position {position} is not an attribute name (letters, digits, '-' and '_' only)"
    )]
    InvalidToken {
        /// The name between the braces.
        token: String,
        /// Where the token starts.
        position: usize,
    },
    /// Only literal text: every user would get the same file name.
    #[error(
        "the pattern has no token such as {{sAMAccountName}}: every user would get the same file name"
    )]
    NoToken,
    /// A slash or backslash: patterns name files, not folders.
    #[error("a pattern names a file, not a folder: remove the '{0}'")]
    PathSeparator(char),
    /// A token none of the users has, perhaps a typo.
    #[error("unknown token '{{{token}}}': none of the selected users has an attribute '{attribute}'{}",
        suggestion.as_ref().map(|s| format!(" (did you mean {{{s}}}?)")).unwrap_or_default())]
    UnknownToken {
        /// The token as typed.
        token: String,
        /// The attribute it stands for (an alias resolved).
        attribute: String,
        /// A known token close to it.
        suggestion: Option<String>,
    },
}

/// Friendly aliases and the attribute each stands for.
pub const ALIASES: &[(&str, &str)] = &[
    ("First_Name", "givenName"),
    ("Last_Name", "sn"),
    ("Login", "sAMAccountName"),
    ("Email", "mail"),
];

/// The presets the wizard offers: (label, pattern).
pub const PRESETS: &[(&str, &str)] = &[
    ("Logon name (jdoe)", "{sAMAccountName}"),
    ("First.Last (John.Doe)", "{givenName}.{sn}"),
    ("First Last (John Doe)", "{givenName} {sn}"),
    ("Last_First (Doe_John)", "{sn}_{givenName}"),
    ("Last, First (Doe, John)", "{sn}, {givenName}"),
    ("First_Last (John_Doe)", "{givenName}_{sn}"),
    (
        "User principal name (jdoe@example.com)",
        "{userPrincipalName}",
    ),
    ("E-mail address (john.doe@example.com)", "{mail}"),
    ("Employee ID (10042)", "{employeeID}"),
    ("Employee number", "{employeeNumber}"),
    ("Display name (John Doe)", "{displayName}"),
    ("Common name (cn)", "{cn}"),
];

/// One token of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    /// As the user wrote it, without braces (`First_Name`, `givenname`).
    pub written: String,
    /// The LDAP attribute it reads, spelled as AD spells it when known (`givenName`).
    pub attribute: String,
}

/// A piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// Text that must appear as it is (compared folded).
    Literal(String),
    /// An attribute's value.
    Token(Token),
}

/// A parsed naming pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    parts: Vec<Part>,
}

impl Pattern {
    /// Parses a pattern; see the module documentation for the grammar.
    pub fn parse(s: &str) -> Result<Pattern, PatternError> {
        if s.trim().is_empty() {
            return Err(PatternError::Empty);
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = s.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '/' | '\\' => return Err(PatternError::PathSeparator(c)),
                '{' if chars.peek().map(|&(_, n)| n) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, n)| n) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => {
                    return Err(PatternError::UnmatchedClosingBrace {
                        position: char_pos(s, i),
                    });
                }
                '{' => {
                    let start = i + 1;
                    let end = loop {
                        match chars.next() {
                            Some((j, '}')) => break j,
                            Some((_, '{')) | None => {
                                return Err(PatternError::UnclosedBrace {
                                    position: char_pos(s, i),
                                });
                            }
                            Some(_) => {}
                        }
                    };
                    let name = s[start..end].trim();
                    if name.is_empty() {
                        return Err(PatternError::EmptyToken {
                            position: char_pos(s, i),
                        });
                    }
                    if !name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    {
                        return Err(PatternError::InvalidToken {
                            token: name.to_string(),
                            position: char_pos(s, i),
                        });
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Token(Token {
                        written: name.to_string(),
                        attribute: resolve(name),
                    }));
                }
                _ => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        if !parts.iter().any(|p| matches!(p, Part::Token(_))) {
            return Err(PatternError::NoToken);
        }
        // `{sAMAccountName}.jpg`: files are matched without their extension (drop all, so that
        // parsing the printed pattern again gives the same pattern).
        while let Some(Part::Literal(last)) = parts.last_mut()
            && let Some((head, ext)) = last.rsplit_once('.')
            && IMAGE_EXTENSIONS
                .iter()
                .any(|e| e.eq_ignore_ascii_case(ext.trim()))
        {
            if head.is_empty() {
                parts.pop();
            } else {
                last.truncate(head.len());
            }
        }
        Ok(Pattern { parts })
    }

    /// The pieces of the pattern, in order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The tokens of the pattern, in order.
    pub fn tokens(&self) -> impl Iterator<Item = &Token> {
        self.parts.iter().filter_map(|p| match p {
            Part::Token(t) => Some(t),
            Part::Literal(_) => None,
        })
    }

    /// The attribute names the pattern reads (deduplicated, in order), for the directory search.
    pub fn attributes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in self.tokens() {
            if !out.iter().any(|a| a.eq_ignore_ascii_case(&t.attribute)) {
                out.push(&t.attribute);
            }
        }
        out
    }

    /// The pattern filled in for a user: attribute values (trimmed) with the literal text between.
    /// `None` when an attribute is missing or blank for this user.
    pub fn render(&self, user: &User) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(l) => out.push_str(l),
                Part::Token(t) => {
                    let v = user.attr(&t.attribute)?.trim();
                    if v.is_empty() {
                        return None;
                    }
                    out.push_str(v);
                }
            }
        }
        Some(out)
    }

    /// The file name stem a user's photo should have: [`render`](Self::render) with the characters
    /// no file name may contain (`\ / : * ? " < > |` and control characters) replaced by `_`.
    /// This is the key Automatch compares file names with.
    pub fn render_stem(&self, user: &User) -> Option<String> {
        self.render(user).map(|s| sanitize_file_name(&s))
    }

    /// Parses `s` and checks it against `users` ([`Pattern::validate_against`]): what the window
    /// and every command do with a pattern a person typed.
    pub fn parse_for(s: &str, users: &[User]) -> Result<Pattern, PatternError> {
        let p = Pattern::parse(s)?;
        p.validate_against(users)?;
        Ok(p)
    }

    /// Checks that every token names an attribute at least one of `users` has. With no users there
    /// is nothing to check against and the pattern is accepted.
    pub fn validate_against(&self, users: &[User]) -> Result<(), PatternError> {
        if users.is_empty() {
            return Ok(());
        }
        for t in self.tokens() {
            if !users.iter().any(|u| u.has_attr(&t.attribute)) {
                return Err(PatternError::UnknownToken {
                    token: t.written.clone(),
                    attribute: t.attribute.clone(),
                    suggestion: suggest(&t.written, users),
                });
            }
        }
        Ok(())
    }
}

impl FromStr for Pattern {
    type Err = PatternError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Pattern::parse(s)
    }
}

/// Writes the pattern back in canonical form: tokens as written, braces in literals doubled.
impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for part in &self.parts {
            match part {
                Part::Literal(l) => f.write_str(&l.replace('{', "{{").replace('}', "}}"))?,
                Part::Token(t) => write!(f, "{{{}}}", t.written)?,
            }
        }
        Ok(())
    }
}

/// The file name a user's photo would have, for the wizard's live example: `jdoe.jpg`.
pub fn example_file_name(pattern: &Pattern, user: &User) -> Option<String> {
    pattern.render_stem(user).map(|s| format!("{s}.jpg"))
}

/// The live example for a preset or a typed pattern: the file name of the first of `users` the
/// pattern can be rendered for, with that user's index.
pub fn first_example(pattern: &Pattern, users: &[User]) -> Option<(usize, String)> {
    users
        .iter()
        .enumerate()
        .find_map(|(i, u)| example_file_name(pattern, u).map(|n| (i, n)))
}

/// Replaces the characters Windows, macOS or Linux forbid in file names with `_`.
pub fn sanitize_file_name(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect()
}

/// The attribute a token reads: an alias's target, a known attribute in AD's spelling, or the
/// name as written.
fn resolve(name: &str) -> String {
    ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map(|(_, attr)| *attr)
        .or_else(|| {
            USER_ATTRIBUTES
                .iter()
                .chain(["dn", "department", "title"].iter())
                .find(|a| a.eq_ignore_ascii_case(name))
                .copied()
        })
        .unwrap_or(name)
        .to_string()
}

/// The closest attribute name (or alias) the users have, if the token looks like a typo of it.
fn suggest(token: &str, users: &[User]) -> Option<String> {
    let mut names: Vec<String> = USER_ATTRIBUTES
        .iter()
        .chain(["department", "title"].iter())
        .chain(ALIASES.iter().map(|(a, _)| a))
        .map(|s| s.to_string())
        .collect();
    for u in users.iter().take(100) {
        names.extend(u.extra.keys().cloned());
    }
    let token_l = token.to_ascii_lowercase();
    names
        .into_iter()
        .filter(|n| {
            let attr = resolve(n);
            users.iter().any(|u| u.has_attr(&attr))
        })
        .map(|n| (edit_distance(&token_l, &n.to_ascii_lowercase()), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// 1-based character position of a byte offset, for error messages.
fn char_pos(s: &str, byte: usize) -> usize {
    s[..byte].chars().count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn john() -> User {
        let mut u = User {
            dn: "CN=John Doe,OU=Staff,DC=example,DC=test".into(),
            sam_account_name: Some("jdoe".into()),
            given_name: Some("John".into()),
            sn: Some("Doe".into()),
            mail: Some("john.doe@example.test".into()),
            ..Default::default()
        };
        u.set_attr("employeeNumber", "42".into());
        u
    }

    #[test]
    fn renders_tokens_and_literals() {
        let u = john();
        let r = |p: &str| Pattern::parse(p).unwrap().render(&u);
        assert_eq!(r("{sAMAccountName}").as_deref(), Some("jdoe"));
        assert_eq!(r("{givenName}.{sn}").as_deref(), Some("John.Doe"));
        assert_eq!(r("{sn}_{givenName}").as_deref(), Some("Doe_John"));
        assert_eq!(r("photo-{employeeNumber}").as_deref(), Some("photo-42"));
        assert_eq!(r("{EMPLOYEENUMBER}").as_deref(), Some("42"));
        assert_eq!(r("{ sn }").as_deref(), Some("Doe"));
        assert_eq!(r("{{{sn}}}").as_deref(), Some("{Doe}"));
        assert_eq!(r("{employeeID}"), None);
    }

    #[test]
    fn aliases() {
        let u = john();
        let p = Pattern::parse("{First_Name} {last_name} {LOGIN} {Email}").unwrap();
        assert_eq!(
            p.render(&u).as_deref(),
            Some("John Doe jdoe john.doe@example.test")
        );
        assert_eq!(
            p.attributes(),
            ["givenName", "sn", "sAMAccountName", "mail"]
        );
    }

    #[test]
    fn trailing_extension_is_dropped() {
        let p = Pattern::parse("{sAMAccountName}.JPG").unwrap();
        assert_eq!(p.to_string(), "{sAMAccountName}");
        let p = Pattern::parse("{givenName}.{sn}").unwrap();
        assert_eq!(p.to_string(), "{givenName}.{sn}");
        let p = Pattern::parse("x{sn}.photo.png").unwrap();
        assert_eq!(p.to_string(), "x{sn}.photo");
    }

    #[test]
    fn example_file_name_is_a_valid_file_name() {
        let mut u = john();
        u.display_name = Some("Doe/Smith: \"J\"".into());
        let p = Pattern::parse("{displayName}").unwrap();
        assert_eq!(
            example_file_name(&p, &u).as_deref(),
            Some("Doe_Smith_ _J_.jpg")
        );
        let p = Pattern::parse("{sAMAccountName}").unwrap();
        assert_eq!(example_file_name(&p, &u).as_deref(), Some("jdoe.jpg"));
    }

    #[test]
    fn presets_parse_and_render() {
        let u = john();
        for (label, p) in PRESETS {
            let p = Pattern::parse(p).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert!(p.tokens().count() >= 1);
        }
        let p = Pattern::parse(PRESETS[0].1).unwrap();
        assert_eq!(example_file_name(&p, &u).as_deref(), Some("jdoe.jpg"));
        let p = Pattern::parse("{givenName}.{sn}").unwrap();
        assert_eq!(
            first_example(&p, &[User::default(), u]),
            Some((1, "John.Doe.jpg".to_string()))
        );
        assert_eq!(first_example(&p, &[User::default()]), None);
    }

    #[test]
    fn malformed_patterns_are_clear_errors() {
        use PatternError::*;
        let e = |p: &str| Pattern::parse(p).unwrap_err();
        assert_eq!(e(""), Empty);
        assert_eq!(e("  "), Empty);
        assert_eq!(e("{givenName"), UnclosedBrace { position: 1 });
        assert_eq!(e("{sn}.{givenName"), UnclosedBrace { position: 6 });
        assert_eq!(e("{sn{givenName}"), UnclosedBrace { position: 1 });
        assert_eq!(e("sn}"), UnmatchedClosingBrace { position: 3 });
        assert_eq!(e("a{}"), EmptyToken { position: 2 });
        assert_eq!(e("{ }"), EmptyToken { position: 1 });
        assert!(matches!(e("{given name}"), InvalidToken { .. }));
        assert_eq!(e("photo"), NoToken);
        assert_eq!(e("{{sn}}"), NoToken);
        assert_eq!(e("Sales/{sn}"), PathSeparator('/'));
        let msg = e("{givenName").to_string();
        assert!(msg.contains("never closed"), "{msg}");
        assert!(msg.contains("'}'"), "{msg}");
    }

    #[test]
    fn unknown_token_is_an_error_with_a_suggestion() {
        let users = vec![john()];
        let p = Pattern::parse("{sAMAcountName}").unwrap();
        let err = p.validate_against(&users).unwrap_err();
        assert_eq!(
            err,
            PatternError::UnknownToken {
                token: "sAMAcountName".into(),
                attribute: "sAMAcountName".into(),
                suggestion: Some("sAMAccountName".into()),
            }
        );
        assert_eq!(
            err.to_string(),
            "unknown token '{sAMAcountName}': none of the selected users has an attribute \
             'sAMAcountName' (did you mean {sAMAccountName}?)"
        );
        let p = Pattern::parse("{favouriteColour}").unwrap();
        assert!(matches!(
            p.validate_against(&users),
            Err(PatternError::UnknownToken {
                suggestion: None,
                ..
            })
        ));
        // An attribute only one user has is fine; so is any "extra" attribute.
        Pattern::parse("{employeeNumber}.{sn}")
            .unwrap()
            .validate_against(&[User::default(), john()])
            .unwrap();
        // Nothing to check against.
        p.validate_against(&[]).unwrap();
    }

    proptest! {
        #[test]
        fn display_round_trips(p in "[a-z{}._ -]{0,12}") {
            if let Ok(parsed) = Pattern::parse(&p) {
                let again = Pattern::parse(&parsed.to_string()).unwrap();
                prop_assert_eq!(again, parsed);
            }
        }

        #[test]
        fn parse_never_panics(p in "\\PC{0,30}") {
            let _ = Pattern::parse(&p);
        }
    }
}
