//! SMTP server (sending mail). Fields follow SPEC §6; the health check (issue 3) logs in with lettre.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};
use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use crate::health::{CheckContext, CheckErrorKind, CheckFuture, CheckTarget, Verdict};

/// An SMTP submission server.
pub struct Smtp;

impl Provider for Smtp {
    fn spec(&self) -> ProviderSpec {
        ProviderSpec {
            id: "smtp",
            label: "SMTP server",
            description: "Outgoing mail server used for notifications and test sends.",
            setup_steps: vec![
                "Ask your mail provider for the SMTP host and port (587 with STARTTLS is the usual choice; 465 is implicit TLS).",
                "Use an app password where the provider offers one (Gmail, Outlook, Yandex) instead of your login password.",
                "The From address must be one the server lets this user send as.",
            ],
            fields: vec![
                FieldSpec { name: "host", label: "Host", kind: FieldKind::Host, required: true, secret: false, default: None, placeholder: Some("smtp.example.com"), help: "SMTP server host name or IP address." },
                FieldSpec { name: "port", label: "Port", kind: FieldKind::Port, required: true, secret: false, default: Some("587"), placeholder: Some("587"), help: "587 for STARTTLS, 465 for implicit TLS, 25 for plain relay." },
                FieldSpec { name: "tls", label: "TLS", kind: FieldKind::Choice { options: vec!["starttls", "implicit", "none"] }, required: true, secret: false, default: Some("starttls"), placeholder: None, help: "How the connection is encrypted. `none` sends the password in clear text: only for local relays." },
                FieldSpec { name: "username", label: "Username", kind: FieldKind::Text, required: false, secret: false, default: None, placeholder: Some("ops@example.com"), help: "Login for SMTP AUTH; leave empty for a relay without authentication." },
                FieldSpec { name: "password", label: "Password", kind: FieldKind::Text, required: false, secret: true, default: None, placeholder: None, help: "SMTP password or app password. Stored in the OS keychain." },
                FieldSpec { name: "from_address", label: "From address", kind: FieldKind::Email, required: false, secret: false, default: None, placeholder: Some("noreply@example.com"), help: "Sender address used for test emails." },
            ],
        }
    }

    fn validate(
        &self,
        config: &super::validate::Config,
        secrets_set: &[&str],
    ) -> crate::Result<()> {
        let has_user = config.get("username").is_some_and(|user| !user.is_empty());
        if secrets_set.contains(&"password") && !has_user {
            return Err(crate::Error::validation(
                "username",
                "is required when a password is set",
            ));
        }
        Ok(())
    }

    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a> {
        Box::pin(probe(target, context))
    }
}

/// The SMTP transport for an integration's settings: host, port, TLS mode and credentials, with
/// `timeout` on every network operation.
///
/// # Errors
/// A `tls` verdict when the TLS parameters cannot be built.
pub fn transport(
    target: &CheckTarget,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, Verdict> {
    let host = target.setting("host");
    let port: u16 = target.setting("port").parse().unwrap_or(587);
    let tls = TlsParameters::new(host.to_owned()).map_err(|error| {
        Verdict::failed(CheckErrorKind::Tls, format!("TLS setup failed: {error}"))
    })?;
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(timeout))
        .tls(match target.setting("tls") {
            "implicit" => Tls::Wrapper(tls),
            "none" => Tls::None,
            _ => Tls::Required(tls),
        });
    if let Some(password) = target.secret("password") {
        builder = builder.credentials(Credentials::new(
            target.setting("username").to_owned(),
            password.to_owned(),
        ));
    }
    Ok(builder.build())
}

/// Connects, says EHLO, starts TLS as configured and logs in (lettre's `test_connection`).
async fn probe(target: &CheckTarget, context: &CheckContext) -> Verdict {
    let username = target.setting("username");
    let transport = match transport(target, context.timeout.min(Duration::from_secs(30))) {
        Ok(transport) => transport,
        Err(verdict) => return verdict,
    };
    match transport.test_connection().await {
        Ok(true) => {
            let detail = if username.is_empty() {
                "SMTP server accepts connections".to_owned()
            } else {
                format!("logged in as {username}")
            };
            let port: u16 = target.setting("port").parse().unwrap_or(587);
            let implicit = target.setting("tls") == "implicit";
            if target.setting("tls") == "none" {
                return Verdict::healthy(detail);
            }
            match certificate_days_left(
                target.setting("host"),
                port,
                implicit,
                context.connect_timeout,
            )
            .await
            {
                Some(days) if days < crate::health::CERT_WARNING_DAYS => {
                    Verdict::degraded(format!("{detail}; TLS certificate expires in {days} days"))
                }
                _ => Verdict::healthy(detail),
            }
        }
        Ok(false) => Verdict::failed(
            CheckErrorKind::BadResponse,
            "the SMTP server did not accept NOOP",
        ),
        Err(error) => classify(&error, username),
    }
}

/// Classifies a lettre error. A silent server surfaces as an I/O error of kind `WouldBlock`/`TimedOut`
/// (lettre's `is_timeout()` is false then), so the I/O kind decides.
pub fn classify(error: &lettre::transport::smtp::Error, username: &str) -> Verdict {
    let mut io_kind = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    let mut chain = error.to_string();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            io_kind = Some(io.kind());
        }
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    let lower = chain.to_lowercase();
    use std::io::ErrorKind as Io;
    if error.is_timeout() || matches!(io_kind, Some(Io::WouldBlock | Io::TimedOut)) {
        return Verdict::failed(
            CheckErrorKind::Timeout,
            "the SMTP server did not answer within the timeout",
        );
    }
    if error.is_tls() || lower.contains("certificate") || lower.contains("tls") {
        return Verdict::failed(CheckErrorKind::Tls, format!("TLS failed: {chain}"));
    }
    if let Some(code) = error.status() {
        let code = code.to_string();
        if matches!(code.as_str(), "535" | "534" | "530" | "454") {
            return Verdict::failed(
                CheckErrorKind::Auth,
                format!("the SMTP server refused the password for `{username}` ({code})"),
            );
        }
        return Verdict::failed(
            CheckErrorKind::BadResponse,
            format!("the SMTP server answered {code}: {chain}"),
        );
    }
    if lower.contains("lookup")
        || lower.contains("name or service not known")
        || lower.contains("resolve")
    {
        return Verdict::failed(CheckErrorKind::Dns, "the SMTP host name does not resolve");
    }
    if lower.contains("authentication") || lower.contains("mechanism") {
        return Verdict::failed(CheckErrorKind::Auth, format!("login failed: {chain}"));
    }
    if matches!(
        io_kind,
        Some(
            Io::ConnectionRefused
                | Io::ConnectionReset
                | Io::ConnectionAborted
                | Io::NotConnected
                | Io::UnexpectedEof
                | Io::BrokenPipe
        )
    ) {
        return Verdict::failed(CheckErrorKind::Connect, format!("cannot connect: {chain}"));
    }
    Verdict::failed(CheckErrorKind::Connect, format!("SMTP failed: {chain}"))
}

/// Accepts any certificate: used only to read the expiry date after lettre has already verified the
/// server on its own connection.
#[derive(Debug)]
struct ReadOnly(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for ReadOnly {
    fn verify_server_cert(
        &self,
        _: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// Reads lines until the final line of an SMTP reply (`NNN ` with a space); returns its code.
async fn smtp_reply(stream: &mut tokio::io::BufReader<tokio::net::TcpStream>) -> Option<u16> {
    use tokio::io::AsyncBufReadExt;
    for _ in 0..50 {
        let mut line = String::new();
        if stream.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        if line.as_bytes().get(3) == Some(&b' ') {
            return line.get(..3)?.parse().ok();
        }
    }
    None
}

/// Days until the SMTP server's certificate expires, read over implicit TLS or after `STARTTLS`;
/// `None` when it cannot be read within `timeout` per step.
pub async fn certificate_days_left(
    host: &str,
    port: u16,
    implicit: bool,
    timeout: Duration,
) -> Option<i64> {
    use tokio::io::AsyncWriteExt;
    let step = |future| tokio::time::timeout(timeout, future);
    let tcp = step(tokio::net::TcpStream::connect((host, port)))
        .await
        .ok()?
        .ok()?;
    let tcp = if implicit {
        tcp
    } else {
        let mut reader = tokio::io::BufReader::new(tcp);
        if tokio::time::timeout(timeout, smtp_reply(&mut reader))
            .await
            .ok()??
            != 220
        {
            return None;
        }
        reader
            .get_mut()
            .write_all(b"EHLO patchbay.localhost\r\n")
            .await
            .ok()?;
        tokio::time::timeout(timeout, smtp_reply(&mut reader))
            .await
            .ok()??;
        reader.get_mut().write_all(b"STARTTLS\r\n").await.ok()?;
        if tokio::time::timeout(timeout, smtp_reply(&mut reader))
            .await
            .ok()??
            != 220
        {
            return None;
        }
        reader.into_inner()
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(ReadOnly(provider)))
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned()).ok()?;
    let tls = tokio::time::timeout(
        timeout,
        tokio_rustls::TlsConnector::from(Arc::new(config)).connect(name, tcp),
    )
    .await
    .ok()?
    .ok()?;
    let der = tls.get_ref().1.peer_certificates()?.first()?.clone();
    crate::health::days_until_expiry(&der)
}
