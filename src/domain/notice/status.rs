//! The kinds and states of a notice.

use crate::domain::text_enum::text_enum;

text_enum!(
    /// A mail to one recipient, or a webhook delivery to one subscription.
    NoticeKind { Mail => "mail", Webhook => "webhook" }
);

text_enum!(
    /// `pending`: not tried yet; `failed`: tried, will be tried again;
    /// `sent`; `dead`: given up (it can be retried by hand).
    NoticeStatus { Pending => "pending", Sent => "sent", Failed => "failed", Dead => "dead" }
);
