//! Project export and import: export → wipe → import round trip through the real OS keychain, the
//! encrypted secrets bundle (wrong or missing passphrase), name clashes, and an invalid item late in
//! the document that must leave nothing behind — neither rows nor keychain entries.

mod support;

use std::collections::BTreeMap;

use patchbay_core::bundle::{self, ImportOptions, ProjectExport};
use patchbay_core::crm::bridge::{OnRerun, Transform};
use patchbay_core::n8n::routes::RouteInput;
use patchbay_core::outbox::EndpointInput;
use patchbay_core::secrets::{Backend, Credentials, Keychain, MemoryBackend};
use patchbay_core::store::Store;
use patchbay_core::templates::render::BodyFormat;
use patchbay_core::templates::store::TemplateInput;
use patchbay_core::{ErrorKind, ExposeSecret, Patchbay, SecretString, APP_IDENTIFIER};
use support::add;

const PASSPHRASE: &str = "correct horse battery";
/// Every secret value the fixture project uses; none may appear in an export's text.
const SECRETS: [&str; 6] = [
    "smtp-password-7f3a",
    "n8n-api-key-91c2",
    "https://partner.bitrix24.example/rest/1/partnercode77/",
    "https://main.bitrix24.example/rest/1/maincode88/",
    "kommo-token-55aa",
    "whsec-audit-3b9e",
];

/// Fills `core` with one project holding every kind of item an export carries.
fn fixture(core: &Patchbay) -> i64 {
    let smtp = add(
        core,
        "smtp",
        "Mail",
        &[
            ("host", "smtp.example.com"),
            ("username", "ops@example.com"),
        ],
        &[("password", SECRETS[0])],
    );
    let n8n = add(
        core,
        "n8n",
        "Flows",
        &[("base_url", "https://n8n.example.com")],
        &[("api_key", SECRETS[1])],
    );
    core.add_route(
        n8n,
        &RouteInput {
            action_key: "order.created".into(),
            webhook_path: "orders".into(),
            method: Some("POST".into()),
            description: Some("New order".into()),
            default_payload: Some(r#"{"id": 1}"#.into()),
            workflow_id: None,
        },
    )
    .unwrap();
    let partner = add(
        core,
        "bitrix24",
        "Partner",
        &[],
        &[("webhook_url", SECRETS[2])],
    );
    let main = add(
        core,
        "bitrix24",
        "Main",
        &[],
        &[("webhook_url", SECRETS[3])],
    );
    add(
        core,
        "kommo",
        "Sales",
        &[("subdomain", "acme")],
        &[("token", SECRETS[4])],
    );
    add(
        core,
        "http",
        "Site",
        &[("url", "https://example.com/health")],
        &[],
    );
    core.save_bridge(
        None,
        &support::won_deals_bridge(partner, main, Transform::Trim, OnRerun::Update),
    )
    .unwrap();
    core.create_template(&TemplateInput {
        project_id: None,
        name: "Welcome".into(),
        subject: "Hello {{ name }}".into(),
        format: BodyFormat::Mjml,
        body: "<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ name }}</mj-text></mj-column></mj-section></mj-body></mjml>".into(),
        text_body: None,
        sample_data: Some(r#"{"name": "Anna"}"#.into()),
    })
    .unwrap();
    let endpoint = core
        .add_endpoint(&EndpointInput {
            name: "Audit".into(),
            url: "https://audit.example.com/hooks".into(),
            headers: "X-Tenant: acme".into(),
            events: vec!["integration_created".into(), "run_finished".into()],
            secret: Some(SecretString::from(SECRETS[5])),
        })
        .unwrap();
    core.set_endpoint_active(endpoint.id, false).unwrap();
    core.get_integration(smtp).unwrap().project_id
}

fn options(passphrase: Option<&str>) -> ImportOptions {
    ImportOptions {
        project: None,
        passphrase: passphrase.map(SecretString::from),
        skip_secrets: false,
    }
}

/// The document without what differs between two exports of the same content.
fn comparable(text: &str) -> ProjectExport {
    let mut document = bundle::parse(text).unwrap();
    document.exported_at = String::new();
    document.secrets = document.secrets.map(|_| "encrypted".into());
    document
}

/// Every secret of `core`'s integrations and endpoints, by name and field, read back through the core.
fn secrets_of(core: &Patchbay) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let page = core
        .list_integrations(&patchbay_core::IntegrationQuery {
            per_page: 100,
            ..Default::default()
        })
        .unwrap();
    for integration in page.items {
        for field in &integration.secrets_set {
            let value = core.reveal_secret(integration.id, field).unwrap();
            found.insert(
                format!("{}/{field}", integration.name),
                value.expose_secret().to_owned(),
            );
        }
    }
    found
}

fn counts(core: &Patchbay) -> (i64, usize, usize, usize) {
    let integrations = core
        .list_integrations(&patchbay_core::IntegrationQuery {
            per_page: 10,
            ..Default::default()
        })
        .unwrap()
        .total;
    (
        integrations,
        core.list_bridges().unwrap().len(),
        core.list_endpoints().unwrap().len(),
        patchbay_core::projects::list(&core.store().lock())
            .unwrap()
            .len(),
    )
}

fn memory_core() -> (Patchbay, MemoryBackend) {
    let backend = MemoryBackend::default();
    let core = Patchbay::with_parts(
        Store::open_in_memory().unwrap(),
        Credentials::new(Box::new(backend.clone())),
    );
    (core, backend)
}

#[test]
#[cfg(target_os = "linux")]
fn export_wipe_import_round_trip_through_the_real_keychain_equals_the_original() {
    let first_dir = tempfile::tempdir().unwrap();
    let original = Patchbay::open(first_dir.path()).unwrap();
    let project = fixture(&original);
    let before = secrets_of(&original);
    assert_eq!(before.len(), 5, "{before:?}");

    let exported = original
        .export_project(project, Some(SecretString::from(PASSPHRASE)))
        .unwrap();
    for secret in SECRETS {
        assert!(
            !exported.contains(secret),
            "{secret} in clear in the export"
        );
    }
    let without = original.export_project(project, None).unwrap();
    assert!(bundle::parse(&without).unwrap().secrets.is_none());
    for secret in SECRETS {
        assert!(!without.contains(secret));
    }

    // Wipe: the database goes, and every keychain entry the original wrote is deleted.
    let endpoint_ids: Vec<i64> = original
        .list_endpoints()
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    let keychain = Keychain::new(APP_IDENTIFIER);
    let page = original
        .list_integrations(&patchbay_core::IntegrationQuery {
            per_page: 100,
            ..Default::default()
        })
        .unwrap();
    for integration in &page.items {
        original.delete_integration(integration.id).unwrap();
    }
    for id in endpoint_ids {
        original.delete_endpoint(id).unwrap();
    }
    original.sweep_keychain_tombstones().unwrap();
    drop(original);
    drop(first_dir);
    for integration in &page.items {
        for field in &integration.secrets_set {
            keychain
                .delete(&patchbay_core::secrets::account(integration.id, field))
                .unwrap();
        }
    }

    let second_dir = tempfile::tempdir().unwrap();
    let restored = Patchbay::open(second_dir.path()).unwrap();
    let wrong = restored
        .import_project(&exported, options(Some("not the passphrase")))
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Validation);
    assert_eq!(wrong.field(), Some("passphrase"));
    assert!(wrong.to_string().contains("wrong passphrase"), "{wrong}");
    assert_eq!(
        counts(&restored),
        (0, 0, 0, 1),
        "a refused import wrote something"
    );

    let report = restored
        .import_project(&exported, options(Some(PASSPHRASE)))
        .unwrap();
    assert_eq!(
        (
            report.integrations,
            report.routes,
            report.templates,
            report.bridges,
            report.webhooks,
            report.secrets
        ),
        (6, 1, 1, 1, 1, 6)
    );
    assert!(report.needs_secrets.is_empty());
    assert_eq!(secrets_of(&restored), before);
    let endpoint = &restored.list_endpoints().unwrap()[0];
    assert!(endpoint.has_secret && !endpoint.active);

    let again = restored
        .export_project(report.project_id, Some(SecretString::from(PASSPHRASE)))
        .unwrap();
    assert_eq!(comparable(&again), comparable(&exported));
    // The endpoint's signing secret came back too: its export decrypts to the same values.
    let reimport = Patchbay::with_parts(
        Store::open_in_memory().unwrap(),
        Credentials::new(Box::new(MemoryBackend::default())),
    );
    reimport
        .import_project(&again, options(Some(PASSPHRASE)))
        .unwrap();
    assert_eq!(secrets_of(&reimport), before);

    // Clean up the real keychain.
    for integration in restored
        .list_integrations(&patchbay_core::IntegrationQuery {
            per_page: 100,
            ..Default::default()
        })
        .unwrap()
        .items
    {
        restored.delete_integration(integration.id).unwrap();
    }
    for endpoint in restored.list_endpoints().unwrap() {
        restored.delete_endpoint(endpoint.id).unwrap();
    }
    restored.sweep_keychain_tombstones().unwrap();
}

#[test]
fn an_invalid_item_late_in_the_document_leaves_no_row_and_no_keychain_entry() {
    let (source, _) = memory_core();
    let project = fixture(&source);
    let exported = source
        .export_project(project, Some(SecretString::from(PASSPHRASE)))
        .unwrap();
    let mut document: serde_json::Value = serde_json::from_str(&exported).unwrap();
    // The last item of the last list is broken: everything before it would have been written.
    document["webhooks"][0]["url"] = "javascript:alert(1)".into();
    let broken = serde_json::to_string(&document).unwrap();

    let (target, backend) = memory_core();
    let options = ImportOptions {
        project: Some("Client B".into()),
        passphrase: Some(SecretString::from(PASSPHRASE)),
        skip_secrets: false,
    };
    let error = target.import_project(&broken, options).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert_eq!(error.field(), Some("webhooks[0].url"));
    assert!(error.to_string().contains("Audit"), "{error}");
    assert_eq!(counts(&target), (0, 0, 0, 1));
    assert!(
        backend.accounts().is_empty(),
        "keychain entries left behind: {:?}",
        backend.accounts()
    );
}

#[test]
fn clashes_are_listed_together_and_nothing_is_overwritten() {
    let (core, _) = memory_core();
    let project = fixture(&core);
    let exported = core.export_project(project, None).unwrap();
    let before = counts(&core);
    let error = core.import_project(&exported, options(None)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    let message = error.to_string();
    for name in [
        "integration `Mail`",
        "integration `Site`",
        "template `Welcome`",
        "bridge `Partner → Main`",
        "webhook endpoint `Audit`",
    ] {
        assert!(message.contains(name), "{name} missing from: {message}");
    }
    assert!(message.contains("nothing was imported"), "{message}");
    assert_eq!(counts(&core), before);
}

#[test]
fn secrets_bundle_needs_its_passphrase_or_an_explicit_skip() {
    let (source, _) = memory_core();
    let project = fixture(&source);
    let exported = source
        .export_project(project, Some(SecretString::from(PASSPHRASE)))
        .unwrap();

    let (target, backend) = memory_core();
    let missing = target.import_project(&exported, options(None)).unwrap_err();
    assert_eq!(missing.field(), Some("passphrase"));
    assert!(
        missing.to_string().contains("enter its passphrase"),
        "{missing}"
    );

    let report = target
        .import_project(
            &exported,
            ImportOptions {
                skip_secrets: true,
                ..options(None)
            },
        )
        .unwrap();
    assert_eq!(report.secrets, 0);
    // Both Bitrix24 webhook URLs and Kommo's token are required (in the order exported: by name);
    // SMTP's password and n8n's key are optional.
    assert_eq!(report.needs_secrets, ["Main", "Partner", "Sales"]);
    assert!(backend.accounts().is_empty());
    let page = target
        .list_integrations(&patchbay_core::IntegrationQuery {
            per_page: 10,
            ..Default::default()
        })
        .unwrap();
    for integration in page.items {
        let waiting = report.needs_secrets.contains(&integration.name);
        assert_eq!(integration.active, !waiting, "{}", integration.name);
        assert!(integration.secrets_set.is_empty());
    }
}

#[test]
fn export_passphrase_is_checked_and_envelopes_are_refused_clearly() {
    let (core, _) = memory_core();
    let project = fixture(&core);
    let short = core
        .export_project(project, Some(SecretString::from("short")))
        .unwrap_err();
    assert_eq!(short.field(), Some("passphrase"));

    let exported = core.export_project(project, None).unwrap();
    let newer = exported.replacen("\"version\": 1", "\"version\": 2", 1);
    let cases = [
        ("{not json", "is not a Patchbay export"),
        (
            r#"{"format": "something.else", "version": 1}"#,
            "not a Patchbay project export",
        ),
        (newer.as_str(), "newer Patchbay"),
        (
            r#"{"format": "patchbay.project", "version": 1, "project": 7}"#,
            "is damaged",
        ),
    ];
    for (text, expected) in cases {
        let error = core.import_project(text, options(None)).unwrap_err();
        assert_eq!(error.field(), Some("file"), "{text}");
        assert!(error.to_string().contains(expected), "{text}: {error}");
    }
}

#[test]
fn import_into_a_new_project_name_and_bridges_must_name_exported_integrations() {
    let (core, _) = memory_core();
    let project = fixture(&core);
    let exported = core.export_project(project, None).unwrap();
    let report = core
        .import_project(
            &exported
                .replace("\"name\": \"Audit\"", "\"name\": \"Audit (client B)\"")
                .replace(
                    "\"name\": \"Partner → Main\"",
                    "\"name\": \"Partner → Main (B)\"",
                ),
            ImportOptions {
                project: Some("Client B".into()),
                skip_secrets: true,
                ..options(None)
            },
        )
        .unwrap();
    assert!(report.project_created);
    assert_eq!(report.project_name, "Client B");
    assert_eq!(report.integrations, 6);

    let mut document: serde_json::Value = serde_json::from_str(&exported).unwrap();
    document["bridges"][0]["target"] = "Nowhere".into();
    let error = core
        .import_project(
            &document.to_string(),
            ImportOptions {
                project: Some("Client C".into()),
                ..options(None)
            },
        )
        .unwrap_err();
    assert_eq!(error.field(), Some("bridges[0].target"));
    assert!(
        error.to_string().contains("no integration named `Nowhere`"),
        "{error}"
    );
}

mod fuzz {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// The parser refuses garbage with an error, never a panic.
        #[test]
        fn parse_never_panics(text in ".{0,400}") {
            let _ = patchbay_core::bundle::parse(&text);
        }

        /// Truncating a real export anywhere gives an error, never a panic.
        #[test]
        fn truncated_exports_are_refused(cut in 0usize..2000) {
            let (core, _) = super::memory_core();
            let project = super::fixture(&core);
            let text = core.export_project(project, None).unwrap();
            let cut = cut.min(text.len().saturating_sub(1));
            if let Some(prefix) = text.get(..cut) {
                prop_assert!(patchbay_core::bundle::parse(prefix).is_err());
            }
        }
    }
}
