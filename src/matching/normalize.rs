//! Name normalisation: how a rendered key and a file name are made comparable.
//!
//! Two modes, chosen by [`MatchOptions::strict`](super::MatchOptions):
//!
//! * **lenient** (the default) — [`fold`]:
//!   1. compatibility decomposition (NFKD), so that a macOS file name (stored decomposed), a
//!      precomposed Windows name, a ligature (`ﬁ`) or a no-break space all compare alike;
//!   2. case folding (Unicode lowercase, plus `ς`→`σ`, `ſ`→`s`);
//!   3. diacritics removed: combining marks of the *Combining Diacritical Marks* blocks are dropped
//!      (`José` = `Jose`, `Müller` = `Muller`), and letters that carry their stroke or ligature in
//!      the base character are spelled out (`ł`→`l`, `ø`→`o`, `đ`→`d`, `ß`→`ss`, `æ`→`ae`,
//!      `œ`→`oe`, `þ`→`th`, `ı`→`i`, …). Marks outside those blocks (Japanese voicing marks,
//!      Hebrew and Arabic points) are kept: there they change the name, not its accent;
//!   4. whitespace: every run of Unicode white space becomes one ASCII space, and leading and
//!      trailing white space is dropped;
//!   5. trailing dots are dropped (`Doe, John Jr.` = `Doe, John Jr`: Windows Explorer and many
//!      people do not write a dot right before the extension).
//! * **strict** — [`strict`]: NFC only, then an exact comparison.
//!
//! Both are idempotent: `fold(&fold(x)) == fold(x)`.

use unicode_normalization::UnicodeNormalization;

/// Lenient key: NFKD, case folding, diacritics removed, white space collapsed, ends trimmed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        // Fast path: nothing to decompose and no diacritics.
        for b in s.bytes() {
            push_folded(&mut out, b.to_ascii_lowercase() as char);
        }
    } else {
        for c in s.nfkd() {
            if is_diacritic(c) {
                continue;
            }
            for l in c.to_lowercase() {
                if is_diacritic(l) {
                    // `İ`.to_lowercase() is `i` + U+0307.
                    continue;
                }
                match spell_out(l) {
                    Some(rep) => rep.chars().for_each(|r| push_folded(&mut out, r)),
                    None => push_folded(&mut out, l),
                }
            }
        }
    }
    finish(out)
}

/// Strict key: Unicode NFC only (so that a decomposed macOS name equals its precomposed form).
pub fn strict(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    s.nfc().collect()
}

/// Appends one already lowercased, undecorated character, collapsing white space.
fn push_folded(out: &mut String, c: char) {
    if c.is_whitespace() {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    } else {
        out.push(c);
    }
}

/// Drops the trailing space left by `push_folded` and trailing dots (and spaces between them).
fn finish(mut out: String) -> String {
    let keep = out.trim_end_matches([' ', '.']).len();
    out.truncate(keep);
    out
}

/// Combining marks that are accents on Latin, Greek and Cyrillic letters.
fn is_diacritic(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'   // Combining Diacritical Marks
        | '\u{1AB0}'..='\u{1AFF}' // … Extended
        | '\u{1DC0}'..='\u{1DFF}' // … Supplement
        | '\u{20D0}'..='\u{20FF}' // … for Symbols
        | '\u{FE20}'..='\u{FE2F}' // Combining Half Marks
    )
}

/// Lowercase letters that NFKD does not decompose but that people write without their mark.
fn spell_out(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ħ' => "h",
        'ı' => "i",
        'ŧ' => "t",
        'ŋ' => "n",
        'ſ' => "s",
        'ς' => "σ",
        'ƒ' => "f",
        'ĸ' => "k",
        'ɨ' => "i",
        'ʉ' => "u",
        'ƀ' => "b",
        'ɍ' => "r",
        'ȼ' => "c",
        'ɇ' => "e",
        'ɉ' => "j",
        'ƶ' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lenient_examples() {
        assert_eq!(fold("José"), "jose");
        assert_eq!(fold("Jose\u{301}"), "jose");
        assert_eq!(fold("MÜLLER"), "muller");
        assert_eq!(fold("Łukasz Żółć"), "lukasz zolc");
        assert_eq!(fold("Søren Strauß"), "soren strauss");
        assert_eq!(fold("STRAẞE"), "strasse");
        assert_eq!(fold("Ærøskøbing"), "aeroskobing");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("ΟΔΥΣΣΕΥΣ"), fold("οδυσσευς"));
        assert_eq!(fold("  John \u{a0}\t Doe  "), "john doe");
        assert_eq!(fold("Doe, John Jr."), "doe, john jr");
        assert_eq!(fold("ﬁfi"), "fifi");
        assert_eq!(fold("Đorđević"), "dordevic");
        // Japanese voicing marks are not accents: が ≠ か.
        assert_ne!(fold("がく"), fold("かく"));
        assert_eq!(fold("..."), "");
    }

    #[test]
    fn strict_examples() {
        assert_eq!(strict("Jose\u{301}"), "José");
        assert_ne!(strict("José"), strict("Jose"));
        assert_ne!(strict("jdoe"), strict("JDoe"));
        assert_eq!(strict(" a "), " a ");
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,20}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn strict_is_idempotent(s in "\\PC{0,20}") {
            let once = strict(&s);
            prop_assert_eq!(strict(&once), once);
        }

        #[test]
        fn fold_ignores_case_and_composition(s in "[a-zA-ZàáâäãåçèéêëìíîïñòóôöõùúûüýÿÀÁÂÄÃÅÇÈÉÊËÌÍÎÏÑÒÓÔÖÕÙÚÛÜÝ .-]{0,20}") {
            let nfd: String = s.nfd().collect();
            let upper = s.to_uppercase();
            prop_assert_eq!(fold(&nfd), fold(&s));
            prop_assert_eq!(fold(&upper), fold(&s));
        }
    }
}
