//! Shared by the integration tests: the Samba test DC started by `tests/ad/samba-dc.sh`.
#![allow(dead_code)]

pub mod proxy;

use std::path::PathBuf;
use std::time::Duration;

use adphoto::directory::{Auth, ConnectOptions, Directory, Security};

/// What `tests/ad/samba-dc.sh start` exports through its test-env.sh.
pub struct TestDc {
    pub ldaps_url: String,
    pub starttls_url: String,
    pub ca: PathBuf,
    pub base: String,
    pub admin: String,
    pub password: String,
    pub helpdesk: String,
    pub helpdesk_password: String,
    pub big_ou: String,
    pub big_count: usize,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests need the Samba test DC. Run the README's test command \
             (./dev.sh test), or `tests/ad/samba-dc.sh start` and source the test-env.sh it prints."
        )
    })
}

impl TestDc {
    pub fn get() -> Self {
        Self {
            ldaps_url: var("ADPHOTO_TEST_LDAPS_URL"),
            starttls_url: var("ADPHOTO_TEST_STARTTLS_URL"),
            ca: PathBuf::from(var("ADPHOTO_TEST_CA")),
            base: var("ADPHOTO_TEST_BASE"),
            admin: var("ADPHOTO_TEST_ADMIN"),
            password: var("ADPHOTO_TEST_PASSWORD"),
            helpdesk: var("ADPHOTO_TEST_HELPDESK_USER"),
            helpdesk_password: var("ADPHOTO_TEST_HELPDESK_PASSWORD"),
            big_ou: var("ADPHOTO_TEST_BIG_OU"),
            big_count: var("ADPHOTO_TEST_BIG_COUNT").parse().expect("a number"),
        }
    }

    pub fn options(&self, url: &str, user: &str, password: &str) -> ConnectOptions {
        let mut o = ConnectOptions::new(
            url,
            Auth::Simple {
                user: user.into(),
                password: password.into(),
            },
        );
        o.ca_file = Some(self.ca.clone());
        o.security = Security::Ldaps;
        o.timeout = Duration::from_secs(10);
        o
    }

    pub fn admin_options(&self) -> ConnectOptions {
        self.options(&self.ldaps_url, &self.admin, &self.password)
    }

    pub async fn admin(&self) -> Directory {
        Directory::connect(&self.admin_options())
            .await
            .expect("admin connects over LDAPS")
    }

    /// Environment for running the CLI binary against the DC as the administrator.
    pub fn cli_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ADPHOTO_SERVER", self.ldaps_url.clone()),
            ("ADPHOTO_USER", self.admin.clone()),
            ("ADPHOTO_PASSWORD", self.password.clone()),
        ]
    }
}

/// A small but real JPEG-looking payload, unique per call so read-back compares mean something.
pub fn fake_jpeg(len: usize, seed: u8) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.extend((0..len.saturating_sub(6)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    v.extend([0xFF, 0xD9]);
    v
}

/// A real photo-like picture: gradients and a face-ish blob, as PNG or JPEG.
pub fn picture(w: u32, h: u32, seed: u8, jpeg: bool) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let d = ((x as i64 - w as i64 / 2).pow(2) + (y as i64 - h as i64 / 3).pow(2)) as f64;
        let face = d < (w as f64 / 6.0).powi(2);
        if face {
            image::Rgb([230, 190, 160])
        } else {
            image::Rgb([
                (x * 255 / w) as u8 ^ seed,
                (y * 255 / h) as u8,
                seed.wrapping_mul(7),
            ])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    let fmt = if jpeg {
        image::ImageFormat::Jpeg
    } else {
        image::ImageFormat::Png
    };
    img.write_to(&mut out, fmt).unwrap();
    out.into_inner()
}
