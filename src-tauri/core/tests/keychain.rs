//! Credentials in the real OS keychain. On Linux this needs a Secret Service on the session bus:
//! `tests/bootstrap.sh test` runs the suite under `dbus-run-session` with an unlocked gnome-keyring.
//! Entries are verified from outside the app with `secret-tool`.

use std::collections::BTreeMap;
use std::process::Command;

use patchbay_core::{
    ExposeSecret, IntegrationUpdate, NewIntegration, Patchbay, SecretString, APP_IDENTIFIER,
};

fn secret_tool_lookup(account: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", APP_IDENTIFIER, "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) must be installed");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Whether any file under `dir` (its subfolders too) contains `needle`.
fn files_contain(dir: &std::path::Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|entry| {
        let path = entry.unwrap().path();
        if path.is_dir() {
            return files_contain(&path, needle);
        }
        let bytes = std::fs::read(path).unwrap();
        bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    })
}

#[test]
#[cfg(target_os = "linux")]
fn secret_lives_in_secret_service_and_follows_update_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let core = Patchbay::open(dir.path()).unwrap();
    let created = core
        .create_integration(NewIntegration {
            project_id: None,
            provider: "kommo".into(),
            name: "CRM".into(),
            active: None,
            check_interval_s: None,
            config: BTreeMap::from([("subdomain".to_owned(), "acme".to_owned())]),
            secrets: BTreeMap::from([(
                "token".to_owned(),
                SecretString::from("kommo-long-lived-token-1"),
            )]),
        })
        .unwrap();
    let account = format!("{}/token", created.id);
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some("kommo-long-lived-token-1")
    );
    assert!(
        !files_contain(dir.path(), "kommo-long-lived-token-1"),
        "secret bytes found in the database files"
    );

    // A JWT-sized token is split across numbered entries and read back whole.
    let long: String = (0..3_000)
        .map(|i| char::from(b'A' + (i % 26) as u8))
        .collect();
    core.update_integration(
        created.id,
        IntegrationUpdate {
            secrets: BTreeMap::from([("token".to_owned(), Some(SecretString::from(long.clone())))]),
            ..IntegrationUpdate::default()
        },
    )
    .unwrap();
    assert_eq!(
        core.reveal_secret(created.id, "token")
            .unwrap()
            .expose_secret(),
        long
    );
    assert_eq!(secret_tool_lookup(&account).map(|v| v.len()), Some(600));
    assert!(secret_tool_lookup(&format!("{account}#5")).is_some());
    assert!(!files_contain(dir.path(), &long[..64]));

    core.update_integration(
        created.id,
        IntegrationUpdate {
            secrets: BTreeMap::from([(
                "token".to_owned(),
                Some(SecretString::from("kommo-token-2")),
            )]),
            ..IntegrationUpdate::default()
        },
    )
    .unwrap();
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some("kommo-token-2")
    );
    assert_eq!(
        secret_tool_lookup(&format!("{account}#2")),
        None,
        "stale chunk left behind"
    );

    core.delete_integration(created.id).unwrap();
    assert_eq!(secret_tool_lookup(&account), None);
}
