//! What the grid shows (photo filter, sort) and remembers between runs.

use serde::{Deserialize, Serialize};

/// Which users the grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PhotoFilter {
    #[default]
    All,
    WithPhoto,
    WithoutPhoto,
}

impl PhotoFilter {
    pub fn label(self) -> &'static str {
        match self {
            PhotoFilter::All => "All",
            PhotoFilter::WithPhoto => "With photo",
            PhotoFilter::WithoutPhoto => "Without photo",
        }
    }
}

/// The column the grid is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SortKey {
    #[default]
    Name,
    Account,
    Mail,
    Title,
    Photo,
}

/// What the grid remembers between runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GridPrefs {
    pub filter: PhotoFilter,
    /// Users (the default), contacts, or both.
    pub which: crate::directory::Which,
    pub sort: SortKey,
    pub descending: bool,
}

/// The grid's words for a listing choice.
pub fn which_label(w: crate::directory::Which) -> &'static str {
    use crate::directory::Which;
    match w {
        Which::Users => "Users",
        Which::Contacts => "Contacts",
        Which::Both => "Users and contacts",
    }
}

/// What a listing of `w` is called in counts and the status line.
pub fn which_noun(w: crate::directory::Which) -> &'static str {
    use crate::directory::Which;
    match w {
        Which::Users => "users",
        Which::Contacts => "contacts",
        Which::Both => "users and contacts",
    }
}
