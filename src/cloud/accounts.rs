//! Who is who: each AD user's Entra ID account, found as Entra Connect links them — by
//! `onPremisesImmutableId` (the source anchor), otherwise by userPrincipalName, and for a user
//! with neither by mail. Many users in few requests (15 values a filter, in parallel).

use std::collections::HashMap;

use super::Result;
use super::graph::{CloudUser, Graph};
use super::immutable_id::immutable_id;
use crate::directory::User;

/// The words for a user without a Microsoft 365 account: reported, not failed.
pub const NO_ACCOUNT: &str =
    "no Microsoft 365 account found (by onPremisesImmutableId, userPrincipalName or mail)";

/// Each of `users`' cloud account, in order; `None` where there is none.
pub async fn accounts_for(graph: &Graph, users: &[User]) -> Result<Vec<Option<CloudUser>>> {
    let anchors: Vec<Option<String>> = users.iter().map(immutable_id).collect();
    let wanted: Vec<String> = anchors.iter().flatten().cloned().collect();
    let by_anchor = if wanted.is_empty() {
        HashMap::new()
    } else {
        graph.find_by_immutable_ids(&wanted).await?
    };
    let mut found: Vec<Option<CloudUser>> = anchors
        .iter()
        .map(|a| a.as_ref().and_then(|a| by_anchor.get(a).cloned()))
        .collect();
    // Not synchronised under its anchor (cloud accounts matched by name, a changed anchor): by
    // userPrincipalName, then by mail, as a person would look them up.
    for (attr, find) in [("userPrincipalName", Lookup::Upn), ("mail", Lookup::Mail)] {
        let keys: Vec<(usize, String)> = users
            .iter()
            .enumerate()
            .filter(|(i, _)| found[*i].is_none())
            .filter_map(|(i, u)| u.attr(attr).map(|v| (i, v.trim().to_lowercase())))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if keys.is_empty() {
            continue;
        }
        let values: Vec<String> = keys.iter().map(|(_, v)| v.clone()).collect();
        let map = match find {
            Lookup::Upn => graph.find_by_upns(&values).await?,
            Lookup::Mail => graph.find_by_mails(&values).await?,
        };
        for (i, v) in keys {
            found[i] = map.get(&v).cloned();
        }
    }
    Ok(found)
}

#[derive(Clone, Copy)]
enum Lookup {
    Upn,
    Mail,
}
