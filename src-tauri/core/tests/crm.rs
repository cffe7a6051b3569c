//! CRM sync runs against local servers on 127.0.0.1 that answer like Kommo API v4 and Bitrix24 REST:
//! paging, 204, 429/503 with retries, auth failures, incremental reruns without duplicates, and resuming
//! a failed run from its saved cursor.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use patchbay_core::crm::records::RecordQuery;
use patchbay_core::crm::sync::{Entity, Sync};
use patchbay_core::runs::RunStatus;
use serde_json::json;
use support::{add, core, Behaviour, Reply, Server};

const ALL: [Entity; 3] = [Entity::Pipelines, Entity::Deals, Entity::Contacts];

fn lead(id: u64) -> serde_json::Value {
    json!({"id": id, "name": format!("Lead {id}"), "updated_at": 1_700_000_000 + id, "_embedded": {"contacts": []}})
}

/// A Kommo server: an account in USD, 2 pipelines with 2 statuses each, 3 pages of 3 leads, no contacts
/// (204). The first leads request is answered 429 with Retry-After: 0; `fail_page` answers 500 while
/// `failing` is set.
fn kommo(failing: Arc<AtomicUsize>, fail_page: u64) -> Behaviour {
    let first = Arc::new(AtomicUsize::new(0));
    Behaviour::Routes(Arc::new(move |path| {
        if path == "/api/v4/account" {
            return Reply::json(
                200,
                json!({"id": 7, "name": "Test account", "currency": "USD", "currency_symbol": "$"}),
            );
        }
        if path.starts_with("/api/v4/leads/pipelines") {
            return Reply::json(
                200,
                json!({"_embedded": {"pipelines": [
                    {"id": 1, "name": "Sales", "_embedded": {"statuses": [{"id": 11, "name": "New"}, {"id": 12, "name": "Won"}]}},
                    {"id": 2, "name": "Partners", "_embedded": {"statuses": [{"id": 21, "name": "New"}, {"id": 22, "name": "Won"}]}}
                ]}}),
            );
        }
        if path.starts_with("/api/v4/leads?") {
            if first.fetch_add(1, Ordering::SeqCst) == 0 {
                return Reply::json(429, json!({"title": "Too Many Requests"}))
                    .header("Retry-After", "0");
            }
            let page: u64 = path
                .split("page=")
                .nth(1)
                .and_then(|p| p.split('&').next())
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            if page == fail_page && failing.load(Ordering::SeqCst) > 0 {
                return Reply::json(500, json!({"title": "Internal error"}));
            }
            let leads: Vec<_> = (1..=3).map(|i| lead((page - 1) * 3 + i)).collect();
            let mut body = json!({"_page": page, "_embedded": {"leads": leads}, "_links": {"self": {"href": "x"}}});
            if page < 3 {
                body["_links"]["next"] =
                    json!({"href": format!("/api/v4/leads?page={}", page + 1)});
            }
            return Reply::json(200, body);
        }
        if path.starts_with("/api/v4/contacts") {
            return Reply::new(204, "");
        }
        Reply::json(404, json!({"title": "Not found"}))
    }))
}

/// A Kommo account served by [`kommo`] (`fail_page` answering 500 while `failing` is set), its
/// integration in a fresh core, and a sync service with short retry backoff: (server, core, id, sync).
async fn kommo_account(
    failing: Arc<AtomicUsize>,
    fail_page: u64,
) -> (Server, Arc<patchbay_core::Patchbay>, i64, Sync) {
    kommo_account_on(kommo(failing, fail_page)).await
}

/// As [`kommo_account`], with the account's server answering as `behaviour`.
async fn kommo_account_on(
    behaviour: Behaviour,
) -> (Server, Arc<patchbay_core::Patchbay>, i64, Sync) {
    let server = Server::start(behaviour).await;
    let core = core();
    let id = add(
        &core,
        "kommo",
        "CRM",
        &[("base_url", &server.url())],
        &[("token", "kommo-token")],
    );
    let sync = Sync::new(Arc::clone(&core))
        .unwrap()
        .with_backoff(Duration::from_millis(10));
    (server, core, id, sync)
}

/// The first 100 deals stored for integration `id`.
fn deals_of(
    core: &patchbay_core::Patchbay,
    id: i64,
) -> patchbay_core::Page<patchbay_core::crm::records::CrmRecord> {
    core.list_records(&RecordQuery {
        per_page: 100,
        ..RecordQuery::of(id, Some("deal"))
    })
    .unwrap()
}

fn count_records(core: &patchbay_core::Patchbay, id: i64) -> i64 {
    core.list_records(&RecordQuery::of(id, None)).unwrap().total
}

#[tokio::test]
async fn kommo_sync_pages_retries_429_and_reruns_without_duplicates() {
    let (server, core, id, sync) = kommo_account(Arc::new(AtomicUsize::new(0)), 0).await;
    let run = sync.run(id, ALL.to_vec(), false).await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(
        run.summary.as_deref(),
        Some("15 fetched: 15 created, 0 updated, 0 unchanged, 0 failed")
    );
    assert_eq!(count_records(&core, id), 15);
    let deals = deals_of(&core, id);
    assert_eq!(deals.total, 9);
    assert_eq!(deals.items[0].system, "kommo");
    assert!(
        deals
            .items
            .iter()
            .all(|d| d.currency.as_deref() == Some("USD")),
        "a Kommo lead's price is in the account's currency: {deals:?}"
    );
    let log = server.request_log();
    assert!(log
        .iter()
        .all(|request| request.contains("authorization: Bearer kommo-token")));
    assert!(log
        .iter()
        .any(|r| r.starts_with("GET /api/v4/leads?page=1&limit=250&with=contacts ")));

    // Incremental rerun: filtered by update time, nothing duplicated.
    let again = sync.run(id, ALL.to_vec(), false).await.unwrap();
    assert_eq!(
        again.summary.as_deref(),
        Some("15 fetched: 0 created, 0 updated, 15 unchanged, 0 failed")
    );
    assert!(
        server
            .request_log()
            .iter()
            .any(|r| r.contains("filter[updated_at][from]=")),
        "incremental rerun uses the filter"
    );
    assert_eq!(count_records(&core, id), 15);
}

/// A sync of deals alone (no pipelines step) still learns the currency their amounts are in.
#[tokio::test]
async fn a_deals_only_sync_reads_the_account_currency() {
    let (server, core, id, sync) = kommo_account(Arc::new(AtomicUsize::new(0)), 0).await;
    let run = sync.run(id, vec![Entity::Deals], false).await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    let deals = deals_of(&core, id);
    assert_eq!(deals.total, 9);
    assert!(
        deals
            .items
            .iter()
            .all(|d| d.currency.as_deref() == Some("USD")),
        "{deals:?}"
    );
    let asked = server
        .request_log()
        .iter()
        .filter(|r| r.starts_with("GET /api/v4/account "))
        .count();
    assert_eq!(asked, 1, "once per sync, with the first page of leads");
}

#[tokio::test]
async fn failed_sync_resumes_from_its_cursor() {
    let failing = Arc::new(AtomicUsize::new(1));
    let (server, core, id, sync) = kommo_account(Arc::clone(&failing), 2).await;
    let failed = sync.run(id, vec![Entity::Deals], true).await.unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    assert!(
        failed
            .error
            .as_deref()
            .unwrap()
            .contains("run it again to resume"),
        "{failed:?}"
    );
    assert_eq!(
        count_records(&core, id),
        3,
        "page 1 was committed before the failure"
    );

    failing.store(0, Ordering::SeqCst);
    let before = server.request_log().len();
    let resumed = sync.run(id, vec![Entity::Deals], false).await.unwrap();
    assert_eq!(resumed.id, failed.id, "the same run continues");
    assert_eq!(resumed.status, RunStatus::Succeeded);
    let after: Vec<String> = server.request_log()[before..].to_vec();
    assert!(
        after[0].starts_with("GET /api/v4/leads?page=2&"),
        "resumes at page 2: {:?}",
        after[0]
    );
    assert_eq!(
        resumed.summary.as_deref(),
        Some("9 fetched: 9 created, 0 updated, 0 unchanged, 0 failed")
    );
    assert_eq!(count_records(&core, id), 9);
    assert!(core
        .run_detail(resumed.id)
        .unwrap()
        .logs
        .iter()
        .any(|l| l.message.contains("resumed")));
}

#[tokio::test]
async fn kommo_401_fails_the_run_with_an_auth_error() {
    let server = Server::always(Reply::json(401, json!({"title": "Unauthorized"}))).await;
    let core = core();
    let id = add(
        &core,
        "kommo",
        "CRM",
        &[("base_url", &server.url())],
        &[("token", "expired")],
    );
    let run = Sync::new(Arc::clone(&core))
        .unwrap()
        .run(id, vec![Entity::Deals], false)
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert!(run.error.as_deref().unwrap().contains("(auth)"), "{run:?}");
    assert_eq!(
        server.request_log().len(),
        1,
        "auth failures are not retried"
    );
}

#[test]
fn sync_schedules_validate_and_come_due_once_per_interval() {
    use patchbay_core::crm::schedule::SyncSchedule;
    let core = core();
    let kommo = add(
        &core,
        "kommo",
        "CRM",
        &[("base_url", "http://127.0.0.1:9")],
        &[("token", "t")],
    );
    let http = add(&core, "http", "Site", &[("url", "http://127.0.0.1:9")], &[]);
    let every = |minutes| SyncSchedule {
        interval_minutes: minutes,
        entities: vec![Entity::Deals],
        next_run_at: 0,
    };
    let error = core.set_sync_schedule(http, Some(&every(15))).unwrap_err();
    assert!(error.to_string().contains("cannot be synced"), "{error}");
    let error = core.set_sync_schedule(kommo, Some(&every(1))).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("interval_minutes: must be 5 to 10080"),
        "{error}"
    );
    assert!(
        core.sync_schedule(kommo).unwrap().is_none(),
        "nothing half-written"
    );

    let saved = core
        .set_sync_schedule(kommo, Some(&every(15)))
        .unwrap()
        .unwrap();
    let now = patchbay_core::store::now_ms();
    assert!(
        core.claim_due_syncs(now).unwrap().is_empty(),
        "not due before its interval"
    );
    let due = core.claim_due_syncs(saved.next_run_at).unwrap();
    assert_eq!(due, vec![(kommo, vec![Entity::Deals])]);
    assert!(
        core.claim_due_syncs(saved.next_run_at).unwrap().is_empty(),
        "claimed once"
    );
    assert_eq!(
        core.sync_schedule(kommo).unwrap().unwrap().next_run_at,
        saved.next_run_at + 15 * 60_000
    );
    core.set_sync_schedule(kommo, None).unwrap();
    assert!(core.sync_schedule(kommo).unwrap().is_none());
}

#[tokio::test]
async fn a_second_sync_of_the_same_integration_is_refused_while_one_runs() {
    let server = Server::always(
        Reply::json(200, json!({"_embedded": {"pipelines": []}})).after(Duration::from_millis(400)),
    )
    .await;
    let core = core();
    let id = add(
        &core,
        "kommo",
        "CRM",
        &[("base_url", &server.url())],
        &[("token", "t")],
    );
    let sync = Arc::new(Sync::new(Arc::clone(&core)).unwrap());
    let first = {
        let sync = Arc::clone(&sync);
        tokio::spawn(async move { sync.run(id, vec![Entity::Pipelines], false).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let error = sync
        .run(id, vec![Entity::Pipelines], false)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("already running"), "{error}");
    assert_eq!(first.await.unwrap().unwrap().status, RunStatus::Succeeded);
    assert!(
        sync.run(id, vec![Entity::Pipelines], false).await.is_ok(),
        "free again after the run"
    );
}

/// A page mixing new, unchanged and edited records, in every order the upsert's insert-first streak
/// can meet them (a known record right after a new one, a new one right after a known one): each is
/// counted once, in the right column, and stored once with its latest data.
#[test]
fn a_mixed_page_counts_and_stores_each_record_once() {
    use patchbay_core::crm::records::{Counts, Fetched};
    use patchbay_core::crm::sync::SyncCursor;
    use patchbay_core::runs::RunKind;

    let core = core();
    let id = add(
        &core,
        "bitrix24",
        "Portal",
        &[],
        &[("webhook_url", "http://127.0.0.1:9/rest/1/x/")],
    );
    let run = core
        .start_run(RunKind::CrmSync, "test", None, Some(id), None)
        .unwrap();
    let deal = |n: u64, title: &str| {
        Fetched::new(
            "deal",
            n.to_string(),
            title.to_owned(),
            None,
            json!({"ID": n.to_string(), "TITLE": title}),
        )
    };
    let cursor = SyncCursor {
        entities: vec![Entity::Deals],
        index: 0,
        position: None,
        since: None,
        counts: Counts::default(),
    };
    let first: Vec<Fetched> = (1..=4).map(|n| deal(n, &format!("Deal {n}"))).collect();
    let counts = core
        .commit_sync_page(run.id, id, "bitrix24", &first, &cursor)
        .unwrap();
    assert_eq!(
        (counts.created, counts.updated, counts.unchanged),
        (4, 0, 0)
    );

    let second = vec![
        deal(5, "Deal 5"),
        deal(1, "Deal 1"),
        deal(6, "Deal 6"),
        deal(2, "Deal 2 (edited)"),
        deal(7, "Deal 7"),
        deal(8, "Deal 8"),
        deal(3, "Deal 3"),
        deal(4, "Deal 4 (edited)"),
    ];
    let counts = core
        .commit_sync_page(run.id, id, "bitrix24", &second, &cursor)
        .unwrap();
    assert_eq!(
        (
            counts.fetched,
            counts.created,
            counts.updated,
            counts.unchanged
        ),
        (8, 4, 2, 2)
    );
    let stored = deals_of(&core, id);
    let mut names: Vec<(String, String)> = stored
        .items
        .into_iter()
        .map(|r| (r.external_id, r.name))
        .collect();
    names.sort_by_key(|(external_id, _)| external_id.parse::<u64>().unwrap());
    let expected: Vec<(String, String)> = [
        "Deal 1",
        "Deal 2 (edited)",
        "Deal 3",
        "Deal 4 (edited)",
        "Deal 5",
        "Deal 6",
        "Deal 7",
        "Deal 8",
    ]
    .iter()
    .enumerate()
    .map(|(i, name)| ((i + 1).to_string(), (*name).to_owned()))
    .collect();
    assert_eq!(names, expected);
}

/// The records browser pages through every sort in both directions without skipping or repeating a
/// record: ties broken by id, records without a value first in ascending order (last descending), and
/// each row carrying its pipeline and stage names (a deal in an unsynced stage has none).
#[test]
fn records_browser_pages_follow_every_sort_with_names_joined() {
    use patchbay_core::crm::records::{Counts, Fetched, RecordSort};
    use patchbay_core::crm::sync::SyncCursor;
    use patchbay_core::runs::RunKind;

    let core = core();
    let id = add(
        &core,
        "bitrix24",
        "Portal",
        &[],
        &[("webhook_url", "http://127.0.0.1:9/rest/1/x/")],
    );
    let run = core
        .start_run(RunKind::CrmSync, "test", None, Some(id), None)
        .unwrap();
    let named =
        |entity_type: &'static str, external_id: &str, name: &str, pipeline: &str| Fetched {
            pipeline: Some(pipeline.to_owned()),
            ..Fetched::new(
                entity_type,
                external_id.to_owned(),
                name.to_owned(),
                None,
                json!({}),
            )
        };
    let stages = [
        ("C0:NEW", "incoming"),
        ("C0:WON", "Won"),
        ("C1:NEW", "Qualified"),
    ];
    let mut setup = vec![
        named("pipeline", "0", "General", "0"),
        named("pipeline", "1", "Partners", "1"),
    ];
    setup.extend(
        stages
            .iter()
            .map(|(stage, name)| named("stage", stage, name, &stage[1..2])),
    );
    // 37 deals: mixed-case titles, a stage without a record, amounts and update times with ties and gaps.
    let stage_of = |n: u64| ["C0:NEW", "C0:WON", "C1:NEW", "C1:GONE"][(n % 4) as usize];
    let amount_of = |n: u64| (n % 5 != 0).then_some((n * 7 % 11) as i64);
    let updated_of = |n: u64| (n % 7 != 0).then_some(1_000 + (n % 6) as i64);
    let title_of = |n: u64| format!("{} deal {n:02}", if n % 2 == 0 { "alpha" } else { "Beta" });
    let deals: Vec<u64> = (1..=37).collect();
    let cursor = SyncCursor {
        entities: vec![Entity::Deals],
        index: 0,
        position: None,
        since: None,
        counts: Counts::default(),
    };
    setup.extend(deals.iter().map(|&n| Fetched {
        stage: Some(stage_of(n).to_owned()),
        amount: amount_of(n).map(|a| a as f64),
        ..named("deal", &n.to_string(), &title_of(n), &stage_of(n)[1..2])
    }));
    core.commit_sync_page(run.id, id, "bitrix24", &setup, &cursor)
        .unwrap();
    // Remote update times are the CRM's: set them through an edit of the same deals.
    let edited: Vec<Fetched> = deals
        .iter()
        .map(|&n| Fetched {
            stage: Some(stage_of(n).to_owned()),
            amount: amount_of(n).map(|a| a as f64),
            remote_updated_at: updated_of(n),
            data: json!({"edited": true}),
            ..named("deal", &n.to_string(), &title_of(n), &stage_of(n)[1..2])
        })
        .collect();
    core.commit_sync_page(run.id, id, "bitrix24", &edited, &cursor)
        .unwrap();

    fn ordered<K: Ord>(deals: &[u64], key: impl Fn(u64) -> Option<K>) -> Vec<String> {
        let mut sorted = deals.to_vec();
        // Deals were stored in number order, so the internal id (the tie-break) follows the number.
        sorted.sort_by(|a, b| key(*a).cmp(&key(*b)).then(a.cmp(b)));
        sorted.iter().map(u64::to_string).collect()
    }
    let stage_name = |n: u64| {
        stages
            .iter()
            .find(|(stage, _)| *stage == stage_of(n))
            .map(|(_, name)| name.to_lowercase())
    };
    for (sort, ascending) in [
        (
            RecordSort::Title,
            ordered(&deals, |n| Some(title_of(n).to_lowercase())),
        ),
        (RecordSort::Stage, ordered(&deals, stage_name)),
        (RecordSort::Amount, ordered(&deals, amount_of)),
        (RecordSort::Updated, ordered(&deals, updated_of)),
    ] {
        for desc in [false, true] {
            let mut seen = Vec::new();
            for page in 1..=4 {
                let got = core
                    .list_records(&RecordQuery {
                        sort,
                        desc,
                        page,
                        per_page: 10,
                        ..RecordQuery::of(id, Some("deal"))
                    })
                    .unwrap();
                assert_eq!(got.total, 37);
                for record in got.items {
                    let n: u64 = record.external_id.parse().unwrap();
                    let pipeline = if stage_of(n).starts_with("C0") {
                        "General"
                    } else {
                        "Partners"
                    };
                    assert_eq!(record.pipeline_name.as_deref(), Some(pipeline), "deal {n}");
                    let expected_stage = stages
                        .iter()
                        .find(|(s, _)| *s == stage_of(n))
                        .map(|(_, name)| *name);
                    assert_eq!(record.stage_name.as_deref(), expected_stage, "deal {n}");
                    seen.push(record.external_id);
                }
            }
            let mut expected = ascending.clone();
            if desc {
                expected.reverse();
            }
            assert_eq!(seen, expected, "{sort:?} desc={desc}");
        }
    }
}

/// The records browser's search ignores case in any script (Kommo and Bitrix24 portals of Russian
/// businesses name their deals in Cyrillic) and finds a record by its CRM id.
#[test]
fn records_search_ignores_case_in_cyrillic_titles() {
    use patchbay_core::crm::records::{Counts, Fetched};
    use patchbay_core::crm::sync::SyncCursor;
    use patchbay_core::runs::RunKind;

    let core = core();
    let id = add(
        &core,
        "kommo",
        "Portal",
        &[("subdomain", "acme")],
        &[("token", "t")],
    );
    let run = core
        .start_run(RunKind::CrmSync, "test", None, Some(id), None)
        .unwrap();
    let deals: Vec<Fetched> = ["Сделка Иванова", "сделка Петрова", "Поставка", "Deal 4"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            Fetched::new(
                "deal",
                (i + 101).to_string(),
                (*name).to_owned(),
                None,
                json!({}),
            )
        })
        .collect();
    let cursor = SyncCursor {
        entities: vec![Entity::Deals],
        index: 0,
        position: None,
        since: None,
        counts: Counts::default(),
    };
    core.commit_sync_page(run.id, id, "kommo", &deals, &cursor)
        .unwrap();
    let found = |search: &str| {
        let mut names: Vec<String> = core
            .list_records(&RecordQuery {
                search: Some(search.into()),
                ..RecordQuery::of(id, None)
            })
            .unwrap()
            .items
            .into_iter()
            .map(|r| r.name)
            .collect();
        names.sort();
        names
    };
    assert_eq!(found("СДЕЛКА"), ["Сделка Иванова", "сделка Петрова"]);
    assert_eq!(found("сделка"), ["Сделка Иванова", "сделка Петрова"]);
    assert_eq!(found("ИВАНОВА"), ["Сделка Иванова"]);
    assert_eq!(found("deal"), ["Deal 4"]);
    assert_eq!(found("103"), ["Поставка"]);
}

/// Two processes on one database (the app and the CLI): a second sync of the integration is refused while
/// the first one's run is alive, and allowed once it has ended.
#[tokio::test]
async fn a_sync_running_in_another_process_is_not_started_twice() {
    use patchbay_core::secrets::{Credentials, MemoryBackend};
    use patchbay_core::store::Store;
    use patchbay_core::Patchbay;

    let server = Server::always(
        Reply::json(200, json!({"_embedded": {"pipelines": []}})).after(Duration::from_millis(400)),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let keychain = MemoryBackend::default();
    let process = || {
        Arc::new(Patchbay::with_parts(
            Store::open(dir.path()).unwrap(),
            Credentials::new(Box::new(keychain.clone())),
        ))
    };
    let (app, cli) = (process(), process());
    let id = add(
        &app,
        "kommo",
        "CRM",
        &[("base_url", &server.url())],
        &[("token", "t")],
    );
    let first = {
        let sync = Sync::new(Arc::clone(&app)).unwrap();
        tokio::spawn(async move { sync.run(id, vec![Entity::Pipelines], false).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let other = Sync::new(Arc::clone(&cli)).unwrap();
    let error = other
        .run(id, vec![Entity::Pipelines], false)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("already running in another Patchbay window or command"),
        "{error}"
    );
    let finished = first.await.unwrap().unwrap();
    assert_eq!(finished.status, RunStatus::Succeeded);
    let second = other.run(id, vec![Entity::Pipelines], false).await.unwrap();
    assert_eq!(second.status, RunStatus::Succeeded);
    assert_ne!(second.id, finished.id);
}

/// A page that cannot be saved (here SQLite refuses the insert) ends the run `failed` at its last saved
/// page with the reason, instead of leaving it "running" — and running it again resumes there.
#[tokio::test]
async fn a_page_that_cannot_be_saved_fails_the_run_resumably() {
    let server = Server::start(kommo(Arc::new(AtomicUsize::new(0)), 0)).await;
    let core = core();
    let id = add(
        &core,
        "kommo",
        "CRM",
        &[("base_url", &server.url())],
        &[("token", "t")],
    );
    core.store()
        .lock()
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_page_2 BEFORE INSERT ON crm_records
             WHEN (SELECT COUNT(*) FROM crm_records) >= 3
             BEGIN SELECT RAISE(ABORT, 'the disk refused the write'); END;",
        )
        .unwrap();
    let sync = Sync::new(Arc::clone(&core))
        .unwrap()
        .with_backoff(Duration::from_millis(10));
    let failed = sync.run(id, vec![Entity::Deals], true).await.unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    let error = failed.error.as_deref().unwrap();
    assert!(
        error.contains("saving the fetched page failed")
            && error.contains("the disk refused the write")
            && error.contains("run it again to resume"),
        "{error}"
    );
    assert_eq!(count_records(&core, id), 3, "page 1 only");

    core.store()
        .lock()
        .execute_batch("DROP TRIGGER refuse_page_2")
        .unwrap();
    let resumed = sync.run(id, vec![Entity::Deals], false).await.unwrap();
    assert_eq!(resumed.id, failed.id, "the same run continues");
    assert_eq!(resumed.status, RunStatus::Succeeded);
    assert_eq!(count_records(&core, id), 9);
}

/// What the app's "Start sync" relies on: `begin` answers once the run is recorded, before any page, and
/// a sync that cannot start is its error (not a background task's log line); `drive` does the rest.
#[tokio::test]
async fn begin_records_the_run_and_refuses_a_second_start_before_drive_ends() {
    let (server, core, id, sync) = kommo_account(Arc::new(AtomicUsize::new(0)), 0).await;
    let empty = sync.begin(id, vec![], false).await.err().unwrap();
    assert!(empty.to_string().contains("choose at least one"), "{empty}");

    let started = sync.begin(id, vec![Entity::Deals], true).await.unwrap();
    assert_eq!(started.run.status, RunStatus::Running);
    assert!(
        server
            .request_log()
            .iter()
            .all(|line| !line.contains("/leads?")),
        "no page fetched before drive: {:?}",
        server.request_log()
    );
    let again = sync
        .begin(id, vec![Entity::Deals], false)
        .await
        .err()
        .unwrap();
    assert!(again.to_string().contains("already running"), "{again}");

    let run_id = started.run.id;
    let finished = sync.drive(started).await.unwrap();
    assert_eq!(
        (finished.id, finished.status),
        (run_id, RunStatus::Succeeded)
    );
    assert_eq!(count_records(&core, id), 9);
    assert!(sync.begin(id, vec![Entity::Deals], false).await.is_ok());
}

/// Cancel stops a sync this process runs, after its current page; a run it does not own (ended, or run by
/// another window or command — here another `Sync`) is refused with a reason instead of being ignored.
#[tokio::test]
async fn cancel_stops_our_run_and_refuses_a_run_we_do_not_own() {
    let (_server, core, id, sync) = kommo_account(Arc::new(AtomicUsize::new(0)), 0).await;
    let started = sync.begin(id, vec![Entity::Deals], true).await.unwrap();
    let run_id = started.run.id;
    let elsewhere = Sync::new(Arc::clone(&core)).unwrap();
    let refused = elsewhere.cancel(run_id).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("another Patchbay window or command runs it"),
        "{refused}"
    );
    sync.cancel(run_id).unwrap();
    let ended = sync.drive(started).await.unwrap();
    assert_eq!(ended.status, RunStatus::Cancelled);
    assert_eq!(count_records(&core, id), 0, "stopped before the first page");
    assert!(
        sync.cancel(run_id).is_err(),
        "an ended run cannot be cancelled"
    );
}

/// A page the CRM takes long to send does not make the run look dead to other processes: its heartbeat
/// is written while it waits, not only when a page is saved.
#[tokio::test]
async fn a_run_waiting_on_a_slow_page_keeps_its_heartbeat() {
    use patchbay_core::runs::RunKind;
    use patchbay_core::store::now_ms;

    let (_server, core, id, sync) = kommo_account_on(Behaviour::Routes(Arc::new(|path| {
        if path.starts_with("/api/v4/leads?") {
            return Reply::json(
                200,
                json!({"_page": 1, "_embedded": {"leads": [lead(1)]}, "_links": {"self": {"href": "x"}}}),
            )
            .after(Duration::from_millis(1_500));
        }
        Reply::json(404, json!({"title": "Not found"}))
    })))
    .await;
    let sync = sync.with_heartbeat_every(Duration::from_millis(200));
    let started = sync.begin(id, vec![Entity::Deals], true).await.unwrap();
    let driving = tokio::spawn(async move { sync.drive(started).await });
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let (_, age_ms) = core
        .live_run_of(RunKind::CrmSync, id, now_ms())
        .unwrap()
        .expect("the run is alive");
    assert!(
        age_ms < 600,
        "heartbeat {age_ms} ms old, 1 s into a page that takes 1.5 s"
    );
    let run = driving.await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(count_records(&core, id), 1);
}
