//! Standard Webhooks 1.0: secrets (`whsec_` + base64 of the key bytes),
//! signatures (`v1,` + base64 HMAC-SHA256 over `id.timestamp.body`), and
//! which targets a delivery may reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

const SECRET_PREFIX: &str = "whsec_";

/// A signing secret, shown once to the subscriber.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    /// A new secret from 32 random bytes (the caller draws them).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes.to_vec())
    }

    /// Reads the `whsec_…` form back.
    pub fn parse(text: &str) -> Result<Self, String> {
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or("a webhook secret starts with whsec_")?;
        let bytes = STANDARD.decode(encoded).map_err(|e| format!("webhook secret: {e}"))?;
        if bytes.len() < 24 {
            return Err("a webhook secret has at least 24 bytes".to_owned());
        }
        Ok(Self(bytes))
    }

    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// `v1,<base64 HMAC-SHA256(id.timestamp.body)>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        // HMAC accepts keys of any length; this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body.as_bytes());
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: one signature per valid secret
/// (space-separated), so a receiver rotating its secret accepts either.
pub fn signature_header(secrets: &[&WebhookSecret], id: &str, timestamp: i64, body: &str) -> String {
    secrets.iter().map(|secret| secret.sign(id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TargetError {
    #[error("must be an absolute http(s) URL")]
    Malformed,
    #[error("must use https")]
    NotHttps,
    #[error("must not carry credentials")]
    Credentials,
    // The address itself is not told: a subscriber must not map the intranet.
    #[error("resolves to a {1} address, which deliveries may not reach (an operator may allow it in notices.webhooks.allowed_hosts)")]
    Forbidden(IpAddr, &'static str),
    #[error("must be at most 2000 characters")]
    TooLong,
}

/// The parts of a target URL the checks need (parsing is the caller's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub has_credentials: bool,
}

/// Checks a target's scheme and credentials; `allow_http` where configured.
pub fn check_target(target: &Target<'_>, allow_http: bool) -> Result<(), TargetError> {
    match target.scheme {
        "https" => {}
        "http" if allow_http => {}
        "http" => return Err(TargetError::NotHttps),
        _ => return Err(TargetError::Malformed),
    }
    if target.has_credentials {
        return Err(TargetError::Credentials);
    }
    if target.host.is_empty() {
        return Err(TargetError::Malformed);
    }
    Ok(())
}

/// Why an address is off limits to deliveries, if it is: loopback,
/// link-local (cloud metadata lives at 169.254.169.254), private,
/// shared, unspecified, multicast or reserved.
pub fn forbidden_kind(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => forbidden_v4(v4),
            None => match deprecated_embedding(v6) {
                // The deprecated forms reach an IPv4 host on stacks that
                // still route them; no real receiver is written that way.
                Some(v4) => forbidden_v4(v4).or(Some("deprecated (IPv4 embedded in IPv6)")),
                None => forbidden_v6(v6),
            },
        },
    }
}

/// The IPv4 address inside the deprecated IPv6 forms that carry one: the
/// IPv4-compatible `::a.b.c.d` (RFC 4291 §2.5.5.1) and the IPv4-translated
/// `::ffff:0:a.b.c.d` (RFC 2765). `::` and `::1` are not such forms.
fn deprecated_embedding(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let compatible = s[..6] == [0; 6] && !ip.is_unspecified() && !ip.is_loopback();
    let translated = s[..6] == [0, 0, 0, 0, 0xffff, 0];
    (compatible || translated).then_some(v4)
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_private() {
        Some("private")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 198 && (18..20).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
    {
        Some("reserved")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private (unique local)")
    } else if first & 0xffc0 == 0xfec0 {
        Some("site-local")
    } else if ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
        || ip.segments()[..3] == [0x64, 0xff9b, 1]
        || first == 0x2002
        || ip.segments()[..2] == [0x2001, 0]
    {
        // NAT64 (well-known and local-use), 6to4 and Teredo addresses carry
        // an IPv4 address that may be private.
        Some("translated (NAT64, 6to4 or Teredo)")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("reserved")
    } else {
        None
    }
}

/// Whether `host` (a name or an address, as written in the URL) or one of
/// its `addresses` is on the allow-list.
pub fn allowed(allow_list: &[String], host: &str, address: IpAddr) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    allow_list.iter().any(|entry| entry.eq_ignore_ascii_case(host) || entry.parse::<IpAddr>() == Ok(address))
}

/// Checks every address a target resolved to.
pub fn check_addresses(allow_list: &[String], host: &str, addresses: &[IpAddr]) -> Result<(), TargetError> {
    for &address in addresses {
        if let Some(kind) = forbidden_kind(address) {
            if !allowed(allow_list, host, address) {
                return Err(TargetError::Forbidden(address, kind));
            }
        }
    }
    Ok(())
}

/// A signed audit checkpoint (`docs/audit.md`, "Witnesses"); heard only by
/// subscriptions that name it, never through `*`.
pub const AUDIT_CHECKPOINT: &str = "audit.checkpoint";

/// Event types a subscription may name: the notice events, `webhook.ping`,
/// `audit.checkpoint`, or `*` for all but the last.
pub fn check_event_type(event: &str) -> Result<(), String> {
    if event == super::rules::AUTO_ESCALATED {
        return Err(format!("`{event}` is a mail rule; subscribe to ticket.escalated (`data.by_system` tells)"));
    }
    if event == "*"
        || event == "webhook.ping"
        || event == AUDIT_CHECKPOINT
        || super::rules::NOTICE_EVENTS.contains(&event)
        || crate::domain::notice::articles::is_delivered(event)
    {
        Ok(())
    } else {
        Err(format!("unknown event type `{event}`"))
    }
}

/// Whether a subscription to `events` receives `event`.
pub fn subscribed(events: &[String], event: &str) -> bool {
    events.iter().any(|e| e == "*" || e == event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap_or(WebhookSecret(vec![]));
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_round_trip_and_short_ones_are_refused() {
        let secret = WebhookSecret::from_bytes([7; 32]);
        assert_eq!(WebhookSecret::parse(&secret.expose()), Ok(secret));
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_err());
        assert!(WebhookSecret::parse("secret").is_err());
    }

    #[test]
    fn private_and_metadata_addresses_are_refused_unless_allowed() {
        for (ip, kind) in [
            ("127.0.0.1", "loopback"),
            ("169.254.169.254", "link-local"),
            ("10.1.2.3", "private"),
            ("192.168.0.9", "private"),
            ("100.64.0.1", "shared (carrier-grade NAT)"),
            ("::1", "loopback"),
            ("fd00::1", "private (unique local)"),
            ("::ffff:10.0.0.1", "private"),
            ("0.0.0.0", "reserved"),
            ("198.18.0.1", "reserved"),
            ("fec0::1", "site-local"),
            ("64:ff9b::a00:1", "translated (NAT64, 6to4 or Teredo)"),
            ("64:ff9b:1::a00:1", "translated (NAT64, 6to4 or Teredo)"),
            ("2002:a00:1::1", "translated (NAT64, 6to4 or Teredo)"),
            ("2001:0:4136:e378::1", "translated (NAT64, 6to4 or Teredo)"),
            // The deprecated embeddings, as the probes wrote them.
            ("::127.0.0.1", "loopback"),
            ("::ffff:0:7f00:1", "loopback"),
            ("::ffff:0:a00:1", "private"),
            ("::203.0.113.7", "deprecated (IPv4 embedded in IPv6)"),
            ("::ffff:0:cb00:7107", "deprecated (IPv4 embedded in IPv6)"),
        ] {
            let address: IpAddr = ip.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            assert_eq!(forbidden_kind(address), Some(kind), "{ip}");
        }
        let public: IpAddr = "203.0.113.7".parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        assert_eq!(forbidden_kind(public), None);
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert!(check_addresses(&[], "localhost", &[loopback]).is_err());
        assert!(check_addresses(&["127.0.0.1".into()], "localhost", &[loopback]).is_ok());
        assert!(check_addresses(&["LOCALHOST".into()], "localhost", &[loopback]).is_ok());
    }

    #[test]
    fn only_https_unless_http_is_allowed() {
        let target = |scheme| Target { scheme, host: "desk.example.go.id", has_credentials: false };
        assert_eq!(check_target(&target("https"), false), Ok(()));
        assert_eq!(check_target(&target("http"), false), Err(TargetError::NotHttps));
        assert_eq!(check_target(&target("http"), true), Ok(()));
        assert_eq!(check_target(&target("ftp"), true), Err(TargetError::Malformed));
        let with_user = Target { has_credentials: true, ..target("https") };
        assert_eq!(check_target(&with_user, false), Err(TargetError::Credentials));
    }

    #[test]
    fn event_types_are_known() {
        assert!(check_event_type("ticket.escalated").is_ok());
        assert!(check_event_type("*").is_ok());
        assert!(check_event_type("ticket.exploded").is_err());
        assert!(check_event_type("ticket.auto_escalated").is_err(), "a mail rule, not an event");
        assert!(subscribed(&["ticket.escalated".into()], "ticket.escalated"));
        assert!(!subscribed(&["ticket.escalated".into()], "ticket.created"));
    }
}
