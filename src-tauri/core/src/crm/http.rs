//! The CRM clients' HTTP layer: a rate limiter per client (governor), bounded retries with exponential
//! backoff that honour `Retry-After`, and classified failures.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::health::{self, CheckContext, CheckErrorKind, HttpReply, Verdict};

/// Attempts per request before giving up on a retryable failure.
pub const MAX_ATTEMPTS: u32 = 5;

/// A rate-limited, retrying sender.
pub struct Limited {
    limiter: DefaultDirectRateLimiter,
    /// Base delay of the exponential backoff.
    pub backoff_base: Duration,
}

impl Limited {
    /// One request per `period` on average, bursts up to `burst` requests.
    pub fn new(period: Duration, burst: u32) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Self {
            limiter: RateLimiter::direct(quota),
            backoff_base: Duration::from_millis(500),
        }
    }

    /// Sends the request built by `build` within the rate limit; retries timeouts, connection failures
    /// and the answers `retryable` accepts (429/503 …) up to [`MAX_ATTEMPTS`] times, waiting `Retry-After`
    /// seconds when given (at most 60) or an exponential backoff.
    ///
    /// # Errors
    /// The classified failure of the last attempt.
    pub async fn send(
        &self,
        context: &CheckContext,
        build: impl Fn() -> reqwest::RequestBuilder,
        retryable: impl Fn(&HttpReply) -> bool,
    ) -> Result<HttpReply, Verdict> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            self.limiter.until_ready().await;
            let outcome = health::send(context, build()).await;
            let wait = match &outcome {
                Ok(reply) if retryable(reply) => reply
                    .retry_after
                    .as_deref()
                    .and_then(|value| value.trim().parse::<u64>().ok())
                    .map(|seconds| Duration::from_secs(seconds.min(60))),
                Ok(_) => return outcome,
                Err(verdict)
                    if matches!(
                        verdict.error_kind,
                        Some(CheckErrorKind::Timeout | CheckErrorKind::Connect)
                    ) =>
                {
                    None
                }
                Err(_) => return outcome,
            };
            if attempt >= MAX_ATTEMPTS {
                return outcome;
            }
            let backoff = self.backoff_base * 2u32.saturating_pow(attempt - 1);
            tokio::time::sleep(wait.unwrap_or(backoff)).await;
        }
    }
}
