//! With the `reqwest` feature: an `EventSource` over any
//! `reqwest::RequestBuilder`, GET or POST, that reconnects by the
//! [`client`](crate::client) core's rules.
//!
//! [`EventSource`] is a [`Stream`] of [`OwnedItem`]s (events, reconnection
//! times) and [`Error`]s. Between connections it waits as the core says,
//! with tokio's timer, and sends `Last-Event-ID`. reqwest follows
//! redirects itself, with its own policy.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use sse_wire::reqwest::EventSource;
//! use sse_wire::Item;
//!
//! let request = reqwest::Client::new()
//!     .post("http://127.0.0.1:8080/chat")
//!     .json(&serde_json::json!({ "prompt": "hello" }));
//! let mut events = EventSource::new(request)?;
//! while let Some(item) = events.next().await {
//!     match item {
//!         Ok(Item::Event(event)) => println!("{}: {}", event.event_type(), event.data()),
//!         Ok(_) => {}
//!         // The status or content type was wrong: the stream has ended.
//!         Err(error) if error.is_fatal() => return Err(error.into()),
//!         // A dropped connection: the stream reconnects by itself.
//!         Err(error) => eprintln!("{error}"),
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use core::fmt;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::boxed::Box;
use std::time::{SystemTime, UNIX_EPOCH};

use ::reqwest::{header, RequestBuilder, Response};
use futures_core::Stream;
use tokio::time::Instant;

use crate::client::{Action, Client, Config, Failure, ResponseHead, Verdict};
use crate::item::Item;
use crate::owned::{GrowableParser, OwnedItem, Owner};
use crate::parser::{ParseError, Status};

/// What can go wrong with an [`EventSource`].
///
/// [`is_fatal`](Self::is_fatal) tells the two kinds apart: after a fatal
/// error (the server refused the stream, or the attempts ran out) the
/// stream ends; after any other it reconnects by itself.
///
/// ```
/// use sse_wire::reqwest::Error;
/// let error = Error::GaveUp { attempts: 5 };
/// assert_eq!(error.to_string(), "gave up after 5 failed attempts in a row");
/// assert!(error.is_fatal());
/// ```
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// The response's status was not 200 (nor 204, which ends the stream
    /// cleanly). The response is here to read. Fatal, unless the
    /// configuration retries server errors and this was one (5xx or 429).
    Status(Response),
    /// A 200 whose `Content-Type` was not `text/event-stream`: an HTML
    /// error page, say. The response is here to read. Fatal.
    ContentType(Response),
    /// The request could not be sent or the body could not be read. The
    /// stream reconnects.
    Transport(::reqwest::Error),
    /// Nothing arrived for the configured idle timeout; the stream
    /// reconnects.
    Idle,
    /// An event did not fit the parser's caps; it was skipped and the
    /// stream goes on.
    Parse(ParseError),
    /// The configured number of consecutive failed attempts ran out.
    /// Fatal.
    GaveUp {
        /// How many attempts failed in a row.
        attempts: u32,
    },
}

impl Error {
    /// Whether the stream ended with this error.
    ///
    /// ```
    /// assert!(sse_wire::reqwest::Error::GaveUp { attempts: 3 }.is_fatal());
    /// assert!(!sse_wire::reqwest::Error::Idle.is_fatal());
    /// ```
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::Status(response) => {
                let status = response.status().as_u16();
                !(status == 429 || (500..600).contains(&status))
            }
            Error::ContentType(_) | Error::GaveUp { .. } => true,
            Error::Transport(_) | Error::Idle | Error::Parse(_) => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Status(response) => {
                write!(f, "the server answered HTTP {}", response.status())
            }
            Error::ContentType(response) => {
                let value = response.headers().get(header::CONTENT_TYPE);
                let failure = Failure::ContentType(value.map(|value| value.as_bytes()));
                write!(f, "{failure}")
            }
            Error::Transport(error) => write!(f, "the connection failed: {error}"),
            Error::Idle => f.write_str("nothing arrived for the idle timeout"),
            Error::Parse(error) => write!(f, "{error}"),
            Error::GaveUp { attempts } => {
                write!(f, "gave up after {attempts} failed attempts in a row")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(error) => Some(error),
            Error::Parse(error) => Some(error),
            _ => None,
        }
    }
}

/// The request could not be cloned (its body is a stream), so it could not
/// be sent again to reconnect.
///
/// ```
/// let error = sse_wire::reqwest::CannotClone;
/// assert_eq!(error.to_string(), "the request cannot be cloned to reconnect (is its body a stream?)");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CannotClone;

impl fmt::Display for CannotClone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the request cannot be cloned to reconnect (is its body a stream?)")
    }
}

impl std::error::Error for CannotClone {}

type Body = Pin<Box<dyn Stream<Item = Result<bytes::Bytes, ::reqwest::Error>> + Send>>;

/// An `EventSource` over reqwest: a [`Stream`] of the items of a stream
/// that reconnects when the body ends, the connection fails or (with an
/// idle timeout) goes silent, waiting as the [`client`](crate::client) core
/// says and sending `Last-Event-ID`. It needs a tokio runtime with its
/// timer.
///
/// Items are `Ok(`[`OwnedItem`]`)` or `Err(`[`Error`]`)`; after a fatal
/// error ([`Error::is_fatal`]) or an HTTP 204 the stream ends.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use futures_util::StreamExt;
/// let request = reqwest::Client::new().get("http://127.0.0.1:8080/events");
/// let mut events = sse_wire::reqwest::EventSource::new(request).unwrap();
/// while let Some(item) = events.next().await {
///     println!("{item:?}");
/// }
/// # }
/// ```
pub struct EventSource {
    inner: Pin<Box<dyn Stream<Item = Result<OwnedItem, Error>> + Send>>,
}

impl fmt::Debug for EventSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventSource").finish_non_exhaustive()
    }
}

impl EventSource {
    /// Follows the stream `request` asks for, with the browser-like
    /// [`Config::new`] and a [`GrowableParser`] with its default caps.
    ///
    /// # Errors
    ///
    /// [`CannotClone`] when the request has a streaming body, which could
    /// not be sent again.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let request = reqwest::Client::new().get("http://127.0.0.1:9/events");
    /// let events = sse_wire::reqwest::EventSource::new(request).unwrap();
    /// # drop(events);
    /// # }
    /// ```
    pub fn new(request: RequestBuilder) -> Result<Self, CannotClone> {
        Self::with_client(request, Config::new(), GrowableParser::default())
    }

    /// The same with a [`Config`] and a parser of your choosing (its caps
    /// bound the memory a server can make it hold; its last event ID, if
    /// any, is sent with the first request).
    ///
    /// # Errors
    ///
    /// [`CannotClone`] as for [`new`](Self::new).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use sse_wire::{client::Config, GrowableParser};
    /// let request = reqwest::Client::new().get("http://127.0.0.1:9/events");
    /// let config = Config::new().with_idle_timeout_ms(Some(30_000)).with_retry_server_errors(true);
    /// let events = sse_wire::reqwest::EventSource::with_client(
    ///     request,
    ///     config,
    ///     GrowableParser::with_caps(1 << 20, 256),
    /// )
    /// .unwrap();
    /// # drop(events);
    /// # }
    /// ```
    pub fn with_client(
        request: RequestBuilder,
        config: Config,
        parser: GrowableParser,
    ) -> Result<Self, CannotClone> {
        if request.try_clone().is_none() {
            return Err(CannotClone);
        }
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64);
        let state = Source {
            request,
            client: Client::new(parser, config).with_seed(seed),
            owner: Owner::default(),
            start: Instant::now(),
            body: None,
            chunk: bytes::Bytes::new(),
            pos: 0,
            over: false,
        };
        let inner = futures_util::stream::unfold(state, |mut state| async move {
            let item = state.next_item().await?;
            Some((item, state))
        });
        Ok(EventSource {
            inner: Box::pin(inner),
        })
    }
}

impl Stream for EventSource {
    type Item = Result<OwnedItem, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The state the stream carries between items.
struct Source {
    /// The request to send at each connection (cloned each time).
    request: RequestBuilder,
    client: Client<GrowableParser>,
    owner: Owner,
    /// The zero of the core's millisecond clock.
    start: Instant,
    /// The open body, if a connection is open.
    body: Option<Body>,
    /// The chunk being parsed, from `pos`.
    chunk: bytes::Bytes,
    pos: usize,
    /// The stream has ended.
    over: bool,
}

impl Source {
    /// Milliseconds since `start`.
    fn now(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The instant of a time on the core's clock.
    fn instant(&self, ms: u64) -> Instant {
        self.start + std::time::Duration::from_millis(ms)
    }

    /// The next item, or `None` when the stream is over.
    async fn next_item(&mut self) -> Option<Result<OwnedItem, Error>> {
        loop {
            if self.over {
                return None;
            }
            if self.pos < self.chunk.len() {
                let now = self.now();
                let chunk = self.chunk.clone();
                let mut input = chunk.get(self.pos..).unwrap_or_default();
                let status = self.client.feed(now, &mut input);
                self.pos = chunk.len() - input.len();
                match status {
                    Ok(Status::Event(event)) => {
                        return Some(Ok(Item::Event(self.owner.event(&event))));
                    }
                    Ok(Status::Retry(ms)) => return Some(Ok(Item::Retry(ms))),
                    Ok(Status::Comment(text)) => return Some(Ok(Item::Comment(text.into()))),
                    Err(error) => return Some(Err(Error::Parse(error))),
                    Ok(_) => {}
                }
                continue;
            }
            let now = self.now();
            match self.client.poll(now) {
                Action::Connect => {
                    if let Some(failed) = self.connect(now).await {
                        return Some(failed);
                    }
                }
                Action::Wait { until } => tokio::time::sleep_until(self.instant(until)).await,
                Action::Read { deadline } => {
                    let deadline = deadline.map(|deadline| self.instant(deadline));
                    let body = self.body.as_mut()?;
                    let next = match deadline {
                        None => next_chunk(body).await,
                        Some(deadline) => {
                            match tokio::time::timeout_at(deadline, next_chunk(body)).await {
                                Ok(next) => next,
                                // `poll` says what an idle timeout means.
                                Err(_) => continue,
                            }
                        }
                    };
                    let now = self.now();
                    match next {
                        Some(Ok(bytes)) => {
                            self.chunk = bytes;
                            self.pos = 0;
                        }
                        Some(Err(error)) => {
                            self.body = None;
                            self.client.disconnected(now);
                            return Some(Err(Error::Transport(error)));
                        }
                        None => {
                            // The body ended: an unfinished event is dropped.
                            self.body = None;
                            self.client.disconnected(now);
                        }
                    }
                }
                Action::Drop => {
                    self.body = None;
                    return Some(Err(Error::Idle));
                }
                Action::Failed => {
                    self.over = true;
                    let attempts = self.client.attempts();
                    return Some(Err(Error::GaveUp { attempts }));
                }
                // Done (a 204), or an action this version does not know.
                _ => return None,
            }
        }
    }

    /// Sends the request and judges the response; returns an item to
    /// report, if any.
    async fn connect(&mut self, now: u64) -> Option<Result<OwnedItem, Error>> {
        let mut request = self.request.try_clone()?;
        for (name, value) in self.client.request_headers() {
            request = request.header(name, value);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                self.client.disconnected(self.now());
                return Some(Err(Error::Transport(error)));
            }
        };
        let now = now.max(self.now());
        let headers = response.headers();
        let head = ResponseHead::new(response.status().as_u16())
            .with_content_type(headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()))
            .with_location(headers.get(header::LOCATION).map(|v| v.as_bytes()))
            .with_retry_after(headers.get(header::RETRY_AFTER).map(|v| v.as_bytes()));
        match self.client.response(now, &head) {
            Verdict::Open => {
                self.body = Some(Box::pin(response.bytes_stream()));
                None
            }
            Verdict::Done => {
                self.over = true;
                None
            }
            // A retried server error: reported, then waited for.
            Verdict::Retry => Some(Err(Error::Status(response))),
            Verdict::Fail(Failure::ContentType(_)) => {
                self.over = true;
                Some(Err(Error::ContentType(response)))
            }
            // Any other failure, and a redirect reqwest's policy did not
            // follow, ends the stream with the response.
            _ => {
                self.over = true;
                Some(Err(Error::Status(response)))
            }
        }
    }
}

/// The next chunk of a body.
async fn next_chunk(body: &mut Body) -> Option<Result<bytes::Bytes, ::reqwest::Error>> {
    core::future::poll_fn(|cx| body.as_mut().poll_next(cx)).await
}
