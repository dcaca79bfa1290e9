//! Microsoft 365 over a real-world round trip: N users' profile photos (default 500) written
//! through the local Graph stand-in (tests/common/graph_server.rs, HTTPS on 127.0.0.1) with
//! 50 ms added to every answer, in one run:
//!
//! - adphoto's import to Microsoft 365 (the engine's `import::import`, as `adphoto import --to
//!   m365` runs it): users looked up 15 to a request by onPremisesImmutableId, and for each the
//!   648 px photo made from its file, the old photo read and saved, the new one written and read
//!   back — a bounded number of requests at a time;
//! - against the same photos written one request at a time, as a script's loop does it (for
//!   each user the same 648 px encode, then a PUT; nothing read, saved or checked: what a
//!   `Set-MgUserPhotoContent` loop does).
//!
//! Nothing here contacts a Microsoft host. Needs the Samba test DC (`./dev.sh bench`) only for
//! the users' objectGUIDs and the import's directory lock; AD is not written.
//! `ADPHOTO_BENCH_CLOUD_USERS=N`, `ADPHOTO_BENCH_CLOUD_LATENCY_MS=50`.

// (the stand-in allows its own unused parts: the fault switches are for the tests)
#[path = "../tests/common/graph_server.rs"]
mod graph_server;

#[path = "common/dc.rs"]
mod dc;

use std::time::{Duration, Instant};

use adphoto::cloud::{
    self, CloudBackups, CloudOptions, Credentials, DEFAULT_PARALLEL, Endpoints, Graph, Secret,
};
use adphoto::data_folder::DataFolder;
use adphoto::directory::{Depth, PhotoAttribute};
use adphoto::import::{self, Cancel, CloudSide, Destination, JobOptions, Plan, PlanItem};
use adphoto::photo::{self, PrepareOptions, Target};
use dc::Env;
use graph_server::{CLIENT_ID, CLIENT_SECRET, GraphServer, MockUser, TENANT};

fn main() {
    // `cargo test --all-targets` runs bench binaries too; only `cargo bench` passes --bench.
    if !std::env::args().any(|a| a == "--bench") {
        println!("{}: run it with `cargo bench --bench cloud`", file!());
        return;
    }
    let env = Env::get();
    let n: usize = std::env::var("ADPHOTO_BENCH_CLOUD_USERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500);
    let latency = Duration::from_millis(
        std::env::var("ADPHOTO_BENCH_CLOUD_LATENCY_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(50),
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = rt.block_on(env.connect(&env.url));
    let p = PhotoAttribute::default();
    let mut users = rt
        .block_on(dir.users(&env.big_ou, Depth::Subtree, &p))
        .unwrap();
    users.truncate(n);
    let n = users.len();
    let id = |i: usize| format!("00000000-0000-0000-0000-{:012}", 50_000 + i);

    let server = GraphServer::start(Vec::new());
    server.with(|s| {
        s.users = users
            .iter()
            .enumerate()
            .map(|(i, u)| MockUser {
                id: id(i),
                upn: u.user_principal_name.clone().unwrap_or_default(),
                mail: u.mail.clone(),
                display_name: u.label(),
                immutable_id: cloud::immutable_id(u),
            })
            .collect();
        s.page_size = 100;
        s.latency = latency;
    });
    let tmp = tempfile::tempdir().unwrap();
    let data = DataFolder::new(tmp.path().join("data"));
    let folder = tmp.path().join("photos");
    std::fs::create_dir(&folder).unwrap();
    let items: Vec<PlanItem> = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let file = folder.join(format!("{i}.jpg"));
            std::fs::write(&file, dc::picture(900, 1200, i as u32)).unwrap();
            PlanItem {
                user: u.clone(),
                file,
                crop: None,
                rotate_quarter_turns: 0,
                encoded: None,
            }
        })
        .collect();
    let mut plan = Plan::new(items, Target::outlook(), p.clone());
    plan.to = Destination::Microsoft365;

    let mut o = CloudOptions::new(TENANT, CLIENT_ID, cloud::Cloud::Global);
    o.endpoints = Endpoints {
        login: server.url.clone(),
        graph: server.url.clone(),
    };
    o.ca_file = Some(server.ca_file.clone());
    let graph = rt
        .block_on(Graph::connect(
            &o,
            Credentials::ClientSecret(Secret::new(CLIENT_SECRET)),
        ))
        .unwrap();

    // One request at a time, as a script does it: for each user, make the same 648 px photo
    // from the same file (our encoder, so both sides do the same CPU work), then one PUT.
    let opts = PrepareOptions {
        target: Target::microsoft_365(),
        ..PrepareOptions::default()
    };
    let mut encoding = Duration::ZERO;
    let t = Instant::now();
    rt.block_on(async {
        for (i, it) in plan.items.iter().enumerate() {
            let e = Instant::now();
            let jpeg = photo::prepare_file(&it.file, &opts).unwrap().jpeg;
            encoding += e.elapsed();
            graph.put_photo(&id(i), &jpeg).await.unwrap();
        }
    });
    let one_at_a_time = t.elapsed();
    // Back to no photos, so adphoto's run has the same work (each user had none).
    server.with(|s| s.photos.clear());

    let side = CloudSide {
        graph,
        backups: CloudBackups::in_folder(&data),
    };
    let t = Instant::now();
    let report = rt
        .block_on(import::import(
            &dir,
            Some((&side, TENANT)),
            &data,
            "bench",
            &plan,
            JobOptions { concurrency: 2 },
            &Cancel::default(),
            |_| {},
        ))
        .unwrap();
    let ours = t.elapsed();
    assert_eq!(report.cloud_written(), n, "{}", report.counts());
    server.assert_no_violations();
    let log = server.graph_requests();
    let requests = log.len();
    let mut by: std::collections::BTreeMap<String, usize> = Default::default();
    for r in &log {
        *by.entry(format!("{} {}", r.method, r.status)).or_default() += 1;
    }
    println!("  requests: {by:?}");
    println!(
        "{n} Microsoft 365 photos, {} ms added per answer, {DEFAULT_PARALLEL} requests at a time",
        latency.as_millis()
    );
    println!(
        "  adphoto import --to m365 (look-up, 648 px encode, old photo saved, write, read back): {:.2} s",
        ours.as_secs_f64()
    );
    println!(
        "  one user at a time (encode, one PUT; nothing saved or checked):                  {:.2} s, of it encoding {:.2} s",
        one_at_a_time.as_secs_f64(),
        encoding.as_secs_f64()
    );
    println!(
        "  ratio: {:.2}x ({requests} Graph requests in all, the one-at-a-time run's included)",
        one_at_a_time.as_secs_f64() / ours.as_secs_f64()
    );
}
