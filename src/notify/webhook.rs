//! Sending one webhook delivery: signed (Standard Webhooks 1.0), no
//! redirects, a time limit, and only to addresses deliveries may reach —
//! checked on the addresses actually connected to, so a name that
//! resolves to an intranet or metadata address later is still refused.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::settings::WebhookSettings;
use crate::domain::notice::webhook::{
    check_addresses, check_target, signature_header, Target, TargetError, WebhookSecret,
};

/// Why a delivery failed. The dispatcher decides by the variant, never by
/// the text, whether trying again can help; the text is the delivery log's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryFailure {
    /// The target may never be reached (a forbidden address): trying again
    /// will not help.
    #[error("target refused: {0}")]
    Refused(String),
    #[error("timed out: {0}")]
    TimedOut(String),
    /// No connection, or the exchange broke off.
    #[error("{0}")]
    Unanswered(String),
    /// The receiver answered with a status other than 2xx.
    #[error("the receiver answered {0}")]
    Answered(u16),
}

impl DeliveryFailure {
    /// Whether no later attempt can succeed.
    pub fn is_permanent(&self) -> bool {
        matches!(self, DeliveryFailure::Refused(_))
    }
}

/// How a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The receiver's status code (`None`: no answer).
    pub status: Option<u16>,
    pub latency_ms: i32,
    /// `None` when the receiver took it (a 2xx answer).
    pub failure: Option<DeliveryFailure>,
}

/// A resolver that refuses names resolving to forbidden addresses.
struct GuardedResolver {
    allowed: Arc<Vec<String>>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = Arc::clone(&self.allowed);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let addresses: Vec<IpAddr> = found.iter().map(SocketAddr::ip).collect();
            check_addresses(&allowed, &host, &addresses)?;
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// Sends deliveries; cheap to clone (one connection pool).
#[derive(Clone)]
pub struct WebhookClient {
    client: reqwest::Client,
    allow_http: bool,
    allowed: Arc<Vec<String>>,
}

impl std::fmt::Debug for WebhookClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookClient")
    }
}

impl WebhookClient {
    pub fn new(settings: &WebhookSettings) -> Result<Self, String> {
        let allowed = Arc::new(settings.allowed_hosts.clone());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A proxy from the environment would connect where the guard cannot see.
            .no_proxy()
            .timeout(Duration::from_secs(u64::from(settings.timeout_seconds)))
            .connect_timeout(Duration::from_secs(u64::from(settings.timeout_seconds)))
            .user_agent(concat!("spbe-desk/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver { allowed: Arc::clone(&allowed) }))
            .build()
            .map_err(|e| format!("webhook client: {e}"))?;
        Ok(Self { client, allow_http: settings.allow_http, allowed })
    }

    /// Checks a subscription URL as written (scheme, credentials, and a
    /// literal address); names are checked again when connecting.
    pub fn check_url(&self, raw: &str) -> Result<reqwest::Url, TargetError> {
        check_url(raw, self.allow_http, &self.allowed)
    }

    /// Checks a URL and resolves its name now, for a precise answer when a
    /// subscription is saved.
    pub async fn check_reachable(&self, raw: &str) -> Result<(), TargetError> {
        let url = self.check_url(raw)?;
        let Some(host) = url.host_str().map(str::to_owned) else { return Err(TargetError::Malformed) };
        let port = url.port_or_known_default().unwrap_or(443);
        // A name that does not resolve now may later; connecting checks it again.
        let lookup = tokio::net::lookup_host((host.trim_matches(['[', ']']), port));
        if let Ok(Ok(found)) = tokio::time::timeout(Duration::from_secs(2), lookup).await {
            let addresses: Vec<IpAddr> = found.map(|a| a.ip()).collect();
            check_addresses(&self.allowed, &host, &addresses)?;
        }
        Ok(())
    }

    /// Posts one delivery, signed with `secrets`. The `webhook-timestamp`
    /// is the wall clock's, whatever the service's clock says: receivers
    /// compare it with theirs to refuse replays.
    pub async fn deliver(&self, url: &str, id: &str, body: &str, secrets: &[&WebhookSecret]) -> Delivered {
        let started = Instant::now();
        let latency = |started: Instant| i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let url = match self.check_url(url) {
            Ok(url) => url,
            Err(e) => {
                let failure = Some(DeliveryFailure::Refused(e.to_string()));
                return Delivered { status: None, latency_ms: 0, failure };
            }
        };
        let timestamp = Utc::now().timestamp();
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature_header(secrets, id, timestamp, body))
            .body(body.to_owned())
            .send()
            .await;
        match response {
            Ok(mut response) => {
                let status = response.status().as_u16();
                // Read up to 64 KiB of the answer so a short one frees the
                // connection for reuse; a longer one is cut off.
                let mut read = 0;
                while let Ok(Some(chunk)) = response.chunk().await {
                    read += chunk.len();
                    if read > 64 * 1024 {
                        break;
                    }
                }
                let failure = (!(200..300).contains(&status)).then_some(DeliveryFailure::Answered(status));
                Delivered { status: Some(status), latency_ms: latency(started), failure }
            }
            Err(e) => {
                let chain = error_chain(&e);
                let failure = if e.is_timeout() {
                    DeliveryFailure::TimedOut(chain)
                } else if refused_by_guard(&e) {
                    // The name resolved to a forbidden address: retrying will not help.
                    DeliveryFailure::Refused(chain)
                } else {
                    DeliveryFailure::Unanswered(chain)
                };
                Delivered { status: None, latency_ms: latency(started), failure: Some(failure) }
            }
        }
    }
}

/// Whether the guarded resolver refused the name (a [`TargetError`] among
/// the causes), as opposed to a failure worth retrying.
fn refused_by_guard(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = Some(error);
    while let Some(cause) = source {
        if cause.downcast_ref::<TargetError>().is_some() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The error with its causes, for the delivery log.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Parses and checks a target URL.
pub fn check_url(raw: &str, allow_http: bool, allowed: &[String]) -> Result<reqwest::Url, TargetError> {
    if raw.len() > 2000 {
        return Err(TargetError::TooLong);
    }
    let url = reqwest::Url::parse(raw).map_err(|_| TargetError::Malformed)?;
    let host = url.host_str().unwrap_or_default();
    check_target(
        &Target { scheme: url.scheme(), host, has_credentials: !url.username().is_empty() || url.password().is_some() },
        allow_http,
    )?;
    if let Ok(address) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        check_addresses(allowed, host, &[address])?;
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> WebhookSettings {
        let mut settings = crate::notify::settings::NoticeSettings::default().webhooks;
        settings.allow_http = true;
        settings.timeout_seconds = 2;
        settings
    }

    #[tokio::test]
    async fn a_name_resolving_to_a_forbidden_address_is_refused_for_good() {
        let client = WebhookClient::new(&settings()).unwrap_or_else(|e| panic!("{e}"));
        let secret = WebhookSecret::from_bytes([1; 32]);
        // `localhost` passes the URL check (a name) and is refused on connecting.
        let delivered = client.deliver("http://localhost:9/hook", "msg_1", "{}", &[&secret]).await;
        assert!(matches!(delivered.failure, Some(DeliveryFailure::Refused(_))), "{delivered:?}");
    }

    #[tokio::test]
    async fn a_receiver_that_cannot_be_reached_is_worth_retrying() {
        let mut settings = settings();
        settings.allowed_hosts = vec!["127.0.0.1".into()];
        let client = WebhookClient::new(&settings).unwrap_or_else(|e| panic!("{e}"));
        let secret = WebhookSecret::from_bytes([1; 32]);
        // Nothing listens on the discard port here.
        let delivered = client.deliver("http://127.0.0.1:9/hook", "msg_1", "{}", &[&secret]).await;
        assert!(matches!(delivered.failure, Some(DeliveryFailure::Unanswered(_))), "{delivered:?}");
        assert_eq!(delivered.status, None);
    }
}
