//! Crash loops: a worker process (this test binary re-run as `crash_worker`) does one kind of work in a
//! loop — a CRM sync, outbox deliveries, integration updates (SQLite + the real keychain), template
//! saves, project imports — and is SIGKILLed after a random delay, 20 times per kind. After every kill:
//! `PRAGMA integrity_check` is `ok`, every committed change is whole, nothing is duplicated, no run is
//! left `running`, no row lacks its secret; the next process finishes the work. Linux (SIGKILL, Secret
//! Service); `tests/bootstrap.sh test` runs it under a private unlocked gnome-keyring.
#![cfg(target_os = "linux")]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchbay_core::bundle::ImportOptions;
use patchbay_core::crm::bridge::{OnRerun, Transfer, Transform};
use patchbay_core::crm::records::RecordQuery;
use patchbay_core::crm::sync::{Entity, Sync};
use patchbay_core::outbox::{Deliverer, DeliveryQuery, EndpointInput};
use patchbay_core::runs::{RunQuery, RunStatus, STALE_AFTER_MS};
use patchbay_core::secrets::{account, Backend, Keychain};
use patchbay_core::store::now_ms;
use patchbay_core::templates::render::BodyFormat;
use patchbay_core::templates::store::TemplateInput;
use patchbay_core::{
    ExposeSecret, IntegrationQuery, IntegrationUpdate, NewIntegration, Patchbay, SecretString,
    APP_IDENTIFIER,
};
use rand::Rng;
use support::fake_crm::{FakeBitrix24, FakeKommo};
use support::{Behaviour, Reply, Server};

const KILLS: usize = 20;
const PASSPHRASE: &str = "crash loop passphrase";

/// The worker: runs only when the parent sets `PATCHBAY_CRASH_MODE` (ignored otherwise).
#[test]
#[ignore = "run by crash_loops_keep_every_promise as a child process"]
fn crash_worker() {
    let (Ok(mode), Ok(dir)) = (
        std::env::var("PATCHBAY_CRASH_MODE"),
        std::env::var("PATCHBAY_CRASH_DIR"),
    ) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let core = Arc::new(Patchbay::open(Path::new(&dir)).unwrap());
    runtime.block_on(async move {
        match mode.as_str() {
            "sync" => {
                let sync = Sync::new(Arc::clone(&core)).unwrap();
                sync.run(1, vec![Entity::Deals], false).await.unwrap();
            }
            "bridge" => {
                let transfer = Transfer::new(Arc::clone(&core)).unwrap();
                transfer.run(1, false).await.unwrap();
            }
            "outbox" => {
                let mut deliverer = Deliverer::new().unwrap();
                deliverer.backoff_base_ms = 0;
                for i in 0.. {
                    support::add(
                        &core,
                        "http",
                        &format!("n{i}"),
                        &[("url", "https://example.com")],
                        &[],
                    );
                    deliverer.deliver_due(&core).await.unwrap();
                }
            }
            "update" => {
                for i in 1.. {
                    core.update_integration(
                        1,
                        IntegrationUpdate {
                            config: Some(BTreeMap::from([(
                                "subdomain".to_owned(),
                                format!("s{i}"),
                            )])),
                            secrets: BTreeMap::from([(
                                "token".to_owned(),
                                Some(SecretString::from(format!("t{i}"))),
                            )]),
                            ..Default::default()
                        },
                    )
                    .unwrap();
                }
            }
            "template" => {
                for i in 1.. {
                    core.update_template(1, &template(i)).unwrap();
                }
            }
            "import" => {
                let document = std::env::var("PATCHBAY_CRASH_DOCUMENT").unwrap();
                for i in 0.. {
                    core.import_project(
                        &document,
                        ImportOptions {
                            project: Some(format!("Import {i}")),
                            passphrase: Some(SecretString::from(PASSPHRASE)),
                            skip_secrets: false,
                        },
                    )
                    .unwrap();
                }
            }
            other => panic!("unknown mode {other}"),
        }
    });
}

fn template(version: usize) -> TemplateInput {
    TemplateInput {
        project_id: None,
        name: "Welcome".into(),
        subject: format!("Version {version}"),
        format: BodyFormat::Html,
        body: format!("<p>v{version}</p>").repeat(2_000),
        text_body: None,
        sample_data: None,
    }
}

/// Runs the worker in `dir` and SIGKILLs it after `delay`; returns whether it was still running.
fn run_and_kill(mode: &str, dir: &Path, delay: Duration, document: Option<&str>) -> bool {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--ignored",
            "--exact",
            "crash_worker",
            "--test-threads=1",
            "--quiet",
        ])
        .env("PATCHBAY_CRASH_MODE", mode)
        .env("PATCHBAY_CRASH_DIR", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(document) = document {
        command.env("PATCHBAY_CRASH_DOCUMENT", document);
    }
    let mut child = command.spawn().unwrap();
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    running
}

/// Runs the worker in `dir`, SIGKILLs it after `delay` and checks the database's integrity; returns
/// whether the worker was still running when killed.
async fn kill_worker(
    core: &Patchbay,
    mode: &'static str,
    dir: &Path,
    delay: Duration,
    document: Option<String>,
) -> bool {
    let dir = dir.to_owned();
    let running =
        tokio::task::spawn_blocking(move || run_and_kill(mode, &dir, delay, document.as_deref()))
            .await
            .unwrap();
    integrity(core);
    running
}

fn integrity(core: &Patchbay) {
    let verdict: String = core
        .store()
        .lock()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(verdict, "ok");
}

fn no_running_runs(core: &Patchbay) {
    core.interrupt_stale_runs(now_ms() + STALE_AFTER_MS + 1)
        .unwrap();
    let runs = core
        .list_runs(&RunQuery {
            page: 1,
            per_page: 100,
            ..Default::default()
        })
        .unwrap();
    assert!(
        runs.items.iter().all(|r| r.status != RunStatus::Running),
        "a run is stuck running"
    );
}

fn clear_keychain(ids: std::ops::RangeInclusive<i64>, field: &str) {
    let keychain = Keychain::new(APP_IDENTIFIER);
    for id in ids {
        keychain.delete(&account(id, field)).unwrap();
    }
}

fn delay(range: std::ops::Range<u64>) -> Duration {
    Duration::from_millis(rand::rng().random_range(range))
}

struct Tally {
    mode: &'static str,
    killed_running: usize,
    detail: String,
}

async fn sync_loop() -> Tally {
    let kommo = FakeKommo::start(2_000, 0, "crash-token").await;
    kommo.set_delay(Duration::from_millis(60));
    let mut killed = 0;
    for _ in 0..KILLS {
        let dir = tempfile::tempdir().unwrap();
        clear_keychain(1..=1, "token");
        let core = Arc::new(Patchbay::open(dir.path()).unwrap());
        support::add(
            &core,
            "kommo",
            "CRM",
            &[("base_url", &kommo.server.url())],
            &[("token", "crash-token")],
        );
        killed += usize::from(kill_worker(&core, "sync", dir.path(), delay(100..900), None).await);
        core.interrupt_stale_runs(now_ms() + STALE_AFTER_MS + 1)
            .unwrap();
        let run = Sync::new(Arc::clone(&core))
            .unwrap()
            .run(1, vec![Entity::Deals], false)
            .await
            .unwrap();
        assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
        let stored = core
            .list_records(&RecordQuery::of(1, Some("deal")))
            .unwrap()
            .total;
        assert_eq!(stored, 2_000, "every lead exactly once");
        no_running_runs(&core);
        core.delete_integration(1).unwrap();
    }
    Tally {
        mode: "CRM sync (2,000 Kommo leads)",
        killed_running: killed,
        detail: "store equals the account after each resume".into(),
    }
}

async fn bridge_loop() -> Tally {
    // 1,000 source deals, 111 of them in the trigger stage C1:WON; slow answers so kills land mid-run.
    let source = FakeBitrix24::start(1_000, 0, "partner").await;
    source.set_delay(Duration::from_millis(250));
    let triggered = (1..=1_000u64)
        .filter(|i| i % 3 == 1 && i / 3 % 3 == 2)
        .count();
    let mut killed = 0;
    for _ in 0..KILLS {
        let target = FakeBitrix24::start(0, 0, "main").await;
        let dir = tempfile::tempdir().unwrap();
        clear_keychain(1..=2, "webhook_url");
        let core = Arc::new(Patchbay::open(dir.path()).unwrap());
        let source_id = support::add(
            &core,
            "bitrix24",
            "Partner",
            &[],
            &[("webhook_url", &source.webhook())],
        );
        let target_id = support::add(
            &core,
            "bitrix24",
            "Main",
            &[],
            &[("webhook_url", &target.webhook())],
        );
        core.save_bridge(
            None,
            &support::won_deals_bridge(source_id, target_id, Transform::None, OnRerun::Skip),
        )
        .unwrap();
        killed += usize::from(kill_worker(&core, "bridge", dir.path(), delay(80..500), None).await);
        core.interrupt_stale_runs(now_ms() + STALE_AFTER_MS + 1)
            .unwrap();
        let report = Transfer::new(Arc::clone(&core))
            .unwrap()
            .run(1, false)
            .await
            .unwrap();
        assert_eq!(
            report.run.as_ref().map(|r| r.status),
            Some(RunStatus::Succeeded),
            "{report:?}"
        );
        let deals = target.deals();
        let origins: BTreeSet<String> =
            deals.values().map(|d| d["ORIGIN_ID"].to_string()).collect();
        assert_eq!(
            deals.len(),
            triggered,
            "every trigger-stage deal in the target"
        );
        assert_eq!(
            origins.len(),
            deals.len(),
            "a source deal transferred twice"
        );
        no_running_runs(&core);
        for id in [source_id, target_id] {
            core.delete_integration(id).unwrap();
        }
    }
    Tally {
        mode: "bridge run (111 of 1,000 Bitrix24 deals)",
        killed_running: killed,
        detail: "target has every trigger-stage deal exactly once after each rerun".into(),
    }
}

async fn outbox_loop() -> Tally {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&seen);
    let receiver = Server::start(Behaviour::Full(Arc::new(move |request| {
        if let Some(id) = request.header("x-patchbay-event-id") {
            log.lock().unwrap().push(id.to_owned());
        }
        Reply::new(200, "ok")
    })))
    .await;
    let (mut killed, mut events, mut duplicates) = (0, 0, 0);
    for _ in 0..KILLS {
        seen.lock().unwrap().clear();
        let dir = tempfile::tempdir().unwrap();
        let core = Arc::new(Patchbay::open(dir.path()).unwrap());
        core.add_endpoint(&EndpointInput {
            name: "receiver".into(),
            url: receiver.url(),
            headers: String::new(),
            events: vec![],
            secret: None,
        })
        .unwrap();
        killed +=
            usize::from(kill_worker(&core, "outbox", dir.path(), delay(100..1_200), None).await);
        // Every committed integration has its event, written in the same transaction.
        let integrations = core
            .list_integrations(&IntegrationQuery {
                per_page: 10,
                ..Default::default()
            })
            .unwrap()
            .total;
        let created: i64 = core
            .store()
            .lock()
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE event_type = 'integration_created'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            created, integrations,
            "an integration without its event, or the reverse"
        );
        let mut deliverer = Deliverer::new().unwrap();
        deliverer.backoff_base_ms = 0;
        while deliverer.deliver_due(&core).await.unwrap() > 0 {}
        let page = core
            .list_deliveries(&DeliveryQuery {
                per_page: 100,
                ..Default::default()
            })
            .unwrap();
        let received: BTreeSet<String> = seen.lock().unwrap().iter().cloned().collect();
        let mut all = 0;
        for page_number in 1..=(page.total + 99) / 100 {
            let deliveries = core
                .list_deliveries(&DeliveryQuery {
                    page: u32::try_from(page_number).unwrap(),
                    per_page: 100,
                    ..Default::default()
                })
                .unwrap();
            for delivery in deliveries.items {
                assert_eq!(delivery.status, "delivered", "{delivery:?}");
                assert!(
                    received.contains(&delivery.event_id),
                    "event {} never reached the receiver",
                    delivery.event_id
                );
                all += 1;
            }
        }
        events += all;
        duplicates += seen.lock().unwrap().len() - received.len();
    }
    Tally {
        mode: "outbox delivery",
        killed_running: killed,
        detail: format!("{events} events, all delivered, none lost; {duplicates} delivered twice (at-least-once, same event id)"),
    }
}

async fn update_loop() -> Tally {
    let mut killed = 0;
    for _ in 0..KILLS {
        let dir = tempfile::tempdir().unwrap();
        clear_keychain(1..=1, "token");
        let core = Patchbay::open(dir.path()).unwrap();
        core.create_integration(NewIntegration {
            project_id: None,
            provider: "kommo".into(),
            name: "CRM".into(),
            active: Some(false),
            check_interval_s: None,
            config: BTreeMap::from([("subdomain".to_owned(), "s0".to_owned())]),
            secrets: BTreeMap::from([("token".to_owned(), SecretString::from("t0"))]),
        })
        .unwrap();
        killed +=
            usize::from(kill_worker(&core, "update", dir.path(), delay(100..1_000), None).await);
        let integration = core.get_integration(1).unwrap();
        assert_eq!(integration.secrets_set, ["token"]);
        let version: usize = integration.config["subdomain"][1..].parse().unwrap();
        let secret = core
            .reveal_secret(1, "token")
            .expect("the row's secret is in the keychain");
        // The keychain is written just before the SQLite commit: a kill between the two leaves the
        // next version's secret beside this version's settings — never no secret.
        let value = secret.expose_secret();
        assert!(
            value == format!("t{version}") || value == format!("t{}", version + 1),
            "settings of version {version} with secret {value}"
        );
        core.delete_integration(1).unwrap();
    }
    Tally {
        mode: "integration update (SQLite + keychain)",
        killed_running: killed,
        detail: "row and secret always present; secret at most one version ahead".into(),
    }
}

async fn template_loop() -> Tally {
    let mut killed = 0;
    for _ in 0..KILLS {
        let dir = tempfile::tempdir().unwrap();
        let core = Patchbay::open(dir.path()).unwrap();
        core.create_template(&template(0)).unwrap();
        killed +=
            usize::from(kill_worker(&core, "template", dir.path(), delay(100..1_000), None).await);
        let saved = core.get_template(1).unwrap();
        let version: usize = saved
            .subject
            .trim_start_matches("Version ")
            .parse()
            .unwrap();
        assert_eq!(saved.body, template(version).body, "a torn template save");
    }
    Tally {
        mode: "template save",
        killed_running: killed,
        detail: "every template whole, subject and body of one version".into(),
    }
}

async fn import_loop() -> Tally {
    // The document: three integrations (one with a secret), a template; secrets encrypted.
    let source = support::core();
    support::add(
        &source,
        "kommo",
        "CRM",
        &[("subdomain", "acme")],
        &[("token", "imported-token")],
    );
    support::add(
        &source,
        "http",
        "Site",
        &[("url", "https://example.com")],
        &[],
    );
    support::add(
        &source,
        "http",
        "API",
        &[("url", "https://api.example.com")],
        &[],
    );
    source.create_template(&template(0)).unwrap();
    let document = source
        .export_project(1, Some(SecretString::from(PASSPHRASE)))
        .unwrap();
    let (mut killed, mut complete, mut orphans_checked) = (0, 0, 0);
    for _ in 0..KILLS {
        let dir = tempfile::tempdir().unwrap();
        clear_keychain(1..=60, "token");
        let core = Patchbay::open(dir.path()).unwrap();
        killed += usize::from(
            kill_worker(
                &core,
                "import",
                dir.path(),
                delay(300..2_500),
                Some(document.clone()),
            )
            .await,
        );
        // The next start sweeps: no keychain entry is left for an id whose row was never committed.
        drop(Patchbay::open(dir.path()).unwrap());
        let keychain = Keychain::new(APP_IDENTIFIER);
        for id in 1..=60 {
            if core.get_integration(id).is_err() {
                assert!(
                    keychain.get(&account(id, "token")).unwrap().is_none(),
                    "a keychain orphan for integration {id}, never committed"
                );
                orphans_checked += 1;
            }
        }
        for project in core.list_projects().unwrap() {
            if !project.name.starts_with("Import ") {
                continue;
            }
            // Whole or absent: never a project with part of the document.
            assert_eq!(
                project.integration_count, 3,
                "partial import {}",
                project.name
            );
            let page = core
                .list_integrations(&IntegrationQuery {
                    per_page: 10,
                    project_id: Some(project.id),
                    ..Default::default()
                })
                .unwrap();
            for integration in page.items.iter().filter(|i| i.provider == "kommo") {
                assert_eq!(
                    core.reveal_secret(integration.id, "token")
                        .unwrap()
                        .expose_secret(),
                    "imported-token"
                );
            }
            complete += 1;
        }
    }
    Tally {
        mode: "project import (with an encrypted secret)",
        killed_running: killed,
        detail: format!("{complete} imports committed, all whole; none partial; no keychain entry for any of {orphans_checked} uncommitted ids after the next start"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loops_keep_every_promise() {
    let tallies = [
        sync_loop().await,
        bridge_loop().await,
        outbox_loop().await,
        update_loop().await,
        template_loop().await,
        import_loop().await,
    ];
    for tally in &tallies {
        println!(
            "crash loop | {} | {KILLS} SIGKILLs, {} mid-work | {}",
            tally.mode, tally.killed_running, tally.detail
        );
        // The kills must land while the worker works, or the loop proves nothing.
        assert!(
            tally.killed_running >= KILLS / 2,
            "{}: only {} kills landed mid-work",
            tally.mode,
            tally.killed_running
        );
    }
}
