//! The loopback redirect of the authorization code flow: a one-shot listener on
//! `127.0.0.1:PORT` that the identity platform sends the browser back to
//! (`http://localhost:PORT/?code=…&state=…`), answered with a page saying to go back to adphoto.
//!
//! https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow and, for the
//! loopback redirect of desktop apps, https://learn.microsoft.com/entra/identity-platform/reply-url

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use super::error::{CloudError, Result};

/// A request head larger than this is not the identity platform's redirect.
const MAX_HEAD: usize = 16 * 1024;

/// What the browser brought back.
pub(crate) struct Redirect {
    pub code: String,
    pub state: String,
}

/// Waits for the redirect: other requests (a favicon) get a 404 and the wait goes on; an
/// `error=` from the identity platform ends it as a sign-in error.
pub(crate) async fn wait_for_redirect(listener: &TcpListener, limit: Duration) -> Result<Redirect> {
    tokio::time::timeout(limit, async {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let Some(target) = read_target(&mut stream).await else {
                continue;
            };
            let query: Vec<(String, String)> = target
                .split_once('?')
                .map(|(_, q)| {
                    oauth2::url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default();
            let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            if let Some(error) = get("error") {
                respond(
                    &mut stream,
                    "200 OK",
                    "Sign-in failed. You can close this tab; adphoto says why.",
                )
                .await;
                return Err(CloudError::sign_in(&error, get("error_description")));
            }
            match (get("code"), get("state")) {
                (Some(code), Some(state)) => {
                    respond(
                        &mut stream,
                        "200 OK",
                        "Signed in. You can close this tab and go back to adphoto.",
                    )
                    .await;
                    return Ok(Redirect { code, state });
                }
                _ => respond(&mut stream, "404 Not Found", "Not found.").await,
            }
        }
    })
    .await
    .map_err(|_| CloudError::SignIn {
        code: "timeout".into(),
        advice: format!(
            "nobody finished signing in in the browser within {} minutes",
            limit.as_secs() / 60
        ),
        description: None,
    })?
}

/// The request target of `GET /?… HTTP/1.1`; `None` for anything unreadable.
async fn read_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut first = text.lines().next()?.split(' ');
    match (first.next(), first.next()) {
        (Some("GET"), Some(target)) => Some(target.to_string()),
        _ => None,
    }
}

async fn respond(stream: &mut tokio::net::TcpStream, status: &str, text: &str) {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>adphoto</title><p style=\"font:16px sans-serif\">{text}</p>"
    );
    let answer = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}
