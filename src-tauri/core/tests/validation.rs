//! Validation of every field of every provider at the boundary (`create_integration`): for each field,
//! the bad values its kind must refuse — empty when required, too long, control characters, URLs with
//! credentials, `javascript:` and `file:` URLs, ports 0 and 65536 … — each refused with a validation
//! error naming that field, nothing written, and no secret value echoed in the message. Unicode text is
//! accepted. Also the property that no input makes validation panic.

mod support;

use std::collections::BTreeMap;

use patchbay_core::providers::{self, FieldKind, FieldSpec, ProviderSpec};
use patchbay_core::{ErrorKind, IntegrationQuery, NewIntegration, SecretString};
use proptest::prelude::*;

/// A value each field kind accepts.
fn good_value(provider: &str, field: &FieldSpec) -> String {
    match (provider, field.name, &field.kind) {
        ("bitrix24", "webhook_url", _) => "https://portal.bitrix24.com/rest/1/abcdef123/".into(),
        ("telegram_bot", "token", _) => "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw".into(),
        (_, _, FieldKind::Text) => "ops".into(),
        (_, _, FieldKind::Host) => "svc.example.com".into(),
        (_, _, FieldKind::Url) => "https://svc.example.com/path".into(),
        (_, _, FieldKind::Port) => "5432".into(),
        (_, _, FieldKind::Choice { options }) => options[0].into(),
        (_, _, FieldKind::Email) => "ops@example.com".into(),
        (_, _, FieldKind::Headers) => "X-Tenant: acme".into(),
        (_, _, FieldKind::StatusRange) => "200-299".into(),
    }
}

/// Values the field must refuse, with a word the message must contain.
fn bad_values(field: &FieldSpec) -> Vec<(String, &'static str)> {
    let long = if field.kind == FieldKind::Headers {
        8_193
    } else {
        2_049
    };
    let mut bad = vec![("a\u{7}b".to_owned(), "control characters")];
    if field.secret {
        bad.push(("x".repeat(16 * 1024 + 1), "bytes"));
        bad.push(("line\nbreak".into(), "control characters"));
    } else {
        bad.push(("a".repeat(long), "longer than"));
    }
    let urls = [
        ("javascript:alert(1)", ""),
        ("file:///etc/passwd", ""),
        ("ftp://svc.example.com/", ""),
        ("not a url", ""),
        ("https://", ""),
    ];
    match &field.kind {
        FieldKind::Url => {
            bad.extend(urls.iter().map(|(v, w)| ((*v).to_owned(), *w)));
            if !field.secret {
                bad.push((
                    "https://admin:hunter2@svc.example.com/".into(),
                    "user name or password",
                ));
            }
        }
        FieldKind::Port => {
            for port in ["0", "65536", "-1", "http", "1.5", "99999999999"] {
                bad.push((port.into(), "1 to 65535"));
            }
        }
        FieldKind::Host => {
            for host in [
                "http://svc.example.com",
                "svc.example.com/path",
                "two words",
                "a..b:c:d:e",
            ] {
                bad.push((host.into(), ""));
            }
        }
        FieldKind::Email => {
            for address in ["nope", "a@", "@example.com"] {
                bad.push((address.into(), "e-mail"));
            }
        }
        FieldKind::Choice { .. } => bad.push(("bogus".into(), "must be one of")),
        FieldKind::StatusRange => {
            for range in ["99", "600", "300-200", "abc", "2xx"] {
                bad.push((range.into(), ""));
            }
        }
        FieldKind::Headers => {
            bad.push(("NoColon".into(), "Name: value"));
            // A secret header's message never repeats the value, not even its name.
            bad.push((
                "Bad Name: x".into(),
                if field.secret {
                    "Name: value"
                } else {
                    "header name"
                },
            ));
            if !field.secret {
                bad.push(("Authorization: Bearer abc".into(), "carries a credential"));
                bad.push(("Accept: */*\nX-Api-Key: abc".into(), "carries a credential"));
            }
        }
        FieldKind::Text => {}
    }
    bad
}

fn input(spec: &ProviderSpec, changed: Option<(&str, &str)>, name: &str) -> NewIntegration {
    let mut config = BTreeMap::new();
    let mut secrets = BTreeMap::new();
    for field in &spec.fields {
        let value = match changed {
            Some((changed_name, value)) if changed_name == field.name => value.to_owned(),
            _ => good_value(spec.id, field),
        };
        if field.secret {
            secrets.insert(field.name.to_owned(), SecretString::from(value));
        } else {
            config.insert(field.name.to_owned(), value);
        }
    }
    NewIntegration {
        project_id: None,
        provider: spec.id.into(),
        name: name.into(),
        active: None,
        check_interval_s: None,
        config,
        secrets,
    }
}

fn count(core: &patchbay_core::Patchbay) -> i64 {
    core.list_integrations(&IntegrationQuery {
        per_page: 10,
        ..Default::default()
    })
    .unwrap()
    .total
}

#[test]
fn every_field_of_every_provider_refuses_bad_values_by_name() {
    let core = support::core();
    let mut cases = 0;
    for provider in providers::registry() {
        let spec = provider.spec();
        // The baseline with every required field set is accepted.
        core.create_integration(input(&spec, None, &format!("{} ok", spec.id)))
            .unwrap_or_else(|error| panic!("{}: the good baseline is refused: {error}", spec.id));
        // Every field accepts its good value; unicode text is accepted or refused by that field's name.
        for field in &spec.fields {
            let value = good_value(spec.id, field);
            core.create_integration(input(
                &spec,
                Some((field.name, &value)),
                &format!("{} {} good", spec.id, field.name),
            ))
            .unwrap_or_else(|error| {
                panic!("{}.{} refuses `{value}`: {error}", spec.id, field.name)
            });
            if let Err(error) = core.create_integration(input(
                &spec,
                Some((field.name, "Ünïcødé ✓ 東京")),
                &format!("{} {} ü", spec.id, field.name),
            )) {
                assert_eq!(
                    error.field(),
                    Some(field.name),
                    "{}.{}: {error}",
                    spec.id,
                    field.name
                );
                cases += 1;
            }
        }
        for field in &spec.fields {
            for (value, expected) in bad_values(field) {
                let before = count(&core);
                let error = core
                    .create_integration(input(&spec, Some((field.name, &value)), "bad"))
                    .expect_err(&format!(
                        "{}.{} accepted {:?}",
                        spec.id,
                        field.name,
                        value.chars().take(40).collect::<String>()
                    ));
                cases += 1;
                assert_eq!(
                    error.kind(),
                    ErrorKind::Validation,
                    "{}.{}: {error}",
                    spec.id,
                    field.name
                );
                assert_eq!(
                    error.field(),
                    Some(field.name),
                    "{}.{} {value:?}: {error}",
                    spec.id,
                    field.name
                );
                let message = error.to_string();
                assert!(
                    message.contains(expected),
                    "{}.{} {value:?}: `{message}` lacks `{expected}`",
                    spec.id,
                    field.name
                );
                if field.secret && value.len() > 8 {
                    assert!(
                        !message.contains(&value),
                        "{}.{}: the secret is echoed: {message}",
                        spec.id,
                        field.name
                    );
                }
                assert!(
                    !message.contains("hunter2"),
                    "a password is echoed: {message}"
                );
                assert_eq!(
                    count(&core),
                    before,
                    "{}.{}: a refused value wrote a row",
                    spec.id,
                    field.name
                );
            }
            if field.required {
                let mut missing = input(&spec, None, "missing");
                missing.config.remove(field.name);
                missing.secrets.remove(field.name);
                if field.default.is_none() {
                    let error = core
                        .create_integration(missing)
                        .expect_err(&format!("{}.{} may be absent", spec.id, field.name));
                    assert_eq!(error.field(), Some(field.name));
                    assert!(error.to_string().contains("is required"), "{error}");
                    cases += 1;
                }
            }
        }
    }
    println!("{cases} refused values checked");
    // Every provider has fields; the matrix is not empty by accident.
    assert!(cases > 100, "only {cases} cases");
}

#[test]
fn wrong_types_are_refused_at_deserialization() {
    for body in [
        serde_json::json!({"provider": "smtp", "name": "x", "config": {"port": 587}}),
        serde_json::json!({"provider": "smtp", "name": 5}),
        serde_json::json!({"provider": "smtp", "name": "x", "secrets": {"password": ["a"]}}),
        serde_json::json!({"provider": "smtp", "name": "x", "check_interval_s": "often"}),
    ] {
        assert!(
            serde_json::from_value::<NewIntegration>(body.clone()).is_err(),
            "{body}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Any text in any field of any provider is accepted or refused with a validation error: no panic,
    /// no other error kind.
    #[test]
    fn any_value_in_any_field_is_validated_without_panic(
        provider_index in 0usize..16,
        field_index in 0usize..16,
        value in "\\PC{0,80}|[\\x00-\\x7f]{0,40}",
    ) {
        let registry = providers::registry();
        let spec = registry[provider_index % registry.len()].spec();
        let field = &spec.fields[field_index % spec.fields.len()];
        let core = support::core();
        match core.create_integration(input(&spec, Some((field.name, &value)), "prop")) {
            Ok(_) => {}
            Err(error) => prop_assert_eq!(error.kind(), ErrorKind::Validation, "{}", error),
        }
    }
}
