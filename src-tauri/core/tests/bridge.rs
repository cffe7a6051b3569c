//! The Bitrix24 portal-to-portal bridge between two local portals: mapping validation, dry run, a run in
//! `batch` calls of ≤ 50 `crm.deal.add`, reruns that create nothing, updates on rerun, and recovery of
//! deals created by a run killed before it wrote its id map.

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use patchbay_core::crm::bridge::{
    originator, BridgeInput, FieldRule, Mapping, OnRerun, RuleSource, Transfer, Transform,
};
use patchbay_core::runs::RunStatus;
use patchbay_core::secrets::{Credentials, MemoryBackend};
use patchbay_core::store::Store;
use patchbay_core::{ErrorKind, Patchbay};
use support::fake_crm::FakeBitrix24;
use support::{add, core};

fn rule(target: &str, source: RuleSource, transform: Transform) -> FieldRule {
    FieldRule {
        target: target.into(),
        source,
        transform,
    }
}

fn field(name: &str) -> RuleSource {
    RuleSource::Field { field: name.into() }
}

fn mapping() -> Mapping {
    Mapping {
        fields: vec![
            rule("TITLE", field("TITLE"), Transform::Uppercase),
            rule("OPPORTUNITY", field("OPPORTUNITY"), Transform::Number),
            rule(
                "COMMENTS",
                RuleSource::Constant {
                    value: "from the partner portal".into(),
                },
                Transform::None,
            ),
            rule("UF_CRM_PARTNER_NOTE", field("COMMENTS"), Transform::Trim),
        ],
        stages: BTreeMap::from([("C1:WON".to_owned(), "C4:NEW".to_owned())]),
        target_category: Some("4".into()),
    }
}

/// A partner portal with `deals` generated deals, an empty main portal, their integrations in a fresh core
/// and a bridge from C1:WON of the one to the other (skip on rerun): (source, target, core, bridge).
async fn partner_to_main(
    deals: u64,
) -> (
    FakeBitrix24,
    FakeBitrix24,
    Arc<Patchbay>,
    patchbay_core::crm::bridge::Bridge,
) {
    let source = FakeBitrix24::start(deals, 0, "partner").await;
    let target = FakeBitrix24::start(0, 0, "main").await;
    let core = core();
    let source_id = add(
        &core,
        "bitrix24",
        "Partner",
        &[],
        &[("webhook_url", &source.webhook())],
    );
    let target_id = add(
        &core,
        "bitrix24",
        "Main",
        &[],
        &[("webhook_url", &target.webhook())],
    );
    let bridge = core
        .save_bridge(
            None,
            &BridgeInput {
                name: "Partner → main".into(),
                source_integration_id: source_id,
                target_integration_id: target_id,
                trigger_stage: "C1:WON".into(),
                mapping: mapping(),
                on_rerun: OnRerun::Skip,
            },
        )
        .unwrap();
    (source, target, core, bridge)
}

/// The ids among `1..=deals` that the generated portal puts in C1:WON (id % 3 == 1 and id / 3 % 3 == 2).
fn triggered(deals: u64) -> Vec<u64> {
    (1..=deals)
        .filter(|i| i % 3 == 1 && i / 3 % 3 == 2)
        .collect()
}

#[tokio::test]
async fn bridge_transfers_trigger_stage_deals_in_batches_and_never_twice() {
    // 1,000 generated deals; those with id % 3 == 1 and id / 3 % 3 == 2 are in C1:WON.
    let (_source, target, core, bridge) = partner_to_main(1_000).await;
    let triggered = triggered(1_000);
    assert!(triggered.len() > 100, "more than two batches' worth");
    let transfer = Transfer::new(Arc::clone(&core)).unwrap();

    let dry = transfer.run(bridge.id, true).await.unwrap();
    assert!(dry.dry_run && dry.run.is_none());
    assert_eq!(dry.created as usize, triggered.len());
    assert_eq!(target.counters().deals_added, 0, "a dry run writes nothing");
    assert_eq!(dry.items[0].fields["TITLE"], "DEAL 7");
    assert_eq!(dry.items[0].fields["OPPORTUNITY"], 70.0);

    let report = transfer.run(bridge.id, false).await.unwrap();
    let run = report.run.clone().unwrap();
    assert_eq!(run.status, RunStatus::Succeeded, "{run:?}");
    assert_eq!(report.created as usize, triggered.len());
    let counters = target.counters();
    assert_eq!(counters.deals_added as usize, triggered.len());
    assert_eq!(
        counters.batches as usize,
        triggered.len().div_ceil(50),
        "crm.deal.add goes in batches of 50"
    );
    let created = target.deals();
    let copy = created.values().find(|d| d["ORIGIN_ID"] == "7").unwrap();
    assert_eq!(copy["TITLE"], "DEAL 7");
    assert_eq!(copy["STAGE_ID"], "C4:NEW");
    assert_eq!(copy["CATEGORY_ID"], "4");
    assert_eq!(copy["COMMENTS"], "from the partner portal");
    assert_eq!(copy["UF_CRM_PARTNER_NOTE"], "generated deal 7");
    assert_eq!(copy["ORIGINATOR_ID"], originator(bridge.id));
    assert_eq!(
        core.get_bridge(bridge.id).unwrap().transferred as usize,
        triggered.len()
    );

    // A rerun creates nothing.
    let again = transfer.run(bridge.id, false).await.unwrap();
    assert_eq!(
        (again.created, again.skipped as usize),
        (0, triggered.len())
    );
    assert_eq!(target.counters().deals_added as usize, triggered.len());
    // Its run counts the skipped deals as done, though it sent no batch.
    let run = core.run_detail(again.run.unwrap().id).unwrap().run;
    assert_eq!(
        (
            run.progress_done as usize,
            run.progress_total.map(|t| t as usize)
        ),
        (triggered.len(), Some(triggered.len()))
    );

    core.delete_bridge(bridge.id).unwrap();
    assert!(
        core.bridge_links(bridge.id).unwrap().is_empty(),
        "deleting a bridge deletes its id map"
    );
}

#[tokio::test]
async fn lost_id_map_is_recovered_from_the_target_and_updates_follow_the_source() {
    let source = FakeBitrix24::start(300, 0, "partner").await;
    let target = FakeBitrix24::start(0, 0, "main").await;
    let dir = tempfile::tempdir().unwrap();
    let core = Arc::new(Patchbay::with_parts(
        Store::open(dir.path()).unwrap(),
        Credentials::new(Box::new(MemoryBackend::default())),
    ));
    let source_id = add(
        &core,
        "bitrix24",
        "Partner",
        &[],
        &[("webhook_url", &source.webhook())],
    );
    let target_id = add(
        &core,
        "bitrix24",
        "Main",
        &[],
        &[("webhook_url", &target.webhook())],
    );
    let input = BridgeInput {
        name: "Partner → main".into(),
        source_integration_id: source_id,
        target_integration_id: target_id,
        trigger_stage: "C1:WON".into(),
        mapping: mapping(),
        on_rerun: OnRerun::Update,
    };
    let bridge = core.save_bridge(None, &input).unwrap();
    let transfer = Transfer::new(Arc::clone(&core)).unwrap();
    let first = transfer.run(bridge.id, false).await.unwrap();
    let count = first.created;
    assert!(count > 0);

    assert_eq!(core.bridge_links(bridge.id).unwrap().len() as u64, count);

    // Simulate a crash between the portal's answer and the id-map commit: the rows never landed.
    rusqlite::Connection::open(dir.path().join(patchbay_core::store::DB_FILE))
        .unwrap()
        .execute("DELETE FROM bridge_links WHERE bridge_id = ?1", [bridge.id])
        .unwrap();
    assert!(core.bridge_links(bridge.id).unwrap().is_empty());

    source.touch(&[7]);
    let rerun = transfer.run(bridge.id, false).await.unwrap();
    assert_eq!(rerun.created, 0, "{rerun:?}");
    assert_eq!(rerun.updated, count, "update on rerun");
    assert_eq!(target.counters().deals_added, count);
    assert_eq!(core.bridge_links(bridge.id).unwrap().len() as u64, count);
    let copy = target
        .deals()
        .into_values()
        .find(|d| d["ORIGIN_ID"] == "7")
        .unwrap();
    assert_eq!(copy["TITLE"], "DEAL 7 (EDITED)");
}

#[tokio::test]
async fn bridge_validation_names_the_field_and_writes_nothing() {
    let core = core();
    let a = add(
        &core,
        "bitrix24",
        "A",
        &[],
        &[("webhook_url", "http://127.0.0.1:9/rest/1/x/")],
    );
    let b = add(
        &core,
        "bitrix24",
        "B",
        &[],
        &[("webhook_url", "http://127.0.0.1:9/rest/1/y/")],
    );
    let kommo = add(
        &core,
        "kommo",
        "K",
        &[("base_url", "http://127.0.0.1:9")],
        &[("token", "t")],
    );
    let good = BridgeInput {
        name: "A → B".into(),
        source_integration_id: a,
        target_integration_id: b,
        trigger_stage: "C1:WON".into(),
        mapping: mapping(),
        on_rerun: OnRerun::Skip,
    };
    let cases: Vec<(BridgeInput, &str, &str)> = vec![
        (
            BridgeInput {
                target_integration_id: a,
                ..good.clone()
            },
            "target_integration_id",
            "another portal",
        ),
        (
            BridgeInput {
                source_integration_id: kommo,
                ..good.clone()
            },
            "source_integration_id",
            "kommo",
        ),
        (
            BridgeInput {
                trigger_stage: " ".into(),
                ..good.clone()
            },
            "trigger_stage",
            "stage",
        ),
        (
            BridgeInput {
                mapping: Mapping {
                    fields: vec![rule("title", field("TITLE"), Transform::None)],
                    ..mapping()
                },
                ..good.clone()
            },
            "mapping.fields[0].target",
            "not a Bitrix24 field code",
        ),
        (
            BridgeInput {
                mapping: Mapping {
                    fields: vec![rule("OPPORTUNITY", field("OPPORTUNITY"), Transform::None)],
                    ..mapping()
                },
                ..good.clone()
            },
            "mapping.fields",
            "TITLE",
        ),
        (
            BridgeInput {
                mapping: Mapping {
                    fields: vec![
                        rule("TITLE", field("TITLE"), Transform::None),
                        rule("TITLE", field("ID"), Transform::None),
                    ],
                    ..mapping()
                },
                ..good.clone()
            },
            "mapping.fields[1].target",
            "already mapped",
        ),
        (
            BridgeInput {
                mapping: Mapping {
                    stages: BTreeMap::new(),
                    ..mapping()
                },
                ..good.clone()
            },
            "mapping.stages",
            "C1:WON",
        ),
    ];
    for (input, field, needle) in cases {
        let error = core.save_bridge(None, &input).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Validation);
        let text = error.to_string();
        assert!(
            text.contains(field) && text.contains(needle),
            "{field}: {text}"
        );
    }
    assert!(core.list_bridges().unwrap().is_empty());
    core.save_bridge(None, &good).unwrap();
    assert_eq!(core.list_bridges().unwrap().len(), 1);
}

/// A second real run of a bridge while the first is going is refused (both would find the same deals not
/// yet transferred and create them twice in the target); a dry run meanwhile is fine. Each deal lands once.
#[tokio::test]
async fn a_bridge_does_not_run_twice_at_once() {
    let (source, target, core, bridge) = partner_to_main(300).await;
    source.set_delay(std::time::Duration::from_millis(300));
    let transfer = Arc::new(Transfer::new(Arc::clone(&core)).unwrap());
    let first = {
        let transfer = Arc::clone(&transfer);
        tokio::spawn(async move { transfer.run(bridge.id, false).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let refused = transfer.run(bridge.id, false).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Conflict);
    assert!(
        refused
            .to_string()
            .contains("this bridge is already running"),
        "{refused}"
    );
    let dry = transfer.run(bridge.id, true).await.unwrap();
    assert!(dry.dry_run);

    let report = first.await.unwrap().unwrap();
    assert_eq!(report.run.unwrap().status, RunStatus::Succeeded);
    assert_eq!(
        target.counters().deals_added as usize,
        triggered(300).len(),
        "each trigger-stage deal created once"
    );
    let again = transfer.run(bridge.id, false).await.unwrap();
    assert_eq!(again.created, 0, "free again after the run");
}
