//! Two local Bitrix24 portals and a Kommo account on 127.0.0.1 (the test suite's stateful fakes), for
//! the end-to-end tests, the screenshots and trying the CRM pages by hand:
//! `cargo run -p patchbay-core --example fake_portals -- [DEALS] [KOMMO_DELAY_MS]` (DEALS 300 by default;
//! KOMMO_DELAY_MS, 0 by default, delays each Kommo answer, for a sync that takes a while). Prints one JSON
//! line with the webhook URLs and the Kommo base URL (token `demo-token`), then serves until its stdin
//! closes (at most 1 h).

#[path = "../tests/support/mod.rs"]
#[allow(dead_code, clippy::unwrap_used, clippy::expect_used)]
mod support;

use std::time::Duration;

use support::fake_crm::{FakeBitrix24, FakeKommo};

#[tokio::main]
async fn main() {
    let deals = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let source = FakeBitrix24::start(deals, 40, "source0code").await;
    let target = FakeBitrix24::start(0, 0, "target0code").await;
    let kommo = FakeKommo::start(deals, 20, "demo-token").await;
    if let Some(delay) = std::env::args().nth(2).and_then(|ms| ms.parse().ok()) {
        kommo.set_delay(Duration::from_millis(delay));
    }
    println!(
        "{}",
        serde_json::json!({"source": source.webhook(), "target": target.webhook(), "kommo": kommo.server.url()})
    );
    let wait_for_eof = tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
    });
    let _ = tokio::time::timeout(Duration::from_secs(3600), wait_for_eof).await;
}
