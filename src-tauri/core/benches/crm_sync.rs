//! Benchmarks of CRM sync (SPEC §3): the local upsert rate of synced records (target ≥ 100,000
//! records/s) — new, unchanged and edited — through the real per-page commit (upsert + cursor in one
//! SQLite transaction, pages of 250, file database in WAL mode); and the wall time of a full
//! 10,000-deal Bitrix24 sync against the suite's local portal with its rate limit switched off (the
//! client, `batch` paging, parsing and store).
//! Run with `cargo bench -p patchbay-core --bench crm_sync`.

#[path = "../tests/support/mod.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod support;

use std::sync::Arc;
use std::time::Instant;

use patchbay_core::crm::records::{Counts, Fetched, RecordQuery, RecordSort};
use patchbay_core::crm::sync::{Entity, Sync, SyncCursor};
use patchbay_core::runs::RunKind;
use patchbay_core::secrets::{Credentials, MemoryBackend};
use patchbay_core::store::Store;
use patchbay_core::Patchbay;
use support::fake_crm::{bitrix_deal, FakeBitrix24};

const RECORDS: u64 = 100_000;
/// Records per commit: a Kommo page (`limit=250`), and a Bitrix24 `batch` call of 50 list pages.
const PAGE: usize = 250;
const BITRIX24_BATCH: usize = 2_500;
const RUNS: usize = 3;

fn open(dir: &std::path::Path) -> Arc<Patchbay> {
    Arc::new(Patchbay::with_parts(
        Store::open(dir).expect("store"),
        Credentials::new(Box::new(MemoryBackend::default())),
    ))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Records per second of committing `records` page by page; returns the rate and the summed counts.
fn commit_all(
    core: &Patchbay,
    integration_id: i64,
    run_id: i64,
    records: &[Fetched],
    page_size: usize,
) -> (f64, Counts) {
    let cursor = SyncCursor {
        entities: vec![Entity::Deals],
        index: 0,
        position: None,
        since: None,
        counts: Counts::default(),
    };
    let mut total = Counts::default();
    let started = Instant::now();
    for (index, page) in records.chunks(page_size).enumerate() {
        let cursor = SyncCursor {
            position: Some(index as u64 + 1),
            ..cursor.clone()
        };
        let counts = core
            .commit_sync_page(run_id, integration_id, "bitrix24", page, &cursor)
            .expect("commit");
        total.add(counts);
    }
    (
        records.len() as f64 / started.elapsed().as_secs_f64(),
        total,
    )
}

#[tokio::main]
async fn main() {
    let records: Vec<Fetched> = (1..=RECORDS)
        .map(|id| {
            let deal = bitrix_deal(id);
            let mut record = Fetched::new(
                "deal",
                id.to_string(),
                deal["TITLE"].as_str().unwrap_or_default().to_owned(),
                Some(1_767_225_600 + id as i64),
                deal.clone(),
            );
            record.stage = deal["STAGE_ID"].as_str().map(str::to_owned);
            record.pipeline = deal["CATEGORY_ID"].as_str().map(str::to_owned);
            record.amount = Some(id as f64 * 10.0);
            record
        })
        .collect();
    // The same deals edited in the CRM: every record's data differs from the stored one.
    let edited: Vec<Fetched> = records
        .iter()
        .map(|record| {
            let mut record = record.clone();
            record.name.push_str(" (edited)");
            record.data["TITLE"] = record.name.clone().into();
            record
        })
        .collect();
    let (mut created_rates, mut unchanged_rates, mut browse) = (Vec::new(), Vec::new(), Vec::new());
    let mut updated_rates = Vec::new();
    let mut by_sort: std::collections::BTreeMap<String, Vec<f64>> =
        std::collections::BTreeMap::new();
    let mut batch_rates = Vec::new();
    let fresh = || {
        let dir = tempfile::tempdir().expect("tempdir");
        let core = open(dir.path());
        let integration_id = support::add(
            &core,
            "bitrix24",
            "Portal",
            &[],
            &[("webhook_url", "http://127.0.0.1:9/rest/1/x/")],
        );
        let run = core
            .start_run(RunKind::CrmSync, "bench", None, Some(integration_id), None)
            .expect("run");
        (dir, core, integration_id, run.id)
    };
    for _ in 0..RUNS {
        let (_batch_dir, core, integration_id, run_id) = fresh();
        let (rate, counts) = commit_all(&core, integration_id, run_id, &records, BITRIX24_BATCH);
        assert_eq!(counts.created, RECORDS);
        batch_rates.push(rate);

        let (_dir, core, integration_id, run_id) = fresh();
        let (rate, counts) = commit_all(&core, integration_id, run_id, &records, PAGE);
        assert_eq!(counts.created, RECORDS);
        created_rates.push(rate);
        let (rate, counts) = commit_all(&core, integration_id, run_id, &records, PAGE);
        assert_eq!(counts.unchanged, RECORDS);
        unchanged_rates.push(rate);
        let (rate, counts) = commit_all(&core, integration_id, run_id, &edited, PAGE);
        assert_eq!(counts.updated, RECORDS);
        updated_rates.push(rate);
        for sort in [
            RecordSort::Title,
            RecordSort::Amount,
            RecordSort::Updated,
            RecordSort::Stage,
        ] {
            for desc in [false, true] {
                let started = Instant::now();
                let page = core
                    .list_records(&RecordQuery {
                        sort,
                        desc,
                        page: 200,
                        per_page: 25,
                        ..RecordQuery::of(integration_id, Some("deal"))
                    })
                    .expect("list");
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                browse.push(ms);
                by_sort.entry(format!("{sort:?}")).or_default().push(ms);
                assert_eq!(page.items.len(), 25);
            }
        }
    }
    let verdict = |ok: bool| if ok { "pass" } else { "FAIL" };
    let created = median(created_rates);
    let batched = median(batch_rates);
    let unchanged = median(unchanged_rates);
    let updated = median(updated_rates);
    println!("| metric | value | target | result |");
    println!("|---|---|---|---|");
    println!(
        "| upsert of {RECORDS} new Bitrix24 deals (pages of {PAGE}, cursor in the same transaction; median of {RUNS}) | {created:.0} records/s | ≥ 100,000 records/s | {} |",
        verdict(created >= 100_000.0)
    );
    println!(
        "| the same, {BITRIX24_BATCH} per commit (what a Bitrix24 sync commits per `batch` call; median of {RUNS}) | {batched:.0} records/s | ≥ 100,000 records/s | {} |",
        verdict(batched >= 100_000.0)
    );
    println!(
        "| upsert of the same {RECORDS} deals again (all unchanged; median of {RUNS}) | {unchanged:.0} records/s | ≥ 100,000 records/s | {} |",
        verdict(unchanged >= 100_000.0)
    );
    println!(
        "| upsert of the same {RECORDS} deals edited (all changed; median of {RUNS}) | {updated:.0} records/s | ≥ 100,000 records/s | {} |",
        verdict(updated >= 100_000.0)
    );

    browse.sort_by(f64::total_cmp);
    let browse_median = median(browse.clone());
    println!(
        "| records browser page (25 of 100,000 deals, page 200, each sort both ways; median of {}, slowest {:.1} ms) | {browse_median:.1} ms | ≤ 100 ms | {} |",
        browse.len(),
        browse.last().copied().unwrap_or_default(),
        verdict(browse_median <= 100.0)
    );
    let per_sort: Vec<String> = by_sort
        .into_iter()
        .map(|(sort, times)| format!("{sort} {:.1}", median(times)))
        .collect();
    println!(
        "| the same by sort (median of both directions and {RUNS} runs, ms) | {} | — | reported |",
        per_sort.join(", ")
    );

    let portal = FakeBitrix24::start(10_000, 0, "bench").await;
    portal.set_rate_limit(false);
    let mut walls = Vec::new();
    for _ in 0..5 {
        let dir = tempfile::tempdir().expect("tempdir");
        let core = open(dir.path());
        let id = support::add(
            &core,
            "bitrix24",
            "Portal",
            &[],
            &[("webhook_url", &portal.webhook())],
        );
        let started = Instant::now();
        let run = Sync::new(Arc::clone(&core))
            .expect("sync")
            .run(id, vec![Entity::Deals], true)
            .await
            .expect("run");
        walls.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(
            run.summary.as_deref(),
            Some("10000 fetched: 10000 created, 0 updated, 0 unchanged, 0 failed")
        );
    }
    println!(
        "| full Bitrix24 sync of 10,000 deals, local portal, rate limit off (median of 5) | {:.0} ms | reported | — |",
        median(walls)
    );
}
