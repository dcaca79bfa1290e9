//! The directory engine against a real Samba AD DC on loopback (tests/ad/samba-dc.sh).
//! No mocks: every test here talks LDAP to the DC.

mod common;

use std::time::Duration;

use adphoto::directory::{
    Auth, BackupStore, ConnectOptions, Depth, Directory, DirectoryError, PAGE_SIZE, PhotoAttribute,
    Security, THUMBNAIL_PHOTO_LIMIT,
};
use common::{TestDc, fake_jpeg};

const STAFF: &str = "OU=Staff,DC=example,DC=test";
const SALES: &str = "OU=Sales,OU=Staff,DC=example,DC=test";

#[tokio::test]
async fn ldaps_with_verified_certificate_finds_the_domain() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    assert_eq!(dir.base_dn(), dc.base, "base DN comes from the RootDSE");
    assert!(dir.ldap().unwrap().endpoint().url.starts_with("ldaps://"));
}

#[tokio::test]
async fn starttls_and_all_three_name_forms_sign_in() {
    let dc = TestDc::get();
    for user in [
        dc.admin.clone(),
        "EXAMPLE\\Administrator".to_string(),
        format!("CN=Administrator,CN=Users,{}", dc.base),
    ] {
        let o = dc.options(&dc.starttls_url, &user, &dc.password);
        let dir = Directory::connect(&o)
            .await
            .unwrap_or_else(|e| panic!("{user}: {e}"));
        assert_eq!(dir.ldap().unwrap().endpoint().security, Security::StartTls);
    }
}

#[cfg(feature = "kerberos")]
#[tokio::test]
async fn kerberos_ticket_signs_in_without_a_password() {
    let dc = TestDc::get();
    assert!(
        std::env::var("KRB5CCNAME").is_ok(),
        "the test DC script gets a ticket and exports KRB5CCNAME"
    );
    let mut o = ConnectOptions::new("ldap://localhost", Auth::Kerberos);
    o.ca_file = Some(dc.ca.clone());
    let dir = Directory::connect(&o).await.expect("GSSAPI bind");
    let users = dir
        .users(SALES, Depth::OneLevel, &PhotoAttribute::default())
        .await
        .expect("search over the sealed connection");
    assert!(
        users
            .iter()
            .any(|u| u.sam_account_name.as_deref() == Some("cdubois"))
    );
}

#[tokio::test]
async fn plain_simple_bind_is_refused_with_a_clear_message() {
    let dc = TestDc::get();
    let mut o = dc.options("ldap://localhost", &dc.admin, &dc.password);
    o.security = Security::Plain;
    let err = Directory::connect(&o).await.err().expect("refused");
    assert!(matches!(err, DirectoryError::TlsRequired { .. }), "{err:?}");
    assert!(err.to_string().contains("LDAPS or StartTLS"), "{err}");
}

#[tokio::test]
async fn unknown_certificate_is_refused_unless_explicitly_trusted() {
    let dc = TestDc::get();
    let mut o = dc.admin_options();
    o.ca_file = None;
    let err = Directory::connect(&o).await.err().expect("refused");
    let seen = match &err {
        DirectoryError::CertificateUntrusted { detail, cert } => {
            assert!(
                detail.contains("authority this computer does not know"),
                "{detail}"
            );
            // The certificate as openssl shows it: who it is for, who issued it, its names.
            let cert = cert.as_ref().expect("the refused certificate");
            assert!(cert.subject.contains("CN=localhost"), "{cert:?}");
            assert!(cert.issuer.contains("CN=adphoto test CA"), "{cert:?}");
            assert!(!cert.self_signed);
            assert!(
                cert.names.iter().any(|n| n == "dc1.example.test"),
                "{cert:?}"
            );
            assert!(cert.not_before < cert.not_after, "{cert:?}");
            assert!(
                err.to_string()
                    .contains("Issued to:    O=adphoto tests, CN=localhost"),
                "{err}"
            );
            cert.sha256.clone()
        }
        other => panic!("{other:?}"),
    };
    assert!(err.advice_for_window().contains("CA certificate"));
    assert!(
        err.advice_for_command_line()
            .contains(&format!("--pin-sha256 {seen}"))
    );
    // The fingerprint is the DC's certificate's, as openssl shows it.
    let pem =
        std::path::Path::new(&std::env::var("ADPHOTO_DC_DIR").unwrap()).join("tls/server.pem");
    {
        use rustls_pki_types::pem::PemObject as _;
        let der = rustls_pki_types::CertificateDer::from_pem_file(&pem).unwrap();
        assert_eq!(adphoto::directory::fingerprint(&der), seen);
    }
    // Pinned, exactly that certificate is trusted (no CA file)…
    o.pin_sha256 = Some(seen.to_lowercase().replace(':', ""));
    Directory::connect(&o)
        .await
        .expect("the pinned certificate connects");
    // …and any other one is a clear stop, naming both.
    o.pin_sha256 = Some("00".repeat(32));
    match Directory::connect(&o).await.err().expect("refused") {
        DirectoryError::CertificateChanged { pinned, now } => {
            assert!(pinned.starts_with("00:00"), "{pinned}");
            assert_eq!(now.as_deref(), Some(seen.as_str()));
        }
        other => panic!("{other:?}"),
    }
    o.pin_sha256 = None;
    o.insecure_skip_verify = true;
    Directory::connect(&o)
        .await
        .expect("the explicit opt-out connects");
}

#[tokio::test]
async fn certificate_for_another_name_is_refused() {
    let dc = TestDc::get();
    // The certificate names localhost but, on purpose, no IP address.
    let o = dc.options("ldaps://127.0.0.1", &dc.admin, &dc.password);
    match Directory::connect(&o).await {
        Err(DirectoryError::CertificateUntrusted { detail, .. }) => {
            // It says which names the certificate is for.
            assert!(
                detail.contains("another name (localhost, dc1.example.test"),
                "{detail}"
            )
        }
        other => panic!("expected a name mismatch, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn wrong_password_and_empty_password() {
    let dc = TestDc::get();
    let err = Directory::connect(&dc.options(&dc.ldaps_url, &dc.admin, "not-the-password"))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, DirectoryError::WrongPassword), "{err:?}");
    assert_eq!(err.to_string(), "Wrong user name or password.");
    let err = Directory::connect(&dc.options(&dc.ldaps_url, &dc.admin, ""))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, DirectoryError::EmptyPassword), "{err:?}");
}

#[tokio::test]
async fn disabled_and_expired_accounts_are_named() {
    let dc = TestDc::get();
    for (user, want) in [
        ("disabled@example.test", "disabled"),
        ("expired@example.test", "expired"),
    ] {
        let err = Directory::connect(&dc.options(&dc.ldaps_url, user, &dc.helpdesk_password))
            .await
            .err()
            .expect("refused");
        match (&err, want) {
            (DirectoryError::AccountDisabled, "disabled")
            | (DirectoryError::AccountExpired, "expired") => {}
            _ => panic!("{user}: {err:?}"),
        }
        assert!(err.to_string().contains(want), "{err}");
    }
}

#[tokio::test]
async fn dead_port_and_silent_server_fail_fast() {
    let dc = TestDc::get();
    // Nothing listens on this port.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let err = Directory::connect(&dc.options(&format!("ldaps://localhost:{port}"), "a", "b"))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, DirectoryError::Unreachable { .. }), "{err:?}");

    // A server that accepts and never answers: the timeout must end the wait.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let mut o = dc.options(&format!("ldaps://localhost:{port}"), "a", "b");
    o.timeout = Duration::from_millis(800);
    let started = std::time::Instant::now();
    let err = Directory::connect(&o).await.err().expect("times out");
    assert!(matches!(err, DirectoryError::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(30), "never a hang");
    holder.abort();
}

#[tokio::test]
async fn tree_has_nested_ous() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let tree = dir.tree().await.unwrap();
    let find = |dn: &str| tree.iter().find(|(_, c)| c.dn == dn).map(|(d, _)| *d);
    assert_eq!(find(STAFF), Some(1));
    assert_eq!(find(SALES), Some(2));
    assert_eq!(
        find("OU=EMEA,OU=Sales,OU=Staff,DC=example,DC=test"),
        Some(3)
    );
    assert!(
        find(&format!("CN=Users,{}", dc.base)).is_some(),
        "plain containers too"
    );
    let kids = dir.children(SALES).await.unwrap();
    let names: Vec<_> = kids.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Americas", "EMEA"],
        "sorted, and no users or computers"
    );
}

#[tokio::test]
async fn users_are_users_only_with_their_attributes() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let users = dir
        .users(SALES, Depth::OneLevel, &PhotoAttribute::default())
        .await
        .unwrap();
    let sams: Vec<_> = users
        .iter()
        .filter_map(|u| u.sam_account_name.as_deref())
        .collect();
    assert_eq!(sams.len(), users.len());
    for s in ["cdubois", "jdoe2", "jgarcia", "pnovak"] {
        assert!(sams.contains(&s), "{s} in {sams:?}");
    }
    assert!(
        !users
            .iter()
            .any(|u| u.dn.contains("SALES-PC01") || u.dn.contains("(Acme)")),
        "no computer, no contact: {sams:?}"
    );
    let chloe = users
        .iter()
        .find(|u| u.sam_account_name.as_deref() == Some("cdubois"))
        .unwrap();
    assert_eq!(chloe.given_name.as_deref(), Some("Chloé"));
    assert_eq!(
        chloe.user_principal_name.as_deref(),
        Some("cdubois@example.test")
    );
    assert!(chloe.mail.is_some() && chloe.employee_id.is_some() && chloe.display_name.is_some());
    assert_eq!(chloe.object_guid.as_ref().map(String::len), Some(36));
    assert!(chloe.photo_bytes.is_some(), "seeded with a photo");

    let all = dir
        .users(STAFF, Depth::Subtree, &PhotoAttribute::default())
        .await
        .unwrap();
    assert!(all.len() > users.len());
    let does = all.iter().filter(|u| u.label() == "John Doe").count();
    assert_eq!(does, 2, "the two John Does");
}

#[tokio::test]
async fn big_ou_is_paged_past_the_server_page_size() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let before = dir.ldap().unwrap().pages_fetched();
    let users = dir
        .users(&dc.big_ou, Depth::OneLevel, &PhotoAttribute::default())
        .await
        .unwrap();
    let pages = dir.ldap().unwrap().pages_fetched() - before;
    assert_eq!(users.len(), dc.big_count);
    assert!(dc.big_count > 2000);
    const { assert!(PAGE_SIZE <= 1000, "AD's MaxPageSize") };
    assert!(
        pages >= dc.big_count.div_ceil(PAGE_SIZE as usize) as u64,
        "paged: {pages} pages for {} users",
        dc.big_count
    );
    let mut sams: Vec<_> = users
        .iter()
        .filter_map(|u| u.sam_account_name.clone())
        .collect();
    sams.sort();
    sams.dedup();
    assert_eq!(sams.len(), dc.big_count, "no user twice across pages");
}

#[tokio::test]
async fn find_user_by_any_name_and_never_by_injection() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let p = PhotoAttribute::default();
    let by_sam = dir.find_user("amueller", &p).await.unwrap();
    assert_eq!(by_sam.sn.as_deref(), Some("Müller"));
    let by_upn = dir.find_user("amueller@example.test", &p).await.unwrap();
    let by_dn = dir.find_user(&by_sam.dn, &p).await.unwrap();
    let by_nt = dir.find_user("EXAMPLE\\amueller", &p).await.unwrap();
    assert_eq!(by_upn.dn, by_sam.dn);
    assert_eq!(by_dn.object_guid, by_sam.object_guid);
    assert_eq!(by_nt.dn, by_sam.dn);
    let sob = dir.find_user("sobrien", &p).await.unwrap();
    assert_eq!(sob.sn.as_deref(), Some("O'Brien"));
    for evil in ["*", "a*", "*)(sAMAccountName=*", "amueller)(|(cn=*"] {
        match dir.find_user(evil, &p).await {
            Err(DirectoryError::UserNotFound(_)) => {}
            other => panic!("{evil}: expected not found, got {:?}", other.map(|u| u.dn)),
        }
    }
    assert!(matches!(
        dir.find_user("CN=Nobody,OU=Staff,DC=example,DC=test", &p)
            .await,
        Err(DirectoryError::UserNotFound(_))
    ));
    // A computer is not a user even when named exactly.
    assert!(
        dir.find_user("CN=SALES-PC01,OU=Sales,OU=Staff,DC=example,DC=test", &p)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn write_read_back_backup_remove_restore() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let p = PhotoAttribute::default();
    let tmp = tempfile::tempdir().unwrap();
    let backups = BackupStore::new(tmp.path());
    let user = dir.find_user("ytanaka", &p).await.unwrap();
    // Start from a known state whatever an earlier run left.
    let _ = dir.remove_photo(&user, &p, &backups).await.unwrap();
    let start = backups.list(&user).unwrap().len();

    let a = fake_jpeg(5_000, 1);
    let out = dir.write_photo(&user, &p, &a, &backups).await.unwrap();
    assert_eq!(out.backup, None, "nothing to back up");
    assert_eq!(dir.read_photo(&user.dn, &p).await.unwrap(), Some(a.clone()));

    let b = fake_jpeg(9_000, 2);
    let out = dir.write_photo(&user, &p, &b, &backups).await.unwrap();
    let rec = out.backup.expect("the replaced photo was backed up");
    assert_eq!(
        std::fs::read(rec.file.as_ref().unwrap()).unwrap(),
        a,
        "backup holds the old bytes"
    );
    assert_eq!(rec.object_guid, user.object_guid);

    let listed = dir.users(STAFF, Depth::OneLevel, &p).await.unwrap();
    let me = listed.iter().find(|u| u.dn == user.dn);
    assert_eq!(
        me.and_then(|u| u.photo_bytes),
        None,
        "ytanaka is not directly in Staff"
    );
    let again = dir.find_user("ytanaka", &p).await.unwrap();
    assert_eq!(again.photo_bytes, Some(b.len()));

    let removed = dir
        .remove_photo(&user, &p, &backups)
        .await
        .unwrap()
        .expect("had one");
    assert_eq!(std::fs::read(removed.file.as_ref().unwrap()).unwrap(), b);
    assert_eq!(dir.read_photo(&user.dn, &p).await.unwrap(), None);
    assert_eq!(dir.remove_photo(&user, &p, &backups).await.unwrap(), None);

    let (restored, _) = dir
        .restore_photo(&user, &p, &backups)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(restored.sha256, removed.sha256);
    assert_eq!(dir.read_photo(&user.dn, &p).await.unwrap(), Some(b));
    // One record per change, "had no photo" included: write a, write b, remove, restore.
    assert_eq!(backups.list(&user).unwrap().len(), start + 4);

    // jpegPhoto works the same way, with no 100 kB limit.
    let jp = PhotoAttribute("jpegPhoto".into());
    let big = fake_jpeg(150_000, 3);
    dir.write_photo(&user, &jp, &big, &backups).await.unwrap();
    assert_eq!(dir.read_photo(&user.dn, &jp).await.unwrap(), Some(big));
    dir.remove_photo(&user, &jp, &backups).await.unwrap();
}

#[tokio::test]
async fn oversized_thumbnail_photo_is_refused_and_the_old_one_kept() {
    let dc = TestDc::get();
    let dir = dc.admin().await;
    let p = PhotoAttribute::default();
    let tmp = tempfile::tempdir().unwrap();
    let backups = BackupStore::new(tmp.path());
    let user = dir.find_user("klee", &p).await.unwrap();
    let ok = fake_jpeg(THUMBNAIL_PHOTO_LIMIT, 4);
    dir.write_photo(&user, &p, &ok, &backups)
        .await
        .expect("exactly 102,400 bytes is allowed");

    let too_big = fake_jpeg(THUMBNAIL_PHOTO_LIMIT + 1, 5);
    let err = dir
        .write_photo(&user, &p, &too_big, &backups)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DirectoryError::PhotoTooLarge { bytes: 102_401, .. }),
        "{err:?}"
    );
    // And the server's own refusal maps to the same message.
    let err = dir
        .replace_photo_unchecked(&user.dn, &p, &too_big)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DirectoryError::PhotoTooLarge { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("too large"), "{err}");
    assert_eq!(dir.read_photo(&user.dn, &p).await.unwrap(), Some(ok));
}

#[tokio::test]
async fn least_privilege_account_writes_staff_photos_only() {
    let dc = TestDc::get();
    let dir = Directory::connect(&dc.options(&dc.ldaps_url, &dc.helpdesk, &dc.helpdesk_password))
        .await
        .expect("helpdesk signs in");
    let p = PhotoAttribute::default();
    let tmp = tempfile::tempdir().unwrap();
    let backups = BackupStore::new(tmp.path());
    let inside = dir.find_user("tnguyen", &p).await.unwrap();
    dir.write_photo(&inside, &p, &fake_jpeg(3_000, 6), &backups)
        .await
        .expect("thumbnailPhoto under Staff is writable");
    let outside = dir.find_user("ddsouza", &p).await.unwrap();
    let err = dir
        .write_photo(&outside, &p, &fake_jpeg(3_000, 7), &backups)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DirectoryError::InsufficientRights { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("You don't have the right"),
        "{err}"
    );
    let err = dir
        .write_photo(
            &inside,
            &PhotoAttribute("jpegPhoto".into()),
            &fake_jpeg(3_000, 8),
            &backups,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, DirectoryError::InsufficientRights { .. }),
        "only thumbnailPhoto: {err:?}"
    );
}
