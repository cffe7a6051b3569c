//! `kill -9` in the middle of a CRM sync (after a command run while the sync's heartbeat looked an hour old
//! left it alone), then the same command again: the run resumes from its last
//! committed page and ends with exactly the portal's 10,000 leads — nothing lost, nothing twice — without
//! exceeding the portal's rate limit. The portal is the suite's stateful local Kommo (127.0.0.1).

#[path = "../../core/tests/support/mod.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use patchbay_core::crm::records::RecordQuery;
use patchbay_core::runs::STALE_AFTER_MS;
use patchbay_core::secrets::{Credentials, MemoryBackend};
use patchbay_core::store::{now_ms, Store};
use patchbay_core::Patchbay;
use support::fake_crm::FakeKommo;

fn patchbay(data_dir: &std::path::Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_patchbay"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("PATCHBAY_DATA_DIR")
        .stdin(Stdio::null());
    command
}

fn json(command: &mut Command) -> serde_json::Value {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_sync_then_rerun_resumes_without_duplicates() {
    let kommo = FakeKommo::start(10_000, 0, "crash-token").await;
    // 40 pages of 250; slow pages so the kill lands mid-run.
    kommo.set_delay(Duration::from_millis(250));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    let base = format!("base_url={}", kommo.server.url());
    let created = json(
        patchbay(
            &data,
            &[
                "--json",
                "integration",
                "add",
                "--provider",
                "kommo",
                "--name",
                "CRM",
                "--set",
                &base,
                "--secret",
                "token",
            ],
        )
        .env("PATCHBAY_SECRET_TOKEN", "crash-token"),
    );
    let id = created["id"].as_i64().unwrap().to_string();

    let mut child = patchbay(
        &data,
        &["--json", "sync", "run", &id, "--entities", "deals"],
    )
    .stdout(Stdio::null())
    .stderr(std::fs::File::create(dir.path().join("sync.stderr")).unwrap())
    .spawn()
    .unwrap();
    let child_stderr =
        || std::fs::read_to_string(dir.path().join("sync.stderr")).unwrap_or_default();
    let deadline = Instant::now() + Duration::from_secs(60);
    let run_id = loop {
        assert!(Instant::now() < deadline, "the sync never got going");
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the sync ended before the kill ({status}): {}",
                child_stderr()
            );
        }
        let list = json(&mut patchbay(&data, &["--json", "sync", "list"]));
        if let Some(run) = list["items"].as_array().and_then(|items| items.first()) {
            if run["progress_done"].as_i64().unwrap_or(0) >= 2_500 {
                break run["id"].as_i64().unwrap();
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The machine slept: the live sync's heartbeat is an hour old when another command opens the store
    // (pages held back so that the sync writes no heartbeat of its own meanwhile). The command's sweep
    // must leave the run alone: its process still holds its lock.
    kommo.set_delay(Duration::from_secs(20));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let core = Arc::new(Patchbay::with_parts(
        Store::open(&data).unwrap(),
        Credentials::new(Box::new(MemoryBackend::default())),
    ));
    core.store()
        .lock()
        .execute(
            "UPDATE runs SET heartbeat_at = ?2 WHERE id = ?1",
            [run_id, now_ms() - 3_600_000],
        )
        .unwrap();
    let status_of = |list: &serde_json::Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|run| run["id"] == run_id)
            .unwrap()["status"]
            .clone()
    };
    let list = json(&mut patchbay(&data, &["--json", "sync", "list"]));
    assert_eq!(
        status_of(&list),
        "running",
        "a live run marked interrupted after a sleep"
    );

    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    kommo.set_delay(Duration::from_millis(250));

    // The killed process's lock is free: the next command marks its run interrupted at once, without
    // waiting for its heartbeat to age.
    let list = json(&mut patchbay(&data, &["--json", "sync", "list"]));
    assert_eq!(status_of(&list), "interrupted");
    assert_eq!(
        core.interrupt_stale_runs(now_ms() + STALE_AFTER_MS + 1)
            .unwrap()
            .len(),
        0,
        "nothing else was left running"
    );
    let stored = core
        .list_records(&RecordQuery::of(
            created["id"].as_i64().unwrap(),
            Some("deal"),
        ))
        .unwrap()
        .total;
    assert!(
        (2_500..10_000).contains(&stored),
        "killed mid-run with {stored} leads stored"
    );

    let resumed = json(&mut patchbay(
        &data,
        &["--json", "sync", "run", &id, "--entities", "deals"],
    ));
    assert_eq!(
        resumed["id"], run_id,
        "the interrupted run is resumed, not restarted"
    );
    assert_eq!(resumed["status"], "succeeded");
    assert_eq!(
        resumed["summary"], "10000 fetched: 10000 created, 0 updated, 0 unchanged, 0 failed",
        "every lead exactly once over both processes"
    );
    let integration_id = created["id"].as_i64().unwrap();
    let mut names = std::collections::BTreeMap::new();
    for page in 1..=100 {
        let rows = core
            .list_records(&RecordQuery {
                page,
                per_page: 100,
                ..RecordQuery::of(integration_id, Some("deal"))
            })
            .unwrap();
        for record in rows.items {
            assert!(names
                .insert(record.external_id.parse::<u64>().unwrap(), record.name)
                .is_none());
        }
    }
    let expected: std::collections::BTreeMap<u64, String> = kommo
        .leads()
        .into_iter()
        .map(|(id, lead)| (id, lead["name"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(names, expected, "the local store equals the portal");
    assert_eq!(kommo.counters().limit_exceeded, 0, "{:?}", kommo.counters());
    json(&mut patchbay(&data, &["--json", "integration", "rm", &id]));
}
