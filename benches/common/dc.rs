//! What the directory benches share: the Samba test DC's settings, a connection, the OpenLDAP
//! tools pointed at it, and a median.
#![allow(dead_code)] // each bench uses its part

use std::process::Command;
use std::time::Duration;

use adphoto::directory::{Auth, BackupStore, ConnectOptions, Directory, Security};
use adphoto::import::{self, Cancel, JobOptions, Journal, Plan, Report};

/// adphoto's whole safe import of `plan` (backups and journal in `folder`), as `adphoto import`
/// runs it: what the import benches time.
pub async fn safe_import(dir: &Directory, plan: &Plan, folder: &std::path::Path) -> Report {
    let backups = BackupStore::new(folder.join("backups"));
    let journal = Journal::create(folder.join("bench.jsonl")).unwrap();
    import::run(
        dir,
        plan,
        &backups,
        Some(journal),
        JobOptions::default(),
        &Cancel::default(),
        |_| {},
    )
    .await
}

/// A variable of the test DC's test-env.sh; without it the bench says how to start the DC.
pub fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        eprintln!("{name} is not set: run ./dev.sh bench (it starts the Samba test DC)");
        std::process::exit(2)
    })
}

pub struct Env {
    pub url: String,
    pub ca: String,
    pub admin: String,
    pub password: String,
    pub big_ou: String,
}

impl Env {
    pub fn get() -> Self {
        Self {
            url: var("ADPHOTO_TEST_LDAPS_URL"),
            ca: var("ADPHOTO_TEST_CA"),
            admin: var("ADPHOTO_TEST_ADMIN"),
            password: var("ADPHOTO_TEST_PASSWORD"),
            big_ou: var("ADPHOTO_TEST_BIG_OU"),
        }
    }

    /// Signs in as the administrator over LDAPS at `url` (the DC, or a proxy in front of it).
    pub async fn connect(&self, url: &str) -> Directory {
        let mut o = ConnectOptions::new(
            url.to_string(),
            Auth::Simple {
                user: self.admin.clone(),
                password: self.password.clone(),
            },
        );
        o.security = Security::Ldaps;
        o.ca_file = Some(self.ca.clone().into());
        Directory::connect(&o).await.expect("connects")
    }

    /// `ldapsearch`/`ldapmodify` signed in as the administrator at `url`.
    pub fn ldap_tool(&self, tool: &str, url: &str) -> Command {
        let mut c = Command::new(tool);
        c.env("LDAPTLS_CACERT", &self.ca).args([
            "-H",
            url,
            "-x",
            "-D",
            &self.admin,
            "-w",
            &self.password,
        ]);
        c
    }
}

impl Env {
    /// What an admin would run to list the big OU: `ldapsearch` paged by 500 (adphoto's page
    /// size), asking for the attributes adphoto asks for.
    pub fn list_big_ou_with_ldapsearch(&self, url: &str) -> std::process::Output {
        self.ldap_tool("ldapsearch", url)
            .args([
                "-LLL",
                "-E",
                "pr=500/noprompt",
                "-b",
                &self.big_ou,
                "-s",
                "one",
                adphoto::directory::filter::USERS,
            ])
            .args(adphoto::directory::USER_ATTRIBUTES)
            .arg("thumbnailPhoto")
            .output()
            .expect("ldapsearch runs")
    }
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// A w×h JPEG picture, different per seed, as one user's photo file.
pub fn picture(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut px = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let v = (x * 7 + y * 3 + seed * 37) % 256;
            px.extend([v as u8, ((y + seed) % 256) as u8, ((x ^ seed) % 256) as u8]);
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&px, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .unwrap();
    out
}
