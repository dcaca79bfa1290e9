//! The Microsoft 365 sign-in on the worker: the window's dialog asks, the worker signs in and
//! keeps the connection (tokens in memory only) for imports to Microsoft 365 and their undo,
//! and the photo panel's changes to one user's Microsoft 365 photo.

use super::ReqId;
use super::jobs::{WorkerState, off_thread};
use super::preview::{account_of, cloud_preview};
use super::protocol::{CloudChange, CloudSignedIn, Event, SignInWay};
use crate::cloud::{CloudBackups, CloudOptions, Credentials, Graph, KeptSignIn};
use crate::directory::User;
use crate::import::CloudSide;
use crate::photo::{PrepareOptions, Target};

/// Signs a person in to Microsoft 365: the device code goes to the window as it arrives (the
/// sign-in then waits for them), the browser way opens the system's browser, the kept way
/// asks nobody.
pub(super) async fn sign_in(s: &WorkerState, id: ReqId, opts: CloudOptions, way: SignInWay) {
    let credentials = if way == SignInWay::Kept {
        Credentials::Kept
    } else if way == SignInWay::Browser {
        // eframe opens it in the system's browser; the dialog shows the address too.
        let ctx = s.ctx.clone();
        Credentials::browser(move |url| {
            ctx.open_url(egui::OpenUrl::new_tab(url));
            true
        })
    } else {
        let events = s.events.lock().map(|tx| tx.clone()).ok();
        let ctx = s.ctx.clone();
        Credentials::device_code(move |p| {
            if let Some(tx) = &events {
                let _ = tx.send((
                    id,
                    Event::CloudDeviceCode {
                        code: p.user_code.clone(),
                        url: p.verification_uri.clone(),
                        minutes: p.expires_in.as_secs().div_ceil(60),
                    },
                ));
            }
            ctx.request_repaint();
        })
    };
    let tenant = opts.tenant.clone();
    let cancel = s.stepped(id);
    let connected = Graph::connect(&opts, credentials).await;
    s.stepped_done(id);
    // Cancelled while the person was signing in: the sign-in is not kept.
    if cancel.is_cancelled() {
        s.emit(id, Event::Cancelled);
        return;
    }
    let result = match connected {
        Ok(graph) => {
            let keep_problem = graph.keep_problem();
            // Not to be kept (the tick box cleared): one kept before is removed, so that the
            // store holds nothing the person did not ask for. No store, nothing kept: fine.
            if !opts.keep_signed_in
                && let Err(e) = KeptSignIn::for_options(&opts).forget_async().await
            {
                tracing::debug!("{e}");
            }
            let side = CloudSide {
                graph,
                backups: CloudBackups::in_folder(&s.data),
            };
            if let Ok(mut c) = s.cloud.lock() {
                *c = Some((side, tenant.clone()));
            }
            Ok(CloudSignedIn {
                tenant,
                keep_problem,
            })
        }
        Err(e) => Err(e.to_string()),
    };
    s.emit(id, Event::CloudSignedIn(result));
}

/// Signs out of Microsoft 365: the tokens dropped, the kept sign-in removed from the
/// credential store (said when that fails: the person asked for it to go).
pub(super) async fn sign_out(s: &WorkerState, id: ReqId) {
    let side = s.cloud.lock().ok().and_then(|mut c| c.take());
    if let Some((side, _)) = side
        && let Err(e) = side.graph.sign_out().await
    {
        s.emit(id, Event::JobFailed(format!("Signed out, but {e}")));
    }
}

/// The photo panel's Set, Remove or Restore previous on the user's Microsoft 365 photo: the
/// state before is saved first (the engine's [`Graph::replace_photo`] and friends), then the
/// panel looks again.
pub(super) async fn change_photo(s: &WorkerState, id: ReqId, user: Box<User>, change: CloudChange) {
    let name = user.label();
    let Some((side, tenant)) = s.cloud() else {
        s.emit(
            id,
            Event::JobFailed(
                "Sign in to Microsoft 365 first (Microsoft 365… in the toolbar).".into(),
            ),
        );
        return;
    };
    let result = async {
        // One writer per tenant, as for imports and `adphoto cloud photo`: a change here never
        // interleaves with an import's saves of the same user's old photo.
        let _lock = s
            .data
            .lock_writes(
                &crate::import::tenant_lock_key(&tenant),
                &format!("adphoto window: Microsoft 365 photo of {name}"),
            )
            .map_err(|e| e.to_string())?;
        let account = account_of(&side, &user)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| crate::cloud::NO_ACCOUNT.to_string())?;
        let (graph, backups) = (&side.graph, &side.backups);
        let (message, read_back) = match change {
            CloudChange::Set(path) => {
                let opts = PrepareOptions::with_target(Target::microsoft_365());
                let file = path.clone();
                let prepared = off_thread(move || {
                    crate::photo::prepare_file(&file, &opts).map_err(|e| e.reason())
                })
                .await
                .map_err(|e| format!("{}: {e}", path.display()))?;
                let change = graph
                    .replace_photo(&account, &prepared.jpeg, backups)
                    .await
                    .map_err(|e| e.about_file(&path))?;
                (
                    format!(
                        "{name}: Microsoft 365 photo set ({} × {} px, {}); {}.",
                        prepared.width,
                        prepared.height,
                        crate::photo::human_bytes(prepared.jpeg.len()),
                        if change.old.is_some() {
                            "the old one is saved"
                        } else {
                            "it had none before"
                        }
                    ),
                    change.read_back,
                )
            }
            CloudChange::Remove => {
                let change = graph
                    .remove_photo(&account, backups)
                    .await
                    .map_err(|e| e.to_string())?;
                let message = if change.old.is_some() {
                    format!("{name}: Microsoft 365 photo removed (it is saved).")
                } else {
                    format!("{name} had no Microsoft 365 photo.")
                };
                (message, change.read_back)
            }
            CloudChange::Restore => match graph.restore_previous(&account, backups).await {
                Ok(Some(done)) => (crate::cloud::restored(&name, &done), done.change.read_back),
                Ok(None) => return Err(crate::cloud::nothing_to_restore(&name)),
                Err(e) => return Err(e.to_string()),
            },
        };
        Ok::<_, String>(match read_back.warning() {
            Some(w) => format!("{message} {w}"),
            None => message,
        })
    }
    .await;
    match result {
        Ok(message) => {
            s.emit(id, Event::JobDone(message));
            cloud_preview(s, id, &side, &user).await;
        }
        Err(e) => s.emit(
            id,
            Event::JobFailed(format!("Microsoft 365 photo of {name} not changed: {e}")),
        ),
    }
}
