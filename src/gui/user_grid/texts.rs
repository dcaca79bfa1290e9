//! The texts of a user's row: title and department, what search matches, photo sizes.

use crate::directory::User;

/// "Title · Department", or whichever of them the user has.
pub fn title_text(u: &User) -> String {
    match (u.title.as_deref(), u.department.as_deref()) {
        (Some(t), Some(d)) => format!("{t} · {d}"),
        (Some(t), None) => t.to_string(),
        (None, Some(d)) => d.to_string(),
        (None, None) => String::new(),
    }
}

/// What the search box matches a user against: the texts of every column, lower-cased.
pub(super) fn haystack(u: &User) -> String {
    [
        Some(u.label()),
        u.sam_account_name.clone(),
        u.mail.clone(),
        u.user_principal_name.clone(),
        u.title.clone(),
        u.department.clone(),
        u.employee_id.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\u{1f}")
    .to_lowercase()
}

pub use crate::photo::human_bytes;
