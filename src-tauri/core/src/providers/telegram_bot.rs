//! Telegram bot, checked with `getMe` (Bot API, <https://core.telegram.org/bots/api#getme>). The token is
//! part of the request path, so transport errors are reported without the URL.

use super::{FieldKind, FieldSpec, Provider, ProviderSpec};
use crate::health::{self, CheckContext, CheckErrorKind, CheckFuture, CheckTarget, Verdict};

/// A Telegram bot.
pub struct TelegramBot;

impl Provider for TelegramBot {
    fn spec(&self) -> ProviderSpec {
        ProviderSpec {
            id: "telegram_bot",
            label: "Telegram bot",
            description: "A bot that sends alerts or talks to customers.",
            setup_steps: vec![
                "Open @BotFather in Telegram and send /newbot (or /token for an existing bot).",
                "Copy the token it returns, e.g. 123456789:AAE…; anyone with it controls the bot.",
                "Leave Base URL at the default unless you run a local Bot API server.",
            ],
            fields: vec![
                FieldSpec {
                    name: "token",
                    label: "Bot token",
                    kind: FieldKind::Text,
                    required: true,
                    secret: true,
                    default: None,
                    placeholder: Some("123456789:AA…"),
                    help: "Token from @BotFather. Stored in the OS keychain.",
                },
                FieldSpec {
                    name: "base_url",
                    label: "Base URL",
                    kind: FieldKind::Url,
                    required: true,
                    secret: false,
                    default: Some("https://api.telegram.org"),
                    placeholder: None,
                    help: "Bot API server (default https://api.telegram.org).",
                },
            ],
        }
    }

    fn validate_secret(&self, field: &str, value: &str) -> Result<(), String> {
        let shaped = value.split_once(':').is_some_and(|(id, key)| {
            !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) && key.len() >= 20
        });
        if field == "token" && !shaped {
            return Err(
                "does not look like a bot token (digits, a colon, then at least 20 characters)"
                    .into(),
            );
        }
        Ok(())
    }

    fn check<'a>(&'a self, target: &'a CheckTarget, context: &'a CheckContext) -> CheckFuture<'a> {
        Box::pin(probe(target, context))
    }
}

async fn probe(target: &CheckTarget, context: &CheckContext) -> Verdict {
    let Some(token) = target.secret("token") else {
        return Verdict::failed(
            CheckErrorKind::Config,
            "no bot token is stored for this integration",
        );
    };
    let url = format!(
        "{}/bot{token}/getMe",
        target.setting("base_url").trim_end_matches('/')
    );
    let reply = match health::send(context, context.http.get(url)).await {
        Ok(reply) => reply,
        Err(verdict) => return verdict,
    };
    // The Bot API answers 401 for a revoked token and 404 for a malformed one.
    if matches!(reply.status, 401 | 404) {
        return Verdict::failed(
            CheckErrorKind::Auth,
            format!("Telegram refused the bot token (HTTP {})", reply.status),
        );
    }
    if reply.status != 200 {
        return reply.status_failure("Telegram");
    }
    let body = match reply.json("Telegram getMe") {
        Ok(body) => body,
        Err(verdict) => return verdict,
    };
    match body
        .get("result")
        .and_then(|r| r.get("username"))
        .and_then(|u| u.as_str())
    {
        Some(username) if body.get("ok").and_then(serde_json::Value::as_bool) == Some(true) => {
            reply.healthy(format!("bot @{username}"))
        }
        _ => Verdict::failed(
            CheckErrorKind::BadResponse,
            format!("unexpected getMe answer: {}", health::preview(&reply.body)),
        ),
    }
}
