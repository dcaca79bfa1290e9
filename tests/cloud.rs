//! The Microsoft 365 path (src/cloud, `adphoto cloud …`) against the local stand-in for the
//! identity platform and Graph (tests/common/graph_server.rs): HTTPS on 127.0.0.1, trusted
//! through `--ca-file`. Nothing here contacts a Microsoft host.

#[path = "common/graph_server.rs"]
mod graph_server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adphoto::cloud::{
    CloudBackups, CloudError, CloudOptions, CloudUser, Credentials, DeviceCodePrompt, Endpoints,
    Graph, ReadBack, Secret,
};
use adphoto::data_folder::DataFolder;
use graph_server::{CLIENT_ID, CLIENT_SECRET, GraphServer, MockUser, TENANT};

const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 0xFF, 0xD9];
const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really a png";

fn users(n: usize) -> Vec<MockUser> {
    (1..=n)
        .map(|i| MockUser {
            id: format!("00000000-0000-0000-0000-{i:012}"),
            upn: format!("user{i}@contoso.test"),
            mail: Some(format!("user{i}@contoso.test")),
            display_name: format!("User {i}"),
            immutable_id: Some(format!("immutable{i}==")),
        })
        .collect()
}

fn options(server: &GraphServer) -> CloudOptions {
    let mut o = CloudOptions::new(TENANT, CLIENT_ID, adphoto::cloud::Cloud::Global);
    o.endpoints = Endpoints {
        login: server.url.clone(),
        graph: server.url.clone(),
    };
    o.ca_file = Some(server.ca_file.clone());
    o.timeout = Duration::from_secs(10);
    o
}

fn secret() -> Credentials {
    Credentials::ClientSecret(Secret::new(CLIENT_SECRET))
}

async fn connect(server: &GraphServer) -> Graph {
    Graph::connect(&options(server), secret()).await.unwrap()
}

#[tokio::test]
async fn client_secret_sign_in_then_users_in_pages() {
    let server = GraphServer::start(users(5));
    let graph = connect(&server).await;
    let all = graph.users().await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(
        all[4].user_principal_name.as_deref(),
        Some("user5@contoso.test")
    );
    assert_eq!(
        all[4].on_premises_immutable_id.as_deref(),
        Some("immutable5==")
    );
    let reqs = server.graph_requests();
    assert_eq!(reqs.len(), 3, "pages of 2: {reqs:#?}");
    for r in &reqs {
        assert_eq!(
            r.query.get("$select").map(String::as_str),
            Some(adphoto::cloud::USER_SELECT)
        );
    }
    assert_eq!(server.with(|s| s.grants.clone()), ["client_credentials"]);
    server.assert_no_violations();
}

#[tokio::test]
async fn a_wrong_secret_says_what_to_fix() {
    let server = GraphServer::start(users(1));
    let err = Graph::connect(
        &options(&server),
        Credentials::ClientSecret(Secret::new("n0t-the-secret")),
    )
    .await
    .err()
    .unwrap();
    let msg = err.to_string();
    assert!(matches!(err, CloudError::SignIn { .. }), "{err:?}");
    assert!(
        msg.contains("invalid_client") && msg.contains("secret's Value"),
        "{msg}"
    );
    assert!(
        !msg.contains("n0t-the-secret"),
        "the secret itself is never shown: {msg}"
    );
    let mut o = options(&server);
    o.client_id = "99999999-0000-0000-0000-000000000000".into();
    let msg = Graph::connect(&o, secret())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(msg.contains("no app with this client id"), "{msg}");
}

#[tokio::test]
async fn device_code_shows_the_code_and_polls_until_signed_in() {
    let server = GraphServer::start(users(2));
    let shown: Arc<Mutex<Vec<DeviceCodePrompt>>> = Arc::default();
    let sink = shown.clone();
    let creds = Credentials::device_code(move |p| sink.lock().unwrap().push(p.clone()));
    let started = Instant::now();
    let graph = Graph::connect(&options(&server), creds).await.unwrap();
    let shown = shown.lock().unwrap().clone();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].user_code, "ABCD2345");
    assert_eq!(
        shown[0].verification_uri,
        format!("{}/devicelogin", server.url)
    );
    assert!(
        shown[0]
            .message
            .as_deref()
            .unwrap_or("")
            .contains("ABCD2345")
    );
    // Two `authorization_pending` answers, one second apart (the interval it gave).
    assert!(started.elapsed() >= Duration::from_secs(2));
    let grants = server.with(|s| s.grants.clone());
    assert_eq!(grants.len(), 3, "{grants:?}");
    assert!(
        grants
            .iter()
            .all(|g| g == "urn:ietf:params:oauth:grant-type:device_code")
    );
    assert_eq!(graph.users().await.unwrap().len(), 2);
    // A 401 now is answered with the refresh token, not a second code to type.
    server.expire_tokens();
    assert_eq!(graph.users().await.unwrap().len(), 2);
    assert_eq!(
        server.with(|s| s.grants.last().cloned()).unwrap(),
        "refresh_token"
    );
    server.assert_no_violations();
}

/// The system browser, played by the test: it follows the sign-in address to the stand-in's
/// `/authorize`, which sends it back to adphoto's loopback listener with a code.
#[tokio::test]
async fn browser_sign_in_with_pkce_and_a_loopback_redirect() {
    let server = GraphServer::start(users(2));
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&server.ca_file).unwrap()).unwrap();
    let browser = reqwest::Client::builder()
        .add_root_certificate(ca)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
    let opened: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = opened.clone();
    let creds = Credentials::browser(move |url| {
        log.lock().unwrap().push(url.to_string());
        let browser = browser.clone();
        let url = url.to_string();
        tokio::spawn(async move {
            let page = browser.get(&url).send().await.unwrap();
            assert_eq!(page.status(), 302);
            let back = page.headers()["location"].to_str().unwrap().to_string();
            assert!(back.starts_with("http://localhost:"), "{back}");
            let done = browser.get(&back).send().await.unwrap();
            assert!(done.text().await.unwrap().contains("Signed in"));
        });
        true
    });
    let graph = Graph::connect(&options(&server), creds).await.unwrap();
    assert_eq!(graph.users().await.unwrap().len(), 2);
    let opened = opened.lock().unwrap().clone();
    assert_eq!(opened.len(), 1);
    assert!(opened[0].starts_with(&format!("{}/{TENANT}/oauth2/v2.0/authorize?", server.url)));
    assert!(
        opened[0].contains("code_challenge_method=S256"),
        "{}",
        opened[0]
    );
    assert_eq!(server.with(|s| s.grants.clone()), ["authorization_code"]);
    server.assert_no_violations();
}

#[tokio::test]
async fn an_expired_device_code_says_so() {
    let server = GraphServer::start(users(1));
    server.with(|s| s.device_expired = true);
    let err = Graph::connect(&options(&server), Credentials::device_code(|_| {}))
        .await
        .err()
        .unwrap();
    assert!(matches!(err, CloudError::DeviceCodeExpired), "{err:?}");
}

#[tokio::test]
async fn many_users_found_by_immutable_id_in_few_requests() {
    let server = GraphServer::start(users(20));
    let graph = connect(&server).await;
    server.with(|s| s.page_size = 100);
    let mut wanted: Vec<String> = (1..=17).map(|i| format!("immutable{i}==")).collect();
    wanted.extend(["nobody1==".to_string(), "it's==".into(), "nobody3==".into()]);
    let found = graph.find_by_immutable_ids(&wanted).await.unwrap();
    assert_eq!(found.len(), 17);
    assert_eq!(
        found["immutable12=="].user_principal_name.as_deref(),
        Some("user12@contoso.test")
    );
    let filtered: Vec<_> = server
        .graph_requests()
        .into_iter()
        .filter(|r| r.query.contains_key("$filter"))
        .collect();
    assert_eq!(filtered.len(), 2, "20 ids, 15 a request");
    assert!(filtered.iter().all(|r| r.status == 200), "{filtered:#?}");
    let by_upn = graph
        .find_by_upns(&["USER3@contoso.test".into(), "ghost@contoso.test".into()])
        .await
        .unwrap();
    assert_eq!(by_upn.len(), 1);
    assert_eq!(
        by_upn["user3@contoso.test"].display_name.as_deref(),
        Some("User 3")
    );
    server.assert_no_violations();
}

#[tokio::test]
async fn photo_set_get_rm_round_trip_saves_the_old_photo_first() {
    let server = GraphServer::start(users(2));
    let u1 = "00000000-0000-0000-0000-000000000001";
    server.with(|s| {
        s.photos
            .insert(u1.into(), (PNG.to_vec(), "image/png".into()))
    });
    let graph = connect(&server).await;
    let data = tempfile::tempdir().unwrap();
    let backups = CloudBackups::in_folder(&DataFolder::new(data.path()));
    let user: CloudUser = graph.user("user1@contoso.test").await.unwrap();
    assert_eq!(user.id, u1);

    let change = graph.replace_photo(&user, JPEG, &backups).await.unwrap();
    assert_eq!(change.old.as_deref(), Some(PNG));
    assert_eq!(change.read_back, ReadBack::Same);
    let saved = change.backup.unwrap();
    assert_eq!(std::fs::read(&saved).unwrap(), PNG);
    assert_eq!(saved.extension().unwrap(), "png");
    assert_eq!(graph.photo(u1).await.unwrap().as_deref(), Some(JPEG));
    let put = server
        .graph_requests()
        .into_iter()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert_eq!(put.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(put.path, format!("/v1.0/users/{u1}/photo/$value"));

    let removed = graph.remove_photo(&user, &backups).await.unwrap();
    assert_eq!(removed.old.as_deref(), Some(JPEG));
    assert_eq!(removed.read_back, ReadBack::Gone);
    assert_eq!(graph.photo(u1).await.unwrap(), None, "404 = no photo");
    assert_eq!(backups.list(u1).len(), 2);
    let again = graph.remove_photo(&user, &backups).await.unwrap();
    assert_eq!((again.old, again.backup), (None, None));

    let none = graph.user("ghost@contoso.test").await.err().unwrap();
    assert!(matches!(none, CloudError::UserNotFound { .. }), "{none:?}");
    server.assert_no_violations();
}

#[tokio::test]
async fn throttled_requests_wait_retry_after_then_go_on() {
    let server = GraphServer::start(users(3));
    let graph = connect(&server).await;
    server.with(|s| s.throttle_next = 2);
    let started = Instant::now();
    assert_eq!(graph.users().await.unwrap().len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1, twice"
    );
    let statuses: Vec<u16> = server.graph_requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200, 200]);

    let mut o = options(&server);
    o.max_throttle_wait = Duration::from_millis(1500);
    let graph = Graph::connect(&o, secret()).await.unwrap();
    server.with(|s| s.throttle_next = 10);
    let err = graph.users().await.err().unwrap();
    assert!(
        matches!(err, CloudError::Throttled { status: 429, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_expired_token_is_renewed_once() {
    let server = GraphServer::start(users(1));
    let graph = connect(&server).await;
    server.expire_tokens();
    assert_eq!(graph.users().await.unwrap().len(), 1);
    assert_eq!(server.with(|s| s.grants.len()), 2);
    // A service that never takes the token: one renewal, then a plain error, no loop.
    server.with(|s| s.always_401 = true);
    let err = graph.users().await.err().unwrap();
    assert!(matches!(err, CloudError::Unauthorized { .. }), "{err:?}");
    assert_eq!(server.with(|s| s.grants.len()), 3);
}

#[tokio::test]
async fn forbidden_names_the_missing_permission() {
    let server = GraphServer::start(users(1));
    server.with(|s| s.forbid_writes = true);
    let graph = connect(&server).await;
    let err = graph
        .put_photo("00000000-0000-0000-0000-000000000001", JPEG)
        .await
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(matches!(err, CloudError::Forbidden { .. }), "{err:?}");
    assert!(msg.contains("ProfilePhoto.ReadWrite.All"), "{msg}");
    assert!(msg.contains("Insufficient privileges"), "{msg}");
}

#[tokio::test]
async fn too_large_or_not_an_image_is_refused_before_sending() {
    let server = GraphServer::start(users(1));
    let graph = connect(&server).await;
    let mut big = JPEG.to_vec();
    big.resize(4 * 1024 * 1024 + 1, 0);
    let id = "00000000-0000-0000-0000-000000000001";
    let err = graph.put_photo(id, &big).await.err().unwrap();
    assert!(matches!(err, CloudError::TooLarge { .. }), "{err:?}");
    let err = graph.put_photo(id, b"GIF89a....").await.err().unwrap();
    assert!(matches!(err, CloudError::BadImage { .. }), "{err:?}");
    assert!(
        server.graph_requests().iter().all(|r| r.method != "PUT"),
        "nothing was sent"
    );
}

#[tokio::test]
async fn certificate_trust_as_for_ldap() {
    let server = GraphServer::start(users(1));
    // Without the CA: refused, and the message says how to trust it.
    let mut o = options(&server);
    o.ca_file = None;
    let msg = Graph::connect(&o, secret())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("--ca-file") && msg.contains("--pin-sha256"),
        "{msg}"
    );
    // Pinned: exactly this certificate, no CA needed.
    o.pin_sha256 = Some(server.leaf_sha256.clone());
    assert!(Graph::connect(&o, secret()).await.is_ok());
    o.pin_sha256 = Some("00".repeat(32));
    let err = Graph::connect(&o, secret()).await.err().unwrap();
    assert!(
        matches!(err, CloudError::CertificateChanged { .. }),
        "{err:?}"
    );
}

/// The command line, end to end: users as JSON, a picture fitted and set (old photo saved in
/// the data folder), read back to a file, removed, restored.
#[test]
fn cli_users_and_photo_set_get_rm_restore() {
    let server = GraphServer::start(users(3));
    let u2 = "00000000-0000-0000-0000-000000000002";
    server.with(|s| {
        s.photos
            .insert(u2.into(), (PNG.to_vec(), "image/png".into()))
    });
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let run = |args: &[&str]| {
        let out = server
            .cloud_command()
            .args(args)
            .env("ADPHOTO_CLIENT_SECRET", CLIENT_SECRET)
            .env("ADPHOTO_DATA_DIR", &data)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["users", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[1]["userPrincipalName"], "user2@contoso.test");
    assert_eq!(list[1]["onPremisesImmutableId"], "immutable2==");

    // A 900×700 picture, fitted to 648×648.
    let picture = tmp.path().join("anna.png");
    image::RgbImage::from_fn(900, 700, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    })
    .save(&picture)
    .unwrap();
    let (code, out, err) = run(&[
        "photo",
        "set",
        "user2@contoso.test",
        picture.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("648×648"), "{out}");
    let stored = server.with(|s| s.photos[u2].clone());
    assert_eq!(stored.1, "image/jpeg");
    let decoded = image::load_from_memory(&stored.0).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (648, 648));
    let saved: Vec<_> = std::fs::read_dir(data.join("cloud-backups").join(u2))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1);
    assert_eq!(
        std::fs::read(&saved[0]).unwrap(),
        PNG,
        "the old photo, as it was"
    );
    assert!(out.contains(&saved[0].display().to_string()), "{out}");

    let got = tmp.path().join("got.jpg");
    let get = || {
        run(&[
            "photo",
            "get",
            "user2@contoso.test",
            "-o",
            got.to_str().unwrap(),
        ])
    };
    let (code, _, err) = get();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(std::fs::read(&got).unwrap(), stored.0);

    let (code, out, err) = run(&["photo", "rm", "user2@contoso.test"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("removed"), "{out}");
    assert!(server.with(|s| !s.photos.contains_key(u2)));
    let (code, _, err) = get();
    assert_eq!(code, Some(1), "no photo now: {err}");

    // Restore previous: the photo before the removal comes back; again, the state before that
    // (none) — each restore recorded, so the next one goes back over it.
    let (code, out, err) = run(&["photo", "restore", "user2@contoso.test"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("put back the Microsoft 365 photo"), "{out}");
    assert_eq!(server.with(|s| s.photos[u2].0.clone()), stored.0);
    let (code, out, err) = run(&["photo", "restore", "user2@contoso.test"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("so the photo was removed (and saved)"),
        "{out}"
    );
    assert!(server.with(|s| !s.photos.contains_key(u2)));
    let (code, _, _) = run(&["photo", "restore", "user2@contoso.test"]);
    assert_eq!(code, Some(0));
    assert_eq!(server.with(|s| s.photos[u2].0.clone()), stored.0);
    // A user who had no photo before a set has none again after its restore.
    let u3 = "00000000-0000-0000-0000-000000000003";
    let (code, out, err) = run(&[
        "photo",
        "set",
        "user3@contoso.test",
        picture.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(server.with(|s| s.photos.contains_key(u3)));
    let (code, out, err) = run(&["photo", "restore", "user3@contoso.test"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("had no Microsoft 365 photo before"), "{out}");
    assert!(server.with(|s| !s.photos.contains_key(u3)));
    // Never changed by adphoto: nothing to go back to, said so.
    let (code, out, err) = run(&["photo", "restore", "user1@contoso.test"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(err.contains("nothing to restore"), "{err}");

    // Sign-in trouble is exit code 2, said in one line without the secret.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_adphoto"))
        .args([
            "cloud",
            "--tenant",
            TENANT,
            "--client-id",
            CLIENT_ID,
            "--ca-file",
        ])
        .arg(&server.ca_file)
        .arg("users")
        .env("ADPHOTO_LOGIN_URL", &server.url)
        .env("ADPHOTO_GRAPH_URL", &server.url)
        .env("ADPHOTO_CLIENT_SECRET", "not-it")
        .env("ADPHOTO_DATA_DIR", &data)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("invalid_client") && !err.contains("not-it"),
        "{err}"
    );
    server.assert_no_violations();
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[tokio::test]
async fn certificate_credentials_sign_in_with_a_signed_assertion() {
    use adphoto::cloud::AppCertificate;
    let server = GraphServer::start(users(3));
    server.register_app_certificate(&fixture("cloud-app.pem"));
    let cert = AppCertificate::from_pem_file(&fixture("cloud-app.pem")).unwrap();
    let graph = Graph::connect(
        &options(&server),
        Credentials::ClientCertificate(std::sync::Arc::new(cert)),
    )
    .await
    .unwrap();
    assert_eq!(graph.users().await.unwrap().len(), 3);
    assert_eq!(server.with(|s| s.assertions), 1, "signed in by assertion");
    assert_eq!(server.with(|s| s.grants.clone()), ["client_credentials"]);

    // A certificate the app registration does not know: said so, with what to do.
    let other = AppCertificate::from_pem_file(&fixture("cloud-app-unknown.pem")).unwrap();
    let err = Graph::connect(
        &options(&server),
        Credentials::ClientCertificate(std::sync::Arc::new(other)),
    )
    .await
    .err()
    .expect("an unknown certificate is refused")
    .to_string();
    assert!(
        err.contains("AADSTS700027") || err.contains("does not know this certificate"),
        "{err}"
    );
    assert!(err.contains("Certificates & secrets"), "{err}");
    server.assert_no_violations();
}

#[test]
fn a_certificate_file_without_its_key_is_refused_before_any_request() {
    use adphoto::cloud::AppCertificate;
    let tmp = tempfile::tempdir().unwrap();
    let pem = std::fs::read_to_string(fixture("cloud-app.pem")).unwrap();
    let cert_only = tmp.path().join("cert-only.pem");
    let begin = pem.find("-----BEGIN CERTIFICATE-----").unwrap();
    std::fs::write(&cert_only, &pem[begin..]).unwrap();
    let err = AppCertificate::from_pem_file(&cert_only)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no private key") && err.contains("cert-only.pem"),
        "{err}"
    );
    let key_only = tmp.path().join("key-only.pem");
    std::fs::write(&key_only, &pem[..begin]).unwrap();
    let err = AppCertificate::from_pem_file(&key_only)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no CERTIFICATE"), "{err}");
    let err = AppCertificate::from_pem_file(&tmp.path().join("missing.pem"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read it"), "{err}");
}

#[test]
fn cli_signs_in_with_the_apps_certificate() {
    let server = GraphServer::start(users(2));
    server.register_app_certificate(&fixture("cloud-app.pem"));
    let tmp = tempfile::tempdir().unwrap();
    let out = server
        .cloud_command()
        .arg("--client-cert")
        .arg(fixture("cloud-app.pem"))
        .args(["users", "--json"])
        .env("ADPHOTO_DATA_DIR", tmp.path().join("data"))
        .env_remove("ADPHOTO_TENANT_ID")
        .env_remove("ADPHOTO_CLIENT_ID")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert_eq!(server.with(|s| s.assertions), 1);
    server.assert_no_violations();
}
