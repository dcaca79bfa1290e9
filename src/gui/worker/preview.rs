//! The preview panel's photo, read from the directory and decoded off the UI thread, and what a
//! change of a user's photo tells the window.

use super::super::photo_bridge;
use super::ReqId;
use super::jobs::{NOT_CONNECTED, PREVIEW_SIDE, WorkerState, off_thread};
use super::protocol::{CloudPhoto, Event, PreviewPhoto};
use crate::cloud::CloudUser;
use crate::directory::User;
use crate::import::CloudSide;

/// A photo was written, removed or restored: the grid's size, the status line, then the
/// preview read again from the directory.
pub(super) async fn photo_changed(
    s: &WorkerState,
    id: ReqId,
    user: &User,
    photo_bytes: Option<usize>,
    message: String,
    undo: Option<String>,
) {
    let dn = user.dn.clone();
    s.emit(
        id,
        Event::PhotoChanged {
            dn,
            photo_bytes,
            message,
            undo,
        },
    );
    preview(s, id, user).await;
}

/// The user's photo in the directory, then (when signed in) the one in Microsoft 365: two
/// answers, so a slow cloud never keeps the directory's photo from showing.
pub(super) async fn preview(s: &WorkerState, id: ReqId, user: &User) {
    directory_preview(s, id, user).await;
    if let Some((side, _)) = s.cloud() {
        cloud_preview(s, id, &side, user).await;
    }
}

/// The panel's answer about the user's Microsoft 365 photo.
pub(super) async fn cloud_preview(s: &WorkerState, id: ReqId, side: &CloudSide, user: &User) {
    let (photo, last_change) = cloud_photo(side, user).await;
    s.emit(
        id,
        Event::CloudPreview {
            dn: user.dn.clone(),
            photo,
            last_change,
        },
    );
}

/// The user's Microsoft 365 account, found as an import finds it.
pub(super) async fn account_of(
    side: &CloudSide,
    user: &User,
) -> crate::cloud::Result<Option<CloudUser>> {
    let mut found = crate::cloud::accounts_for(&side.graph, std::slice::from_ref(user)).await?;
    Ok(found.pop().flatten())
}

/// The user's Microsoft 365 profile photo, and when adphoto last changed it.
async fn cloud_photo(side: &CloudSide, user: &User) -> (CloudPhoto, Option<String>) {
    let account = match account_of(side, user).await {
        Ok(Some(a)) => a,
        Ok(None) => return (CloudPhoto::NoAccount, None),
        Err(e) => return (CloudPhoto::Failed(e.to_string()), None),
    };
    let last_change = side
        .backups
        .latest(&account.id)
        .map(|p| crate::cloud::taken_at(&p));
    let photo = match side.graph.photo(&account.id).await {
        Ok(None) => CloudPhoto::None,
        Ok(Some(bytes)) => match decode(bytes).await {
            Ok(p) => CloudPhoto::Photo(p),
            Err(e) => CloudPhoto::Failed(format!("The Microsoft 365 photo cannot be shown: {e}")),
        },
        Err(e) => CloudPhoto::Failed(e.to_string()),
    };
    (photo, last_change)
}

/// A stored photo made small for the panel, off the async threads.
async fn decode(bytes: Vec<u8>) -> Result<PreviewPhoto, String> {
    off_thread(move || {
        let (width, height) = photo_bridge::dimensions(&bytes).unwrap_or((0, 0));
        photo_bridge::thumbnail(&bytes, PREVIEW_SIDE).map(|image| PreviewPhoto {
            bytes: bytes.len(),
            width,
            height,
            image,
        })
    })
    .await
}

async fn directory_preview(s: &WorkerState, id: ReqId, user: &User) {
    let Some(dir) = s.dir() else {
        s.emit(
            id,
            Event::Preview {
                dn: user.dn.clone(),
                photo: None,
                history: Vec::new(),
                error: Some(NOT_CONNECTED.into()),
                can_write: None,
            },
        );
        return;
    };
    let dn = user.dn.clone();
    let history = s.backups.history(user, s.photo.name()).unwrap_or_default();
    // Whether the account may change it, asked alongside (one entry: a few kB at most).
    let who = [crate::directory::Who::from(user)];
    let (photo, rights) = tokio::join!(
        dir.read_photo(&dn, &s.photo),
        dir.photo_rights(&who, &s.photo)
    );
    let can_write = rights.ok().and_then(|r| r.first().copied().flatten());
    match photo {
        Ok(Some(bytes)) => {
            let (photo, error) = match decode(bytes).await {
                Ok(p) => (Some(p), None),
                Err(e) => (None, Some(format!("The stored photo cannot be shown: {e}"))),
            };
            s.emit(
                id,
                Event::Preview {
                    dn,
                    photo,
                    history,
                    error,
                    can_write,
                },
            );
        }
        Ok(None) => s.emit(
            id,
            Event::Preview {
                dn,
                photo: None,
                history,
                error: None,
                can_write,
            },
        ),
        Err(e) => s.emit(
            id,
            Event::Preview {
                dn,
                photo: None,
                history,
                error: Some(e.to_string()),
                can_write,
            },
        ),
    }
}
