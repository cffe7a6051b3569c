//! n8n end to end against a real n8n (`tests/n8n`, installed by `tests/bootstrap.sh test`; SPEC §7):
//! headless owner setup, an API key, two workflows created through the public API and activated, then
//! Patchbay triggers their routes, follows the executions, lists workflows and deactivates one.

mod support;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use patchbay_core::health::CheckContext;
use patchbay_core::n8n::api::Client;
use patchbay_core::n8n::routes::RouteInput;
use patchbay_core::n8n::trigger::Trigger;
use patchbay_core::runs::RunStatus;
use serde_json::{json, Value};
use support::{add, core, refused_port};

struct N8n {
    child: Child,
    url: String,
    _home: tempfile::TempDir,
}

impl Drop for N8n {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn n8n_bin() -> PathBuf {
    let bin =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/n8n/node_modules/n8n/bin/n8n");
    assert!(
        bin.exists(),
        "n8n is not installed: run tests/bootstrap.sh test (npm install in tests/n8n)"
    );
    bin
}

async fn start_n8n() -> N8n {
    let home = tempfile::tempdir().unwrap();
    let port = refused_port().await;
    let mut child = Command::new("node")
        .arg(n8n_bin())
        .arg("start")
        .env("N8N_USER_FOLDER", home.path())
        .env("N8N_PORT", port.to_string())
        .env("N8N_LISTEN_ADDRESS", "127.0.0.1")
        .env("NODE_ENV", "production")
        .env("N8N_DIAGNOSTICS_ENABLED", "false")
        .env("N8N_VERSION_NOTIFICATIONS_ENABLED", "false")
        .env("N8N_TEMPLATES_ENABLED", "false")
        .env("N8N_PERSONALIZATION_ENABLED", "false")
        .env("N8N_SECURE_COOKIE", "false")
        .env("N8N_HIRING_BANNER_ENABLED", "false")
        .env("WEBHOOK_URL", format!("http://127.0.0.1:{port}/"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node");
    let (ready_tx, ready_rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("Editor is now accessible") {
                let _ = ready_tx.send(());
            }
        }
    });
    let n8n = N8n {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _home: home,
    };
    ready_rx
        .recv_timeout(Duration::from_secs(180))
        .expect("n8n did not print \"Editor is now accessible\" within 180 s");
    n8n
}

/// Owner setup and an API key with every scope, through n8n's internal REST API (SPEC §7).
async fn api_key(url: &str) -> String {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let browser = ("browser-id", "patchbay-test-browser");
    let setup = http
        .post(format!("{url}/rest/owner/setup"))
        .header(browser.0, browser.1)
        .json(&json!({"email": "owner@patchbay.test", "firstName": "Pat", "lastName": "Chbay", "password": "Patchbay-Test-1"}))
        .send()
        .await
        .unwrap();
    assert!(
        setup.status().is_success(),
        "owner setup: {}",
        setup.text().await.unwrap()
    );
    let scopes: Value = http
        .get(format!("{url}/rest/api-keys/scopes"))
        .header(browser.0, browser.1)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created: Value = http
        .post(format!("{url}/rest/api-keys"))
        .header(browser.0, browser.1)
        .json(&json!({"label": "patchbay", "scopes": scopes["data"], "expiresAt": null}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["data"]["rawApiKey"]
        .as_str()
        .unwrap_or_else(|| panic!("no rawApiKey: {created}"))
        .to_owned()
}

/// Creates a workflow through the public API and activates it; returns its id.
async fn create_and_activate(url: &str, key: &str, body: &Value) -> String {
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{url}/api/v1/workflows"))
        .header("X-N8N-API-KEY", key)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("workflow not created: {created}"))
        .to_owned();
    let activated = http
        .post(format!("{url}/api/v1/workflows/{id}/activate"))
        .header("X-N8N-API-KEY", key)
        .send()
        .await
        .unwrap();
    assert!(
        activated.status().is_success(),
        "activate: {}",
        activated.text().await.unwrap()
    );
    id
}

/// A workflow whose webhook answers with what it received (headers and body): n8n's Webhook node with
/// `responseMode: lastNode` returns its own output item.
async fn create_echo_workflow(url: &str, key: &str, path: &str) -> String {
    let body = json!({
        "name": "Patchbay echo",
        "nodes": [{"id": "1", "name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
                   "webhookId": format!("{path}-hook"),
                   "parameters": {"path": path, "httpMethod": "POST", "responseMode": "lastNode", "responseData": "firstEntryJson"}}],
        "connections": {},
        "settings": {"executionOrder": "v1"}
    });
    create_and_activate(url, key, &body).await
}

async fn create_workflow(url: &str, key: &str, name: &str, path: &str, fail: bool) -> String {
    let second = if fail {
        json!({"id": "2", "name": "Fail", "type": "n8n-nodes-base.code", "typeVersion": 2, "position": [300, 0],
               "parameters": {"jsCode": "throw new Error('boom from the Patchbay test');"}})
    } else {
        json!({"id": "2", "name": "Done", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "position": [300, 0], "parameters": {}})
    };
    let second_name = second["name"].clone();
    let body = json!({
        "name": name,
        "nodes": [
            {"id": "1", "name": "Webhook", "type": "n8n-nodes-base.webhook", "typeVersion": 2, "position": [0, 0],
             "webhookId": format!("{path}-hook"), "parameters": {"path": path, "httpMethod": "POST", "responseMode": "onReceived"}},
            second
        ],
        "connections": {"Webhook": {"main": [[{"node": second_name, "type": "main", "index": 0}]]}},
        "settings": {"executionOrder": "v1"}
    });
    create_and_activate(url, key, &body).await
}

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

#[tokio::test]
async fn routes_trigger_and_follow_executions_on_a_real_n8n() {
    let n8n = start_n8n().await;
    let key = api_key(&n8n.url).await;
    let ok_id = create_workflow(&n8n.url, &key, "Patchbay OK", "patchbay-ok", false).await;
    create_workflow(&n8n.url, &key, "Patchbay Fail", "patchbay-fail", true).await;

    let core = core();
    let id = add(
        &core,
        "n8n",
        "Local n8n",
        &[("base_url", &n8n.url)],
        &[("api_key", &key)],
    );
    core.add_route(id, &route("order.ok", "patchbay-ok"))
        .unwrap();
    core.add_route(id, &route("order.fail", "patchbay-fail"))
        .unwrap();
    core.add_route(id, &route("order.missing", "no-such-path"))
        .unwrap();
    let trigger = Trigger::new(Arc::clone(&core)).unwrap();

    let ok = trigger
        .trigger(id, "order.ok", Some(json!({"order": 1})), true)
        .await
        .unwrap();
    assert_eq!(ok.run.status, RunStatus::Succeeded, "{}", ok.message);
    let execution = ok.execution.expect("execution followed");
    assert_eq!(execution.status, "success");
    assert_eq!(execution.last_node.as_deref(), Some("Done"));
    assert!(
        execution
            .url
            .ends_with(&format!("/workflow/{ok_id}/executions/{}", execution.id)),
        "{}",
        execution.url
    );
    assert_eq!(
        core.list_routes(id)
            .unwrap()
            .iter()
            .find(|r| r.action_key == "order.ok")
            .unwrap()
            .workflow_id
            .as_deref(),
        Some(ok_id.as_str())
    );

    let failed = trigger.trigger(id, "order.fail", None, true).await.unwrap();
    assert_eq!(failed.run.status, RunStatus::Failed);
    let execution = failed.execution.expect("execution followed");
    assert_eq!(execution.status, "error");
    assert!(
        failed.message.contains("boom from the Patchbay test"),
        "{}",
        failed.message
    );

    let missing = trigger
        .trigger(id, "order.missing", None, true)
        .await
        .unwrap();
    assert_eq!(missing.http_status, Some(404));
    assert!(
        missing.message.contains("not active or the path is wrong"),
        "{}",
        missing.message
    );

    let target = core.check_target(id).unwrap();
    let context = CheckContext::with_defaults().unwrap();
    let client = Client::new(&target, &context);
    let page = client.workflows(250, None).await.unwrap();
    let ok_workflow = page.items.iter().find(|w| w.id == ok_id).unwrap();
    assert!(ok_workflow.active);
    assert_eq!(ok_workflow.webhooks[0].path, "patchbay-ok");
    assert!(!client.set_active(&ok_id, false).await.unwrap().active);
    let after = trigger.trigger(id, "order.ok", None, false).await.unwrap();
    assert_eq!(
        after.http_status,
        Some(404),
        "a deactivated workflow's webhook is gone"
    );

    // Health checks against the real instance: good key healthy, wrong key → auth.
    let healthy = patchbay_core::health::run_check(&core.check_target(id).unwrap(), &context).await;
    assert_eq!(
        healthy.status,
        patchbay_core::HealthStatus::Healthy,
        "{healthy:?}"
    );
    let bad = add(
        &core,
        "n8n",
        "Wrong key",
        &[("base_url", &n8n.url)],
        &[("api_key", "wrong-key")],
    );
    let refused =
        patchbay_core::health::run_check(&core.check_target(bad).unwrap(), &context).await;
    assert_eq!(
        refused.error_kind,
        Some(patchbay_core::health::CheckErrorKind::Auth),
        "{refused:?}"
    );

    // The HMAC header arrives and verifies: the echo workflow returns what n8n received.
    let echo_id = create_echo_workflow(&n8n.url, &key, "patchbay-echo").await;
    let signed = add(
        &core,
        "n8n",
        "Signed",
        &[("base_url", &n8n.url)],
        &[("api_key", &key), ("signing_secret", "whsec-n8n")],
    );
    core.add_route(signed, &route("echo", "patchbay-echo"))
        .unwrap();
    let echoed = trigger
        .trigger(signed, "echo", Some(json!({"order": 7})), false)
        .await
        .unwrap();
    let received: Value = serde_json::from_str(&echoed.response).unwrap();
    let header = received["headers"]["x-patchbay-signature"]
        .as_str()
        .unwrap_or_else(|| panic!("no signature in {received}"));
    assert_eq!(received["body"], json!({"order": 7}));
    let now = patchbay_core::store::now_ms() / 1000;
    assert_eq!(
        patchbay_core::signing::verify(b"whsec-n8n", header, br#"{"order":7}"#, now, 300),
        Ok(())
    );

    // A batch of 100 payloads starts 100 executions.
    let before = Client::new(&target, &context)
        .executions(&echo_id, 250)
        .await
        .unwrap()
        .len();
    let payloads: Vec<Value> = (0..100).map(|n| json!({"n": n})).collect();
    let batch = trigger.batch(signed, "echo", payloads, 8).await.unwrap();
    assert_eq!(
        batch.items.iter().filter(|item| item.ok).count(),
        100,
        "{:?}",
        batch.items.iter().find(|i| !i.ok)
    );
    let mut executions = 0;
    for _ in 0..60 {
        executions = Client::new(&target, &context)
            .executions(&echo_id, 250)
            .await
            .unwrap()
            .len()
            - before;
        if executions >= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(executions, 100);

    let mut wrong_key = core.check_target(id).unwrap();
    wrong_key
        .secrets
        .insert("api_key".into(), patchbay_core::SecretString::from("wrong"));
    let error = Client::new(&wrong_key, &context)
        .workflows(10, None)
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("refused the credentials (HTTP 401)"),
        "{error}"
    );
}
