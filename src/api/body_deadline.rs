//! A bound on the time a client takes to send a body: a request whose body
//! is shorter than its `Content-Length` would otherwise hold a worker's
//! slot for ever (actix bounds only the time to send the headers). Past the
//! bound the body ends in a time-out error, which readers answer with 408.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpMessage as _;
use futures_util::Stream;

/// The error a body cut off by the bound ends with.
const TIMED_OUT: std::io::ErrorKind = std::io::ErrorKind::TimedOut;

/// Whether a payload error is the bound's.
pub fn is_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(io) if io.kind() == TIMED_OUT)
}

/// Bounds the body of `req`, if it has one, to `limit` from now.
pub fn bound(req: &mut ServiceRequest, limit: Duration) {
    let headers = req.headers();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > 0);
    if !has_body {
        return;
    }
    let inner = req.take_payload();
    let timed = Timed { inner, deadline: Box::pin(tokio::time::sleep(limit)), limit, done: false };
    req.set_payload(Payload::Stream { payload: Box::pin(timed) });
}

struct Timed {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
    limit: Duration,
    done: bool,
}

impl Stream for Timed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.done = true;
                let seconds = self.limit.as_secs();
                let message = format!("the body was not sent within {seconds} s of the headers");
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(TIMED_OUT, message)))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
