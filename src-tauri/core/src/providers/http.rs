//! Generic HTTP endpoint: any URL checked by status code and an optional keyword.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};

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
                "Add headers one per line as `Name: value`, e.g. an API key header.",
            ],
            fields: vec![
                FieldSpec { name: "url", label: "URL", kind: FieldKind::Url, required: true, secret: false, default: None, placeholder: Some("https://api.example.com/health"), help: "Absolute http:// or https:// URL." },
                FieldSpec { name: "method", label: "Method", kind: FieldKind::Choice { options: vec!["GET", "HEAD", "POST"] }, required: true, secret: false, default: Some("GET"), placeholder: None, help: "HTTP method of the probe." },
                FieldSpec { name: "expected_status", label: "Expected status", kind: FieldKind::StatusRange, required: true, secret: false, default: Some("200-299"), placeholder: Some("200-299"), help: "Status codes counted as healthy: `200`, `200-299` or a list like `200,204,301-302`." },
                FieldSpec { name: "keyword", label: "Keyword", kind: FieldKind::Text, required: false, secret: false, default: None, placeholder: Some("ok"), help: "If set, the response body must contain this text." },
                FieldSpec { name: "headers", label: "Headers", kind: FieldKind::Headers, required: false, secret: false, default: None, placeholder: Some("Accept: application/json"), help: "Extra request headers, one `Name: value` per line. Not for secrets: they are stored unencrypted." },
            ],
        }
    }
}
