//! The fault matrix: every HTTP client of the core — each provider's health check, both CRM sync
//! clients, the n8n trigger and the outbox worker — against local servers on 127.0.0.1 that misbehave
//! in every way listed below. Each case must end in a classified outcome (`error_kind`) within the
//! configured timeout (plus the client's own retries), and the CRM clients must retry exactly the
//! transient kinds (timeout, connect, 429, 502–504) and nothing else. All cases run concurrently; the
//! summary line prints how many there were.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use patchbay_core::crm::http::MAX_ATTEMPTS;
use patchbay_core::crm::sync::{Entity, Sync};
use patchbay_core::health::{run_check, CheckContext};
use patchbay_core::n8n::routes::RouteInput;
use patchbay_core::outbox::{Deliverer, DeliveryQuery, EndpointInput};
use patchbay_core::runs::RunStatus;
use patchbay_core::{Patchbay, SecretString};
use support::{add, core};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Refused,
    Silent,
    Slowloris,
    Status(u16),
    TooManyWithRetryAfter,
    MalformedJson,
    WrongShape,
    EmptyBody,
    HugeBody,
    HtmlPage,
    TlsSelfSigned,
    TlsExpired,
    TlsWrongHost,
    CutMidBody,
}

const FAULTS: [Fault; 20] = [
    Fault::Refused,
    Fault::Silent,
    Fault::Slowloris,
    Fault::Status(401),
    Fault::Status(403),
    Fault::Status(404),
    Fault::Status(429),
    Fault::TooManyWithRetryAfter,
    Fault::Status(500),
    Fault::Status(502),
    Fault::Status(503),
    Fault::MalformedJson,
    Fault::WrongShape,
    Fault::EmptyBody,
    Fault::HugeBody,
    Fault::HtmlPage,
    Fault::TlsSelfSigned,
    Fault::TlsExpired,
    Fault::TlsWrongHost,
    Fault::CutMidBody,
];

/// Total time limit per request in these tests.
const TIMEOUT: Duration = Duration::from_millis(1_500);

impl Fault {
    fn is_tls(self) -> bool {
        matches!(
            self,
            Fault::TlsSelfSigned | Fault::TlsExpired | Fault::TlsWrongHost
        )
    }

    /// The kind a JSON API client must report.
    fn api_kind(self) -> &'static str {
        match self {
            Fault::Refused => "connect",
            Fault::Silent | Fault::Slowloris => "timeout",
            Fault::Status(401 | 403) => "auth",
            Fault::Status(429) | Fault::TooManyWithRetryAfter => "rate_limited",
            Fault::Status(_) => "http_status",
            Fault::MalformedJson
            | Fault::WrongShape
            | Fault::EmptyBody
            | Fault::HugeBody
            | Fault::HtmlPage
            | Fault::CutMidBody => "bad_response",
            Fault::TlsSelfSigned | Fault::TlsExpired | Fault::TlsWrongHost => "tls",
        }
    }

    /// Whether a CRM client retries it.
    fn transient(self) -> bool {
        matches!(
            self,
            Fault::Refused
                | Fault::Silent
                | Fault::Slowloris
                | Fault::Status(429 | 502 | 503 | 504)
                | Fault::TooManyWithRetryAfter
        )
    }
}

/// A misbehaving server; `hits` counts connections that sent a request (or a TLS hello).
struct FaultServer {
    url: String,
    hits: Arc<AtomicUsize>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// For `Refused`: a socket bound but not listening, so the port refuses and no other server of
    /// this concurrent test can take it.
    _bound: Option<tokio::net::TcpSocket>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}

fn tls_acceptor(fault: Fault) -> tokio_rustls::TlsAcceptor {
    let key = rcgen::KeyPair::generate().unwrap();
    let names = if fault == Fault::TlsWrongHost {
        vec!["other.example".to_owned()]
    } else {
        vec!["127.0.0.1".to_owned(), "localhost".to_owned()]
    };
    let mut params = rcgen::CertificateParams::new(names).unwrap();
    if fault == Fault::TlsExpired {
        params.not_before = time::OffsetDateTime::now_utc() - time::Duration::days(400);
        params.not_after = time::OffsetDateTime::now_utc() - time::Duration::days(30);
    }
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    tokio_rustls::TlsAcceptor::from(Arc::new(config))
}

async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return !buffer.is_empty(),
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buffer.len() >= end + 4 + length {
                return true;
            }
        }
    }
}

fn answer(status: u16, content_type: &str, body: &str, extra: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn serve(mut stream: TcpStream, fault: Fault) {
    if !read_request(&mut stream).await {
        return;
    }
    let json = "application/json";
    let reply = match fault {
        Fault::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        Fault::Slowloris => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
                .await;
            for _ in 0..1000 {
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            return;
        }
        Fault::HugeBody => {
            let size = 50 * 1024 * 1024;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n[");
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = vec![b'1'; 64 * 1024];
            let mut sent = 1;
            while sent < size {
                if stream.write_all(&chunk).await.is_err() {
                    return;
                }
                sent += chunk.len();
            }
            return;
        }
        Fault::CutMidBody => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"_embedded\": {\"leads\": [{\"id\": 1")
                .await;
            let _ = stream.shutdown().await;
            return;
        }
        Fault::Status(status) => answer(
            status,
            json,
            r#"{"error": "fault", "message": "fault"}"#,
            "",
        ),
        Fault::TooManyWithRetryAfter => {
            answer(429, json, r#"{"error": "slow down"}"#, "Retry-After: 1\r\n")
        }
        Fault::MalformedJson => answer(200, json, r#"{"ok": tru"#, ""),
        Fault::WrongShape => answer(
            200,
            json,
            r#"{"unexpected": [1, 2, 3], "result": "nope"}"#,
            "",
        ),
        Fault::EmptyBody => answer(200, json, "", ""),
        Fault::HtmlPage => answer(
            200,
            "text/html",
            "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
            "",
        ),
        Fault::Refused | Fault::TlsSelfSigned | Fault::TlsExpired | Fault::TlsWrongHost => return,
    };
    let _ = stream.write_all(&reply).await;
    let _ = stream.shutdown().await;
}

async fn fault_server(fault: Fault) -> FaultServer {
    let hits = Arc::new(AtomicUsize::new(0));
    if fault == Fault::Refused {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let port = socket.local_addr().unwrap().port();
        return FaultServer {
            url: format!("http://127.0.0.1:{port}"),
            hits,
            task: None,
            _bound: Some(socket),
        };
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let counter = Arc::clone(&hits);
    let acceptor = fault.is_tls().then(|| tls_acceptor(fault));
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match acceptor {
                    // The client refuses the certificate during the handshake.
                    Some(acceptor) => drop(acceptor.accept(stream).await),
                    None => serve(stream, fault).await,
                }
            });
        }
    });
    let scheme = if fault.is_tls() { "https" } else { "http" };
    FaultServer {
        url: format!("{scheme}://127.0.0.1:{port}"),
        hits,
        task: Some(task),
        _bound: None,
    }
}

fn context() -> CheckContext {
    CheckContext::new(TIMEOUT, TIMEOUT).unwrap()
}

/// One case's result.
struct Outcome {
    target: &'static str,
    fault: Fault,
    /// The classified kind, or `ok` when the client (rightly) took it as success.
    kind: String,
    hits: usize,
    elapsed: Duration,
}

fn kind_in(text: &str) -> String {
    // Every client writes failures as "… (kind)".
    text.rsplit_once('(')
        .and_then(|(_, rest)| rest.split(')').next())
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|| format!("unclassified: {text}"))
}

async fn health_case(provider: &'static str, fault: Fault) -> Outcome {
    let server = fault_server(fault).await;
    let core = core();
    let url = server.url.clone();
    let id = match provider {
        "http" => add(
            &core,
            "http",
            "x",
            &[("url", &url), ("keyword", "\"status\": \"up\"")],
            &[],
        ),
        "n8n" => add(
            &core,
            "n8n",
            "x",
            &[("base_url", &url)],
            &[("api_key", "n8n-key")],
        ),
        "kommo" => add(
            &core,
            "kommo",
            "x",
            &[("base_url", &url)],
            &[("token", "kommo-token")],
        ),
        "bitrix24" => add(
            &core,
            "bitrix24",
            "x",
            &[],
            &[("webhook_url", &format!("{url}/rest/1/code1234/"))],
        ),
        "telegram_bot" => add(
            &core,
            "telegram_bot",
            "x",
            &[("base_url", &url)],
            &[("token", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw")],
        ),
        other => unreachable!("{other}"),
    };
    let target = core.check_target(id).unwrap();
    let started = Instant::now();
    let result = run_check(&target, &context()).await;
    Outcome {
        target: provider,
        fault,
        kind: result.error_kind.map_or_else(
            || format!("ok: {}", result.detail),
            |k| k.as_str().to_owned(),
        ),
        hits: server.hits.load(Ordering::SeqCst),
        elapsed: started.elapsed(),
    }
}

async fn sync_case(provider: &'static str, fault: Fault) -> Outcome {
    let server = fault_server(fault).await;
    let core = core();
    let url = server.url.clone();
    let (id, entities) = if provider == "kommo" {
        (
            add(
                &core,
                "kommo",
                "x",
                &[("base_url", &url)],
                &[("token", "kommo-token")],
            ),
            vec![Entity::Deals],
        )
    } else {
        (
            add(
                &core,
                "bitrix24",
                "x",
                &[],
                &[("webhook_url", &format!("{url}/rest/1/code1234/"))],
            ),
            vec![Entity::Deals],
        )
    };
    let sync = Sync::new(Arc::clone(&core))
        .unwrap()
        .with_context(context())
        .with_backoff(Duration::from_millis(20));
    let started = Instant::now();
    let run = sync.run(id, entities, true).await.unwrap();
    Outcome {
        target: if provider == "kommo" {
            "kommo sync"
        } else {
            "bitrix24 sync"
        },
        fault,
        kind: if run.status == RunStatus::Failed {
            kind_in(run.error.as_deref().unwrap_or_default())
        } else {
            format!("ok: {:?} {}", run.status, run.summary.unwrap_or_default())
        },
        hits: server.hits.load(Ordering::SeqCst),
        elapsed: started.elapsed(),
    }
}

async fn n8n_case(fault: Fault) -> Outcome {
    let server = fault_server(fault).await;
    let core: Arc<Patchbay> = core();
    let id = add(&core, "n8n", "x", &[("base_url", &server.url)], &[]);
    core.add_route(
        id,
        &RouteInput {
            action_key: "order.created".into(),
            webhook_path: "orders".into(),
            method: None,
            description: None,
            default_payload: None,
            workflow_id: None,
        },
    )
    .unwrap();
    let trigger = patchbay_core::n8n::trigger::Trigger::new(Arc::clone(&core))
        .unwrap()
        .with_context(context());
    let started = Instant::now();
    let outcome = trigger
        .trigger(id, "order.created", None, false)
        .await
        .unwrap();
    let kind = match (outcome.run.status, outcome.http_status) {
        (RunStatus::Succeeded, _) => "ok".to_owned(),
        (_, Some(status)) => format!("http {status}"),
        (_, None) => kind_in(outcome.run.error.as_deref().unwrap_or_default()),
    };
    Outcome {
        target: "n8n trigger",
        fault,
        kind,
        hits: server.hits.load(Ordering::SeqCst),
        elapsed: started.elapsed(),
    }
}

async fn outbox_case(fault: Fault) -> Outcome {
    let server = fault_server(fault).await;
    let core: Arc<Patchbay> = core();
    core.add_endpoint(&EndpointInput {
        name: "audit".into(),
        url: server.url.clone(),
        headers: String::new(),
        events: vec![],
        secret: Some(SecretString::from("whsec")),
    })
    .unwrap();
    add(
        &core,
        "http",
        "event source",
        &[("url", "https://example.com")],
        &[],
    );
    let deliverer = Deliverer::new().unwrap().with_context(context());
    let started = Instant::now();
    assert_eq!(deliverer.deliver_due(&core).await.unwrap(), 1);
    let elapsed = started.elapsed();
    let page = core
        .list_deliveries(&DeliveryQuery {
            per_page: 10,
            ..Default::default()
        })
        .unwrap();
    let delivery = &page.items[0];
    let kind = match (delivery.status.as_str(), delivery.last_status) {
        ("delivered", _) => "ok".to_owned(),
        (_, Some(status)) => format!("http {status}"),
        (_, None) => kind_in(delivery.last_error.as_deref().unwrap_or_default()),
    };
    // Any failure is retried later by the outbox's own schedule (5 attempts), never dropped.
    if kind != "ok" {
        assert_eq!(delivery.status, "pending", "{fault:?}: {delivery:?}");
        assert!(
            patchbay_core::outbox::next_attempt(&core, delivery.id)
                .unwrap()
                .is_some(),
            "{fault:?}: no retry scheduled"
        );
    }
    Outcome {
        target: "outbox delivery",
        fault,
        kind,
        hits: server.hits.load(Ordering::SeqCst),
        elapsed,
    }
}

/// What the outbox and the n8n trigger must report: the HTTP status for answers (webhooks judge by
/// status only), the transport kind otherwise.
fn webhook_expectation(fault: Fault, success_is_ok: bool) -> String {
    match fault {
        Fault::Status(status) => format!("http {status}"),
        Fault::TooManyWithRetryAfter => "http 429".into(),
        Fault::MalformedJson | Fault::WrongShape | Fault::EmptyBody | Fault::HtmlPage
            if success_is_ok =>
        {
            "ok".into()
        }
        other => other.api_kind().into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_client_classifies_every_fault_within_its_timeout() {
    let mut cases = Vec::new();
    for fault in FAULTS {
        for provider in ["http", "n8n", "kommo", "bitrix24", "telegram_bot"] {
            cases.push(tokio::spawn(health_case(provider, fault)));
        }
        for provider in ["kommo", "bitrix24"] {
            cases.push(tokio::spawn(sync_case(provider, fault)));
        }
        cases.push(tokio::spawn(n8n_case(fault)));
        cases.push(tokio::spawn(outbox_case(fault)));
    }
    let mut failures = Vec::new();
    let total = cases.len();
    for case in cases {
        let outcome = case.await.expect("case panicked");
        let expected = match outcome.target {
            "n8n trigger" => webhook_expectation(outcome.fault, true),
            "outbox delivery" => webhook_expectation(outcome.fault, true),
            // Telegram answers 404 to a token it does not know (api.telegram.org/bot<token>/getMe).
            "telegram_bot" if outcome.fault == Fault::Status(404) => "auth".to_owned(),
            _ => outcome.fault.api_kind().to_owned(),
        };
        let retrying = outcome.target.ends_with("sync");
        // A CRM request is attempted at most MAX_ATTEMPTS times, each bounded by the timeout, with
        // short backoffs; Retry-After: 1 adds a second per retry.
        let attempts = if retrying && outcome.fault.transient() {
            MAX_ATTEMPTS
        } else {
            1
        };
        let limit = TIMEOUT * (attempts + 1) + Duration::from_secs(u64::from(attempts) + 2);
        if outcome.kind != expected {
            failures.push(format!(
                "{} / {:?}: got `{}`, expected `{expected}`",
                outcome.target, outcome.fault, outcome.kind
            ));
        }
        if outcome.elapsed > limit {
            failures.push(format!(
                "{} / {:?}: took {:?} (limit {limit:?})",
                outcome.target, outcome.fault, outcome.elapsed
            ));
        }
        if retrying && outcome.fault != Fault::Refused {
            // One connection per attempt (the first page fails, so the run stops there).
            let expected_hits = attempts as usize;
            if outcome.hits != expected_hits {
                failures.push(format!(
                    "{} / {:?}: {} requests, expected {expected_hits}",
                    outcome.target, outcome.fault, outcome.hits
                ));
            }
        }
    }
    println!("fault matrix: {total} cases, {} failures", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
