//! "Keep me signed in" (`--keep-signed-in`, the window's tick box) against a real Secret Service
//! (GNOME Keyring on a private D-Bus session bus, tests/common/secret_service.rs) and the local
//! stand-in for the identity platform (tests/common/graph_server.rs). Nothing here contacts a
//! Microsoft host, and the machine's own keyring is never touched.

#[path = "common/graph_server.rs"]
mod graph_server;
mod gui_common;
#[path = "common/secret_service.rs"]
mod secret_service;

use adphoto::gui::{App, AppEnv, Prefs};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use graph_server::{CLIENT_ID, GraphServer, MockUser, TENANT};
use secret_service::SecretService;

/// The store entry's service name, as `src/cloud/kept.rs` writes it.
const SERVICE: &str = "adphoto: Microsoft 365 sign-in";

fn users() -> Vec<MockUser> {
    vec![MockUser {
        id: "00000000-0000-0000-0000-000000000001".into(),
        upn: "user1@contoso.test".into(),
        mail: Some("user1@contoso.test".into()),
        display_name: "User 1".into(),
        immutable_id: None,
    }]
}

struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

/// Every file under `dir`, read as bytes, that contains `needle`.
fn files_containing(dir: &std::path::Path, needle: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            found.extend(files_containing(&p, needle));
        } else if std::fs::read(&p)
            .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
            .unwrap_or(false)
        {
            found.push(p);
        }
    }
    found
}

#[test]
fn cli_keeps_the_sign_in_in_the_credential_store_and_sign_out_removes_it() {
    let store = SecretService::start();
    let server = GraphServer::start(users());
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("config");
    let run = |args: &[&str]| {
        let out = server
            .cloud_command()
            .args(args)
            .env("ADPHOTO_DATA_DIR", &data)
            .env("ADPHOTO_CONFIG_DIR", &config)
            .env("DBUS_SESSION_BUS_ADDRESS", &store.bus)
            .output()
            .unwrap();
        Run {
            code: out.status.code(),
            out: String::from_utf8_lossy(&out.stdout).into_owned(),
            err: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let grants = || server.with(|s| std::mem::take(&mut s.grants));
    let asked_for_a_code = |r: &Run| r.err.contains("ABCD2345");

    // Without the option nothing is kept.
    let r = run(&["users"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(asked_for_a_code(&r), "{}", r.err);
    assert!(store.secrets_of(SERVICE).is_empty());

    // With it: a code once, then kept — in the store, and in no file of ours.
    let r = run(&["--keep-signed-in", "users"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(asked_for_a_code(&r), "{}", r.err);
    let kept = store.secrets_of(SERVICE);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].starts_with("refresh-"), "{kept:?}");
    for folder in [&data, &config] {
        assert!(files_containing(folder, &kept[0]).is_empty());
    }
    assert!(
        files_containing(&store.keyrings(), &kept[0]).is_empty(),
        "the keyring file holds the token encrypted, not as text"
    );
    grants();

    // The next command signs in from the kept sign-in: no code, one refresh; the newer
    // refresh token the identity platform hands out replaces the kept one.
    let r = run(&["--keep-signed-in", "users"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(!asked_for_a_code(&r), "{}", r.err);
    assert_eq!(grants(), ["refresh_token"]);
    let rotated = store.secrets_of(SERVICE);
    assert_eq!(rotated.len(), 1);
    assert_ne!(rotated, kept, "the newest refresh token is kept");

    // Revoked (or expired): the kept one is refused, a code is asked for, the new one kept.
    server.with(|s| s.refuse_refresh = true);
    let r = run(&["--keep-signed-in", "users"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(asked_for_a_code(&r), "{}", r.err);
    let mut asked = grants();
    asked.dedup(); // the device code is polled until the person has signed in
    assert_eq!(
        asked,
        [
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:device_code"
        ]
    );
    let renewed = store.secrets_of(SERVICE);
    assert_eq!(renewed.len(), 1);
    assert_ne!(renewed, rotated);
    server.with(|s| s.refuse_refresh = false);

    // Sign-out removes it, and the next command asks for a code again.
    let r = run(&["sign-out"]);
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(r.out.contains("removed"), "{}", r.out);
    assert!(store.secrets_of(SERVICE).is_empty());
    let r = run(&["sign-out"]);
    assert!(r.out.contains("no sign-in"), "{}", r.out);
    assert!(
        grants().is_empty(),
        "sign-out asks nothing of the identity platform"
    );
    let r = run(&["--keep-signed-in", "users"]);
    assert!(asked_for_a_code(&r), "{}", r.err);
    server.assert_no_violations();
}

#[test]
fn without_a_credential_store_the_sign_in_works_for_the_command_and_says_so() {
    let server = GraphServer::start(users());
    let tmp = tempfile::tempdir().unwrap();
    // A bus address where nothing listens: no Secret Service in this session.
    let nowhere = format!("unix:path={}", tmp.path().join("no-bus").display());
    let out = server
        .cloud_command()
        .args(["--keep-signed-in", "users"])
        .env("ADPHOTO_DATA_DIR", tmp.path().join("data"))
        .env("DBUS_SESSION_BUS_ADDRESS", &nowhere)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("signed in for this command only")
            && err.contains("credential store cannot keep the sign-in"),
        "{err}"
    );
}

/// The window started with `prefs`, on the demo directory (the connect dialog out of the way).
fn window(dir: &std::path::Path, prefs: Prefs) -> Harness<'static, App> {
    let env = AppEnv::in_dir(dir);
    let mut h = gui_common::harness_with_prefs(env, prefs);
    h.get_by_label("Open demo directory").click();
    gui_common::wait_until(&mut h, "the demo users", |h| {
        !h.state().grid().users().is_empty()
    });
    h
}

#[test]
fn window_keeps_the_sign_in_and_the_next_start_signs_in_by_itself() {
    let store = SecretService::start();
    let server = GraphServer::start(users());
    // SAFETY: set before any window (and its worker threads) starts; the other tests here give
    // their own environment to the processes they start and read none of these.
    unsafe {
        std::env::set_var("ADPHOTO_LOGIN_URL", &server.url);
        std::env::set_var("ADPHOTO_GRAPH_URL", &server.url);
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &store.bus);
    }
    let tmp = tempfile::tempdir().unwrap();
    let tenant = format!("Microsoft 365 · {TENANT}");

    let mut h = window(&tmp.path().join("first"), Prefs::default());
    h.get_by_label("Microsoft 365…").click();
    gui_common::wait_until(&mut h, "the sign-in dialog", |h| {
        h.query_by_label("Sign in to Microsoft 365").is_some()
    });
    gui_common::type_into(&mut h, "Tenant:", TENANT);
    gui_common::type_into(&mut h, "Client id:", CLIENT_ID);
    gui_common::replace_text(&mut h, "CA certificate:", server.ca_file.to_str().unwrap());
    h.get_by_label("Keep me signed in on this computer").click();
    gui_common::click_when_enabled(&mut h, "Sign in with a code");
    gui_common::wait_until(&mut h, "the sign-in", |h| {
        h.query_by_label(&tenant).is_some()
    });
    let kept = store.secrets_of(SERVICE);
    assert_eq!(kept.len(), 1, "kept in the credential store");
    let prefs = h.state().prefs();
    assert!(prefs.cloud.keep);
    let saved = serde_json::to_string(&prefs).unwrap();
    assert!(
        !saved.contains(&kept[0]),
        "no token in the settings: {saved}"
    );
    drop(h);
    server.with(|s| s.grants.clear());

    // The next start signs in by itself: no dialog, no code, one refresh.
    let mut next = window(&tmp.path().join("next"), prefs.clone());
    gui_common::wait_until(&mut next, "the kept sign-in", |h| {
        h.query_by_label(&tenant).is_some()
    });
    assert!(next.query_by_label("Sign in to Microsoft 365").is_none());
    assert_eq!(server.with(|s| s.grants.clone()), ["refresh_token"]);

    // Sign out removes it from the store.
    next.get_by_label(&tenant).click();
    next.run_steps(2);
    next.get_by_label("Sign out of Microsoft 365").click();
    gui_common::wait_until(&mut next, "the kept sign-in removed", |_| {
        store.secrets_of(SERVICE).is_empty()
    });
    drop(next);

    // A start with nothing kept stays signed out, quietly; the dialog says why.
    let mut third = window(&tmp.path().join("third"), prefs);
    gui_common::wait_until(&mut third, "the kept sign-in tried", |h| {
        h.query_by_label("Microsoft 365…").is_some()
    });
    assert!(third.query_by_label("Sign in to Microsoft 365").is_none());
    third.get_by_label("Microsoft 365…").click();
    third.run_steps(2);
    assert!(
        third
            .query_by_label_contains("The kept sign-in could not be used")
            .is_some()
    );
    server.assert_no_violations();
}
