//! PostgreSQL, checked by connecting and running `SELECT 1` (tokio-postgres; TLS through rustls with the
//! Mozilla root store). `sslmode` follows libpq: `disable`, `prefer` (TLS when the server offers it),
//! `require` (TLS or fail).

use std::sync::Arc;

use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};
use crate::health::{CheckContext, CheckErrorKind, CheckFuture, CheckTarget, Verdict};

/// A PostgreSQL server.
pub struct Postgres;

impl Provider for Postgres {
    fn spec(&self) -> ProviderSpec {
        ProviderSpec {
            id: "postgres",
            label: "PostgreSQL",
            description: "Database server, checked by logging in and running SELECT 1.",
            setup_steps: vec![
                "Use a read-only role for monitoring: CREATE ROLE patchbay LOGIN PASSWORD '…'; GRANT CONNECT ON DATABASE app TO patchbay;",
                "The server must accept connections from this computer (listen_addresses and pg_hba.conf).",
                "sslmode `require` refuses servers without TLS; `prefer` uses TLS when offered. Unlike libpq, Patchbay always verifies the server certificate against the public root store (libpq's verify-full).",
            ],
            fields: vec![
                FieldSpec { name: "host", label: "Host", kind: FieldKind::Host, required: true, secret: false, default: None, placeholder: Some("db.example.com"), help: "Server host name or IP address." },
                FieldSpec { name: "port", label: "Port", kind: FieldKind::Port, required: true, secret: false, default: Some("5432"), placeholder: Some("5432"), help: "Usually 5432." },
                FieldSpec { name: "database", label: "Database", kind: FieldKind::Text, required: true, secret: false, default: Some("postgres"), placeholder: None, help: "Database to connect to." },
                FieldSpec { name: "username", label: "User", kind: FieldKind::Text, required: true, secret: false, default: None, placeholder: Some("patchbay"), help: "Login role." },
                FieldSpec { name: "password", label: "Password", kind: FieldKind::Text, required: false, secret: true, default: None, placeholder: None, help: "Role password. Stored in the OS keychain." },
                FieldSpec { name: "sslmode", label: "SSL mode", kind: FieldKind::Choice { options: vec!["prefer", "require", "disable"] }, required: true, secret: false, default: Some("prefer"), placeholder: None, help: "Whether the connection uses TLS." },
            ],
        }
    }

    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a> {
        Box::pin(probe(target, context))
    }
}

async fn probe(target: &CheckTarget, context: &CheckContext) -> Verdict {
    let mut config = tokio_postgres::Config::new();
    config
        .host(target.setting("host"))
        .port(target.setting("port").parse().unwrap_or(5432))
        .dbname(target.setting("database"))
        .user(target.setting("username"))
        .connect_timeout(context.connect_timeout)
        .application_name("patchbay-health-check")
        .ssl_mode(match target.setting("sslmode") {
            "disable" => SslMode::Disable,
            "require" => SslMode::Require,
            _ => SslMode::Prefer,
        });
    if let Some(password) = target.secret("password") {
        config.password(password);
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls_config = match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(builder) => builder.with_root_certificates(roots).with_no_client_auth(),
        Err(error) => {
            return Verdict::failed(CheckErrorKind::Tls, format!("TLS setup failed: {error}"))
        }
    };
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config);
    let (client, connection) = match config.connect(tls).await {
        Ok(pair) => pair,
        Err(error) => return classify(&error),
    };
    let driver = tokio::spawn(connection);
    let verdict = match client.simple_query("SELECT 1").await {
        Ok(_) => Verdict::healthy(format!(
            "logged in as {} to {}",
            target.setting("username"),
            target.setting("database")
        )),
        Err(error) => classify(&error),
    };
    drop(client);
    driver.abort();
    verdict
}

/// Maps a driver error: SQLSTATE 28P01/28000 → auth, 3D000 (no such database) → config, then transport.
fn classify(error: &tokio_postgres::Error) -> Verdict {
    if let Some(code) = error.code() {
        let message = error
            .as_db_error()
            .map(|db| db.message().to_owned())
            .unwrap_or_else(|| error.to_string());
        return if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            Verdict::failed(
                CheckErrorKind::Auth,
                format!("PostgreSQL refused the login: {message}"),
            )
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            Verdict::failed(CheckErrorKind::Config, format!("PostgreSQL: {message}"))
        } else if *code == SqlState::TOO_MANY_CONNECTIONS {
            Verdict::failed(
                CheckErrorKind::RateLimited,
                format!("PostgreSQL: {message}"),
            )
        } else {
            Verdict::failed(
                CheckErrorKind::BadResponse,
                format!("PostgreSQL error {}: {message}", code.code()),
            )
        };
    }
    let mut chain = error.to_string();
    let mut io_kind = None;
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    let lower = chain.to_lowercase();
    if lower.contains("timed out") || matches!(io_kind, Some(std::io::ErrorKind::TimedOut)) {
        Verdict::failed(
            CheckErrorKind::Timeout,
            "PostgreSQL did not answer within the timeout",
        )
    } else if lower.contains("tls") || lower.contains("certificate") || lower.contains("ssl") {
        Verdict::failed(CheckErrorKind::Tls, format!("TLS failed: {chain}"))
    } else if lower.contains("failed to lookup") || lower.contains("name or service not known") {
        Verdict::failed(
            CheckErrorKind::Dns,
            "the PostgreSQL host name does not resolve",
        )
    } else if matches!(
        io_kind,
        Some(std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::ConnectionReset)
    ) {
        Verdict::failed(CheckErrorKind::Connect, format!("cannot connect: {chain}"))
    } else {
        Verdict::failed(
            CheckErrorKind::Connect,
            format!("PostgreSQL connection failed: {chain}"),
        )
    }
}
