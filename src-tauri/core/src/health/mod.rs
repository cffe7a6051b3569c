//! Health checks: one probe of an integration against the system's documented endpoint.
//!
//! Each provider implements its probe (`Provider::check`); this module owns what they share: the result
//! type, error classification (`dns`, `connect`, `timeout`, `tls`, `auth`, `http_status`, `bad_response`,
//! `rate_limited`, `config`), the HTTP helper with connect/total timeouts and a bounded body, and the
//! certificate-expiry rule (expiring within 14 days → `degraded`). Error details never contain secrets:
//! URLs are stripped from transport errors because some (Bitrix24 webhooks, Telegram) carry credentials.

pub mod history;
pub mod service;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::integrations::HealthStatus;
use crate::providers::validate::Config;
use crate::store::now_ms;

/// Why a check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CheckErrorKind {
    /// The host name did not resolve.
    Dns,
    /// The TCP connection was refused or reset.
    Connect,
    /// No answer within the timeout.
    Timeout,
    /// TLS failed: bad, expired, self-signed or wrong-host certificate.
    Tls,
    /// Credentials were refused.
    Auth,
    /// An unexpected HTTP status.
    HttpStatus,
    /// The answer could not be understood (wrong shape, missing keyword, too large).
    BadResponse,
    /// The system asked us to slow down.
    RateLimited,
    /// The integration's settings cannot work (missing secret, unusable URL).
    Config,
}

impl CheckErrorKind {
    /// The stored string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Tls => "tls",
            Self::Auth => "auth",
            Self::HttpStatus => "http_status",
            Self::BadResponse => "bad_response",
            Self::RateLimited => "rate_limited",
            Self::Config => "config",
        }
    }
}

/// Outcome of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CheckResult {
    /// `healthy`, `degraded` or `unhealthy` (never `unknown`).
    pub status: HealthStatus,
    /// Wall time of the probe, ms.
    #[ts(type = "number")]
    pub latency_ms: i64,
    /// One line for the tooltip and history ("HTTP 200 in 35 ms", "SMTP server refused the password").
    pub detail: String,
    /// Why it failed; `None` when healthy.
    pub error_kind: Option<CheckErrorKind>,
    /// When the check finished, unix ms.
    #[ts(type = "number")]
    pub checked_at: i64,
}

/// A probe's verdict before timing is added.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Health.
    pub status: HealthStatus,
    /// One-line detail.
    pub detail: String,
    /// Failure kind.
    pub error_kind: Option<CheckErrorKind>,
}

impl Verdict {
    /// A passed check.
    pub fn healthy(detail: impl Into<String>) -> Self {
        Self {
            status: HealthStatus::Healthy,
            detail: detail.into(),
            error_kind: None,
        }
    }

    /// Reachable, with a warning.
    pub fn degraded(detail: impl Into<String>) -> Self {
        Self {
            status: HealthStatus::Degraded,
            detail: detail.into(),
            error_kind: None,
        }
    }

    /// A failed check.
    pub fn failed(kind: CheckErrorKind, detail: impl Into<String>) -> Self {
        Self {
            status: HealthStatus::Unhealthy,
            detail: detail.into(),
            error_kind: Some(kind),
        }
    }
}

/// Everything a probe needs: settings and the secrets read from the keychain.
pub struct CheckTarget {
    /// Integration id.
    pub id: i64,
    /// Provider id.
    pub provider: String,
    /// Non-secret settings.
    pub config: Config,
    /// Secret settings.
    pub secrets: BTreeMap<String, SecretString>,
}

impl CheckTarget {
    /// A non-secret setting, or "" when unset.
    pub fn setting(&self, name: &str) -> &str {
        self.config.get(name).map_or("", String::as_str)
    }

    /// A secret's value, when set.
    pub fn secret(&self, name: &str) -> Option<&str> {
        self.secrets.get(name).map(|value| value.expose_secret())
    }
}

/// Shared HTTP client and limits for probes.
#[derive(Clone)]
pub struct CheckContext {
    /// Client with connect timeout, no redirects to other hosts, TLS info on.
    pub http: reqwest::Client,
    /// Limit for the whole probe.
    pub timeout: Duration,
    /// Limit for establishing a connection.
    pub connect_timeout: Duration,
    /// Largest response body read, bytes.
    pub max_body_bytes: usize,
}

/// Certificates expiring within this many days make a check `degraded`.
pub const CERT_WARNING_DAYS: i64 = 14;

impl CheckContext {
    /// A context with the given timeouts and a 1 MiB body limit.
    ///
    /// # Errors
    /// A message when the TLS backend cannot initialise (no usable root certificates).
    pub fn new(timeout: Duration, connect_timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .user_agent(concat!("Patchbay/", env!("CARGO_PKG_VERSION")))
            .tls_info(true)
            .build()
            .map_err(|error| error.to_string())?;
        Ok(Self {
            http,
            timeout,
            connect_timeout,
            max_body_bytes: 1024 * 1024,
        })
    }

    /// Default limits: 10 s total, 5 s to connect.
    ///
    /// # Errors
    /// As [`CheckContext::new`].
    pub fn with_defaults() -> Result<Self, String> {
        Self::new(Duration::from_secs(10), Duration::from_secs(5))
    }
}

/// A probe future.
pub type CheckFuture<'a> = Pin<Box<dyn Future<Output = Verdict> + Send + 'a>>;

/// Runs the provider's probe for `target` under the total timeout and stamps latency and time.
pub async fn run_check(target: &CheckTarget, context: &CheckContext) -> CheckResult {
    let started = Instant::now();
    let verdict = match crate::providers::get(&target.provider) {
        Err(error) => Verdict::failed(CheckErrorKind::Config, error.to_string()),
        Ok(provider) => {
            match tokio::time::timeout(context.timeout, provider.check(target, context)).await {
                Ok(verdict) => verdict,
                Err(_) => Verdict::failed(
                    CheckErrorKind::Timeout,
                    format!("no answer within {} s", context.timeout.as_secs_f32()),
                ),
            }
        }
    };
    CheckResult {
        status: verdict.status,
        latency_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        detail: verdict.detail,
        error_kind: verdict.error_kind,
        checked_at: now_ms(),
    }
}

/// A response read with a bounded body.
pub struct HttpReply {
    /// Status code.
    pub status: u16,
    /// `Retry-After` header, when present.
    pub retry_after: Option<String>,
    /// Body (at most `max_body_bytes`).
    pub body: Vec<u8>,
    /// Days until the server certificate expires (HTTPS only).
    pub cert_days_left: Option<i64>,
}

impl HttpReply {
    /// The body parsed as JSON.
    ///
    /// # Errors
    /// A `bad_response` verdict naming what was expected.
    pub fn json(&self, what: &str) -> Result<serde_json::Value, Verdict> {
        serde_json::from_slice(&self.body).map_err(|_| {
            Verdict::failed(
                CheckErrorKind::BadResponse,
                format!("expected JSON from {what}, got {}", preview(&self.body)),
            )
        })
    }

    /// The verdict for a healthy reply, turned `degraded` when the certificate expires soon.
    pub fn healthy(&self, detail: impl Into<String>) -> Verdict {
        let detail = detail.into();
        match self.cert_days_left {
            Some(days) if days < CERT_WARNING_DAYS => {
                Verdict::degraded(format!("{detail}; TLS certificate expires in {days} days"))
            }
            _ => Verdict::healthy(detail),
        }
    }

    /// The usual classification of an error status: 401/403 → auth, 429 → rate limited, else http_status.
    pub fn status_failure(&self, what: &str) -> Verdict {
        match self.status {
            401 | 403 => Verdict::failed(
                CheckErrorKind::Auth,
                format!("{what} refused the credentials (HTTP {})", self.status),
            ),
            429 => {
                let retry = self
                    .retry_after
                    .as_deref()
                    .map(|r| format!("; retry after {r} s"))
                    .unwrap_or_default();
                Verdict::failed(
                    CheckErrorKind::RateLimited,
                    format!("{what} is rate limiting requests (HTTP 429{retry})"),
                )
            }
            status => Verdict::failed(
                CheckErrorKind::HttpStatus,
                format!("{what} answered HTTP {status}"),
            ),
        }
    }
}

/// First 80 printable characters of a body, for details.
pub fn preview(body: &[u8]) -> String {
    let text: String = String::from_utf8_lossy(body)
        .chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect();
    if text.is_empty() {
        "an empty body".into()
    } else {
        format!("`{text}`")
    }
}

/// Sends `request` and reads at most `max_body_bytes` of the body.
///
/// # Errors
/// A classified failure verdict (dns, connect, timeout, tls, bad_response); the URL is never included.
pub async fn send(
    context: &CheckContext,
    request: reqwest::RequestBuilder,
) -> Result<HttpReply, Verdict> {
    let mut response = request
        .send()
        .await
        .map_err(|error| classify_reqwest(&error.without_url()))?;
    let cert_days_left = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .and_then(days_until_expiry);
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| classify_reqwest(&error.without_url()))?
    {
        if body.len() + chunk.len() > context.max_body_bytes {
            return Err(Verdict::failed(
                CheckErrorKind::BadResponse,
                format!(
                    "response body is larger than {} KiB",
                    context.max_body_bytes / 1024
                ),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(HttpReply {
        status,
        retry_after,
        body,
        cert_days_left,
    })
}

/// Whole days until the DER certificate's `notAfter` (negative when expired).
pub fn days_until_expiry(der: &[u8]) -> Option<i64> {
    let (_, certificate) = x509_parser::parse_x509_certificate(der).ok()?;
    let not_after = certificate.validity().not_after.timestamp();
    Some((not_after - now_ms() / 1000).div_euclid(86_400))
}

/// Classifies a transport error by walking its source chain. Pass `error.without_url()`: the URL may
/// hold a credential.
pub fn classify_reqwest(error: &reqwest::Error) -> Verdict {
    let chain = error_chain(error);
    let lower = chain.to_lowercase();
    if error.is_timeout() || lower.contains("timed out") {
        return Verdict::failed(CheckErrorKind::Timeout, "no answer within the timeout");
    }
    if lower.contains("dns error")
        || lower.contains("failed to lookup address")
        || lower.contains("name or service not known")
    {
        return Verdict::failed(CheckErrorKind::Dns, "the host name does not resolve");
    }
    // rustls reports handshake and certificate failures as I/O errors of kind InvalidData.
    let invalid_data = io_kinds(error).contains(&std::io::ErrorKind::InvalidData);
    let rustls_words = [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "fatal alert",
        "peer is incompatible",
    ];
    if invalid_data || rustls_words.iter().any(|word| lower.contains(word)) {
        return Verdict::failed(
            CheckErrorKind::Tls,
            format!("TLS failed: {}", last_cause(error)),
        );
    }
    if error.is_connect() {
        return Verdict::failed(
            CheckErrorKind::Connect,
            format!("cannot connect: {}", last_cause(error)),
        );
    }
    if error.is_body() || error.is_decode() {
        return Verdict::failed(
            CheckErrorKind::BadResponse,
            format!("the response broke off: {}", last_cause(error)),
        );
    }
    Verdict::failed(
        CheckErrorKind::Connect,
        format!("request failed: {}", last_cause(error)),
    )
}

fn io_kinds(error: &(dyn std::error::Error + 'static)) -> Vec<std::io::ErrorKind> {
    let mut kinds = Vec::new();
    let mut current = Some(error);
    while let Some(cause) = current {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            kinds.push(io.kind());
        }
        current = cause.source();
    }
    kinds
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(next) = source {
        parts.push(next.to_string());
        source = next.source();
    }
    parts.join(": ")
}

/// The innermost cause's message (no URL: reqwest puts the URL only in the outermost message).
fn last_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
