//! The Microsoft 365 sign-in on the worker: the window's dialog asks, the worker signs in and
//! keeps the connection (tokens in memory only) for imports to Microsoft 365 and their undo.

use super::ReqId;
use super::jobs::WorkerState;
use super::protocol::Event;
use crate::cloud::{CloudBackups, CloudOptions, Credentials, Graph};
use crate::import::CloudSide;

/// Signs a person in to Microsoft 365: the device code goes to the window as it arrives (the
/// sign-in then waits for them), the browser way opens the system's browser.
pub(super) async fn sign_in(s: &WorkerState, id: ReqId, opts: CloudOptions, browser: bool) {
    let credentials = if browser {
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
            let side = CloudSide {
                graph,
                backups: CloudBackups::in_folder(&s.data),
            };
            if let Ok(mut c) = s.cloud.lock() {
                *c = Some((side, tenant.clone()));
            }
            Ok(tenant)
        }
        Err(e) => Err(e.to_string()),
    };
    s.emit(id, Event::CloudSignedIn(result));
}
