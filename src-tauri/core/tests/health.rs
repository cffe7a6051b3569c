//! Health checks against real local servers on 127.0.0.1. Every `error_kind` except SMTP-specific
//! ones (see `smtp.rs`) is produced here by a real transport failure or a real answer.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use patchbay_core::health::history::CheckTrigger;
use patchbay_core::health::service::HealthService;
use patchbay_core::health::{run_check, CheckContext, CheckErrorKind, CheckResult};
use patchbay_core::{ErrorKind, ExposeSecret, HealthStatus, IntegrationQuery, Patchbay};
use serde_json::json;
use support::{add, core, refused_port, Behaviour, Reply, Server};

fn context(timeout_ms: u64) -> CheckContext {
    CheckContext::new(
        Duration::from_millis(timeout_ms),
        Duration::from_millis(timeout_ms.min(1_000)),
    )
    .unwrap()
}

async fn check(core: &Patchbay, id: i64, context: &CheckContext) -> CheckResult {
    let target = core.check_target(id).unwrap();
    run_check(&target, context).await
}

async fn http_check(url: &str, extra: &[(&str, &str)]) -> CheckResult {
    let core = core();
    let mut config = vec![("url", url)];
    config.extend_from_slice(extra);
    let id = add(&core, "http", "Endpoint", &config, &[]);
    check(&core, id, &context(1_500)).await
}

#[tokio::test]
async fn http_check_is_healthy_on_expected_status_and_keyword() {
    let server = Server::always(Reply::new(200, "status: ok")).await;
    let result = http_check(&format!("{}/health", server.url()), &[("keyword", "ok")]).await;
    assert_eq!(result.status, HealthStatus::Healthy, "{result:?}");
    assert_eq!(result.error_kind, None);
    assert_eq!(result.detail, "HTTP 200");
    assert!(server.request_log()[0].starts_with("GET /health HTTP/1.1"));
}

#[tokio::test]
async fn http_check_classifies_error_answers() {
    let cases = [
        (Reply::new(500, "boom"), CheckErrorKind::HttpStatus),
        (Reply::new(401, "no"), CheckErrorKind::Auth),
        (Reply::new(403, "no"), CheckErrorKind::Auth),
        (
            Reply::new(429, "slow down").header("Retry-After", "30"),
            CheckErrorKind::RateLimited,
        ),
        (
            Reply::new(200, "<html>maintenance</html>"),
            CheckErrorKind::BadResponse,
        ),
    ];
    for (reply, kind) in cases {
        let server = Server::always(reply).await;
        let result = http_check(&server.url(), &[("keyword", "\"ok\"")]).await;
        assert_eq!(result.status, HealthStatus::Unhealthy);
        assert_eq!(result.error_kind, Some(kind), "{result:?}");
    }
    let server = Server::always(Reply::new(429, "")).await;
    assert!(
        http_check(&server.url(), &[])
            .await
            .detail
            .contains("retry after")
            == false
    );
    let server = Server::always(Reply::new(429, "").header("Retry-After", "30")).await;
    assert!(http_check(&server.url(), &[])
        .await
        .detail
        .contains("retry after 30 s"));
}

#[tokio::test]
async fn http_check_honours_custom_status_range_and_headers() {
    let server = Server::always(Reply::new(302, "")).await;
    let result = http_check(
        &server.url(),
        &[
            ("expected_status", "200,301-302"),
            ("headers", "X-Probe: patchbay"),
        ],
    )
    .await;
    assert_eq!(result.status, HealthStatus::Healthy, "{result:?}");
    assert!(server.request_log()[0]
        .to_lowercase()
        .contains("x-probe: patchbay"));
}

#[tokio::test]
async fn a_credential_header_is_sent_from_the_keychain_and_refused_as_a_plain_header() {
    let server = Server::always(Reply::new(200, "")).await;
    let core = core();
    let id = add(
        &core,
        "http",
        "Private API",
        &[
            ("url", &server.url()),
            ("headers", "Accept: application/json"),
        ],
        &[("secret_header", "X-Api-Key: key-0f3a9c")],
    );
    let result = check(&core, id, &context(1_500)).await;
    assert_eq!(result.status, HealthStatus::Healthy, "{result:?}");
    let request = server.request_log()[0].to_lowercase();
    assert!(request.contains("x-api-key: key-0f3a9c"), "{request}");
    assert!(request.contains("accept: application/json"), "{request}");
    let stored = core.get_integration(id).unwrap();
    assert_eq!(stored.secrets_set, ["secret_header"]);
    assert!(!serde_json::to_string(&stored)
        .unwrap()
        .contains("key-0f3a9c"));
    assert_eq!(
        core.reveal_secret(id, "secret_header")
            .unwrap()
            .expose_secret(),
        "X-Api-Key: key-0f3a9c"
    );
    let plain = add(&core, "http", "Public API", &[("url", &server.url())], &[]);
    assert!(
        matches!(
            core.reveal_secret(plain, "secret_header").unwrap_err(),
            patchbay_core::Error::NotFound { .. }
        ),
        "a secret never set is not revealed"
    );

    for (config, secrets, field) in [
        (
            vec![
                ("url", server.url()),
                (
                    "headers",
                    "Accept: */*\nAuthorization: Bearer tok-77".to_owned(),
                ),
            ],
            vec![],
            "headers",
        ),
        (
            vec![
                ("url", server.url()),
                ("headers", "X-Auth-Token: tok-77".to_owned()),
            ],
            vec![],
            "headers",
        ),
        (
            vec![("url", server.url())],
            vec![("secret_header", "Bearer tok-77")],
            "secret_header",
        ),
    ] {
        let error = core
            .create_integration(patchbay_core::NewIntegration {
                project_id: None,
                provider: "http".into(),
                name: "Refused".into(),
                active: None,
                check_interval_s: None,
                config: config.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
                secrets: secrets
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), patchbay_core::SecretString::from(v)))
                    .collect(),
            })
            .unwrap_err();
        assert_eq!(error.field(), Some(field), "{error}");
        assert!(
            !error.to_string().contains("tok-77"),
            "the value never shows: {error}"
        );
    }
}

#[tokio::test]
async fn silent_server_times_out_within_the_configured_timeout() {
    for behaviour in [Behaviour::Silent, Behaviour::Slowloris] {
        let server = Server::start(behaviour).await;
        let started = Instant::now();
        let result = http_check(&server.url(), &[]).await;
        assert_eq!(
            result.error_kind,
            Some(CheckErrorKind::Timeout),
            "{result:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn refused_connection_is_connect_and_garbage_is_classified() {
    let port = refused_port().await;
    let result = http_check(&format!("http://127.0.0.1:{port}/"), &[]).await;
    assert_eq!(
        result.error_kind,
        Some(CheckErrorKind::Connect),
        "{result:?}"
    );

    let server = Server::start(Behaviour::Garbage).await;
    let result = http_check(&server.url(), &[]).await;
    assert_eq!(result.status, HealthStatus::Unhealthy);
    assert!(
        matches!(
            result.error_kind,
            Some(CheckErrorKind::Connect | CheckErrorKind::BadResponse)
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_error() {
    let server = Server::always(Reply::new(200, "ok")).await;
    let result = http_check(&format!("https://{}/", server.addr), &[]).await;
    assert_eq!(result.error_kind, Some(CheckErrorKind::Tls), "{result:?}");
}

#[tokio::test]
async fn unresolvable_host_is_a_dns_error() {
    // A resolver that fails like a real lookup of an unknown name, so no query leaves the machine.
    struct NoSuchHost;
    impl reqwest::dns::Resolve for NoSuchHost {
        fn resolve(&self, _: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async {
                Err(Box::new(std::io::Error::other(
                    "failed to lookup address information: Name or service not known",
                ))
                    as Box<dyn std::error::Error + Send + Sync>)
            })
        }
    }
    let mut ctx = context(1_000);
    ctx.http = reqwest::Client::builder()
        .dns_resolver(Arc::new(NoSuchHost))
        .build()
        .unwrap();
    let core = core();
    let id = add(
        &core,
        "http",
        "Unknown host",
        &[("url", "https://no-such-host.invalid/")],
        &[],
    );
    let result = check(&core, id, &ctx).await;
    assert_eq!(result.error_kind, Some(CheckErrorKind::Dns), "{result:?}");
}

#[tokio::test]
async fn oversized_body_is_a_bad_response() {
    let server = Server::always(Reply::new(200, vec![b'a'; 2 * 1024 * 1024])).await;
    let result = http_check(&server.url(), &[]).await;
    assert_eq!(
        result.error_kind,
        Some(CheckErrorKind::BadResponse),
        "{result:?}"
    );
}

#[tokio::test]
async fn n8n_check_uses_healthz_and_verifies_the_api_key() {
    let server = Server::routes(vec![
        ("/healthz", Reply::json(200, json!({"status": "ok"}))),
        (
            "/api/v1/workflows",
            Reply::json(401, json!({"message": "unauthorized"})),
        ),
    ])
    .await;
    let core = core();
    let without_key = add(&core, "n8n", "n8n", &[("base_url", &server.url())], &[]);
    let with_bad_key = add(
        &core,
        "n8n",
        "n8n key",
        &[("base_url", &server.url())],
        &[("api_key", "wrong")],
    );
    let ctx = context(1_500);
    assert_eq!(
        check(&core, without_key, &ctx).await.status,
        HealthStatus::Healthy
    );
    let result = check(&core, with_bad_key, &ctx).await;
    assert_eq!(result.error_kind, Some(CheckErrorKind::Auth), "{result:?}");
    assert!(server
        .request_log()
        .iter()
        .any(|r| r.contains("x-n8n-api-key: wrong")));

    let good = Server::routes(vec![
        ("/healthz", Reply::json(200, json!({"status": "ok"}))),
        (
            "/api/v1/workflows",
            Reply::json(200, json!({"data": [], "nextCursor": null})),
        ),
    ])
    .await;
    let id = add(
        &core,
        "n8n",
        "n8n good",
        &[("base_url", &good.url())],
        &[("api_key", "right")],
    );
    let result = check(&core, id, &ctx).await;
    assert_eq!(result.status, HealthStatus::Healthy, "{result:?}");
    assert_eq!(result.detail, "n8n is up; API key accepted");
}

#[tokio::test]
async fn kommo_check_reads_the_account_with_the_bearer_token() {
    let core = core();
    let ctx = context(1_500);
    let cases = [
        (Reply::json(200, json!({"id": 1, "name": "Acme"})), None),
        (
            Reply::json(401, json!({"title": "Unauthorized"})),
            Some(CheckErrorKind::Auth),
        ),
        (
            Reply::json(429, json!({})),
            Some(CheckErrorKind::RateLimited),
        ),
        (Reply::new(200, "<html>"), Some(CheckErrorKind::BadResponse)),
        (
            Reply::json(200, json!({"unexpected": true})),
            Some(CheckErrorKind::BadResponse),
        ),
    ];
    for (index, (reply, kind)) in cases.into_iter().enumerate() {
        let server = Server::routes(vec![("/api/v4/account", reply)]).await;
        let id = add(
            &core,
            "kommo",
            &format!("Kommo {index}"),
            &[("base_url", &server.url())],
            &[("token", "kommo-secret-token")],
        );
        let result = check(&core, id, &ctx).await;
        assert_eq!(result.error_kind, kind, "{result:?}");
        assert!(server.request_log()[0].contains("authorization: Bearer kommo-secret-token"));
        assert!(!result.detail.contains("kommo-secret-token"));
    }
}

#[tokio::test]
async fn bitrix24_errors_are_mapped_and_the_webhook_code_never_leaks() {
    let core = core();
    let ctx = context(1_500);
    let cases = [
        (
            Reply::json(
                200,
                json!({"result": {"NAME": "Anna", "LAST_NAME": "Ivanova"}}),
            ),
            None,
            "webhook of Anna Ivanova",
        ),
        (
            Reply::json(
                401,
                json!({"error": "INVALID_CREDENTIALS", "error_description": "Invalid request credentials"}),
            ),
            Some(CheckErrorKind::Auth),
            "INVALID_CREDENTIALS",
        ),
        (
            Reply::json(
                401,
                json!({"error": "expired_token", "error_description": "The access token provided has expired."}),
            ),
            Some(CheckErrorKind::Auth),
            "expired_token",
        ),
        (
            Reply::json(
                503,
                json!({"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}),
            ),
            Some(CheckErrorKind::RateLimited),
            "QUERY_LIMIT_EXCEEDED",
        ),
        (
            Reply::new(502, "<html>Bad Gateway</html>"),
            Some(CheckErrorKind::HttpStatus),
            "HTTP 502",
        ),
    ];
    for (index, (reply, kind, detail)) in cases.into_iter().enumerate() {
        let server = Server::routes(vec![("/rest/1/s3cr3tc0de/profile.json", reply)]).await;
        let webhook = format!("{}/rest/1/s3cr3tc0de/", server.url());
        let id = add(
            &core,
            "bitrix24",
            &format!("B24 {index}"),
            &[],
            &[("webhook_url", &webhook)],
        );
        let result = check(&core, id, &ctx).await;
        assert_eq!(result.error_kind, kind, "{result:?}");
        assert!(result.detail.contains(detail), "{result:?}");
        assert!(!result.detail.contains("s3cr3tc0de"));
    }
    let port = refused_port().await;
    let id = add(
        &core,
        "bitrix24",
        "B24 down",
        &[],
        &[(
            "webhook_url",
            &format!("http://127.0.0.1:{port}/rest/1/s3cr3tc0de/"),
        )],
    );
    let result = check(&core, id, &ctx).await;
    assert_eq!(result.error_kind, Some(CheckErrorKind::Connect));
    assert!(!result.detail.contains("s3cr3tc0de"), "{result:?}");
}

// ---- service: status rules, rate limit, cache, check all ---------------------------------------

fn service(core: Arc<Patchbay>) -> Arc<HealthService> {
    HealthService::with_context(core, context(1_500), 16)
}

#[tokio::test]
async fn scheduled_failures_turn_unhealthy_only_after_two_in_a_row() {
    let server = Server::always(Reply::new(200, "ok")).await;
    let down = refused_port().await;
    let core = core();
    let id = add(&core, "http", "Site", &[("url", &server.url())], &[]);
    let service = service(Arc::clone(&core));
    let update = service.check(id, CheckTrigger::Scheduled).await.unwrap();
    assert_eq!(update.integration.status, HealthStatus::Healthy);
    assert!(update.changed());

    core.update_integration(
        id,
        patchbay_core::IntegrationUpdate {
            config: Some([("url".to_owned(), format!("http://127.0.0.1:{down}/"))].into()),
            ..Default::default()
        },
    )
    .unwrap();
    let first = service.check(id, CheckTrigger::Scheduled).await.unwrap();
    assert_eq!(first.result.status, HealthStatus::Unhealthy);
    assert_eq!(
        first.integration.status,
        HealthStatus::Healthy,
        "one failure is retried before alerting"
    );
    assert!(!first.changed());
    let second = service.check(id, CheckTrigger::Scheduled).await.unwrap();
    assert_eq!(second.integration.status, HealthStatus::Unhealthy);
    assert!(second.changed());
    assert_eq!(
        second.integration.last_error_kind.as_deref(),
        Some("connect")
    );

    let history = core.health_history(id, 10).unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].result.status, HealthStatus::Unhealthy);
    assert_eq!(history[2].result.status, HealthStatus::Healthy);
}

#[tokio::test]
async fn manual_test_is_cached_for_a_minute_and_rate_limited_to_ten_per_minute() {
    let server = Server::always(Reply::new(200, "ok")).await;
    let core = core();
    let id = add(&core, "http", "Site", &[("url", &server.url())], &[]);
    let service = service(Arc::clone(&core));
    let first = service.test(id, false).await.unwrap();
    assert!(!first.cached);
    let cached = service.test(id, false).await.unwrap();
    assert!(cached.cached);
    assert_eq!(cached.update.result, first.update.result);
    assert_eq!(server.request_log().len(), 1);

    for _ in 0..9 {
        assert!(!service.test(id, true).await.unwrap().cached);
    }
    let error = service.test(id, true).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert!(error.to_string().contains("retry in"), "{error}");
    assert_eq!(server.request_log().len(), 10);
}

#[tokio::test]
async fn check_all_counts_every_active_integration_in_the_filter() {
    let ok = Server::always(Reply::new(200, "ok")).await;
    let broken = Server::always(Reply::new(500, "no")).await;
    let core = core();
    for index in 0..6 {
        add(
            &core,
            "http",
            &format!("ok {index}"),
            &[("url", &ok.url())],
            &[],
        );
    }
    for index in 0..3 {
        add(
            &core,
            "http",
            &format!("broken {index}"),
            &[("url", &broken.url())],
            &[],
        );
    }
    let disabled = add(&core, "http", "disabled", &[("url", &broken.url())], &[]);
    core.update_integration(
        disabled,
        patchbay_core::IntegrationUpdate {
            active: Some(false),
            ..Default::default()
        },
    )
    .unwrap();
    let service = service(Arc::clone(&core));
    let mut events = service.subscribe();
    let summary = service
        .check_all(IntegrationQuery::default())
        .await
        .unwrap();
    assert_eq!(
        (
            summary.total,
            summary.healthy,
            summary.unhealthy,
            summary.errors
        ),
        (9, 6, 3, 0)
    );
    let mut received = 0;
    while events.try_recv().is_ok() {
        received += 1;
    }
    assert_eq!(received, 9);
    let only_broken = service
        .check_all(IntegrationQuery {
            search: Some("broken".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(only_broken.total, 3);
    assert_eq!(
        core.get_integration(disabled).unwrap().last_checked_at,
        None
    );

    let runs = core
        .list_runs(&patchbay_core::runs::RunQuery {
            desc: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(runs.total, 2);
    let first = core.run_detail(runs.items[1].id).unwrap();
    assert_eq!(first.run.status, patchbay_core::runs::RunStatus::Succeeded);
    assert_eq!(
        (first.run.progress_done, first.run.progress_total),
        (9, Some(9))
    );
    assert_eq!(
        first.run.summary.as_deref(),
        Some("6 healthy, 0 degraded, 3 unhealthy, 0 errors")
    );
    assert_eq!(first.logs.len(), 3);
    assert!(
        first
            .logs
            .iter()
            .all(|line| line.level == "error" && line.message.contains("HTTP 500")),
        "{:?}",
        first.logs
    );
}

#[tokio::test]
async fn scheduler_checks_due_integrations_and_respects_pause() {
    let server = Server::always(Reply::new(200, "ok")).await;
    let core = core();
    let id = add(&core, "http", "Site", &[("url", &server.url())], &[]);
    // Due now, not spread (the scheduler spreads overdue ones over a minute at start-up).
    let claimed = core
        .claim_due(patchbay_core::store::now_ms() + 1, 10)
        .unwrap();
    assert_eq!(claimed, vec![id]);
    assert!(
        core.claim_due(patchbay_core::store::now_ms() + 1, 10)
            .unwrap()
            .is_empty(),
        "claimed twice"
    );

    let spread = core
        .spread_overdue(patchbay_core::store::now_ms() + 400_000, &mut |_| 0)
        .unwrap();
    assert_eq!(spread, 1);
    let service = service(Arc::clone(&core));
    service.set_paused(true);
    assert!(service.is_paused());
}

fn next_check_at(core: &Patchbay, id: i64) -> i64 {
    core.store()
        .lock()
        .query_row(
            "SELECT next_check_at FROM integrations WHERE id = ?1",
            [id],
            |row| row.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn a_scheduler_round_stores_fast_results_without_waiting_for_a_slow_probe() {
    let fast = Server::always(Reply::new(200, "ok")).await;
    let slow = Server::always(Reply::new(200, "ok").after(Duration::from_millis(1_000))).await;
    let down = refused_port().await;
    let core = core();
    let fast_id = add(&core, "http", "Fast", &[("url", &fast.url())], &[]);
    let down_url = format!("http://127.0.0.1:{down}/");
    let down_id = add(&core, "http", "Down", &[("url", &down_url)], &[]);
    let slow_id = add(&core, "http", "Slow", &[("url", &slow.url())], &[]);
    let claimed = core
        .claim_due(patchbay_core::store::now_ms() + 1, 10)
        .unwrap();
    assert_eq!(claimed, vec![fast_id, down_id, slow_id]);
    let claimed_due = next_check_at(&core, fast_id);

    let service = service(Arc::clone(&core));
    let mut events = service.subscribe();
    let deleted_meanwhile = slow_id + 1_000;
    let round = tokio::spawn(Arc::clone(&service).check_round(vec![
        fast_id,
        down_id,
        slow_id,
        deleted_meanwhile,
    ]));
    let mut first_two = Vec::new();
    for _ in 0..2 {
        let update = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("a result within 5 s")
            .unwrap();
        first_two.push(update);
    }
    assert!(
        core.health_history(slow_id, 1).unwrap().is_empty(),
        "the fast results were stored before the slow probe answered"
    );
    first_two.sort_by_key(|update| update.integration.id);
    assert_eq!(first_two[0].integration.id, fast_id);
    assert_eq!(first_two[0].integration.status, HealthStatus::Healthy);
    assert_eq!(first_two[1].integration.id, down_id);
    assert_eq!(
        first_two[1].integration.status,
        HealthStatus::Unhealthy,
        "a never-checked integration shows its first failure at once"
    );
    round.await.unwrap();
    let last = events.try_recv().unwrap();
    assert_eq!(last.integration.id, slow_id);
    assert_eq!(last.integration.status, HealthStatus::Healthy);
    assert!(
        events.try_recv().is_err(),
        "no result for the deleted integration"
    );
    for id in [fast_id, down_id, slow_id] {
        let history = core.health_history(id, 10).unwrap();
        assert_eq!(history.len(), 1, "integration {id}");
        assert_eq!(history[0].trigger, CheckTrigger::Scheduled);
    }
    assert_eq!(
        next_check_at(&core, fast_id),
        claimed_due,
        "a scheduled result keeps the due time its claim set"
    );
    service.check(fast_id, CheckTrigger::Manual).await.unwrap();
    assert!(
        next_check_at(&core, fast_id) > claimed_due,
        "a manual check moves the next scheduled one"
    );
}

#[tokio::test]
async fn first_failure_of_a_never_checked_integration_shows_at_once() {
    let core = core();
    let port = refused_port().await;
    let id = add(
        &core,
        "http",
        "New",
        &[("url", &format!("http://127.0.0.1:{port}/"))],
        &[],
    );
    let update = service(Arc::clone(&core))
        .check(id, CheckTrigger::Scheduled)
        .await
        .unwrap();
    assert_eq!(update.previous_status, HealthStatus::Unknown);
    assert_eq!(update.integration.status, HealthStatus::Unhealthy);
}

#[tokio::test]
async fn telegram_check_calls_get_me_and_never_leaks_the_token() {
    let core = core();
    let ctx = context(1_500);
    let token = "123456:ABCdefGhIJKlmNoPQRsTUVwxyZ0123";
    let server = Server::routes(vec![(
        "/bot123456:ABCdefGhIJKlmNoPQRsTUVwxyZ0123/getMe",
        Reply::json(
            200,
            json!({"ok": true, "result": {"id": 1, "is_bot": true, "username": "acme_alerts_bot"}}),
        ),
    )])
    .await;
    let id = add(
        &core,
        "telegram_bot",
        "Bot",
        &[("base_url", &server.url())],
        &[("token", token)],
    );
    let result = check(&core, id, &ctx).await;
    assert_eq!(
        (result.status, result.detail.as_str()),
        (HealthStatus::Healthy, "bot @acme_alerts_bot")
    );

    let revoked = Server::always(Reply::json(
        401,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
    ))
    .await;
    let id = add(
        &core,
        "telegram_bot",
        "Revoked",
        &[("base_url", &revoked.url())],
        &[("token", token)],
    );
    assert_eq!(
        check(&core, id, &ctx).await.error_kind,
        Some(CheckErrorKind::Auth)
    );

    let port = refused_port().await;
    let id = add(
        &core,
        "telegram_bot",
        "Down",
        &[("base_url", &format!("http://127.0.0.1:{port}"))],
        &[("token", token)],
    );
    let down = check(&core, id, &ctx).await;
    assert_eq!(down.error_kind, Some(CheckErrorKind::Connect));
    assert!(!down.detail.contains("ABCdef"), "{down:?}");

    let error = core
        .create_integration(patchbay_core::NewIntegration {
            project_id: None,
            provider: "telegram_bot".into(),
            name: "Bad".into(),
            active: None,
            check_interval_s: None,
            config: Default::default(),
            secrets: [(
                "token".to_owned(),
                patchbay_core::SecretString::from("not-a-token"),
            )]
            .into(),
        })
        .unwrap_err();
    assert_eq!(error.field(), Some("token"));
}

#[tokio::test]
async fn declarative_providers_follow_their_catalog_entry() {
    let core = core();
    let ctx = context(1_500);
    let clickhouse = Server::routes(vec![("/ping", Reply::new(200, "Ok.\n"))]).await;
    let id = add(
        &core,
        "clickhouse",
        "CH",
        &[("base_url", &clickhouse.url())],
        &[],
    );
    assert_eq!(check(&core, id, &ctx).await.status, HealthStatus::Healthy);

    let tilda = Server::routes(vec![(
        "/v1/getprojectslist",
        Reply::json(200, json!({"status": "FOUND", "result": []})),
    )])
    .await;
    let id = add(
        &core,
        "tilda",
        "Site",
        &[("base_url", &tilda.url()), ("publickey", "pub key")],
        &[("secretkey", "s&cret")],
    );
    let result = check(&core, id, &ctx).await;
    assert_eq!(result.status, HealthStatus::Healthy, "{result:?}");
    assert!(
        tilda.request_log()[0]
            .starts_with("GET /v1/getprojectslist?publickey=pub+key&secretkey=s%26cret "),
        "{:?}",
        tilda.request_log()
    );

    let tilda_error = Server::always(Reply::json(
        200,
        json!({"status": "ERROR", "message": "Wrong secret key"}),
    ))
    .await;
    let id = add(
        &core,
        "tilda",
        "Site 2",
        &[("base_url", &tilda_error.url()), ("publickey", "p")],
        &[("secretkey", "wrong-secret")],
    );
    let result = check(&core, id, &ctx).await;
    assert_eq!(result.error_kind, Some(CheckErrorKind::BadResponse));
    assert!(!result.detail.contains("wrong-secret"), "{result:?}");

    let confluence = Server::always(Reply::json(401, json!({"message": "Unauthorized"}))).await;
    let id = add(
        &core,
        "confluence",
        "Wiki",
        &[("base_url", &confluence.url()), ("email", "ops@acme.test")],
        &[("api_token", "tok")],
    );
    assert_eq!(
        check(&core, id, &ctx).await.error_kind,
        Some(CheckErrorKind::Auth)
    );
    // ops@acme.test:tok in Base64
    assert!(
        confluence.request_log()[0].contains("authorization: Basic b3BzQGFjbWUudGVzdDp0b2s="),
        "{:?}",
        confluence.request_log()
    );
}

#[test]
fn certificates_expiring_within_fourteen_days_degrade_a_healthy_result() {
    let reply = |days| patchbay_core::health::HttpReply {
        status: 200,
        retry_after: None,
        body: vec![],
        cert_days_left: days,
    };
    assert_eq!(
        reply(Some(13)).healthy("HTTP 200").status,
        HealthStatus::Degraded
    );
    assert!(reply(Some(3))
        .healthy("HTTP 200")
        .detail
        .contains("expires in 3 days"));
    assert_eq!(
        reply(Some(14)).healthy("HTTP 200").status,
        HealthStatus::Healthy
    );
    assert_eq!(
        reply(None).healthy("HTTP 200").status,
        HealthStatus::Healthy
    );
}
