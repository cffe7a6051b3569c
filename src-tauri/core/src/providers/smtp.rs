//! SMTP server (sending mail). Fields follow SPEC §6; the health check (issue 3) logs in with lettre.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};

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

    fn validate(&self, config: &super::validate::Config, secrets_set: &[&str]) -> crate::Result<()> {
        let has_user = config.get("username").is_some_and(|user| !user.is_empty());
        if secrets_set.contains(&"password") && !has_user {
            return Err(crate::Error::validation("username", "is required when a password is set"));
        }
        Ok(())
    }
}
