//! Generic HTTP endpoint: any URL checked by status code and an optional keyword.

use super::validate::parse_status_ranges;
use super::{FieldKind, FieldSpec, Provider, ProviderSpec};
use crate::health::{self, CheckContext, CheckErrorKind, CheckFuture, CheckTarget, Verdict};

/// A generic HTTP(S) endpoint.
pub struct Http;

impl Provider for Http {
    fn spec(&self) -> ProviderSpec {
        ProviderSpec {
            id: "http",
            label: "HTTP endpoint",
            description: "Any web service or API, checked by status code and an optional keyword.",
            setup_steps: vec![
                "Enter the full URL to probe, e.g. a service's /health endpoint.",
                "Set the status codes that count as healthy (default 200-299) and, optionally, a word the body must contain.",
                "Add plain headers one per line as `Name: value`; a header that carries a credential (`Authorization`, an API key) goes under Secret header, which is kept in the OS keychain.",
            ],
            fields: vec![
                FieldSpec { name: "url", label: "URL", kind: FieldKind::Url, required: true, secret: false, default: None, placeholder: Some("https://api.example.com/health"), help: "Absolute http:// or https:// URL." },
                FieldSpec { name: "method", label: "Method", kind: FieldKind::Choice { options: vec!["GET", "HEAD", "POST"] }, required: true, secret: false, default: Some("GET"), placeholder: None, help: "HTTP method of the probe." },
                FieldSpec { name: "expected_status", label: "Expected status", kind: FieldKind::StatusRange, required: true, secret: false, default: Some("200-299"), placeholder: Some("200-299"), help: "Status codes counted as healthy: `200`, `200-299` or a list like `200,204,301-302`." },
                FieldSpec { name: "keyword", label: "Keyword", kind: FieldKind::Text, required: false, secret: false, default: None, placeholder: Some("ok"), help: "If set, the response body must contain this text." },
                FieldSpec { name: "headers", label: "Headers", kind: FieldKind::Headers, required: false, secret: false, default: None, placeholder: Some("Accept: application/json"), help: "Extra request headers, one `Name: value` per line. Stored unencrypted: a credential goes under Secret header." },
                FieldSpec { name: "secret_header", label: "Secret header", kind: FieldKind::Headers, required: false, secret: true, default: None, placeholder: Some("Authorization: Bearer …"), help: "One header that carries a credential, as `Name: value` (e.g. `Authorization: Bearer …` or `X-Api-Key: …`); kept in the OS keychain and sent with every check." },
            ],
        }
    }

    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a> {
        Box::pin(probe(target, context))
    }
}

/// `METHOD url` with the configured headers and the secret header; healthy when the status is in `expected_status` and the body
/// contains `keyword` (when set).
async fn probe(target: &CheckTarget, context: &CheckContext) -> Verdict {
    let method = match target.setting("method") {
        "HEAD" => reqwest::Method::HEAD,
        "POST" => reqwest::Method::POST,
        _ => reqwest::Method::GET,
    };
    let Ok(ranges) = parse_status_ranges(match target.setting("expected_status") {
        "" => "200-299",
        s => s,
    }) else {
        return Verdict::failed(CheckErrorKind::Config, "expected_status is invalid");
    };
    let mut request = context.http.request(method, target.setting("url"));
    for line in target.setting("headers").lines() {
        if let Some((name, value)) = line.split_once(':') {
            request = request.header(name.trim(), value.trim());
        }
    }
    if let Some((name, value)) = target
        .secret("secret_header")
        .and_then(|h| h.split_once(':'))
    {
        // Marked sensitive: kept out of any `Debug` output of the request.
        let Ok(mut value) = reqwest::header::HeaderValue::from_str(value.trim()) else {
            return Verdict::failed(
                CheckErrorKind::Config,
                "the secret header's value is not a valid header value",
            );
        };
        value.set_sensitive(true);
        request = request.header(name.trim(), value);
    }
    let reply = match health::send(context, request).await {
        Ok(reply) => reply,
        Err(verdict) => return verdict,
    };
    if !ranges
        .iter()
        .any(|(low, high)| (*low..=*high).contains(&reply.status))
    {
        return reply.status_failure("the endpoint");
    }
    let keyword = target.setting("keyword");
    if !keyword.is_empty() && !String::from_utf8_lossy(&reply.body).contains(keyword) {
        return Verdict::failed(
            CheckErrorKind::BadResponse,
            format!(
                "HTTP {} but the body does not contain `{keyword}`",
                reply.status
            ),
        );
    }
    reply.healthy(format!("HTTP {}", reply.status))
}
