//! The `patchbay` binary end to end: a fresh data dir per test, the real OS keychain (run under the
//! Secret Service that `tests/bootstrap.sh test` starts).

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    data_dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            data_dir: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_patchbay"))
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args(args)
            .env_remove("PATCHBAY_DATA_DIR")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    }

    fn json(&self, args: &[&str], stdin: Option<&str>) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let output = self.run(&all, stdin);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

fn add_http(cli: &Cli, name: &str) -> i64 {
    let created = cli.json(
        &[
            "integration",
            "add",
            "--provider",
            "http",
            "--name",
            name,
            "--set",
            "url=https://example.com/health",
        ],
        None,
    );
    created["id"].as_i64().unwrap()
}

#[test]
fn add_list_show_rm_round_trip() {
    let cli = Cli::new();
    for name in ["Charlie", "alpha", "Bravo"] {
        add_http(&cli, name);
    }
    let page = cli.json(&["integration", "list", "--sort", "name"], None);
    let names: Vec<_> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "Bravo", "Charlie"]);
    assert_eq!(page["total"], 3);
    assert_eq!(page["page"], 1);
    assert_eq!(page["per_page"], 10);

    let desc = cli.json(
        &[
            "integration",
            "list",
            "--sort",
            "name",
            "--desc",
            "--per-page",
            "2",
            "--page",
            "1",
        ],
        None,
    );
    let names: Vec<_> = desc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Charlie", "Bravo"]);

    let id = page["items"][0]["id"].as_i64().unwrap();
    let shown = cli.json(&["integration", "show", &id.to_string()], None);
    assert_eq!(shown["config"]["method"], "GET");
    assert_eq!(shown["config"]["expected_status"], "200-299");

    let text = cli.run(&["integration", "list"], None);
    assert!(String::from_utf8_lossy(&text.stdout).contains("Showing 1–3 of 3"));

    cli.json(&["integration", "rm", &id.to_string()], None);
    let missing = cli.run(&["integration", "show", &id.to_string()], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains(&format!("integration {id} not found"))
    );
    assert_eq!(cli.json(&["integration", "list"], None)["total"], 2);
}

#[test]
fn validation_errors_name_the_field_and_exit_non_zero() {
    let cli = Cli::new();
    let output = cli.run(
        &[
            "--json",
            "integration",
            "add",
            "--provider",
            "smtp",
            "--name",
            "Mail",
            "--set",
            "host=mail.example.com",
            "--set",
            "port=99999",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let error: serde_json::Value = serde_json::from_slice(&output.stderr).unwrap();
    assert_eq!(error["kind"], "validation");
    assert_eq!(error["field"], "port");
    assert!(output.stdout.is_empty());

    let unknown = cli.run(
        &["integration", "add", "--provider", "ftp", "--name", "X"],
        None,
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown provider `ftp`"));

    add_http(&cli, "Site");
    let duplicate = cli.run(
        &[
            "integration",
            "add",
            "--provider",
            "http",
            "--name",
            "site",
            "--set",
            "url=https://example.org",
        ],
        None,
    );
    assert_eq!(duplicate.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already named"));
    assert_eq!(cli.json(&["integration", "list"], None)["total"], 1);
}

#[test]
fn projects_filter_lists() {
    let cli = Cli::new();
    cli.json(&["project", "add", "Acme"], None);
    let projects = cli.json(&["project", "list"], None);
    let names: Vec<_> = projects
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme", "Default"]);
    cli.json(
        &[
            "integration",
            "add",
            "--provider",
            "http",
            "--name",
            "Shop",
            "--project",
            "acme",
            "--set",
            "url=https://shop.example",
        ],
        None,
    );
    add_http(&cli, "Home");
    let acme = cli.json(&["integration", "list", "--project", "Acme"], None);
    assert_eq!(acme["total"], 1);
    assert_eq!(acme["items"][0]["name"], "Shop");
    let missing = cli.run(&["integration", "list", "--project", "Nope"], None);
    assert_eq!(missing.status.code(), Some(2));
    let duplicate = cli.run(&["project", "add", "ACME"], None);
    assert_eq!(duplicate.status.code(), Some(2));
}

#[test]
fn secrets_come_from_stdin_or_environment_never_show_up_in_output() {
    let cli = Cli::new();
    let from_stdin = cli.json(
        &[
            "integration",
            "add",
            "--provider",
            "n8n",
            "--name",
            "Flows",
            "--set",
            "base_url=https://n8n.example.com",
            "--secret",
            "api_key",
        ],
        Some("n8n-api-key-from-stdin\n"),
    );
    assert_eq!(from_stdin["secrets_set"], serde_json::json!(["api_key"]));
    let id = from_stdin["id"].as_i64().unwrap().to_string();
    let shown = cli.run(&["integration", "show", &id], None);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("api_key") && text.contains("<set in keychain>"),
        "{text}"
    );
    assert!(!text.contains("n8n-api-key-from-stdin"));

    let output = Command::new(env!("CARGO_BIN_EXE_patchbay"))
        .args(["--json", "--data-dir"])
        .arg(cli.data_dir.path())
        .args([
            "integration",
            "add",
            "--provider",
            "kommo",
            "--name",
            "CRM",
            "--set",
            "subdomain=acme",
            "--secret",
            "token",
        ])
        .env("PATCHBAY_SECRET_TOKEN", "kommo-token-from-env")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("kommo-token-from-env"));

    let no_value = cli.run(
        &[
            "integration",
            "add",
            "--provider",
            "kommo",
            "--name",
            "CRM2",
            "--set",
            "subdomain=acme",
            "--secret",
            "token",
        ],
        Some(""),
    );
    assert_eq!(no_value.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_value.stderr).contains("PATCHBAY_SECRET_TOKEN"));

    let mut files = vec![cli.data_dir.path().to_owned()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .map(|entry| entry.unwrap().path()),
            );
            continue;
        }
        let bytes = std::fs::read(path).unwrap();
        let haystack = String::from_utf8_lossy(&bytes);
        assert!(
            !haystack.contains("n8n-api-key-from-stdin")
                && !haystack.contains("kommo-token-from-env")
        );
    }
    for id in [from_stdin["id"].as_i64().unwrap()] {
        cli.json(&["integration", "rm", &id.to_string()], None);
    }
}

/// A one-thread HTTP server on 127.0.0.1 answering every request with `status`; stops with the test
/// process (the listener thread ends when its accept fails).
fn http_server(status: u16) -> String {
    use std::io::{Read, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(100) {
            let Ok(mut stream) = stream else { return };
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    format!("http://{address}/health")
}

#[test]
fn check_exit_status_follows_health() {
    let cli = Cli::new();
    let up = cli.json(
        &[
            "integration",
            "add",
            "--provider",
            "http",
            "--name",
            "Up",
            "--set",
            &format!("url={}", http_server(200)),
        ],
        None,
    );
    let down = cli.json(
        &[
            "integration",
            "add",
            "--provider",
            "http",
            "--name",
            "Down",
            "--set",
            &format!("url={}", http_server(503)),
        ],
        None,
    );
    let up_id = up["id"].as_i64().unwrap().to_string();
    let down_id = down["id"].as_i64().unwrap().to_string();

    let healthy = cli.run(&["check", &up_id], None);
    assert_eq!(
        healthy.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    assert!(String::from_utf8_lossy(&healthy.stdout).starts_with("healthy  Up (http)  HTTP 200"));

    let cached = cli.json(&["check", &up_id], None);
    assert_eq!(cached["cached"], true);
    let forced = cli.json(&["check", &up_id, "--force"], None);
    assert_eq!(forced["cached"], false);

    let unhealthy = cli.run(&["--json", "check", &down_id], None);
    assert_eq!(unhealthy.status.code(), Some(1));
    let outcome: serde_json::Value = serde_json::from_slice(&unhealthy.stdout).unwrap();
    assert_eq!(outcome["update"]["result"]["error_kind"], "http_status");
    assert_eq!(outcome["update"]["integration"]["status"], "unhealthy");

    let all = cli.run(&["--json", "check", "--all"], None);
    assert_eq!(all.status.code(), Some(1));
    let summary: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(
        (
            summary["total"].as_u64(),
            summary["healthy"].as_u64(),
            summary["unhealthy"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );

    cli.json(&["integration", "rm", &down_id], None);
    assert_eq!(cli.run(&["check", "--all"], None).status.code(), Some(0));
    assert_eq!(cli.run(&["check", "999"], None).status.code(), Some(2));
}

#[test]
fn template_preview_renders_files_and_reports_undefined_variables() {
    let cli = Cli::new();
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("welcome.mjml");
    std::fs::write(
        &template,
        "---\nsubject: Welcome, {{ name }}\n---\n<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ name }}, code {{ code }}</mj-text></mj-column></mj-section></mj-body></mjml>",
    )
    .unwrap();
    let data = dir.path().join("data.json");
    std::fs::write(&data, r#"{"name": "Anna", "code": "X1"}"#).unwrap();
    let (t, d) = (template.to_str().unwrap(), data.to_str().unwrap());

    let html = cli.run(&["template", "preview", t, "--data", d], None);
    assert!(
        html.status.success(),
        "{}",
        String::from_utf8_lossy(&html.stderr)
    );
    assert!(String::from_utf8_lossy(&html.stdout).contains("Hi Anna, code X1"));

    let text = cli.run(
        &["template", "preview", t, "--data", d, "--format", "text"],
        None,
    );
    assert!(String::from_utf8_lossy(&text.stdout).contains("Hi Anna, code X1"));
    assert!(!String::from_utf8_lossy(&text.stdout).contains("<td"));

    let eml = cli.run(
        &["template", "preview", t, "--data", d, "--format", "eml"],
        None,
    );
    let eml = String::from_utf8_lossy(&eml.stdout);
    assert!(
        eml.contains("Subject: Welcome, Anna") && eml.contains("multipart/alternative"),
        "{eml}"
    );

    std::fs::write(&data, r#"{"name": "Anna"}"#).unwrap();
    let strict = cli.run(&["template", "preview", t, "--data", d, "--strict"], None);
    assert_eq!(strict.status.code(), Some(2));
    let message = String::from_utf8_lossy(&strict.stderr);
    assert!(
        message.contains("`code` is not defined") && message.contains("line 1, column"),
        "{message}"
    );
    let lenient = cli.run(&["template", "preview", t, "--data", d], None);
    assert!(lenient.status.success());
}

/// A one-thread server that answers like Kommo: one pipeline with one status; no leads or contacts (204).
fn kommo_server() -> String {
    use std::io::{Read, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(100) {
            let Ok(mut stream) = stream else { return };
            let mut buffer = [0u8; 4096];
            let read = stream.read(&mut buffer).unwrap_or(0);
            let request = String::from_utf8_lossy(&buffer[..read]);
            let (status, body) = if request.starts_with("GET /api/v4/leads/pipelines") {
                (
                    "200 OK",
                    r#"{"_embedded":{"pipelines":[{"id":7,"name":"Sales","_embedded":{"statuses":[{"id":70,"name":"New"}]}}]}}"#,
                )
            } else {
                ("204 No Content", "")
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

#[test]
fn sync_run_list_and_show() {
    let cli = Cli::new();
    let base = kommo_server();
    let output = Command::new(env!("CARGO_BIN_EXE_patchbay"))
        .args(["--json", "--data-dir"])
        .arg(cli.data_dir.path())
        .args([
            "integration",
            "add",
            "--provider",
            "kommo",
            "--name",
            "CRM",
            "--set",
            &format!("base_url={base}"),
            "--secret",
            "token",
        ])
        .env("PATCHBAY_SECRET_TOKEN", "cli-sync-token")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id = serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let run = cli.run(&["--json", "sync", "run", &id], None);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let run: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(run["status"], "succeeded");
    assert_eq!(
        run["summary"],
        "2 fetched: 2 created, 0 updated, 0 unchanged, 0 failed"
    );
    let list = cli.json(&["sync", "list"], None);
    assert_eq!(list["total"], 1);
    // The text list names the integration each run synced.
    let text = String::from_utf8(cli.run(&["sync", "list"], None).stdout).unwrap();
    assert!(
        text.contains("succeeded    CRM ")
            && text.contains("Kommo (amoCRM) sync: pipelines, deals, contacts"),
        "{text}"
    );
    let shown = cli.json(&["sync", "show", &run["id"].to_string()], None);
    assert_eq!(shown["run"]["kind"], "crm_sync");
    let bad = cli.run(&["sync", "run", &id, "--entities", "deals,widgets"], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown entity `widgets`"));
    cli.json(&["integration", "rm", &id], None);
}

#[test]
fn webhook_verify_accepts_a_valid_signature_and_refuses_tampering() {
    let cli = Cli::new();
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, br#"{"type":"integration_created"}"#).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let header = patchbay_core::signing::sign(b"whsec", now, br#"{"type":"integration_created"}"#);
    let valid = cli.run(
        &[
            "webhook",
            "verify",
            "--signature",
            &header,
            "--body",
            body.to_str().unwrap(),
        ],
        Some("whsec\n"),
    );
    assert_eq!(
        valid.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&valid.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&valid.stdout).trim(), "valid");
    let wrong = cli.run(
        &[
            "webhook",
            "verify",
            "--signature",
            &header,
            "--body",
            body.to_str().unwrap(),
        ],
        Some("other\n"),
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stdout).contains("does not match"));
    let old =
        patchbay_core::signing::sign(b"whsec", now - 3_600, br#"{"type":"integration_created"}"#);
    let expired = cli.run(
        &[
            "webhook",
            "verify",
            "--signature",
            &old,
            "--body",
            body.to_str().unwrap(),
        ],
        Some("whsec\n"),
    );
    assert_eq!(expired.status.code(), Some(1));
    let malformed = cli.run(
        &[
            "webhook",
            "verify",
            "--signature",
            "garbage",
            "--body",
            body.to_str().unwrap(),
        ],
        Some("whsec\n"),
    );
    assert_eq!(malformed.status.code(), Some(1));
}

#[test]
fn project_export_and_import_through_the_cli_with_an_encrypted_secret() {
    let source = Cli::new();
    source.json(&["project", "add", "Acme"], None);
    source.json(
        &[
            "integration",
            "add",
            "--provider",
            "kommo",
            "--name",
            "Sales",
            "--project",
            "Acme",
            "--set",
            "subdomain=acme",
            "--secret",
            "token",
        ],
        Some("kommo-token-exported\n"),
    );
    let file = source.data_dir.path().join("acme.json");
    let file_arg = file.to_str().unwrap();
    let exported = source.run(
        &[
            "project",
            "export",
            "Acme",
            "--with-secrets",
            "--out",
            file_arg,
        ],
        Some("a long passphrase\n"),
    );
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("-----BEGIN AGE ENCRYPTED FILE-----"));
    assert!(!text.contains("kommo-token-exported"));

    let target = Cli::new();
    let wrong = target.run(&["project", "import", file_arg], Some("wrong passphrase\n"));
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase"));
    let report = target.json(
        &["project", "import", file_arg],
        Some("a long passphrase\n"),
    );
    assert_eq!(report["project_name"], "Acme");
    assert_eq!(report["integrations"], 1);
    assert_eq!(report["secrets"], 1);
    let again = target.run(
        &["project", "import", file_arg],
        Some("a long passphrase\n"),
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("integration `Sales`"));

    // The secret came back into the keychain: the integration lists it as set, and the file we
    // imported from is the only place it was ever written, encrypted.
    let list = target.json(&["integration", "list"], None);
    assert_eq!(
        list["items"][0]["secrets_set"],
        serde_json::json!(["token"])
    );
    for cli in [&source, &target] {
        let id = cli.json(&["integration", "list"], None)["items"][0]["id"]
            .as_i64()
            .unwrap();
        cli.json(&["integration", "rm", &id.to_string()], None);
    }
}
