//! Declarative providers: HTTP systems checked by one documented request, declared in `catalog.json`
//! (name, fields, help, request, success condition). Adding one is an edit of that file, no Rust.
//!
//! Request templates use `{field}` placeholders filled from the integration's settings and secrets;
//! values are percent-encoded where they land in a query string. A check passes when the status is in
//! `expect_status` and the body contains `expect_body_contains` (when set); 401/403 → `auth`,
//! 429 → `rate_limited`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use base64::Engine as _;
use serde::Deserialize;

use super::validate::parse_status_ranges;
use super::{FieldKind, FieldSpec, Provider, ProviderSpec};
use crate::health::{self, CheckContext, CheckErrorKind, CheckFuture, CheckTarget, Verdict};

/// One catalog entry as written in `catalog.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    label: String,
    description: String,
    setup_steps: Vec<String>,
    fields: Vec<EntryField>,
    check: CheckSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryField {
    name: String,
    label: String,
    kind: EntryKind,
    required: bool,
    secret: bool,
    #[serde(default)]
    default: Option<String>,
    #[serde(default)]
    placeholder: Option<String>,
    help: String,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum EntryKind {
    Text,
    Host,
    Url,
    Port,
    Email,
    Choice { options: Vec<String> },
}

/// The single request that checks an entry's system.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckSpec {
    method: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
    /// Field names of user and password for HTTP Basic auth.
    #[serde(default)]
    basic_auth: Option<[String; 2]>,
    expect_status: String,
    #[serde(default)]
    expect_body_contains: Option<String>,
}

/// A provider declared in the catalog.
#[derive(Debug)]
pub struct Declarative {
    spec: ProviderSpec,
    check: CheckSpec,
}

fn leak(value: String) -> &'static str {
    // The catalog is parsed once per process; its strings live as long as the registry.
    Box::leak(value.into_boxed_str())
}

impl From<Entry> for Declarative {
    fn from(entry: Entry) -> Self {
        let fields = entry
            .fields
            .into_iter()
            .map(|field| FieldSpec {
                name: leak(field.name),
                label: leak(field.label),
                kind: match field.kind {
                    EntryKind::Text => FieldKind::Text,
                    EntryKind::Host => FieldKind::Host,
                    EntryKind::Url => FieldKind::Url,
                    EntryKind::Port => FieldKind::Port,
                    EntryKind::Email => FieldKind::Email,
                    EntryKind::Choice { options } => FieldKind::Choice {
                        options: options.into_iter().map(leak).collect(),
                    },
                },
                required: field.required,
                secret: field.secret,
                default: field.default.map(leak),
                placeholder: field.placeholder.map(leak),
                help: leak(field.help),
            })
            .collect();
        Self {
            spec: ProviderSpec {
                id: leak(entry.id),
                label: leak(entry.label),
                description: leak(entry.description),
                setup_steps: entry.setup_steps.into_iter().map(leak).collect(),
                fields,
            },
            check: entry.check,
        }
    }
}

/// Parses a catalog document.
///
/// # Errors
/// A message naming the JSON error (the catalog test keeps `catalog.json` valid).
pub fn parse(json: &str) -> Result<Vec<Declarative>, String> {
    let entries: Vec<Entry> =
        serde_json::from_str(json).map_err(|error| format!("catalog.json: {error}"))?;
    for entry in &entries {
        parse_status_ranges(&entry.check.expect_status)
            .map_err(|error| format!("{}: expect_status {error}", entry.id))?;
    }
    Ok(entries.into_iter().map(Declarative::from).collect())
}

/// The built-in catalog (`catalog.json`, embedded at build time).
pub fn builtin() -> &'static [Declarative] {
    static CATALOG: OnceLock<Vec<Declarative>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        parse(include_str!("catalog.json")).unwrap_or_else(|error| {
            log::warn!("ignoring the provider catalog: {error}");
            Vec::new()
        })
    })
}

impl Declarative {
    /// Fills `{field}` placeholders; values in the query part are percent-encoded.
    fn render(&self, template: &str, target: &CheckTarget, in_url: bool) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                break;
            };
            let name = &rest[start + 1..start + end];
            let value = target.secret(name).unwrap_or_else(|| target.setting(name));
            let in_query = in_url && out.contains('?');
            if name == "base_url" {
                out.push_str(value.trim_end_matches('/'));
            } else if in_query {
                out.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
            } else {
                out.push_str(value);
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        out
    }

    async fn probe(&self, target: &CheckTarget, context: &CheckContext) -> Verdict {
        let Ok(method) = reqwest::Method::from_bytes(self.check.method.as_bytes()) else {
            return Verdict::failed(
                CheckErrorKind::Config,
                format!("catalog method `{}` is invalid", self.check.method),
            );
        };
        let mut request = context
            .http
            .request(method, self.render(&self.check.url, target, true));
        for (name, value) in &self.check.headers {
            request = request.header(name, self.render(value, target, false));
        }
        if let Some([user, password]) = &self.check.basic_auth {
            let credentials = format!(
                "{}:{}",
                target.setting(user),
                target.secret(password).unwrap_or("")
            );
            let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
            request = request.header(reqwest::header::AUTHORIZATION, format!("Basic {encoded}"));
        }
        if let Some(body) = &self.check.body {
            request = request.body(self.render(body, target, false));
        }
        let reply = match health::send(context, request).await {
            Ok(reply) => reply,
            Err(verdict) => return verdict,
        };
        let ranges = parse_status_ranges(&self.check.expect_status).unwrap_or_default();
        if !ranges
            .iter()
            .any(|(low, high)| (*low..=*high).contains(&reply.status))
        {
            return reply.status_failure(self.spec.label);
        }
        if let Some(needle) = &self.check.expect_body_contains {
            if !String::from_utf8_lossy(&reply.body).contains(needle.as_str()) {
                return Verdict::failed(
                    CheckErrorKind::BadResponse,
                    format!(
                        "HTTP {} but the answer lacks `{needle}`: {}",
                        reply.status,
                        health::preview(&reply.body)
                    ),
                );
            }
        }
        reply.healthy(format!("HTTP {}", reply.status))
    }
}

impl Provider for Declarative {
    fn spec(&self) -> ProviderSpec {
        self.spec.clone()
    }

    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a> {
        Box::pin(self.probe(target, context))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_with_every_entry_the_seeds_name() {
        let catalog = parse(include_str!("catalog.json")).unwrap();
        let ids: Vec<_> = catalog.iter().map(|p| p.spec.id).collect();
        for id in [
            "planfix",
            "confluence",
            "clickhouse",
            "superset",
            "onec_odata",
            "directum_rx",
            "comindware",
            "tilda",
        ] {
            assert!(ids.contains(&id), "{id} missing from catalog.json");
        }
        for provider in &catalog {
            for placeholder in provider
                .check
                .url
                .split('{')
                .skip(1)
                .filter_map(|p| p.split('}').next())
            {
                assert!(
                    provider.spec.field(placeholder).is_some(),
                    "{}: unknown placeholder {placeholder}",
                    provider.spec.id
                );
            }
        }
    }

    #[test]
    fn malformed_catalog_is_rejected_with_a_message() {
        assert!(parse("[{\"id\": \"x\"}]")
            .unwrap_err()
            .contains("catalog.json"));
        let bad_status = include_str!("catalog.json").replacen(
            "\"expect_status\": \"200\"",
            "\"expect_status\": \"2xx\"",
            1,
        );
        assert!(parse(&bad_status).unwrap_err().contains("expect_status"));
    }
}
