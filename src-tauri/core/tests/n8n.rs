//! n8n routes and triggers against local HTTP servers on 127.0.0.1 that answer like n8n's webhook
//! endpoint (signature, 404/500 mapping, batches). The real-n8n story is in `n8n_real.rs`.

mod support;

use std::sync::Arc;

use patchbay_core::n8n::routes::RouteInput;
use patchbay_core::n8n::trigger::{parse_batch, Trigger};
use patchbay_core::runs::RunStatus;
use patchbay_core::{signing, ErrorKind};
use serde_json::json;
use support::{add, core, Behaviour, Reply, Server};

fn route(key: &str, path: &str) -> RouteInput {
    RouteInput {
        action_key: key.into(),
        webhook_path: path.into(),
        method: None,
        description: None,
        default_payload: None,
        workflow_id: None,
    }
}

#[test]
fn routes_validate_action_keys_and_paths_and_stay_unique() {
    let core = core();
    let id = add(
        &core,
        "n8n",
        "Flows",
        &[("base_url", "http://127.0.0.1:9")],
        &[],
    );
    let created = core
        .add_route(id, &route("order.created", "/webhook/orders/new"))
        .unwrap();
    assert_eq!(
        (created.webhook_path.as_str(), created.method.as_str()),
        ("orders/new", "POST")
    );
    let bad = core
        .add_route(id, &route("order created!", "x"))
        .unwrap_err();
    assert_eq!(
        (bad.kind(), bad.field()),
        (ErrorKind::Validation, Some("action_key"))
    );
    assert!(bad.to_string().contains("^[a-zA-Z0-9._-]+$"));
    let duplicate = core
        .add_route(id, &route("order.created", "other"))
        .unwrap_err();
    assert_eq!(
        (duplicate.kind(), duplicate.field()),
        (ErrorKind::Conflict, Some("action_key"))
    );
    let bad_payload = core
        .add_route(
            id,
            &RouteInput {
                default_payload: Some("{oops".into()),
                ..route("x", "y")
            },
        )
        .unwrap_err();
    assert_eq!(bad_payload.field(), Some("default_payload"));
    let http = add(
        &core,
        "http",
        "Site",
        &[("url", "https://example.com")],
        &[],
    );
    assert_eq!(
        core.add_route(http, &route("a", "b")).unwrap_err().field(),
        Some("integration_id")
    );
    assert_eq!(core.list_routes(id).unwrap().len(), 1);
}

#[tokio::test]
async fn trigger_posts_signed_json_and_records_the_run() {
    let server = Server::routes(vec![(
        "/webhook/orders/new",
        Reply::json(200, json!({"message": "Workflow was started"})),
    )])
    .await;
    let core = core();
    let id = add(
        &core,
        "n8n",
        "Flows",
        &[("base_url", &server.url())],
        &[("signing_secret", "whsec-test")],
    );
    core.add_route(
        id,
        &RouteInput {
            default_payload: Some("{\"source\": \"default\"}".into()),
            ..route("order.created", "orders/new")
        },
    )
    .unwrap();
    let trigger = Trigger::new(Arc::clone(&core)).unwrap();
    let outcome = trigger
        .trigger(id, "order.created", Some(json!({"order": 42})), false)
        .await
        .unwrap();
    assert_eq!(outcome.http_status, Some(200));
    assert_eq!(outcome.run.status, RunStatus::Succeeded);
    let request = &server.request_log()[0];
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    assert_eq!(body, "{\"order\":42}");
    let signature = head
        .lines()
        .find_map(|l| l.strip_prefix("x-patchbay-signature: "))
        .expect("signed");
    let now = patchbay_core::store::now_ms() / 1000;
    assert_eq!(
        signing::verify(b"whsec-test", signature, body.as_bytes(), now, 300),
        Ok(())
    );
    assert!(head.contains("content-type: application/json"));

    trigger
        .trigger(id, "order.created", None, false)
        .await
        .unwrap();
    assert!(
        server.request_log()[1].ends_with("{\"source\":\"default\"}"),
        "default payload: {}",
        server.request_log()[1]
    );

    let unknown = trigger
        .trigger(id, "order.deleted", None, false)
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert!(
        unknown.to_string().contains("order.created"),
        "lists the keys that exist: {unknown}"
    );
}

#[tokio::test]
async fn n8n_answers_404_and_500_become_clear_failed_runs() {
    let server = Server::routes(vec![
        ("/webhook/gone", Reply::json(404, json!({"code": 404, "message": "The requested webhook \"POST gone\" is not registered."}))),
        ("/webhook/broken", Reply::json(500, json!({"message": "Error in workflow"}))),
    ])
    .await;
    let core = core();
    let id = add(&core, "n8n", "Flows", &[("base_url", &server.url())], &[]);
    core.add_route(id, &route("gone", "gone")).unwrap();
    core.add_route(id, &route("broken", "broken")).unwrap();
    let trigger = Trigger::new(Arc::clone(&core)).unwrap();
    let gone = trigger.trigger(id, "gone", None, true).await.unwrap();
    assert_eq!(gone.run.status, RunStatus::Failed);
    assert!(
        gone.message
            .contains("the workflow is not active or the path is wrong"),
        "{}",
        gone.message
    );
    let broken = trigger.trigger(id, "broken", None, true).await.unwrap();
    assert_eq!(broken.run.status, RunStatus::Failed);
    assert_eq!(broken.message, "the workflow failed: Error in workflow");
    let detail = core.run_detail(broken.run.id).unwrap();
    assert!(detail
        .logs
        .iter()
        .any(|line| line.level == "error" && line.message.contains("Error in workflow")));
}

#[tokio::test]
async fn batch_sends_every_payload_with_a_result_each() {
    let server = Server::start(Behaviour::Routes(Arc::new(|_| {
        Reply::json(200, json!({"message": "Workflow was started"}))
    })))
    .await;
    let core = core();
    let id = add(&core, "n8n", "Flows", &[("base_url", &server.url())], &[]);
    core.add_route(id, &route("import", "import")).unwrap();
    let payloads = parse_batch("{\"n\":1}\n{\"n\":2}\n\n{\"n\":3}\n").unwrap();
    assert_eq!(payloads.len(), 3);
    assert_eq!(
        parse_batch("{\"n\":1}\nnot json").unwrap_err().to_string(),
        "data: line 2: expected ident at line 1 column 2"
    );
    let outcome = Trigger::new(Arc::clone(&core))
        .unwrap()
        .batch(id, "import", payloads, 2)
        .await
        .unwrap();
    assert_eq!(
        outcome
            .items
            .iter()
            .map(|i| (i.index, i.ok))
            .collect::<Vec<_>>(),
        vec![(0, true), (1, true), (2, true)]
    );
    assert_eq!(outcome.run.summary.as_deref(), Some("3 accepted, 0 failed"));
    let mut bodies: Vec<String> = server
        .request_log()
        .iter()
        .map(|r| r.split_once("\r\n\r\n").unwrap().1.to_owned())
        .collect();
    bodies.sort();
    assert_eq!(bodies, vec!["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"]);
}
