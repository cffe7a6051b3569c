//! CRM sync against the project's stateful local portals over generated data (10,000 deals): the local
//! store equals the portal after full and incremental runs, the portals' rate limits are never exceeded
//! (the servers count), Bitrix24 pages come through `batch`, and portal errors are surfaced.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use patchbay_core::crm::bitrix24::Client;
use patchbay_core::crm::records::{RecordQuery, RecordSort};
use patchbay_core::crm::sync::{Entity, Sync};
use patchbay_core::health::CheckContext;
use patchbay_core::runs::RunStatus;
use patchbay_core::Patchbay;
use support::fake_crm::{FakeBitrix24, FakeKommo, KOMMO_CURRENCY};
use support::{add, core};

/// Every stored record of `entity_type`, by external id: (name, stage, amount).
fn stored(
    core: &Patchbay,
    id: i64,
    entity_type: &str,
) -> std::collections::BTreeMap<u64, (String, Option<String>, Option<f64>)> {
    let mut all = std::collections::BTreeMap::new();
    let mut page = 1;
    loop {
        let rows = core
            .list_records(&RecordQuery {
                page,
                per_page: 100,
                ..RecordQuery::of(id, Some(entity_type))
            })
            .unwrap();
        for r in &rows.items {
            let previous = all.insert(
                r.external_id.parse().unwrap(),
                (r.name.clone(), r.stage.clone(), r.amount),
            );
            assert!(previous.is_none(), "record {} stored twice", r.external_id);
        }
        if i64::from(page) * 100 >= rows.total {
            return all;
        }
        page += 1;
    }
}

#[tokio::test]
async fn bitrix24_sync_of_10000_deals_equals_the_portal_full_and_incremental() {
    let portal = FakeBitrix24::start(10_000, 120, "code10k").await;
    let core = core();
    let id = add(
        &core,
        "bitrix24",
        "Portal",
        &[],
        &[("webhook_url", &portal.webhook())],
    );
    let sync = Sync::new(Arc::clone(&core)).unwrap();
    let all = vec![Entity::Pipelines, Entity::Deals, Entity::Contacts];
    let run = sync.run(id, all.clone(), false).await.unwrap();
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    // 3 categories + 9 stages + 10,000 deals + 120 contacts.
    assert_eq!(
        run.summary.as_deref(),
        Some("10132 fetched: 10132 created, 0 updated, 0 unchanged, 0 failed")
    );
    let expected: std::collections::BTreeMap<u64, (String, Option<String>, Option<f64>)> = portal
        .deals()
        .into_iter()
        .map(|(id, d)| {
            (
                id,
                (
                    d["TITLE"].as_str().unwrap().to_owned(),
                    d["STAGE_ID"].as_str().map(str::to_owned),
                    d["OPPORTUNITY"].as_str().and_then(|a| a.parse().ok()),
                ),
            )
        })
        .collect();
    assert_eq!(stored(&core, id, "deal"), expected);
    let counters = portal.counters();
    assert_eq!(counters.limit_exceeded, 0, "{counters:?}");
    assert!(
        counters.batches >= 4 && counters.requests < 20,
        "10,000 deals come in a few batch calls: {counters:?}"
    );

    // Records browser: stage names joined, filters and sorting.
    let won = core
        .list_records(&RecordQuery {
            stage: Some("C1:WON".into()),
            sort: RecordSort::Amount,
            desc: true,
            ..RecordQuery::of(id, Some("deal"))
        })
        .unwrap();
    let expected_won = expected
        .values()
        .filter(|(_, s, _)| s.as_deref() == Some("C1:WON"))
        .count();
    assert_eq!(won.total as usize, expected_won);
    assert_eq!(won.items[0].stage_name.as_deref(), Some("Won"));
    assert_eq!(won.items[0].pipeline_name.as_deref(), Some("Wholesale"));
    assert!(won.items.windows(2).all(|w| w[0].amount >= w[1].amount));
    let generated = portal.deals();
    for deal in &won.items {
        let id: u64 = deal.external_id.parse().unwrap();
        let currency = generated[&id]["CURRENCY_ID"].as_str().map(str::to_owned);
        assert_eq!(deal.currency, currency, "deal {id}");
    }
    assert!(
        won.items
            .iter()
            .any(|d| d.currency.as_deref() == Some("USD")),
        "the page mixes currencies"
    );
    let search = core
        .list_records(&RecordQuery {
            search: Some("deal 9999".into()),
            ..RecordQuery::of(id, None)
        })
        .unwrap();
    assert_eq!(search.total, 1);
    assert_eq!(search.items[0].external_id, "9999");

    // Incremental: only the 25 edited deals are fetched, and the store follows the edits.
    let edited: Vec<u64> = (1..=25).map(|i| i * 397).collect();
    portal.touch(&edited);
    let again = sync.run(id, vec![Entity::Deals], false).await.unwrap();
    assert_eq!(
        again.summary.as_deref(),
        Some("25 fetched: 0 created, 25 updated, 0 unchanged, 0 failed"),
        "{again:?}"
    );
    let after = stored(&core, id, "deal");
    assert_eq!(after.len(), 10_000);
    assert_eq!(after[&397].0, "Deal 397 (edited)");
    assert_eq!(portal.counters().limit_exceeded, 0);
}

#[tokio::test]
async fn kommo_sync_of_10000_leads_stays_under_7_requests_per_second() {
    let account = FakeKommo::start(10_000, 0, "long-lived").await;
    let core = core();
    let id = add(
        &core,
        "kommo",
        "Kommo",
        &[("base_url", &account.server.url())],
        &[("token", "long-lived")],
    );
    let sync = Sync::new(Arc::clone(&core)).unwrap();
    let run = sync
        .run(
            id,
            vec![Entity::Pipelines, Entity::Deals, Entity::Contacts],
            true,
        )
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    // 2 pipelines + 4 statuses + 10,000 leads; no contacts (204).
    assert_eq!(
        run.summary.as_deref(),
        Some("10006 fetched: 10006 created, 0 updated, 0 unchanged, 0 failed")
    );
    let counters = account.counters();
    assert_eq!(counters.limit_exceeded, 0, "{counters:?}");
    assert_eq!(
        counters.requests,
        1 + 1 + 40 + 1,
        "pipelines, the account, 40 pages of 250, contacts"
    );
    let expected: std::collections::BTreeMap<u64, (String, Option<String>, Option<f64>)> = account
        .leads()
        .into_iter()
        .map(|(id, l)| {
            (
                id,
                (
                    l["name"].as_str().unwrap().to_owned(),
                    Some(l["status_id"].to_string()),
                    l["price"].as_f64(),
                ),
            )
        })
        .collect();
    assert_eq!(stored(&core, id, "deal"), expected);
    let first = core
        .list_records(&RecordQuery {
            pipeline: Some("2".into()),
            sort: RecordSort::Stage,
            ..RecordQuery::of(id, Some("deal"))
        })
        .unwrap();
    assert_eq!(first.total, 5_000);
    assert_eq!(first.items[0].pipeline_name.as_deref(), Some("Partners"));
    assert_eq!(first.items[0].stage_name.as_deref(), Some("Incoming"));
    // A lead's `price` is in the account's currency, which the first page of leads read.
    assert_eq!(first.items[0].currency.as_deref(), Some(KOMMO_CURRENCY));
    let stages = core
        .list_records(&RecordQuery::of(id, Some("stage")))
        .unwrap();
    assert!(stages.items.iter().all(|stage| stage.currency.is_none()));

    account.touch(&[10, 20, 30]);
    let again = sync.run(id, vec![Entity::Deals], false).await.unwrap();
    assert_eq!(
        again.summary.as_deref(),
        Some("3 fetched: 0 created, 3 updated, 0 unchanged, 0 failed"),
        "{again:?}"
    );
}

#[tokio::test]
async fn bitrix24_client_keeps_to_the_leaky_bucket_and_retries_query_limit() {
    let portal = FakeBitrix24::start(0, 0, "bucket").await;
    let core = core();
    let id = add(
        &core,
        "bitrix24",
        "Portal",
        &[],
        &[("webhook_url", &portal.webhook())],
    );
    let client =
        Client::new(&core.check_target(id).unwrap()).with_backoff(Duration::from_millis(10));
    let context = CheckContext::new(Duration::from_secs(5), Duration::from_secs(5)).unwrap();
    let started = Instant::now();
    for _ in 0..56 {
        client
            .call(&context, "crm.category.list", serde_json::json!({}))
            .await
            .unwrap();
    }
    // 50 at once (the bucket's size), then 2 per second.
    assert!(
        started.elapsed() >= Duration::from_millis(2_900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        portal.counters().limit_exceeded,
        0,
        "{:?}",
        portal.counters()
    );

    portal.refuse_next(2);
    let answer = client
        .call(&context, "crm.category.list", serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(answer["result"]["categories"][1]["name"], "Wholesale");

    portal.fail_method(
        "crm.contact.list",
        "ACCESS_DENIED",
        "Access denied for this webhook",
    );
    let run = Sync::new(Arc::clone(&core))
        .unwrap()
        .run(id, vec![Entity::Contacts], false)
        .await
        .unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    let error = run.error.unwrap();
    assert!(error.contains("Access denied for this webhook"), "{error}");
    assert!(
        !error.contains("bucket"),
        "the webhook code never shows in errors: {error}"
    );
}
