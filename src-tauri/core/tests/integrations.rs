//! Integration CRUD and listing against an in-memory store and keychain (the real keychain is covered
//! by `tests/keychain.rs` in the app's test suite).

use std::collections::BTreeMap;

use patchbay_core::secrets::{Credentials, MemoryBackend};
use patchbay_core::store::Store;
use patchbay_core::{
    Error, ErrorKind, ExposeSecret, HealthStatus, Integration, IntegrationQuery, IntegrationUpdate,
    NewIntegration, Patchbay, SecretString, SortKey,
};

fn core() -> (Patchbay, MemoryBackend) {
    let keychain = MemoryBackend::default();
    let core = Patchbay::with_parts(
        Store::open_in_memory().unwrap(),
        Credentials::new(Box::new(keychain.clone())),
    );
    (core, keychain)
}

fn smtp(name: &str) -> NewIntegration {
    NewIntegration {
        project_id: None,
        provider: "smtp".into(),
        name: name.into(),
        active: None,
        check_interval_s: None,
        config: BTreeMap::from([
            ("host".to_owned(), "smtp.example.com".to_owned()),
            ("username".to_owned(), "ops@example.com".to_owned()),
        ]),
        secrets: BTreeMap::from([(
            "password".to_owned(),
            SecretString::from("hunter2-very-secret"),
        )]),
    }
}

fn field_of(error: &Error) -> Option<String> {
    error.field().map(str::to_owned)
}

#[test]
fn create_applies_defaults_and_stores_secret_only_in_keychain() {
    let (core, keychain) = core();
    let created = core.create_integration(smtp("Mail")).unwrap();
    assert_eq!(created.config.get("port").map(String::as_str), Some("587"));
    assert_eq!(
        created.config.get("tls").map(String::as_str),
        Some("starttls")
    );
    assert_eq!(created.secrets_set, vec!["password".to_owned()]);
    assert_eq!(created.status, HealthStatus::Unknown);
    assert_eq!(
        keychain.accounts(),
        vec![format!("{}/password", created.id)]
    );
    let revealed = core.reveal_secret(created.id, "password").unwrap();
    assert_eq!(revealed.expose_secret(), "hunter2-very-secret");
    let dump: String = {
        let connection = core.store().lock();
        let mut statement = connection
            .prepare("SELECT config || secret_fields || name FROM integrations")
            .unwrap();
        statement
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(
        !dump.contains("hunter2"),
        "secret leaked into SQLite: {dump}"
    );
}

#[test]
fn invalid_input_names_the_field_and_writes_nothing() {
    let (core, keychain) = core();
    let cases: Vec<(Box<dyn Fn(&mut NewIntegration)>, &str)> = vec![
        (Box::new(|i| i.provider = "ftp".into()), "provider"),
        (Box::new(|i| i.name = "   ".into()), "name"),
        (
            Box::new(|i| {
                i.config.insert("port".into(), "70000".into());
            }),
            "port",
        ),
        (
            Box::new(|i| {
                i.config.insert("port".into(), "abc".into());
            }),
            "port",
        ),
        (
            Box::new(|i| {
                i.config.insert("host".into(), String::new());
            }),
            "host",
        ),
        (
            Box::new(|i| {
                i.config
                    .insert("host".into(), "https://smtp.example.com".into());
            }),
            "host",
        ),
        (
            Box::new(|i| {
                i.config.insert("tls".into(), "ssl".into());
            }),
            "tls",
        ),
        (
            Box::new(|i| {
                i.config
                    .insert("from_address".into(), "not-an-address".into());
            }),
            "from_address",
        ),
        (
            Box::new(|i| {
                i.config.insert("colour".into(), "red".into());
            }),
            "colour",
        ),
        (
            Box::new(|i| {
                i.config.insert("password".into(), "plain".into());
            }),
            "password",
        ),
        (
            Box::new(|i| {
                i.config.remove("username");
            }),
            "username",
        ),
        (
            Box::new(|i| i.check_interval_s = Some(5)),
            "check_interval_s",
        ),
        (Box::new(|i| i.project_id = Some(999)), "project_id"),
        (
            Box::new(|i| {
                i.secrets
                    .insert("password".into(), SecretString::from("a\nb"));
            }),
            "password",
        ),
        (
            Box::new(|i| {
                i.secrets.insert(
                    "password".into(),
                    SecretString::from("x".repeat(16 * 1024 + 1)),
                );
            }),
            "password",
        ),
    ];
    for (mutate, field) in cases {
        let mut input = smtp("Mail");
        mutate(&mut input);
        let error = core.create_integration(input).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Validation, "{field}: {error}");
        assert_eq!(field_of(&error).as_deref(), Some(field), "{error}");
        assert!(
            !error.to_string().contains("hunter2"),
            "secret in error: {error}"
        );
    }
    assert_eq!(
        core.list_integrations(&IntegrationQuery::default())
            .unwrap()
            .total,
        0
    );
    assert!(keychain.accounts().is_empty());
}

#[test]
fn provider_specific_rules_are_enforced() {
    let (core, _) = core();
    let bitrix = |url: &str| NewIntegration {
        project_id: None,
        provider: "bitrix24".into(),
        name: "Portal".into(),
        active: None,
        check_interval_s: None,
        config: BTreeMap::new(),
        secrets: BTreeMap::from([("webhook_url".to_owned(), SecretString::from(url.to_owned()))]),
    };
    let error = core
        .create_integration(bitrix("https://acme.bitrix24.com/rest/secretcode/"))
        .unwrap_err();
    assert_eq!(error.field(), Some("webhook_url"));
    assert!(
        !error.to_string().contains("secretcode"),
        "webhook code leaked: {error}"
    );
    core.create_integration(bitrix("https://acme.bitrix24.com/rest/1/abc123/"))
        .unwrap();

    let kommo = |config: &[(&str, &str)]| NewIntegration {
        project_id: None,
        provider: "kommo".into(),
        name: format!("Kommo {}", config.len()),
        active: None,
        check_interval_s: None,
        config: config
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        secrets: BTreeMap::from([("token".to_owned(), SecretString::from("tok"))]),
    };
    assert_eq!(
        core.create_integration(kommo(&[])).unwrap_err().field(),
        Some("subdomain")
    );
    assert_eq!(
        core.create_integration(kommo(&[("subdomain", "a.b")]))
            .unwrap_err()
            .field(),
        Some("subdomain")
    );
    core.create_integration(kommo(&[("base_url", "https://acme.amocrm.ru")]))
        .unwrap();
    let mut missing_token = kommo(&[("subdomain", "acme")]);
    missing_token.secrets.clear();
    assert_eq!(
        core.create_integration(missing_token).unwrap_err().field(),
        Some("token")
    );

    let http = NewIntegration {
        project_id: None,
        provider: "http".into(),
        name: "Site".into(),
        active: None,
        check_interval_s: None,
        config: BTreeMap::from([("url".to_owned(), "ftp://example.com".to_owned())]),
        secrets: BTreeMap::new(),
    };
    assert_eq!(
        core.create_integration(http).unwrap_err().field(),
        Some("url")
    );
}

#[test]
fn duplicate_name_in_project_is_a_conflict_but_allowed_elsewhere() {
    let (core, _) = core();
    core.create_integration(smtp("Mail")).unwrap();
    let error = core.create_integration(smtp("mail")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(error.field(), Some("name"));
    let other = core.create_project("Acme").unwrap();
    let mut elsewhere = smtp("Mail");
    elsewhere.project_id = Some(other.id);
    core.create_integration(elsewhere).unwrap();
}

#[test]
fn locked_keychain_on_create_leaves_no_row_and_no_entry() {
    let (core, keychain) = core();
    keychain.fail_writes(true);
    let error = core.create_integration(smtp("Mail")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Keychain);
    assert_eq!(
        core.list_integrations(&IntegrationQuery::default())
            .unwrap()
            .total,
        0
    );
    assert!(keychain.accounts().is_empty());
}

#[test]
fn update_replaces_secret_keeps_others_and_rolls_back_on_keychain_failure() {
    let (core, keychain) = core();
    let created = core.create_integration(smtp("Mail")).unwrap();
    let update = IntegrationUpdate {
        name: Some("Mail (new)".into()),
        secrets: BTreeMap::from([("password".to_owned(), Some(SecretString::from("new-pass")))]),
        ..IntegrationUpdate::default()
    };
    let updated = core.update_integration(created.id, update).unwrap();
    assert_eq!(updated.name, "Mail (new)");
    assert!(updated.updated_at > created.updated_at);
    assert_eq!(updated.config, created.config);
    assert_eq!(
        core.reveal_secret(created.id, "password")
            .unwrap()
            .expose_secret(),
        "new-pass"
    );

    keychain.fail_writes(true);
    let failing = IntegrationUpdate {
        name: Some("Renamed".into()),
        secrets: BTreeMap::from([("password".to_owned(), Some(SecretString::from("third")))]),
        ..IntegrationUpdate::default()
    };
    assert_eq!(
        core.update_integration(created.id, failing)
            .unwrap_err()
            .kind(),
        ErrorKind::Keychain
    );
    keychain.fail_writes(false);
    let after = core.get_integration(created.id).unwrap();
    assert_eq!(after.name, "Mail (new)");
    assert_eq!(
        core.reveal_secret(created.id, "password")
            .unwrap()
            .expose_secret(),
        "new-pass"
    );
}

#[test]
fn update_clears_optional_secret_but_refuses_required() {
    let (core, _) = core();
    let created = core.create_integration(smtp("Mail")).unwrap();
    let clear = IntegrationUpdate {
        config: Some(BTreeMap::from([(
            "host".to_owned(),
            "smtp.example.com".to_owned(),
        )])),
        secrets: BTreeMap::from([("password".to_owned(), None)]),
        ..IntegrationUpdate::default()
    };
    let updated = core.update_integration(created.id, clear).unwrap();
    assert!(updated.secrets_set.is_empty());
    assert_eq!(
        core.reveal_secret(created.id, "password")
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn delete_removes_row_and_keychain_entries() {
    let (core, keychain) = core();
    let created = core.create_integration(smtp("Mail")).unwrap();
    core.delete_integration(created.id).unwrap();
    assert_eq!(
        core.get_integration(created.id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert!(keychain.accounts().is_empty());
    assert_eq!(
        core.delete_integration(created.id).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

// ---- listing against a brute-force reference -------------------------------------------------

/// Deterministic pseudo-random numbers (xorshift), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn seed(core: &Patchbay, rng: &mut Rng, count: usize) {
    let acme = core.create_project("Acme").unwrap();
    let words = [
        "alpha", "Beta", "gamma", "Delta", "mail", "CRM", "hook", "Zeta_1", "50%",
    ];
    for index in 0..count {
        let provider = *rng.pick(&["http", "n8n", "kommo"]);
        let config = match provider {
            "http" => vec![("url", "https://example.com/health")],
            "n8n" => vec![("base_url", "https://n8n.example.com")],
            _ => vec![("subdomain", "acme")],
        };
        let secrets = if provider == "kommo" {
            vec![("token", "t")]
        } else {
            vec![]
        };
        let input = NewIntegration {
            project_id: if rng.next() % 2 == 0 {
                Some(acme.id)
            } else {
                None
            },
            provider: provider.into(),
            name: format!("{} {index}", rng.pick(&words)),
            active: Some(rng.next() % 3 != 0),
            check_interval_s: None,
            config: config
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            secrets: secrets
                .into_iter()
                .map(|(k, v)| (k.to_owned(), SecretString::from(v)))
                .collect(),
        };
        let created = core.create_integration(input).unwrap();
        let status = *rng.pick(&["healthy", "degraded", "unhealthy", "unknown"]);
        let checked = if status == "unknown" {
            None
        } else {
            Some((rng.next() % 1_000) as i64)
        };
        let updated = (rng.next() % 50) as i64;
        core.store()
            .lock()
            .execute(
                "UPDATE integrations SET status = ?2, last_checked_at = ?3, updated_at = ?4 WHERE id = ?1",
                rusqlite_params(created.id, status, checked, updated),
            )
            .unwrap();
    }
}

fn rusqlite_params(
    id: i64,
    status: &str,
    checked: Option<i64>,
    updated: i64,
) -> impl rusqlite::Params + '_ {
    (id, status, checked, updated)
}

fn reference(all: &[Integration], query: &IntegrationQuery) -> (Vec<i64>, i64) {
    let search = query.search.as_deref().map(str::to_lowercase);
    let mut rows: Vec<&Integration> = all
        .iter()
        .filter(|i| query.project_id.is_none_or(|p| i.project_id == p))
        .filter(|i| query.provider.as_ref().is_none_or(|p| &i.provider == p))
        .filter(|i| query.status.is_none_or(|s| i.status == s))
        .filter(|i| query.active.is_none_or(|a| i.active == a))
        .filter(|i| {
            search.as_ref().is_none_or(|s| {
                i.name.to_lowercase().contains(s) || i.provider.contains(s.as_str())
            })
        })
        .collect();
    let rank = |s: HealthStatus| match s {
        HealthStatus::Unhealthy => 0,
        HealthStatus::Degraded => 1,
        HealthStatus::Unknown => 2,
        HealthStatus::Healthy => 3,
    };
    let name = |i: &Integration| i.name.to_ascii_lowercase();
    rows.sort_by(|a, b| {
        let ordering = match query.sort {
            SortKey::Status => {
                (rank(a.status), name(a), a.id).cmp(&(rank(b.status), name(b), b.id))
            }
            SortKey::Provider => (&a.provider, name(a), a.id).cmp(&(&b.provider, name(b), b.id)),
            SortKey::Name => (name(a), a.id).cmp(&(name(b), b.id)),
            SortKey::Updated => (a.updated_at, a.id).cmp(&(b.updated_at, b.id)),
            SortKey::LastChecked => (a.last_checked_at, a.id).cmp(&(b.last_checked_at, b.id)),
        };
        if query.desc {
            ordering.reverse()
        } else {
            ordering
        }
    });
    let total = rows.len() as i64;
    let (page, per_page) = query.paging().unwrap();
    let ids = rows
        .into_iter()
        .skip(((page - 1) * per_page) as usize)
        .take(per_page as usize)
        .map(|i| i.id)
        .collect();
    (ids, total)
}

#[test]
fn list_matches_brute_force_reference_on_generated_data() {
    let (core, _) = core();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    seed(&core, &mut rng, 240);
    let everything = core
        .list_integrations(&IntegrationQuery {
            per_page: 100,
            ..Default::default()
        })
        .unwrap();
    let mut all = Vec::new();
    for page in 1..=3 {
        all.extend(
            core.list_integrations(&IntegrationQuery {
                per_page: 100,
                page,
                ..Default::default()
            })
            .unwrap()
            .items,
        );
    }
    assert_eq!(everything.total, 240);
    assert_eq!(all.len(), 240);
    let acme = core.project_by_name("acme").unwrap().id;
    let sorts = [
        SortKey::Status,
        SortKey::Provider,
        SortKey::Name,
        SortKey::Updated,
        SortKey::LastChecked,
    ];
    for case in 0..400 {
        let query = IntegrationQuery {
            page: 1 + (rng.next() % 6) as u32,
            per_page: *rng.pick(&[10, 25, 50, 100]),
            sort: *rng.pick(&sorts),
            desc: rng.next() % 2 == 0,
            project_id: if rng.next() % 3 == 0 {
                Some(acme)
            } else {
                None
            },
            provider: if rng.next() % 3 == 0 {
                Some(rng.pick(&["http", "n8n", "kommo"]).to_string())
            } else {
                None
            },
            status: if rng.next() % 4 == 0 {
                Some(*rng.pick(&[
                    HealthStatus::Healthy,
                    HealthStatus::Degraded,
                    HealthStatus::Unhealthy,
                    HealthStatus::Unknown,
                ]))
            } else {
                None
            },
            active: if rng.next() % 4 == 0 {
                Some(rng.next() % 2 == 0)
            } else {
                None
            },
            search: if rng.next() % 4 == 0 {
                Some(
                    rng.pick(&["ALPHA", "1", "_", "%", "kom", " beta "])
                        .to_string(),
                )
            } else {
                None
            },
        };
        let page = core.list_integrations(&query).unwrap();
        let mut expected_query = query.clone();
        expected_query.search = query
            .search
            .as_deref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let (expected, total) = reference(&all, &expected_query);
        let got: Vec<i64> = page.items.iter().map(|i| i.id).collect();
        assert_eq!(page.total, total, "case {case}: {query:?}");
        assert_eq!(got, expected, "case {case}: {query:?}");
    }
}

#[test]
fn per_page_above_limit_is_rejected() {
    let (core, _) = core();
    let error = core
        .list_integrations(&IntegrationQuery {
            per_page: 500,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(error.field(), Some("per_page"));
}

#[test]
fn search_finds_substrings_in_any_case_and_script_and_follows_renames() {
    let (core, _) = core();
    for name in [
        "Клиника Берёза",
        "Birch clinic mail",
        "Acme \"quoted\" shop",
        "ab",
    ] {
        core.create_integration(smtp(name)).unwrap();
    }
    let names = |search: &str| -> Vec<String> {
        core.list_integrations(&IntegrationQuery {
            search: Some(search.into()),
            ..IntegrationQuery::default()
        })
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.name)
        .collect()
    };
    assert_eq!(names("БЕРЁЗ"), vec!["Клиника Берёза"]);
    assert_eq!(names("CLINIC"), vec!["Birch clinic mail"]);
    assert_eq!(
        names("\"quoted\""),
        vec!["Acme \"quoted\" shop"],
        "quotes are searched, not parsed"
    );
    assert_eq!(names("ab").len(), 1, "two characters fall back to LIKE");
    assert_eq!(names("smtp").len(), 4, "the provider is searched too");
    let birch = core
        .list_integrations(&IntegrationQuery::default())
        .unwrap()
        .items
        .into_iter()
        .find(|i| i.name == "Birch clinic mail")
        .unwrap();
    core.update_integration(
        birch.id,
        IntegrationUpdate {
            name: Some("Oak office mail".into()),
            ..IntegrationUpdate::default()
        },
    )
    .unwrap();
    assert!(names("birch").is_empty(), "the index follows renames");
    assert_eq!(names("oak off"), vec!["Oak office mail"]);
    core.delete_integration(birch.id).unwrap();
    assert!(names("oak").is_empty(), "and deletions");
}

#[test]
fn search_ignores_case_in_any_script_short_and_long_terms() {
    let (core, _) = core();
    for name in ["Склад Москва", "склад Тверь", "СКЛАДЧИНА", "Warehouse"]
    {
        core.create_integration(smtp(name)).unwrap();
    }
    let names = |search: &str| {
        let mut names: Vec<String> = core
            .list_integrations(&IntegrationQuery {
                search: Some(search.into()),
                ..Default::default()
            })
            .unwrap()
            .items
            .into_iter()
            .map(|i| i.name)
            .collect();
        names.sort();
        names
    };
    let all_three = ["СКЛАДЧИНА", "Склад Москва", "склад Тверь"];
    // Three characters or more: the trigram index.
    assert_eq!(names("СКЛАД"), all_three);
    assert_eq!(names("склад"), all_three);
    assert_eq!(names("москва"), ["Склад Москва"]);
    // One or two: a scan, folded the same way (SQLite's LIKE folds ASCII only).
    assert_eq!(names("Ск"), all_three);
    assert_eq!(names("тв"), ["склад Тверь"]);
    assert_eq!(names("wA"), ["Warehouse"]);
    // LIKE's wildcards are plain characters.
    assert!(names("%").is_empty());
    assert!(names("_").is_empty());
}
