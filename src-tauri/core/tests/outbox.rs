//! Audit webhooks through the outbox, against a local receiver on 127.0.0.1: signatures, retries,
//! dead-lettering, order per endpoint, persistence across a restart, and no event for a change that was
//! rolled back.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use patchbay_core::outbox::{Deliverer, DeliveryQuery, EndpointInput, EndpointUpdate};
use patchbay_core::secrets::{Credentials, MemoryBackend};
use patchbay_core::store::Store;
use patchbay_core::{signing, Patchbay, SecretString};
use support::{add, core, Behaviour, Reply, Server};

fn endpoint(url: &str, events: &[&str]) -> EndpointInput {
    EndpointInput {
        name: "Audit".into(),
        url: url.into(),
        headers: "X-Tenant: acme".into(),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        secret: Some(SecretString::from("whsec-audit")),
    }
}

fn deliverer() -> Deliverer {
    let mut deliverer = Deliverer::new().unwrap();
    deliverer.backoff_base_ms = 20;
    deliverer
}

/// Runs the worker until nothing is pending (bounded).
async fn drain(core: &Arc<Patchbay>, deliverer: &Deliverer) {
    for _ in 0..200 {
        deliverer.deliver_due(core).await.unwrap();
        if core
            .list_deliveries(&DeliveryQuery {
                page: 1,
                per_page: 100,
                ..DeliveryQuery::default()
            })
            .unwrap()
            .items
            .iter()
            .all(|d| d.status != "pending")
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("outbox did not drain");
}

fn memory_core() -> (Arc<Patchbay>, MemoryBackend) {
    let keychain = MemoryBackend::default();
    (
        Arc::new(Patchbay::with_parts(
            Store::open_in_memory().unwrap(),
            Credentials::new(Box::new(keychain.clone())),
        )),
        keychain,
    )
}

#[tokio::test]
async fn events_are_signed_carry_no_secret_and_follow_the_subscription() {
    let receiver = Server::always(Reply::new(204, "")).await;
    let (core, _) = memory_core();
    core.add_endpoint(&endpoint(
        &receiver.url(),
        &["integration_created", "integration_deleted"],
    ))
    .unwrap();
    let id = add(
        &core,
        "kommo",
        "CRM",
        &[("subdomain", "acme")],
        &[("token", "kommo-secret-token")],
    );
    core.update_integration(
        id,
        patchbay_core::IntegrationUpdate {
            name: Some("CRM 2".into()),
            ..Default::default()
        },
    )
    .unwrap();
    core.delete_integration(id).unwrap();
    drain(&core, &deliverer()).await;
    let log = receiver.request_log();
    assert_eq!(log.len(), 2, "updated is not subscribed");
    let (head, body) = log[0].split_once("\r\n\r\n").unwrap();
    let event: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(event["type"], "integration_created");
    assert_eq!(event["data"]["integration"]["name"], "CRM");
    assert_eq!(event["project"]["name"], "Default");
    assert!(
        !body.contains("kommo-secret-token"),
        "secrets never leave in events"
    );
    assert!(head.contains(&format!(
        "x-patchbay-event-id: {}",
        event["id"].as_str().unwrap()
    )));
    assert!(head.contains("x-tenant: acme"));
    let signature = head
        .lines()
        .find_map(|l| l.strip_prefix("x-patchbay-signature: "))
        .unwrap();
    assert_eq!(
        signing::verify(
            b"whsec-audit",
            signature,
            body.as_bytes(),
            patchbay_core::store::now_ms() / 1000,
            300
        ),
        Ok(())
    );
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(log[1].split_once("\r\n\r\n").unwrap().1)
            .unwrap()["type"],
        "integration_deleted"
    );
    assert!(core
        .list_deliveries(&DeliveryQuery {
            page: 1,
            per_page: 10,
            ..DeliveryQuery::default()
        })
        .unwrap()
        .items
        .iter()
        .all(|d| d.status == "delivered" && d.attempts == 1));
}

#[tokio::test]
async fn failures_are_retried_in_order_and_dead_after_five_attempts() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    // The first two attempts fail with 500, the rest succeed.
    let receiver = Server::start(Behaviour::Routes(Arc::new(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) < 2 {
            Reply::new(500, "busy")
        } else {
            Reply::new(200, "ok")
        }
    })))
    .await;
    let (core, _) = memory_core();
    core.add_endpoint(&endpoint(&receiver.url(), &[])).unwrap();
    for name in ["one", "two", "three"] {
        add(&core, "http", name, &[("url", "https://example.com")], &[]);
    }
    drain(&core, &deliverer()).await;
    let names: Vec<String> = receiver
        .request_log()
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(r.split_once("\r\n\r\n").unwrap().1).unwrap()
                ["data"]["integration"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        vec!["one", "one", "one", "two", "three"],
        "a newer event never overtakes an older one"
    );
    let first = core
        .list_deliveries(&DeliveryQuery {
            page: 1,
            per_page: 10,
            ..DeliveryQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .find(|d| d.attempts == 3)
        .unwrap();
    assert_eq!(
        (first.status.as_str(), first.last_status),
        ("delivered", Some(200))
    );

    let dead_receiver = Server::always(Reply::new(503, "down")).await;
    let (core, _) = memory_core();
    core.add_endpoint(&endpoint(&dead_receiver.url(), &[]))
        .unwrap();
    add(&core, "http", "x", &[("url", "https://example.com")], &[]);
    drain(&core, &deliverer()).await;
    let dead = &core
        .list_deliveries(&DeliveryQuery {
            page: 1,
            per_page: 10,
            ..DeliveryQuery::default()
        })
        .unwrap()
        .items[0];
    assert_eq!((dead.status.as_str(), dead.attempts), ("dead", 5));
    assert!(dead.last_error.as_deref().unwrap().contains("HTTP 503"));
    assert_eq!(dead_receiver.request_log().len(), 5);
    core.redeliver(dead.id).unwrap();
    assert_eq!(
        core.list_deliveries(&DeliveryQuery {
            page: 1,
            per_page: 10,
            ..DeliveryQuery::default()
        })
        .unwrap()
        .items[0]
            .status,
        "pending"
    );
}

#[tokio::test]
async fn pending_events_survive_a_restart_and_rolled_back_changes_emit_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = MemoryBackend::default();
    let open = || {
        Arc::new(Patchbay::with_parts(
            Store::open(dir.path()).unwrap(),
            Credentials::new(Box::new(keychain.clone())),
        ))
    };
    let receiver = Server::always(Reply::new(200, "ok")).await;
    {
        let core = open();
        core.add_endpoint(&endpoint(&receiver.url(), &[])).unwrap();
        add(
            &core,
            "http",
            "before restart",
            &[("url", "https://example.com")],
            &[],
        );
        keychain.fail_writes(true);
        let refused = core.create_integration(patchbay_core::NewIntegration {
            project_id: None,
            provider: "kommo".into(),
            name: "rolled back".into(),
            active: None,
            check_interval_s: None,
            config: [("subdomain".to_owned(), "x".to_owned())].into(),
            secrets: [("token".to_owned(), SecretString::from("t"))].into(),
        });
        assert!(refused.is_err());
        keychain.fail_writes(false);
        assert_eq!(
            core.list_deliveries(&DeliveryQuery {
                page: 1,
                per_page: 10,
                ..DeliveryQuery::default()
            })
            .unwrap()
            .total,
            1,
            "no event for the rolled-back create"
        );
    }
    let core = open();
    assert_eq!(
        core.list_deliveries(&DeliveryQuery {
            page: 1,
            per_page: 10,
            ..DeliveryQuery::default()
        })
        .unwrap()
        .items[0]
            .status,
        "pending"
    );
    drain(&core, &deliverer()).await;
    assert_eq!(receiver.request_log().len(), 1);
}

#[tokio::test]
async fn delivery_log_filters_sorts_and_endpoints_toggle_and_delete() {
    let receiver = Server::always(Reply::new(500, "down")).await;
    let core = core();
    let endpoint = core
        .add_endpoint(&EndpointInput {
            name: "Audit".into(),
            url: receiver.url(),
            headers: String::new(),
            events: vec![],
            secret: Some(SecretString::from("whsec")),
        })
        .unwrap();
    for name in ["a", "b", "c"] {
        add(&core, "http", name, &[("url", "http://127.0.0.1:9/")], &[]);
    }
    let all = core.list_deliveries(&DeliveryQuery::default()).unwrap();
    assert_eq!(all.total, 3);
    assert!(
        all.items.windows(2).all(|w| w[0].id > w[1].id),
        "newest first by default"
    );
    assert_eq!(all.items[0].endpoint_name, "Audit");
    let error = core
        .list_deliveries(&DeliveryQuery {
            per_page: 500,
            ..DeliveryQuery::default()
        })
        .unwrap_err();
    assert!(error.to_string().contains("per_page"), "{error}");
    let none_dead = core
        .list_deliveries(&DeliveryQuery {
            status: Some("dead".into()),
            ..DeliveryQuery::default()
        })
        .unwrap();
    assert_eq!(none_dead.total, 0);

    let off = core.set_endpoint_active(endpoint.id, false).unwrap();
    assert!(!off.active);
    add(&core, "http", "d", &[("url", "http://127.0.0.1:9/")], &[]);
    assert_eq!(
        core.list_deliveries(&DeliveryQuery::default())
            .unwrap()
            .total,
        3,
        "inactive endpoints get nothing new"
    );

    core.delete_endpoint(endpoint.id).unwrap();
    assert!(core.list_endpoints().unwrap().is_empty());
    assert_eq!(
        core.list_deliveries(&DeliveryQuery::default())
            .unwrap()
            .total,
        0
    );
    assert!(matches!(
        core.delete_endpoint(endpoint.id).unwrap_err(),
        patchbay_core::Error::NotFound { .. }
    ));
}

/// The signature header of a logged request, if any.
fn signature_of(request: &str) -> Option<&str> {
    request
        .split_once("\r\n\r\n")
        .unwrap()
        .0
        .lines()
        .find_map(|l| l.strip_prefix("x-patchbay-signature: "))
}

#[tokio::test]
async fn an_edited_endpoint_keeps_its_log_and_sends_retries_to_its_new_url_and_secret() {
    let down = Server::always(Reply::new(503, "down")).await;
    let receiver = Server::always(Reply::new(204, "")).await;
    let (core, keychain) = memory_core();
    let audit = core
        .add_endpoint(&endpoint(&down.url(), &["integration_created"]))
        .unwrap();
    add(&core, "http", "a", &[("url", "http://127.0.0.1:9/")], &[]);
    deliverer().deliver_due(&core).await.unwrap();
    assert_eq!(
        down.request_log().len(),
        1,
        "the first attempt went to the old URL"
    );

    // A bad edit changes nothing, in SQLite or in the keychain.
    let edit = |url: &str, secret: Option<&str>, remove_secret: bool| EndpointUpdate {
        input: EndpointInput {
            name: "Audit v2".into(),
            url: url.into(),
            headers: "X-Tenant: birch".into(),
            events: vec![],
            secret: secret.map(SecretString::from),
        },
        remove_secret,
    };
    for (bad, field) in [
        (edit("ftp://127.0.0.1/", None, false), "url"),
        (edit(&receiver.url(), Some("new"), true), "secret"),
    ] {
        let error = core.update_endpoint(audit.id, &bad).unwrap_err();
        assert_eq!(error.field(), Some(field), "{error}");
    }
    keychain.fail_writes(true);
    let error = core
        .update_endpoint(audit.id, &edit(&receiver.url(), Some("whsec-new"), false))
        .unwrap_err();
    assert!(
        matches!(error, patchbay_core::Error::Keychain(_)),
        "{error}"
    );
    keychain.fail_writes(false);
    assert_eq!(core.list_endpoints().unwrap()[0].url, down.url());
    let other = core
        .add_endpoint(&EndpointInput {
            name: "Audit v2".into(),
            ..endpoint(&receiver.url(), &[])
        })
        .unwrap();
    let error = core
        .update_endpoint(audit.id, &edit(&receiver.url(), None, false))
        .unwrap_err();
    assert!(
        matches!(error, patchbay_core::Error::Conflict { .. }),
        "{error}"
    );
    core.delete_endpoint(other.id).unwrap();

    // New URL, headers and events; the secret kept.
    let edited = core
        .update_endpoint(audit.id, &edit(&receiver.url(), None, false))
        .unwrap();
    assert_eq!(
        (edited.name.as_str(), edited.url.as_str(), edited.has_secret),
        ("Audit v2", receiver.url().as_str(), true)
    );
    assert!(edited.events.is_empty());
    add(&core, "http", "b", &[("url", "http://127.0.0.1:9/")], &[]);
    tokio::time::sleep(Duration::from_millis(100)).await; // past the first attempt's backoff
    drain(&core, &deliverer()).await;
    let log = receiver.request_log();
    assert_eq!(log.len(), 2, "the retried event and the new one");
    assert!(log.iter().all(|r| r.contains("x-tenant: birch")));
    let body = log[0].split_once("\r\n\r\n").unwrap().1;
    assert_eq!(
        signing::verify(
            b"whsec-audit",
            signature_of(&log[0]).unwrap(),
            body.as_bytes(),
            patchbay_core::store::now_ms() / 1000,
            300
        ),
        Ok(()),
        "the kept secret signs"
    );
    let deliveries = core.list_deliveries(&DeliveryQuery::default()).unwrap();
    assert_eq!(deliveries.total, 2, "the log is kept");
    assert!(deliveries
        .items
        .iter()
        .all(|d| d.status == "delivered" && d.endpoint_name == "Audit v2"));

    // A new secret, then none.
    core.update_endpoint(
        audit.id,
        &edit(&receiver.url(), Some("whsec-rotated"), false),
    )
    .unwrap();
    add(&core, "http", "c", &[("url", "http://127.0.0.1:9/")], &[]);
    drain(&core, &deliverer()).await;
    let log = receiver.request_log();
    let body = log[2].split_once("\r\n\r\n").unwrap().1;
    assert_eq!(
        signing::verify(
            b"whsec-rotated",
            signature_of(&log[2]).unwrap(),
            body.as_bytes(),
            patchbay_core::store::now_ms() / 1000,
            300
        ),
        Ok(())
    );
    let unsigned = core
        .update_endpoint(audit.id, &edit(&receiver.url(), None, true))
        .unwrap();
    assert!(!unsigned.has_secret);
    assert!(keychain.accounts().is_empty(), "{:?}", keychain.accounts());
    add(&core, "http", "d", &[("url", "http://127.0.0.1:9/")], &[]);
    drain(&core, &deliverer()).await;
    assert_eq!(signature_of(&receiver.request_log()[3]), None);

    assert!(matches!(
        core.update_endpoint(9_999, &edit(&receiver.url(), None, false))
            .unwrap_err(),
        patchbay_core::Error::NotFound { .. }
    ));
}

/// An endpoint's extra headers are checked when saved, not when a delivery fails: a line without `:`, a
/// name with a space, a control character. The message names the line, never repeats it (a token pasted
/// without its header name would otherwise be shown and logged), and nothing is stored.
#[test]
fn endpoint_headers_are_checked_when_saved_and_never_echoed() {
    let (core, _keychain) = memory_core();
    for (headers, expected) in [
        (
            "X-Tenant: acme\nBearer tok-9f3a77",
            "line 2 is not `Name: value`",
        ),
        ("X Tenant tok-9f3a77: acme", "line 1: a header name"),
        ("X-Tenant: tok-9f3a77\u{7}", "control characters"),
    ] {
        let error = core
            .add_endpoint(&EndpointInput {
                headers: headers.into(),
                ..endpoint("http://127.0.0.1:9/", &[])
            })
            .unwrap_err();
        assert_eq!(error.field(), Some("headers"), "{error}");
        let message = error.to_string();
        assert!(message.contains(expected), "{message}");
        assert!(!message.contains("tok-9f3a77"), "{message}");
    }
    assert!(core.list_endpoints().unwrap().is_empty());
}
