//! The SMTP health check against a real SMTP server (aiosmtpd, started from `tests/servers/`) on
//! 127.0.0.1: AUTH, STARTTLS and implicit TLS with a self-signed certificate, a wrong password, a silent
//! server and a refused port. `PATCHBAY_TEST_PYTHON` names a Python with aiosmtpd (the bootstrap script
//! makes one); it defaults to `python3`.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use patchbay_core::health::{run_check, CheckContext, CheckErrorKind};
use patchbay_core::HealthStatus;
use support::{add, core, refused_port};

struct SmtpServer {
    child: Child,
    port: u16,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn start(mode: &str, cert: &Path, key: &Path) -> SmtpServer {
    start_with(mode, cert, key, None)
}

fn start_with(mode: &str, cert: &Path, key: &Path, spool: Option<&Path>) -> SmtpServer {
    let python = std::env::var("PATCHBAY_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = Command::new(&python)
        .arg(repo_root().join("tests/servers/smtp_server.py"))
        .args(["--mode", mode, "--cert"])
        .arg(cert)
        .arg("--key")
        .arg(key)
        .args(
            spool
                .map(|p| vec!["--spool".into(), p.as_os_str().to_owned()])
                .unwrap_or_default(),
        )
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {python}: {error}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .strip_prefix("READY ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| {
            panic!("SMTP server did not start (is aiosmtpd installed for {python}?): {line:?}")
        });
    SmtpServer { child, port }
}

/// A self-signed certificate for localhost/127.0.0.1 (SPEC §7: SAN and CA:FALSE so both TLS stacks parse it).
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    self_signed_for(dir, 2)
}

fn self_signed_for(dir: &Path, days: u32) -> (PathBuf, PathBuf) {
    let (cert, key) = (
        dir.join(format!("cert-{days}.pem")),
        dir.join(format!("key-{days}.pem")),
    );
    let days = days.to_string();
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            &days,
            "-subj",
            "/CN=localhost",
        ])
        .args([
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "basicConstraints=critical,CA:FALSE",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    (cert, key)
}

async fn check_smtp(port: u16, tls: &str, password: &str) -> patchbay_core::health::CheckResult {
    let core = core();
    let port = port.to_string();
    let id = add(
        &core,
        "smtp",
        "Mail",
        &[
            ("host", "127.0.0.1"),
            ("port", &port),
            ("tls", tls),
            ("username", "ops"),
        ],
        &[("password", password)],
    );
    let context = CheckContext::new(Duration::from_secs(2), Duration::from_secs(1)).unwrap();
    run_check(&core.check_target(id).unwrap(), &context).await
}

#[tokio::test]
async fn smtp_check_logs_in_and_classifies_failures_against_a_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());

    let plain = start("plain", &cert, &key);
    let ok = check_smtp(plain.port, "none", "right-password").await;
    assert_eq!(ok.status, HealthStatus::Healthy, "{ok:?}");
    assert_eq!(ok.detail, "logged in as ops");

    let wrong = check_smtp(plain.port, "none", "wrong-password").await;
    assert_eq!(wrong.error_kind, Some(CheckErrorKind::Auth), "{wrong:?}");
    assert!(
        wrong
            .detail
            .contains("refused the password for `ops` (535)"),
        "{wrong:?}"
    );
    assert!(!wrong.detail.contains("wrong-password"));

    let starttls = start("starttls", &cert, &key);
    let untrusted = check_smtp(starttls.port, "starttls", "right-password").await;
    assert_eq!(
        untrusted.error_kind,
        Some(CheckErrorKind::Tls),
        "{untrusted:?}"
    );

    let implicit = start("implicit", &cert, &key);
    let untrusted = check_smtp(implicit.port, "implicit", "right-password").await;
    assert_eq!(
        untrusted.error_kind,
        Some(CheckErrorKind::Tls),
        "{untrusted:?}"
    );

    // STARTTLS required by the client but the server offers none.
    let no_tls = check_smtp(plain.port, "starttls", "right-password").await;
    assert_eq!(no_tls.status, HealthStatus::Unhealthy, "{no_tls:?}");
}

#[tokio::test]
async fn silent_smtp_server_is_a_timeout_and_a_closed_port_is_connect() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let _hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream); // accept and never greet
        }
    });
    let started = Instant::now();
    let silent = check_smtp(port, "starttls", "x").await;
    assert_eq!(
        silent.error_kind,
        Some(CheckErrorKind::Timeout),
        "{silent:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );

    let closed = check_smtp(refused_port().await, "starttls", "x").await;
    assert_eq!(
        closed.error_kind,
        Some(CheckErrorKind::Connect),
        "{closed:?}"
    );
}

#[tokio::test]
async fn test_email_is_delivered_and_read_back_from_a_real_smtp_server() {
    use patchbay_core::templates::render::{BodyFormat, TemplateSource};
    use patchbay_core::templates::send::send_test_email;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(dir.path());
    let spool = dir.path().join("spool.jsonl");
    let server = start_with("plain", &cert, &key, Some(&spool));
    let core = Arc::new(core());
    let port = server.port.to_string();
    let id = add(
        &core,
        "smtp",
        "Mail",
        &[
            ("host", "127.0.0.1"),
            ("port", &port),
            ("tls", "none"),
            ("username", "ops"),
            ("from_address", "ops@acme.test"),
        ],
        &[("password", "right-password")],
    );
    let source = TemplateSource {
        subject: "Invoice {{ number }} for {{ name }}".into(),
        format: BodyFormat::Html,
        body: "<html><body><h1>Hello {{ name }}</h1><p>Your invoice {{ number }} is ready.</p></body></html>".into(),
        text_body: None,
    };
    let outcome = send_test_email(
        &core,
        source,
        serde_json::json!({"name": "Anna", "number": "A-17"}),
        id,
        "client@example.org",
    )
    .await
    .unwrap();
    assert!(outcome.delivered, "{outcome:?}");
    assert_eq!(
        outcome.run.status,
        patchbay_core::runs::RunStatus::Succeeded
    );

    let line = std::fs::read_to_string(&spool).unwrap();
    let stored: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(stored["from"], "ops@acme.test");
    assert_eq!(stored["to"], serde_json::json!(["client@example.org"]));
    let raw = stored["data"].as_str().unwrap().as_bytes().to_vec();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some("Invoice A-17 for Anna"));
    assert!(message
        .body_html(0)
        .unwrap()
        .contains("<h1>Hello Anna</h1>"));
    assert!(message
        .body_text(0)
        .unwrap()
        .contains("Your invoice A-17 is ready."));

    // A wrong password is a failed run with an auth error, not a crash.
    let bad = add(
        &core,
        "smtp",
        "Mail 2",
        &[
            ("host", "127.0.0.1"),
            ("port", &port),
            ("tls", "none"),
            ("username", "ops"),
            ("from_address", "ops@acme.test"),
        ],
        &[("password", "nope")],
    );
    let source = TemplateSource {
        subject: "x".into(),
        format: BodyFormat::Html,
        body: "<p>x</p>".into(),
        text_body: None,
    };
    let failed = send_test_email(
        &core,
        source.clone(),
        serde_json::json!({}),
        bad,
        "client@example.org",
    )
    .await
    .unwrap();
    assert!(!failed.delivered);
    assert_eq!(failed.error_kind, Some(CheckErrorKind::Auth));
    assert_eq!(failed.run.status, patchbay_core::runs::RunStatus::Failed);
    let invalid = send_test_email(&core, source, serde_json::json!({}), bad, "not an address")
        .await
        .unwrap_err();
    assert_eq!(invalid.field(), Some("to"));
}

#[tokio::test]
async fn certificate_expiry_is_read_over_implicit_tls_and_starttls() {
    use patchbay_core::providers::smtp::certificate_days_left;
    let dir = tempfile::tempdir().unwrap();
    let (short_cert, short_key) = self_signed_for(dir.path(), 5);
    let (long_cert, long_key) = self_signed_for(dir.path(), 90);
    let implicit = start("implicit", &short_cert, &short_key);
    let starttls = start("starttls", &long_cert, &long_key);
    let timeout = Duration::from_secs(2);
    let short = certificate_days_left("127.0.0.1", implicit.port, true, timeout).await;
    assert!(matches!(short, Some(4 | 5)), "{short:?}");
    let long = certificate_days_left("127.0.0.1", starttls.port, false, timeout).await;
    assert!(matches!(long, Some(89 | 90)), "{long:?}");
    assert_eq!(
        certificate_days_left("127.0.0.1", refused_port().await, true, timeout).await,
        None
    );
}
