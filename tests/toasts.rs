//! Native desktop toasts reach a real notification server: dunst on the private D-Bus session and Xvfb
//! display that `tests/bootstrap.sh test` provides. Twenty integrations failing in one window must arrive
//! as one toast.

use std::process::Command;
use std::time::{Duration, Instant};

use patchbay_app::notifications::{group_toasts, show};
use patchbay_core::health::history::HealthUpdate;
use patchbay_core::health::CheckResult;
use patchbay_core::{HealthStatus, Integration};

/// Summaries of the toasts in dunst's history (`dunstctl history` JSON).
fn history() -> Vec<(String, String)> {
    let output = Command::new("dunstctl")
        .arg("history")
        .output()
        .expect("dunstctl (dunst) must be installed");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    json["data"][0]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["summary"]["data"].as_str().unwrap_or("").to_owned(),
                        e["body"]["data"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn failing(index: usize) -> HealthUpdate {
    let name = format!("service-{index:02}");
    HealthUpdate {
        integration: Integration {
            id: index as i64,
            project_id: 1,
            project_name: "Default".into(),
            provider: "http".into(),
            name,
            active: true,
            check_interval_s: 300,
            config: Default::default(),
            secrets_set: vec![],
            status: HealthStatus::Unhealthy,
            last_checked_at: None,
            last_latency_ms: None,
            last_detail: None,
            last_error_kind: None,
            created_at: 0,
            updated_at: 0,
        },
        result: CheckResult {
            status: HealthStatus::Unhealthy,
            latency_ms: 3,
            detail: "HTTP 503".into(),
            error_kind: None,
            checked_at: 0,
        },
        previous_status: HealthStatus::Healthy,
    }
}

#[tokio::test]
async fn twenty_failures_reach_the_notification_server_as_one_toast() {
    assert!(
        std::env::var_os("DISPLAY").is_some()
            && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "run under tests/bootstrap.sh test (needs Xvfb and a D-Bus session)"
    );
    // dunst is D-Bus activated on the session bus (its service file ships with the package).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !Command::new("dunstctl")
        .arg("is-paused")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        assert!(Instant::now() < deadline, "dunst did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let updates: Vec<_> = (0..20).map(failing).collect();
    let toasts = group_toasts(&updates);
    assert_eq!(toasts.len(), 1);
    for toast in toasts {
        show(toast).await;
    }
    // dunst moves a toast into its history once closed; close all and read it back.
    let _ = Command::new("dunstctl").arg("close-all").status();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = history();
    while seen.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = Command::new("dunstctl").arg("close-all").status();
        seen = history();
    }
    assert_eq!(
        seen,
        vec![(
            "20 integrations unhealthy".to_owned(),
            "service-00, service-01, service-02, service-03, service-04, and 15 more".to_owned()
        )],
        "exactly one grouped toast"
    );
}
