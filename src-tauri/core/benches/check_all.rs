//! Benchmark: "check all" over 1,000 HTTP integrations whose local endpoint answers after 50 ms
//! (SPEC §3 target: ≤ 2 s wall). Runs the real code path: SQLite store, health service, reqwest probes,
//! history writes. Run with `cargo bench -p patchbay-core --bench check_all`; prints one table row per run.

use std::sync::Arc;
use std::time::Duration;

use patchbay_core::health::service::HealthService;
use patchbay_core::secrets::{Credentials, MemoryBackend};
use patchbay_core::store::Store;
use patchbay_core::{IntegrationQuery, NewIntegration, Patchbay};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const INTEGRATIONS: usize = 1_000;
const SERVER_DELAY: Duration = Duration::from_millis(50);
const TARGET_MS: i64 = 2_000;
const RUNS: usize = 5;

async fn slow_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 2048];
                let _ = stream.read(&mut buffer).await;
                tokio::time::sleep(SERVER_DELAY).await;
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    format!("http://{address}/health")
}

#[tokio::main]
async fn main() {
    let url = slow_server().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let core = Arc::new(Patchbay::with_parts(
        Store::open(dir.path()).expect("store"),
        Credentials::new(Box::new(MemoryBackend::default())),
    ));
    for index in 0..INTEGRATIONS {
        core.create_integration(NewIntegration {
            project_id: None,
            provider: "http".into(),
            name: format!("endpoint {index:04}"),
            active: None,
            check_interval_s: None,
            config: [("url".to_owned(), url.clone())].into(),
            secrets: Default::default(),
        })
        .expect("create");
    }
    let service = HealthService::new(Arc::clone(&core)).expect("service");
    let mut times = Vec::new();
    println!("| metric | value | target | result |\n|---|---|---|---|");
    for _ in 0..RUNS {
        let summary = service
            .check_all(IntegrationQuery::default())
            .await
            .expect("check all");
        assert_eq!(summary.healthy as usize, INTEGRATIONS, "{summary:?}");
        times.push(summary.elapsed_ms);
    }
    times.sort_unstable();
    let median = times[RUNS / 2];
    println!(
        "| check all, {INTEGRATIONS} integrations, endpoints answer in {} ms (median of {RUNS}: {times:?}) | {median} ms | ≤ {TARGET_MS} ms | {} |",
        SERVER_DELAY.as_millis(),
        if median <= TARGET_MS { "pass" } else { "FAIL" }
    );
}
