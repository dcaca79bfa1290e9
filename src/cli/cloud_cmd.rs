//! `adphoto cloud users|photo get|set|rm`: Microsoft 365 (Entra ID, through Microsoft Graph)
//! for a cloud-only tenant. Sign-in: ADPHOTO_CLIENT_SECRET set → the app's own identity
//! (client credentials); otherwise a person, by device code (a code and a link on the terminal).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::{ConnectionArgs, Failure, Outcome, write_file};
use crate::cloud::{
    AppCertificate, Cloud, CloudBackups, CloudError, CloudOptions, CloudUser, Credentials,
    DeviceCodePrompt, Graph, KeptSignIn, ReadBack, Secret,
};
use crate::data_folder::DataFolder;
use crate::photo::{PrepareOptions, Target};

// The photo engine's Microsoft 365 target and Graph's limit are one number.
const _: () = assert!(Target::microsoft_365().max_bytes == crate::cloud::MAX_PHOTO_BYTES);
const _: () = assert!(Target::microsoft_365().size == crate::cloud::PHOTO_SIDE);

/// The environment variable with the client secret: never a flag (it would show in the
/// process list and the shell history), never written anywhere.
pub const CLIENT_SECRET_ENV: &str = "ADPHOTO_CLIENT_SECRET";

#[derive(Debug, Args)]
pub struct CloudArgs {
    #[command(flatten)]
    pub sign_in: SignInArgs,
    #[command(subcommand)]
    pub command: CloudCommand,
}

/// Which tenant and app registration to sign in with, and how: the same for `adphoto cloud`,
/// and `adphoto import --to m365|both` and `adphoto undo`.
#[derive(Debug, Clone, Args)]
pub struct SignInArgs {
    /// The Entra ID tenant: its directory (tenant) id, or a domain such as contoso.onmicrosoft.com.
    #[arg(long, env = "ADPHOTO_TENANT_ID", value_name = "ID", global = true)]
    pub tenant: Option<String>,
    /// The Application (client) ID of your organisation's app registration.
    #[arg(long, env = "ADPHOTO_CLIENT_ID", value_name = "ID", global = true)]
    pub client_id: Option<String>,
    /// Which Microsoft cloud the tenant is in (ADPHOTO_LOGIN_URL and ADPHOTO_GRAPH_URL replace
    /// its addresses outright).
    #[arg(long, value_enum, default_value = "global", global = true)]
    pub cloud: CloudArg,
    /// Sign in in this computer's browser (authorization code with PKCE, back to
    /// http://localhost) instead of with a device code. Ignored when ADPHOTO_CLIENT_SECRET is set.
    #[arg(long, global = true)]
    pub browser: bool,
    /// Unattended sign-in with the app's certificate (recommended over a secret): a PEM file
    /// with the RSA private key and the certificate uploaded to the app registration.
    #[arg(long, env = "ADPHOTO_CLIENT_CERT", value_name = "PEM", global = true)]
    pub client_cert: Option<std::path::PathBuf>,
    /// Keep me signed in: a person's sign-in is kept in the system's credential store
    /// (Windows Credential Manager, the Secret Service on Linux, the macOS Keychain — never a
    /// file) and used again by the next command given this option, without a code to type.
    /// `adphoto cloud sign-out` removes it.
    #[arg(long, global = true)]
    pub keep_signed_in: bool,
}

impl SignInArgs {
    /// Whether a tenant was named (by option or environment): undo signs in only then.
    pub fn given(&self) -> bool {
        self.tenant.as_deref().is_some_and(|t| !t.trim().is_empty())
    }

    /// The tenant as given ("" when none).
    pub fn tenant(&self) -> String {
        self.tenant.clone().unwrap_or_default()
    }

    /// Signs in to the tenant: the app's own identity with `--client-cert` or
    /// ADPHOTO_CLIENT_SECRET, otherwise a
    /// person in the browser (`--browser`) or by device code. `--ca-file`, `--pin-sha256`,
    /// `--insecure` and `--timeout` apply as to LDAP.
    pub async fn connect(&self, conn: &ConnectionArgs) -> Result<Graph, CloudError> {
        let opts = self.options(conn);
        if conn.insecure {
            eprintln!("adphoto: WARNING: --insecure: the server's certificate is NOT checked");
        }
        let credentials = match (&self.client_cert, std::env::var(CLIENT_SECRET_ENV)) {
            (Some(pem), _) => Credentials::ClientCertificate(std::sync::Arc::new(
                AppCertificate::from_pem_file(pem)?,
            )),
            (None, Ok(s)) if !s.is_empty() => Credentials::ClientSecret(Secret::new(s)),
            _ if self.browser => Credentials::browser(open_browser),
            _ => Credentials::device_code(show_device_code),
        };
        let graph = Graph::connect(&opts, credentials).await?;
        if let Some(problem) = graph.keep_problem() {
            eprintln!("adphoto: warning: signed in for this command only: {problem}");
        }
        Ok(graph)
    }

    /// The tenant, app and connection settings, as given.
    fn options(&self, conn: &ConnectionArgs) -> CloudOptions {
        let mut opts = CloudOptions::new(
            self.tenant(),
            self.client_id.clone().unwrap_or_default(),
            self.cloud.into(),
        );
        opts.ca_file = conn.ca_file.clone();
        opts.pin_sha256 = conn.pin_sha256.clone();
        opts.insecure_skip_verify = conn.insecure;
        // Graph and the sign-in are slower than a DC on the LAN: at least 30 s.
        opts.timeout = Duration::from_secs(conn.timeout.max(30));
        opts.keep_signed_in = self.keep_signed_in;
        opts
    }

    /// `adphoto cloud sign-out`: the kept sign-in of this tenant and app removed from the
    /// credential store (nothing else is asked of anyone).
    fn sign_out(&self, conn: &ConnectionArgs) -> Result<Outcome, Failure> {
        let opts = self.options(conn);
        if opts.tenant.trim().is_empty() || opts.client_id.trim().is_empty() {
            return Err(Failure::usage(
                "give --tenant and --client-id of the sign-in to forget",
            ));
        }
        let removed = KeptSignIn::for_options(&opts).forget()?;
        if removed {
            say!(
                "signed out: the kept sign-in to {} was removed",
                opts.tenant
            );
        } else {
            say!("no sign-in to {} was kept on this computer", opts.tenant);
        }
        Ok(Outcome::Ok)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CloudArg {
    Global,
    Usgov,
    China,
}

impl From<CloudArg> for Cloud {
    fn from(c: CloudArg) -> Self {
        match c {
            CloudArg::Global => Cloud::Global,
            CloudArg::Usgov => Cloud::UsGov,
            CloudArg::China => Cloud::China,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CloudCommand {
    /// List the tenant's users (id, userPrincipalName, mail, displayName, onPremisesImmutableId).
    Users {
        /// Print JSON (an array of users, Graph's property names).
        #[arg(long)]
        json: bool,
    },
    /// Read, set or remove one user's Microsoft 365 profile photo.
    #[command(subcommand)]
    Photo(CloudPhotoCommand),
    /// Remove the sign-in kept by --keep-signed-in from the system's credential store.
    SignOut,
}

#[derive(Debug, Subcommand)]
pub enum CloudPhotoCommand {
    /// Save a user's profile photo to a file (as Microsoft 365 stores it: JPEG or PNG).
    Get {
        /// userPrincipalName or object id.
        #[arg(value_name = "USER")]
        who: String,
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Set a user's profile photo from any picture, fitted to 648×648 (face-centred square,
    /// high-quality JPEG); the old photo is saved in the data folder first.
    Set {
        /// userPrincipalName or object id.
        #[arg(value_name = "USER")]
        who: String,
        /// JPEG, PNG, GIF, BMP, TIFF or WebP.
        file: PathBuf,
    },
    /// Remove a user's profile photo (it is saved in the data folder first).
    Rm {
        /// userPrincipalName or object id.
        #[arg(value_name = "USER")]
        who: String,
    },
    /// Put back the profile photo a user had before adphoto's last change to it (or remove it,
    /// if they had none then); the photo it replaces is saved first, so this can be undone too.
    Restore {
        /// userPrincipalName or object id.
        #[arg(value_name = "USER")]
        who: String,
    },
}

impl From<CloudError> for Failure {
    fn from(e: CloudError) -> Self {
        Self {
            code: if e.is_connection_error() { 2 } else { 1 },
            message: e.to_string(),
        }
    }
}

pub async fn run(
    conn: &ConnectionArgs,
    data: &DataFolder,
    args: CloudArgs,
) -> Result<Outcome, Failure> {
    let tenant = args.sign_in.tenant();
    // Every change takes the data folder's write lock for this tenant (one writer at a time).
    let _lock = match &args.command {
        CloudCommand::Photo(
            CloudPhotoCommand::Set { .. }
            | CloudPhotoCommand::Rm { .. }
            | CloudPhotoCommand::Restore { .. },
        ) => Some(data.lock_writes(&crate::import::tenant_lock_key(&tenant), &command_line())?),
        _ => None,
    };
    // A picture that cannot be used is said before anyone is asked to sign in.
    let prepared = match &args.command {
        CloudCommand::Photo(CloudPhotoCommand::Set { file, .. }) => {
            let opts = PrepareOptions::with_target(Target::microsoft_365());
            let p = crate::photo::prepare_file(file, &opts)
                .map_err(|e| Failure::usage(format!("{}: {e}", file.display())))?;
            for w in p.warnings(&opts.target) {
                eprintln!("adphoto: {}: {w}", file.display());
            }
            Some(p)
        }
        _ => None,
    };
    let graph = match args.command {
        CloudCommand::SignOut => return args.sign_in.sign_out(conn),
        _ => args.sign_in.connect(conn).await?,
    };
    let backups = CloudBackups::in_folder(data);
    match args.command {
        CloudCommand::SignOut => unreachable!("answered before signing in"),
        CloudCommand::Users { json } => users(&graph, json).await,
        CloudCommand::Photo(CloudPhotoCommand::Get { who, output }) => {
            let user = graph.user(&who).await?;
            match graph.photo(&user.id).await? {
                Some(bytes) => {
                    write_file(&output, &bytes)?;
                    say!(
                        "{}: {} bytes saved to {}",
                        user.label(),
                        bytes.len(),
                        output.display()
                    );
                    Ok(Outcome::Ok)
                }
                None => Err(Failure {
                    message: format!("{} has no profile photo in Microsoft 365", user.label()),
                    code: 1,
                }),
            }
        }
        CloudCommand::Photo(CloudPhotoCommand::Set { who, file }) => {
            let Some(prepared) = prepared else {
                return Err(Failure::usage("no photo prepared"));
            };
            let user = graph.user(&who).await?;
            let change = graph
                .replace_photo(&user, &prepared.jpeg, &backups)
                .await
                .map_err(|e| name_file(e, &file))?;
            say_inline!(
                "{}: profile photo set ({}×{} px, {} bytes, quality {})",
                user.label(),
                prepared.width,
                prepared.height,
                prepared.jpeg.len(),
                prepared.quality
            );
            match &change.backup {
                Some(f) => say!("; the old photo is saved in {}", f.display()),
                None => say!("; it had none before"),
            }
            warn_read_back(&user, &change.read_back);
            Ok(Outcome::Ok)
        }
        CloudCommand::Photo(CloudPhotoCommand::Rm { who }) => {
            let user = graph.user(&who).await?;
            let change = graph.remove_photo(&user, &backups).await?;
            match &change.backup {
                Some(f) => say!(
                    "{}: profile photo removed; saved in {}",
                    user.label(),
                    f.display()
                ),
                None => say!("{}: had no profile photo", user.label()),
            }
            warn_read_back(&user, &change.read_back);
            Ok(Outcome::Ok)
        }
        CloudCommand::Photo(CloudPhotoCommand::Restore { who }) => {
            let user = graph.user(&who).await?;
            let Some(done) = graph.restore_previous(&user, &backups).await? else {
                return Err(Failure {
                    message: crate::cloud::nothing_to_restore(&user.label()),
                    code: 1,
                });
            };
            say!("{}", crate::cloud::restored(&user.label(), &done));
            warn_read_back(&user, &done.change.read_back);
            Ok(Outcome::Ok)
        }
    }
}

/// Graph's answers about a picture (too large, not an image) name the file it came from.
fn name_file(e: CloudError, file: &std::path::Path) -> Failure {
    let message = e.about_file(file);
    Failure {
        message,
        ..Failure::from(e)
    }
}

fn warn_read_back(user: &CloudUser, read_back: &ReadBack) {
    if let Some(w) = read_back.warning() {
        eprintln!("adphoto: {}: {w}", user.label());
    }
}

async fn users(graph: &Graph, json: bool) -> Result<Outcome, Failure> {
    let users = graph.users().await?;
    if json {
        say!(
            "{}",
            serde_json::to_string_pretty(&users).unwrap_or_default()
        );
        return Ok(Outcome::Ok);
    }
    let width = |f: fn(&CloudUser) -> &str| users.iter().map(|u| f(u).chars().count()).max();
    let upn_w = width(|u| u.user_principal_name.as_deref().unwrap_or("")).unwrap_or(0);
    let name_w = width(|u| u.display_name.as_deref().unwrap_or("")).unwrap_or(0);
    say!(
        "{:<upn_w$}  {:<name_w$}  {:<36}  ON-PREMISES",
        "USER PRINCIPAL NAME",
        "NAME",
        "ID"
    );
    for u in &users {
        say!(
            "{:<upn_w$}  {:<name_w$}  {:<36}  {}",
            u.user_principal_name.as_deref().unwrap_or(""),
            u.display_name.as_deref().unwrap_or(""),
            u.id,
            if u.on_premises_immutable_id.is_some() {
                "synced"
            } else {
                "cloud only"
            }
        );
    }
    eprintln!("{} users", users.len());
    Ok(Outcome::Ok)
}

/// On stderr, so that `--json` output stays clean.
fn show_device_code(p: &DeviceCodePrompt) {
    eprintln!(
        "To sign in to Microsoft 365, open {} in a browser and enter the code {} (within {} minutes).",
        p.verification_uri,
        p.user_code,
        p.expires_in.as_secs().div_ceil(60)
    );
}

/// The system's browser on the sign-in page; the address is printed too, for when none opens.
fn open_browser(url: &str) -> bool {
    eprintln!(
        "Signing in to Microsoft 365 in your browser. If none opens, open this address:\n{url}"
    );
    #[cfg(windows)]
    // `cmd /c start` would cut the address at its first `&`.
    let opened = std::process::Command::new("rundll32")
        .args(["url.dll,FileProtocolHandler", url])
        .spawn();
    #[cfg(target_os = "macos")]
    let opened = std::process::Command::new("open").arg(url).spawn();
    #[cfg(all(unix, not(target_os = "macos")))]
    let opened = std::process::Command::new("xdg-open")
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    opened.is_ok()
}

fn command_line() -> String {
    std::env::args()
        .map(|a| if a.contains(' ') { format!("{a:?}") } else { a })
        .collect::<Vec<_>>()
        .join(" ")
}
