//! A Secret Service of the tests' own: a private D-Bus session bus (`dbus-daemon`) with GNOME
//! Keyring's daemon on it, its login keyring in a temporary folder, unlocked with a throw-away
//! password. The credential store that "keep me signed in" uses on Linux, for real, without
//! touching the machine's own session. Needs Debian's dbus-daemon, gnome-keyring and
//! libsecret-tools (`secret-tool`, to look into the store as a person would).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecretService {
    /// The bus address, for DBUS_SESSION_BUS_ADDRESS.
    pub bus: String,
    dbus: Child,
    keyring: Child,
    home: tempfile::TempDir,
}

fn spawn(cmd: &mut Command, what: &str) -> Child {
    cmd.spawn().unwrap_or_else(|e| {
        panic!("cannot start {what} ({e}): install dbus-daemon, gnome-keyring and libsecret-tools (./dev.sh test does)")
    })
}

impl SecretService {
    pub fn start() -> Self {
        let home = tempfile::tempdir().unwrap();
        // Its socket in the test's own folder (the session config's default, a socket in /tmp,
        // stays behind when the daemon is killed).
        let address = format!("unix:path={}", home.path().join("bus").display());
        let mut dbus = spawn(
            Command::new("dbus-daemon")
                .args(["--session", "--nofork", "--print-address=1"])
                .arg(format!("--address={address}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
            "dbus-daemon",
        );
        let mut line = String::new();
        BufReader::new(dbus.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let bus = line.trim().to_string();
        assert!(bus.starts_with("unix:"), "dbus-daemon printed {line:?}");
        let data = home.path().join("data");
        let run = home.path().join("run");
        for d in [&data, &run] {
            std::fs::create_dir_all(d).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
            }
        }
        let mut keyring = spawn(
            Command::new("gnome-keyring-daemon")
                .args(["--foreground", "--components=secrets", "--unlock"])
                .env("DBUS_SESSION_BUS_ADDRESS", &bus)
                .env("XDG_DATA_HOME", &data)
                .env("XDG_RUNTIME_DIR", &run)
                .env("HOME", home.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
            "gnome-keyring-daemon",
        );
        // --unlock reads the login keyring's password from stdin, up to its end.
        let mut stdin = keyring.stdin.take().unwrap();
        stdin.write_all(b"throw-away").unwrap();
        drop(stdin);
        let me = Self {
            bus,
            dbus,
            keyring,
            home,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !me.has_secret_service() {
            assert!(
                Instant::now() < deadline,
                "gnome-keyring-daemon did not come up on the test bus"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        me
    }

    fn has_secret_service(&self) -> bool {
        let out = Command::new("dbus-send")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output()
            .expect("dbus-send (Debian's dbus-bin)");
        String::from_utf8_lossy(&out.stdout).contains("boolean true")
    }

    /// Every secret kept under `service` (what `secret-tool search --all service …` shows).
    pub fn secrets_of(&self, service: &str) -> Vec<String> {
        let out = Command::new("secret-tool")
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .args(["search", "--all", "--unlock", "service", service])
            .output()
            .expect("secret-tool (Debian's libsecret-tools)");
        // secret-tool prints the items on stdout, their secrets as `secret = …`, and some on stderr.
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        all.lines()
            .filter_map(|l| l.strip_prefix("secret = "))
            .map(str::to_string)
            .collect()
    }

    /// The folder the keyring files live in (to show a token is only there, encrypted).
    pub fn keyrings(&self) -> PathBuf {
        self.home.path().join("data").join("keyrings")
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.dbus.kill();
        let _ = self.dbus.wait();
    }
}
