//! Field-level validation shared by every provider, driven by each field's [`FieldKind`].
//!
//! Validation happens at the boundary, before anything is written: a value that fails returns
//! [`Error::Validation`] naming the field, and secret values are never echoed in messages.

use std::collections::BTreeMap;

use super::{FieldKind, FieldSpec, ProviderSpec};
use crate::{Error, Result};

/// Non-secret configuration values by field name.
pub type Config = BTreeMap<String, String>;

/// Longest accepted non-secret value, in characters.
pub const MAX_VALUE_CHARS: usize = 2048;
/// Longest accepted `headers` value, in characters.
pub const MAX_HEADERS_CHARS: usize = 8192;
/// Longest accepted secret, in bytes (SPEC: up to 16 KB, split across keychain entries when needed).
pub const MAX_SECRET_BYTES: usize = 16 * 1024;

/// Checks user-given non-secret values against `spec`, applies defaults and trims whitespace.
/// Empty optional values are dropped.
///
/// # Errors
/// [`Error::Validation`] for an unknown field, a secret passed as a plain value, a missing required
/// field, or a value of the wrong shape.
pub fn normalize_config(spec: &ProviderSpec, input: &Config) -> Result<Config> {
    for name in input.keys() {
        match spec.field(name) {
            None => {
                let known: Vec<_> = spec.fields.iter().map(|f| f.name).collect();
                return Err(Error::validation(
                    name.as_str(),
                    format!(
                        "is not a field of {}; expected one of: {}",
                        spec.id,
                        known.join(", ")
                    ),
                ));
            }
            Some(field) if field.secret => {
                return Err(Error::validation(
                    name.as_str(),
                    "is a secret field: pass it as a secret (CLI: --secret), not as a plain value",
                ));
            }
            Some(_) => {}
        }
    }
    let mut config = Config::new();
    for field in spec.fields.iter().filter(|field| !field.secret) {
        let given = input.get(field.name).map(|value| clean(field, value));
        let value = match given {
            Some(value) if !value.is_empty() => value,
            _ => field.default.unwrap_or_default().to_owned(),
        };
        if value.is_empty() {
            if field.required {
                return Err(Error::validation(field.name, "is required"));
            }
            continue;
        }
        check_value(field, &value).map_err(|message| Error::validation(field.name, message))?;
        config.insert(field.name.to_owned(), value);
    }
    Ok(config)
}

/// Checks one secret value. Messages never include the value.
///
/// # Errors
/// [`Error::Validation`] when the value is empty, longer than [`MAX_SECRET_BYTES`], contains control
/// characters, (for URL-typed secrets) is not an http(s) URL, or (for header-typed secrets) is not one
/// `Name: value` header.
pub fn check_secret(field: &FieldSpec, value: &str) -> Result<()> {
    let fail = |message: String| Err(Error::validation(field.name, message));
    if value.is_empty() {
        return fail("is empty".into());
    }
    if value.len() > MAX_SECRET_BYTES {
        return fail(format!(
            "is {} bytes; the keychain holds at most {MAX_SECRET_BYTES} bytes per secret",
            value.len()
        ));
    }
    if value.chars().any(char::is_control) {
        return fail("contains control characters (a pasted line break?)".into());
    }
    if field.kind == FieldKind::Url {
        check_url(value).map_err(|_| {
            Error::validation(
                field.name,
                "is not a valid absolute http:// or https:// URL",
            )
        })?;
    }
    if field.kind == FieldKind::Headers && check_header_lines(value).is_err() {
        return fail("must be one `Name: value` header, e.g. `Authorization: Bearer …`".into());
    }
    Ok(())
}

fn clean(field: &FieldSpec, value: &str) -> String {
    if field.kind == FieldKind::Headers {
        value
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        value.trim().to_owned()
    }
}

/// Checks one non-secret value against its field kind; returns the message on failure.
fn check_value(field: &FieldSpec, value: &str) -> Result<(), String> {
    let limit = if field.kind == FieldKind::Headers {
        MAX_HEADERS_CHARS
    } else {
        MAX_VALUE_CHARS
    };
    if value.chars().count() > limit {
        return Err(format!("is longer than {limit} characters"));
    }
    let multiline = field.kind == FieldKind::Headers;
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && c == '\n'))
    {
        return Err("contains control characters".into());
    }
    match &field.kind {
        FieldKind::Text => Ok(()),
        FieldKind::Host => check_host(value),
        FieldKind::Url => check_url(value).and_then(|url| check_no_credentials(&url)),
        FieldKind::Port => match value.parse::<u32>() {
            Ok(port) if (1..=65535).contains(&port) => Ok(()),
            _ => Err(format!(
                "must be a port number from 1 to 65535, got `{value}`"
            )),
        },
        FieldKind::Choice { options } => {
            if options.contains(&value) {
                Ok(())
            } else {
                Err(format!(
                    "must be one of: {}; got `{value}`",
                    options.join(", ")
                ))
            }
        }
        FieldKind::Email => value
            .parse::<lettre::Address>()
            .map(|_| ())
            .map_err(|_| format!("`{value}` is not a valid e-mail address")),
        FieldKind::Headers => check_header_lines(value)
            .and_then(|()| value.lines().try_for_each(check_not_credential)),
        FieldKind::StatusRange => parse_status_ranges(value).map(|_| ()),
    }
}

fn check_host(value: &str) -> Result<(), String> {
    if value.contains("://") || value.contains('/') {
        return Err(format!(
            "must be a host name without scheme or path, e.g. smtp.example.com; got `{value}`"
        ));
    }
    match url::Host::parse(value) {
        Ok(_) if !value.contains(' ') => Ok(()),
        _ => Err(format!("`{value}` is not a valid host name or IP address")),
    }
}

/// Parses an absolute http(s) URL with a host.
///
/// # Errors
/// A message naming what is wrong (the value is included, so callers pass only non-secret values
/// through to users).
pub fn check_url(value: &str) -> Result<url::Url, String> {
    // A URL may carry a password (`user:pass@`): messages show it redacted.
    let shown = crate::redact::redact(value);
    let url = url::Url::parse(value)
        .map_err(|error| format!("`{shown}` is not a valid URL ({error})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "must start with http:// or https://; got `{shown}`"
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{shown}` has no host"));
    }
    Ok(url)
}

/// Refuses a URL that carries credentials (`https://user:password@host`): a non-secret URL is stored
/// in SQLite and shown in the UI, so a password in it would leak.
///
/// # Errors
/// A message that names the problem without repeating the credentials.
pub fn check_no_credentials(url: &url::Url) -> Result<(), String> {
    if url.username().is_empty() && url.password().is_none() {
        return Ok(());
    }
    Err("must not carry a user name or password (`user:password@`): put credentials in the secret fields, which live in the OS keychain".into())
}

/// Refuses a plain (stored unencrypted) header whose name says it carries a credential:
/// `Authorization`, `Cookie`, and names containing `auth`, `token`, `secret`, `password`, `session` or
/// `api-key`/`apikey`/`api_key`. The message names the header, never its value.
fn check_not_credential(line: &str) -> Result<(), String> {
    let name = line.split_once(':').map_or(line, |(name, _)| name).trim();
    let lower = name.to_ascii_lowercase();
    let credential = lower == "cookie"
        || [
            "auth", "token", "secret", "password", "session", "api-key", "apikey", "api_key",
        ]
        .iter()
        .any(|word| lower.contains(word));
    if credential {
        return Err(format!(
            "`{name}` carries a credential, and these headers are stored unencrypted: put it under Secret header, which is kept in the OS keychain"
        ));
    }
    Ok(())
}

/// Checks a block of plain `Name: value` header lines as a form or the CLI gives it (a webhook endpoint's
/// extra headers): at most [`MAX_HEADERS_CHARS`] characters, no control characters but line breaks, and
/// each non-blank line a header ([`check_header_lines`]).
///
/// # Errors
/// A message naming the problem, never a line's text.
pub fn check_headers_text(value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_HEADERS_CHARS {
        return Err(format!("is longer than {MAX_HEADERS_CHARS} characters"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err("contains control characters".into());
    }
    check_header_lines(value)
}

/// Checks that every non-blank line is `Name: value` with a valid header name (RFC 9110 token characters).
/// A message gives the line's number, never its text: a malformed line is often a token pasted without its
/// header name (`Bearer eyJ…`), and these messages are shown and logged.
///
/// # Errors
/// A message naming the first bad line by its number (blank lines counted).
pub fn check_header_lines(value: &str) -> Result<(), String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    for (index, line) in value.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let number = index + 1;
        let Some((name, _value)) = line.split_once(':') else {
            return Err(format!("line {number} is not `Name: value`: it has no `:`"));
        };
        if name.trim().is_empty() || !name.trim().chars().all(token) {
            return Err(format!(
                "line {number}: a header name may hold only letters, digits and !#$%&'*+-.^_`|~, with no spaces"
            ));
        }
    }
    Ok(())
}

/// Parses `200`, `200-299`, or a comma-separated list of those into inclusive ranges.
///
/// # Errors
/// A message naming the bad part; codes must be 100–599 and ranges ascending.
pub fn parse_status_ranges(value: &str) -> Result<Vec<(u16, u16)>, String> {
    let code = |part: &str| match part.trim().parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Ok(code),
        _ => Err(format!(
            "`{}` is not an HTTP status code (100-599)",
            part.trim()
        )),
    };
    value
        .split(',')
        .map(|part| match part.split_once('-') {
            Some((low, high)) => {
                let (low, high) = (code(low)?, code(high)?);
                if low > high {
                    return Err(format!("range `{}` goes backwards", part.trim()));
                }
                Ok((low, high))
            }
            None => code(part).map(|single| (single, single)),
        })
        .collect()
}
