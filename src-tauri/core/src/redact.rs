//! Redaction of credentials that can hide inside text bound for logs: passwords in URLs
//! (`https://user:pass@host`), Bitrix24 incoming-webhook codes (`/rest/<user>/<code>/`), Telegram bot
//! tokens (`/bot<id>:<token>/`), bearer tokens, and query parameters that carry keys or tokens. Every log
//! line of the app and the CLI goes through [`redact`].

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// What replaces a secret.
pub const MASK: &str = "***";

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // scheme://user:password@host → scheme://***@host
        (r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", "${1}***@"),
        // Bitrix24 incoming webhook: /rest/<user id>/<code>/
        (r"(/rest/\d+/)[A-Za-z0-9_-]{4,}", "${1}***"),
        // Telegram bot token in a path: /bot<id>:<secret>
        (r"(/bot)\d+:[A-Za-z0-9_-]+", "${1}***"),
        // Authorization headers and bearer tokens
        (r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+", "${1} ***"),
        // ?token=…, &api_key=…, secret=, password=, access_token=, signature=, sig=, key=
        (
            r"(?i)\b(token|api[_-]?key|apikey|secret|password|passwd|access_token|refresh_token|client_secret|signature|sig|key|auth)=[^&\s#]+",
            "${1}=***",
        ),
        // X-N8N-API-KEY: … and similar "key: value" header dumps
        (r"(?i)\b(x-n8n-api-key|x-api-key|api-key|x-patchbay-signature)\s*:\s*\S+", "${1}: ***"),
    ]
    .into_iter()
    .filter_map(|(pattern, replacement)| Regex::new(pattern).ok().map(|re| (re, replacement)))
    .collect()
});

/// `text` with every credential-looking part replaced by [`MASK`]; borrowed when nothing matched.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    for (pattern, replacement) in PATTERNS.iter() {
        if pattern.is_match(&out) {
            out = Cow::Owned(pattern.replace_all(&out, *replacement).into_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn credentials_in_log_lines_are_masked() {
        let cases = [
            (
                "GET https://anna:hunter2@mail.example.com/x failed",
                "GET https://***@mail.example.com/x failed",
            ),
            (
                "POST https://acme.bitrix24.ru/rest/1/k3y9c0d3w3bh00k/crm.deal.list.json: 503",
                "POST https://acme.bitrix24.ru/rest/1/***/crm.deal.list.json: 503",
            ),
            (
                "https://api.telegram.org/bot123456:AAE-secret_token/getMe timed out",
                "https://api.telegram.org/bot***/getMe timed out",
            ),
            (
                "sent Authorization: Bearer eyJhbGciOi.J9.abc",
                "sent Authorization: Bearer ***",
            ),
            (
                "GET /api?page=2&api_key=s3cr3t&limit=5",
                "GET /api?page=2&api_key=***&limit=5",
            ),
            (
                "header X-N8N-API-KEY: n8n_api_123 rejected",
                "header X-N8N-API-KEY: *** rejected",
            ),
            ("postgres://app:pa55@db:5432/x", "postgres://***@db:5432/x"),
        ];
        for (input, expected) in cases {
            assert_eq!(redact(input), expected, "{input}");
        }
    }

    #[test]
    fn ordinary_lines_are_left_alone() {
        for line in [
            "check of integration 12 (Shop) succeeded in 41 ms",
            "https://example.com/orders?page=2",
            "sync run 7: 250 fetched: 250 created",
            "keyboard shortcut registered",
        ] {
            assert!(
                matches!(redact(line), std::borrow::Cow::Borrowed(_)),
                "{line}"
            );
        }
    }
}
