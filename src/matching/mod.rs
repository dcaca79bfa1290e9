//! Naming patterns and Automatch: pairing photo files with directory users. Pure code, except
//! [`scan_folder`], which lists (never opens) the files of a folder.
//!
//! * [`pattern`]: `{givenName}.{sn}` and friends, parsed, validated, rendered;
//! * [`normalize`]: how names are compared (NFC, case, diacritics; or strictly);
//! * [`scan`]: which files of a folder are photo candidates;
//! * [`automatch`](mod@automatch): the pairing, into matched / files without match / users without
//!   file / ambiguous;
//! * [`suggest`]: every preset and attribute combination tried with Automatch, best first;
//! * [`mapping`]: a CSV mapping file (file → attribute value) instead of a pattern, giving the
//!   same result groups, with its bad rows listed.

pub mod automatch;
pub mod mapping;
pub mod normalize;
pub mod pattern;
pub mod scan;
pub mod suggest;

pub use automatch::{Ambiguity, Match, MatchOptions, MatchResult, automatch};
pub use mapping::{BadRow, MapError, MapFile, Mapped, Problem};
pub use pattern::{
    ALIASES, PRESETS, Part, Pattern, PatternError, Token, example_file_name, first_example,
    sanitize_file_name,
};
pub use scan::{
    FileKind, IMAGE_EXTENSIONS, PhotoFile, ScanResult, classify, is_image_extension, scan_folder,
};
pub use suggest::{Suggestion, suggest_patterns};
