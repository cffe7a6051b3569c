//! Webhook signatures: `X-Patchbay-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
//!
//! Used to sign n8n triggers and audit webhooks; receivers verify with [`verify`] (or
//! `patchbay webhook verify`). The timestamp binds the signature to a moment so a captured request can
//! only be replayed within the tolerance; the comparison is constant-time (`hmac`'s `verify_slice`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Patchbay-Signature";
/// Default accepted clock difference, seconds.
pub const DEFAULT_TOLERANCE_S: i64 = 300;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for HMAC.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The header value for `body` signed with `secret` at `timestamp` (unix seconds).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header is not `t=<unix>,v1=<hex>`.
    #[error("malformed signature header: {0}")]
    Malformed(String),
    /// The timestamp is outside the tolerance.
    #[error("signature timestamp is {age_s} s away from now (tolerance {tolerance_s} s)")]
    Expired {
        /// Seconds between the timestamp and now.
        age_s: i64,
        /// Accepted difference.
        tolerance_s: i64,
    },
    /// No `v1` value matches the body and secret.
    #[error("signature does not match the body")]
    Mismatch,
}

/// Parses `t=…,v1=…[,v1=…]` (several `v1` values allow secret rotation).
///
/// # Errors
/// [`SignatureError::Malformed`] naming what is missing or wrong.
pub fn parse(header: &str) -> Result<(i64, Vec<Vec<u8>>), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let (key, value) = part.trim().split_once('=').ok_or_else(|| {
            SignatureError::Malformed(format!("`{}` is not key=value", part.trim()))
        })?;
        match key {
            "t" => {
                timestamp =
                    Some(value.parse::<i64>().map_err(|_| {
                        SignatureError::Malformed("t is not a unix timestamp".into())
                    })?)
            }
            "v1" => signatures.push(
                hex::decode(value)
                    .map_err(|_| SignatureError::Malformed("v1 is not hex".into()))?,
            ),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| SignatureError::Malformed("no t=".into()))?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed("no v1=".into()));
    }
    Ok((timestamp, signatures))
}

/// Checks `header` against `body` and `secret` at `now` (unix seconds), in constant time.
///
/// # Errors
/// [`SignatureError`] saying why the signature is refused.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now: i64,
    tolerance_s: i64,
) -> Result<(), SignatureError> {
    let (timestamp, signatures) = parse(header)?;
    let age_s = (now - timestamp).abs();
    if age_s > tolerance_s {
        return Err(SignatureError::Expired { age_s, tolerance_s });
    }
    if signatures
        .iter()
        .any(|signature| mac(secret, timestamp, body).verify_slice(signature).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn signed_body_verifies_and_tampering_is_refused() {
        let header = sign(b"s3cret", 1_700_000_000, b"{\"a\":1}");
        assert!(header.starts_with("t=1700000000,v1="));
        assert_eq!(
            verify(b"s3cret", &header, b"{\"a\":1}", 1_700_000_010, 300),
            Ok(())
        );
        assert_eq!(
            verify(b"s3cret", &header, b"{\"a\":2}", 1_700_000_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", &header, b"{\"a\":1}", 1_700_000_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert!(matches!(
            verify(b"s3cret", &header, b"{\"a\":1}", 1_700_001_000, 300),
            Err(SignatureError::Expired { age_s: 1000, .. })
        ));
    }

    #[test]
    fn known_vector_matches_an_independent_hmac() {
        // HMAC-SHA256(key="key", "1.body"), computed with Python's hmac module.
        assert_eq!(
            sign(b"key", 1, b"body"),
            "t=1,v1=91b5374b153842ad05b2c4eab9349b8321b14703165bd3fb8b034dfb8be98ae5"
        );
    }

    #[test]
    fn rotated_secrets_are_accepted_through_a_second_v1() {
        let old = sign(b"old", 5, b"x");
        let new = sign(b"new", 5, b"x");
        let both = format!("{old},v1={}", new.split("v1=").nth(1).unwrap());
        assert_eq!(verify(b"new", &both, b"x", 5, 300), Ok(()));
    }

    proptest! {
        #[test]
        fn parser_never_panics(header in "\\PC{0,80}") {
            let _ = verify(b"k", &header, b"body", 0, 300);
        }
    }
}
