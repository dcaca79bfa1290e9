//! `adphoto tree` and `adphoto users`.

use clap::Args;

use super::{Failure, Outcome};
use crate::directory::{Depth, Directory, PhotoAttribute, User, Which};

#[derive(Debug, Args)]
pub struct UsersArgs {
    /// The OU or container to list (default: every user of the domain).
    #[arg(long, value_name = "DN")]
    pub ou: Option<String>,
    /// Include users in sub-OUs.
    #[arg(long)]
    pub subtree: bool,
    /// Only users who have a photo.
    #[arg(long, conflicts_with = "without_photo")]
    pub with_photo: bool,
    /// Only users without a photo.
    #[arg(long)]
    pub without_photo: bool,
    /// Print JSON (an array of users with their attributes, photoBytes and kind).
    #[arg(long)]
    pub json: bool,
    /// List contacts (address-book entries without an account) as well as users; JSON marks
    /// each entry "kind": "user" or "contact".
    #[arg(long)]
    pub contacts: bool,
    /// Also ask the server whether your account may change each user's photo (the PHOTO
    /// column's "no right", "can_write_photo" in JSON). Costs the DC a computation per user
    /// (about 1 ms each), so it is not part of a plain listing.
    #[arg(long)]
    pub rights: bool,
}

/// The users a command works on: those of `ou` (one level, or the subtree), or without `ou`
/// every user of the domain; with `contacts`, the contacts there too.
pub async fn list(
    dir: &Directory,
    ou: Option<&str>,
    subtree: bool,
    contacts: bool,
    photo: &PhotoAttribute,
) -> Result<Vec<User>, Failure> {
    let depth = if subtree || ou.is_none() {
        Depth::Subtree
    } else {
        Depth::OneLevel
    };
    let which = if contacts { Which::Both } else { Which::Users };
    Ok(dir
        .people(ou.unwrap_or(dir.base_dn()), depth, photo, which)
        .await?)
}

pub async fn tree(dir: &Directory, json: bool) -> Result<Outcome, Failure> {
    let nodes = dir.tree().await?;
    if json {
        let list: Vec<_> = nodes
            .iter()
            .map(|(depth, c)| {
                serde_json::json!({"dn": c.dn, "name": c.name, "kind": c.kind, "depth": depth})
            })
            .collect();
        say!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else {
        say!("{}", dir.base_dn());
        for (depth, c) in nodes {
            say!("{}{}", "  ".repeat(depth), c.name);
        }
    }
    Ok(Outcome::Ok)
}

pub async fn users(
    dir: &Directory,
    photo: &PhotoAttribute,
    args: &UsersArgs,
) -> Result<Outcome, Failure> {
    let started = std::time::Instant::now();
    let mut users = list(dir, args.ou.as_deref(), args.subtree, args.contacts, photo).await?;
    tracing::debug!("{} users listed in {:?}", users.len(), started.elapsed());
    let everyone = users.len();
    users.retain(|u| {
        (!args.with_photo || u.photo_bytes.is_some())
            && (!args.without_photo || u.photo_bytes.is_none())
    });
    let rights = if args.rights {
        let who: Vec<crate::directory::Who> = users.iter().map(Into::into).collect();
        Some(dir.photo_rights(&who, photo).await?)
    } else {
        None
    };
    if args.json {
        let mut list = serde_json::to_value(&users).unwrap_or_default();
        if let (Some(rights), Some(list)) = (&rights, list.as_array_mut()) {
            for (u, r) in list.iter_mut().zip(rights) {
                u["can_write_photo"] = serde_json::json!(r);
            }
        }
        say!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
    } else {
        print_table(&users, rights.as_deref());
        if everyone == 0 && !args.subtree && args.ou.is_some() {
            eprintln!("(no users directly in this OU: --subtree includes its sub-OUs)");
        }
    }
    Ok(Outcome::Ok)
}

fn print_table(users: &[User], rights: Option<&[Option<bool>]>) {
    let sam_w = users
        .iter()
        .filter_map(|u| u.sam_account_name.as_deref())
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(14);
    say!("{:<sam_w$}  {:>7}  NAME", "SAMACCOUNTNAME", "PHOTO");
    for (i, u) in users.iter().enumerate() {
        let photo = u
            .photo_bytes
            .map(crate::photo::human_bytes)
            .unwrap_or_else(|| "-".into());
        let photo = match rights.and_then(|r| r.get(i)).copied().flatten() {
            Some(false) => format!("{photo} no right"),
            _ => photo,
        };
        say!(
            "{:<sam_w$}  {:>7}  {}",
            match u.kind {
                crate::directory::Kind::Contact => "(contact)",
                crate::directory::Kind::User => u.sam_account_name.as_deref().unwrap_or("?"),
            },
            photo,
            u.label()
        );
    }
    let contacts = users
        .iter()
        .filter(|u| u.kind == crate::directory::Kind::Contact)
        .count();
    if contacts > 0 {
        eprintln!("{} users, {contacts} contacts", users.len() - contacts);
    } else {
        eprintln!("{} users", users.len());
    }
}
