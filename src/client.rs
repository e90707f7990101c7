//! The client core: one `EventSource`'s life, without I/O.
//!
//! [`Client`] does what the HTML Standard's `EventSource` processing model
//! says a client does around the parser: it says which headers a request
//! carries, judges each response (open, done, redirect, fail), feeds the
//! body to the parser inside, and decides when to reconnect and how long
//! to wait first, with the server's `retry` clamped to a range,
//! exponential backoff with jitter over consecutive failures, an optional
//! idle timeout, and the last event ID kept across connections.
//!
//! Like the parser it does no I/O and keeps no clock: the caller connects,
//! reads and sleeps, and passes in the time as a millisecond count from
//! any monotonic clock. It needs no `alloc`, so the same core serves a
//! blocking client, an async one, and a microcontroller. A loop over
//! [`Client::poll`] drives it; see [`Client`] for a whole run.
//!
//! What it will not do for any server: reconnect without waiting. Every
//! way back to [`Action::Connect`] goes through a wait of at least
//! [`Config::min_retry_ms`] (never zero), and a connection that delivered
//! no event counts as a failure, so a server that sends `retry: 0` and
//! closes at once is backed off exponentially.

// Advice for hackers:
// - The core is a small state machine (`Phase`); `Client::poll` is the one
//   place that says what to do next, and every other call only moves the
//   machine. A caller that always asks `poll` cannot be made to spin.
// - "Healthy" means a connection delivered an event. Only a healthy
//   connection resets the count of consecutive failures.
// - Jitter is a splitmix64 sequence from the caller's seed, so tests are
//   deterministic.
// - The body goes through the parser's own `next`; the client only watches
//   for `retry` and events on the way (`feed`, one per parser kind).

use core::fmt;

use crate::buffer::Buffer;
use crate::parser::{End, EventParser, ParseError, Status};
use crate::pieces::{Piece, PieceParser};

/// How a [`Client`] reconnects. Build it from [`Config::new`] (the
/// browser's behaviour, with a floor against tight loops) and change what
/// you need with the `with_` methods.
///
/// ```
/// use sse_wire::client::Config;
/// let config = Config::new()
///     .with_idle_timeout_ms(Some(30_000))
///     .with_retry_server_errors(true)
///     .with_max_attempts(Some(10));
/// assert_eq!(config.idle_timeout_ms(), Some(30_000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    initial_retry_ms: u64,
    min_retry_ms: u64,
    max_retry_ms: u64,
    backoff_cap_ms: u64,
    max_retry_after_ms: u64,
    idle_timeout_ms: Option<u64>,
    max_redirects: u8,
    max_attempts: Option<u32>,
    retry_server_errors: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// The defaults: 3 s reconnection time until the server sends `retry`,
    /// the server's value clamped to 0.5 s ..= 5 min, backoff up to 1 min
    /// after consecutive failures, no idle timeout, 10 redirects, retry for
    /// ever, and any status but 200 and 204 fails for good (as a browser
    /// does).
    ///
    /// ```
    /// let config = sse_wire::client::Config::new();
    /// assert_eq!(config.initial_retry_ms(), 3000);
    /// assert_eq!(config.min_retry_ms(), 500);
    /// ```
    pub const fn new() -> Self {
        Config {
            initial_retry_ms: 3000,
            min_retry_ms: 500,
            max_retry_ms: 300_000,
            backoff_cap_ms: 60_000,
            max_retry_after_ms: 600_000,
            idle_timeout_ms: None,
            max_redirects: 10,
            max_attempts: None,
            retry_server_errors: false,
        }
    }

    /// The reconnection time before the server sent any `retry` (clamped
    /// like the server's).
    ///
    /// ```
    /// let config = sse_wire::client::Config::new().with_initial_retry_ms(1000);
    /// assert_eq!(config.initial_retry_ms(), 1000);
    /// ```
    #[must_use]
    pub const fn with_initial_retry_ms(mut self, ms: u64) -> Self {
        self.initial_retry_ms = ms;
        self
    }

    /// The range the reconnection time is clamped to, whatever the server
    /// asks with `retry`. The floor is at least 1 ms (a smaller one is
    /// raised to 1), so no server can make the client reconnect in a tight
    /// loop; a ceiling below the floor is raised to it.
    ///
    /// ```
    /// let config = sse_wire::client::Config::new().with_retry_range_ms(0, 10_000);
    /// assert_eq!((config.min_retry_ms(), config.max_retry_ms()), (1, 10_000));
    /// ```
    #[must_use]
    pub const fn with_retry_range_ms(mut self, min: u64, max: u64) -> Self {
        self.min_retry_ms = if min == 0 { 1 } else { min };
        self.max_retry_ms = if max < self.min_retry_ms {
            self.min_retry_ms
        } else {
            max
        };
        self
    }

    /// The longest wait after consecutive failed attempts: the wait
    /// doubles with each failure up to this (and never below the
    /// reconnection time).
    ///
    /// ```
    /// let config = sse_wire::client::Config::new().with_backoff_cap_ms(30_000);
    /// assert_eq!(config.backoff_cap_ms(), 30_000);
    /// ```
    #[must_use]
    pub const fn with_backoff_cap_ms(mut self, ms: u64) -> Self {
        self.backoff_cap_ms = ms;
        self
    }

    /// Reconnect when nothing (not even a comment) arrives for this long
    /// on an open connection, or while waiting for a response. `None`, the
    /// default, waits for ever, as a browser does.
    ///
    /// ```
    /// let config = sse_wire::client::Config::new().with_idle_timeout_ms(Some(45_000));
    /// assert_eq!(config.idle_timeout_ms(), Some(45_000));
    /// ```
    #[must_use]
    pub const fn with_idle_timeout_ms(mut self, ms: Option<u64>) -> Self {
        self.idle_timeout_ms = ms;
        self
    }

    /// How many redirects one attempt may follow.
    ///
    /// ```
    /// let config = sse_wire::client::Config::new().with_max_redirects(5);
    /// assert_eq!(config.max_redirects(), 5);
    /// ```
    #[must_use]
    pub const fn with_max_redirects(mut self, redirects: u8) -> Self {
        self.max_redirects = redirects;
        self
    }

    /// Give up after this many consecutive failed attempts (`None`, the
    /// default: never). A connection that delivered an event resets the
    /// count.
    ///
    /// ```
    /// let config = sse_wire::client::Config::new().with_max_attempts(Some(3));
    /// assert_eq!(config.max_attempts(), Some(3));
    /// ```
    #[must_use]
    pub const fn with_max_attempts(mut self, attempts: Option<u32>) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// Treat a 5xx status and 429 as a failed attempt to retry with
    /// backoff, honouring a `Retry-After` of delay-seconds (up to
    /// [`max_retry_after_ms`](Self::max_retry_after_ms)), instead of
    /// failing for good as a browser does. LLM APIs answer 429 and 503
    /// when busy.
    ///
    /// ```
    /// let config = sse_wire::client::Config::new().with_retry_server_errors(true);
    /// assert!(config.retry_server_errors());
    /// ```
    #[must_use]
    pub const fn with_retry_server_errors(mut self, retry: bool) -> Self {
        self.retry_server_errors = retry;
        self
    }

    /// The longest `Retry-After` honoured; a longer one is cut to it.
    ///
    /// ```
    /// let config = sse_wire::client::Config::new().with_max_retry_after_ms(60_000);
    /// assert_eq!(config.max_retry_after_ms(), 60_000);
    /// ```
    #[must_use]
    pub const fn with_max_retry_after_ms(mut self, ms: u64) -> Self {
        self.max_retry_after_ms = ms;
        self
    }

    /// See [`with_initial_retry_ms`](Self::with_initial_retry_ms).
    ///
    /// ```
    /// assert_eq!(sse_wire::client::Config::new().initial_retry_ms(), 3000);
    /// ```
    pub const fn initial_retry_ms(&self) -> u64 {
        self.initial_retry_ms
    }

    /// The floor of the reconnection time (see
    /// [`with_retry_range_ms`](Self::with_retry_range_ms)); never 0.
    ///
    /// ```
    /// assert_eq!(sse_wire::client::Config::new().min_retry_ms(), 500);
    /// ```
    pub const fn min_retry_ms(&self) -> u64 {
        self.min_retry_ms
    }

    /// The ceiling of the reconnection time.
    ///
    /// ```
    /// assert_eq!(sse_wire::client::Config::new().max_retry_ms(), 300_000);
    /// ```
    pub const fn max_retry_ms(&self) -> u64 {
        self.max_retry_ms
    }

    /// See [`with_backoff_cap_ms`](Self::with_backoff_cap_ms).
    ///
    /// ```
    /// assert_eq!(sse_wire::client::Config::new().backoff_cap_ms(), 60_000);
    /// ```
    pub const fn backoff_cap_ms(&self) -> u64 {
        self.backoff_cap_ms
    }

    /// See [`with_max_retry_after_ms`](Self::with_max_retry_after_ms).
    ///
    /// ```
    /// assert_eq!(sse_wire::client::Config::new().max_retry_after_ms(), 600_000);
    /// ```
    pub const fn max_retry_after_ms(&self) -> u64 {
        self.max_retry_after_ms
    }

    /// See [`with_idle_timeout_ms`](Self::with_idle_timeout_ms).
    ///
    /// ```
    /// assert_eq!(sse_wire::client::Config::new().idle_timeout_ms(), None);
    /// ```
    pub const fn idle_timeout_ms(&self) -> Option<u64> {
        self.idle_timeout_ms
    }

    /// See [`with_max_redirects`](Self::with_max_redirects).
    ///
    /// ```
    /// assert_eq!(sse_wire::client::Config::new().max_redirects(), 10);
    /// ```
    pub const fn max_redirects(&self) -> u8 {
        self.max_redirects
    }

    /// See [`with_max_attempts`](Self::with_max_attempts).
    ///
    /// ```
    /// assert_eq!(sse_wire::client::Config::new().max_attempts(), None);
    /// ```
    pub const fn max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }

    /// See [`with_retry_server_errors`](Self::with_retry_server_errors).
    ///
    /// ```
    /// assert!(!sse_wire::client::Config::new().retry_server_errors());
    /// ```
    pub const fn retry_server_errors(&self) -> bool {
        self.retry_server_errors
    }
}

/// What the caller is to do next: [`Client::poll`]'s answer.
///
/// ```
/// use sse_wire::client::{Action, Client, Config};
/// let mut client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
/// assert_eq!(client.poll(0), Action::Connect);
/// client.disconnected(0); // the connection was refused
/// let Action::Wait { until } = client.poll(0) else { panic!() };
/// assert!(until >= Config::new().min_retry_ms());
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send a request now, with [`Client::request_headers`] (and the
    /// caller's method, body and headers), then pass the response head to
    /// [`Client::response`].
    Connect,
    /// Nothing to do before this time (in the caller's milliseconds); then
    /// poll again.
    Wait {
        /// When to poll again.
        until: u64,
    },
    /// Read the body and pass what arrives to `feed`. With an idle
    /// timeout, poll again at `deadline` if nothing arrived by then.
    ///
    /// A poll at the deadline can still answer `Read` (a clock that reads
    /// a little early, or rounding): then keep waiting on the read already
    /// pending rather than starting another, whose bytes would race the
    /// first's.
    Read {
        /// When the idle timeout runs out, if there is one.
        deadline: Option<u64>,
    },
    /// Nothing arrived for the idle timeout: drop the connection (or the
    /// request) now. The client has already planned the reconnection;
    /// poll again.
    Drop,
    /// The stream is over for good: the server answered 204.
    Done,
    /// The stream failed for good: [`Client::response`] said why, or the
    /// attempts ran out ([`Client::attempts`]).
    Failed,
}

/// What a response head means: [`Client::response`]'s verdict.
///
/// ```
/// use sse_wire::client::{Client, Config, ResponseHead, Verdict};
/// let mut client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
/// client.poll(0);
/// let moved = ResponseHead::new(303).with_location(Some(b"/elsewhere"));
/// assert_eq!(client.response(0, &moved), Verdict::Redirect { location: b"/elsewhere", get: true });
/// assert_eq!(client.response(0, &ResponseHead::new(204)), Verdict::Done);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict<'a> {
    /// The stream is open: read the body and `feed` it.
    Open,
    /// Follow the redirect now: send the request again to `location`
    /// (resolved against the URL that answered), and pass its response
    /// here. `get` says the method becomes GET without a body (303, and
    /// 301 or 302 after a POST, as fetch does).
    ///
    /// A transport that follows redirects itself (a browser's `fetch`,
    /// which with `redirect: "manual"` shows neither status nor
    /// `Location`) never sees this: it passes the final response, and
    /// `max_redirects` is then its own.
    Redirect {
        /// The `Location` header's value, as the server sent it.
        location: &'a [u8],
        /// Send GET without a body from now on.
        get: bool,
    },
    /// HTTP 204: the server says there is nothing more. The client stops.
    Done,
    /// A status the client retries (with
    /// [`Config::with_retry_server_errors`]): drop this response; poll
    /// says when to try again.
    Retry,
    /// The stream failed for good (the browser's "fail the connection").
    Fail(Failure<'a>),
    /// No request was out (the body is being read, a wait is on, or the
    /// stream is over): the head is ignored and nothing changes.
    Unexpected,
}

/// Why a response failed the stream.
///
/// ```
/// use sse_wire::client::Failure;
/// assert_eq!(Failure::Status(502).to_string(), "the server answered HTTP 502");
/// assert_eq!(
///     Failure::ContentType(Some(b"text/html")).to_string(),
///     "the response's content type is not text/event-stream: text/html"
/// );
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure<'a> {
    /// A status other than 200, 204 and a followed redirect.
    Status(u16),
    /// A 200 whose `Content-Type` is not `text/event-stream` (the value
    /// sent, if any).
    ContentType(Option<&'a [u8]>),
    /// A redirect with no `Location`, or an empty one.
    MissingLocation,
    /// More redirects in a row than [`Config::max_redirects`].
    TooManyRedirects,
}

impl fmt::Display for Failure<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Failure::Status(status) => write!(f, "the server answered HTTP {status}"),
            Failure::ContentType(None) => f.write_str("the response has no content type"),
            Failure::ContentType(Some(value)) => {
                f.write_str("the response's content type is not text/event-stream: ")?;
                for chunk in value.utf8_chunks() {
                    f.write_str(chunk.valid())?;
                    if !chunk.invalid().is_empty() {
                        f.write_str("\u{FFFD}")?;
                    }
                }
                Ok(())
            }
            Failure::MissingLocation => f.write_str("a redirect without a location"),
            Failure::TooManyRedirects => f.write_str("too many redirects"),
        }
    }
}

/// The parts of a response head the client judges. The caller fills in
/// the headers it found (names are the caller's business: they are
/// case-insensitive in HTTP); values are bytes as they came.
///
/// ```
/// use sse_wire::client::ResponseHead;
/// let head = ResponseHead::new(200).with_content_type(Some(b"text/event-stream"));
/// assert_eq!(head.status, 200);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ResponseHead<'a> {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: Option<&'a [u8]>,
    /// The `Location` header.
    pub location: Option<&'a [u8]>,
    /// The `Retry-After` header.
    pub retry_after: Option<&'a [u8]>,
}

impl<'a> ResponseHead<'a> {
    /// A head with this status and no headers.
    ///
    /// ```
    /// assert_eq!(sse_wire::client::ResponseHead::new(204).content_type, None);
    /// ```
    pub const fn new(status: u16) -> Self {
        ResponseHead {
            status,
            content_type: None,
            location: None,
            retry_after: None,
        }
    }

    /// The same head with a `Content-Type`.
    ///
    /// ```
    /// let head = sse_wire::client::ResponseHead::new(200).with_content_type(Some(b"text/plain"));
    /// assert_eq!(head.content_type, Some(&b"text/plain"[..]));
    /// ```
    #[must_use]
    pub const fn with_content_type(mut self, value: Option<&'a [u8]>) -> Self {
        self.content_type = value;
        self
    }

    /// The same head with a `Location`.
    ///
    /// ```
    /// let head = sse_wire::client::ResponseHead::new(307).with_location(Some(b"/next"));
    /// assert_eq!(head.location, Some(&b"/next"[..]));
    /// ```
    #[must_use]
    pub const fn with_location(mut self, value: Option<&'a [u8]>) -> Self {
        self.location = value;
        self
    }

    /// The same head with a `Retry-After`.
    ///
    /// ```
    /// let head = sse_wire::client::ResponseHead::new(503).with_retry_after(Some(b"7"));
    /// assert_eq!(head.retry_after, Some(&b"7"[..]));
    /// ```
    #[must_use]
    pub const fn with_retry_after(mut self, value: Option<&'a [u8]>) -> Self {
        self.retry_after = value;
        self
    }
}

/// A last event ID [`Client::set_last_event_id`] refused; the ID is then
/// unchanged.
///
/// ```
/// use sse_wire::client::{Client, Config, InvalidId};
/// use sse_wire::Parser;
/// let mut client = Client::new(Parser::<64, 4>::new(), Config::new());
/// assert_eq!(client.set_last_event_id("a\nb"), Err(InvalidId::Forbidden));
/// assert_eq!(client.set_last_event_id("12345"), Err(InvalidId::TooLong));
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidId {
    /// It holds a CR, an LF or a NUL, which cannot be sent in a header
    /// (nor set by a stream).
    Forbidden,
    /// It does not fit the parser's ID storage.
    TooLong,
}

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidId::Forbidden => "an event ID cannot hold CR, LF or NUL",
            InvalidId::TooLong => "the event ID does not fit the parser's storage",
        })
    }
}

impl core::error::Error for InvalidId {}

/// Where the client is in an `EventSource`'s life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting to connect (at first: `until` is 0).
    Waiting { until: u64 },
    /// A request is out; its response head has not been judged yet.
    Requesting { redirects: u8 },
    /// The body is being read; `delivered`: an event came.
    Open { delivered: bool },
    /// Over for good: a 204.
    Done,
    /// Over for good: refused, or out of attempts.
    Failed,
}

/// The parser a [`Client`] feeds: an [`EventParser`] or a
/// [`PieceParser`]. Sealed: the client needs only these few calls.
///
/// ```
/// use sse_wire::client::BodyParser;
/// let mut parser = sse_wire::Parser::<64>::new();
/// parser.seed("7");
/// assert_eq!(BodyParser::last_event_id(&parser), "7");
/// ```
pub trait BodyParser: sealed::Sealed {
    /// The last event ID the parser holds.
    fn last_event_id(&self) -> &str;
    /// Ends the body (see [`EventParser::finish`]).
    fn finish(&mut self) -> End;
    /// Prepares for a new body, keeping the last event ID.
    fn reset(&mut self);
    /// Sets the last event ID as a stream's `id` line and blank line would.
    fn seed(&mut self, id: &str);
}

mod sealed {
    pub trait Sealed {}
    impl<D, M> Sealed for crate::EventParser<D, M> {}
    impl<M> Sealed for crate::PieceParser<M> {}
}

/// Feeds the parser an `id` line and a blank line holding `id`.
fn seed_with<P: BodyParser>(
    parser: &mut P,
    id: &str,
    mut next: impl FnMut(&mut P, &mut &[u8]) -> bool,
) {
    parser.reset();
    // The space after the colon is the one the lexer strips, so an ID that
    // starts with a space keeps it.
    for part in [&b"id: "[..], id.as_bytes(), b"\n\n"] {
        let mut input = part;
        while !input.is_empty() && next(parser, &mut input) {}
    }
}

impl<D: Buffer, M: Buffer> BodyParser for EventParser<D, M> {
    fn last_event_id(&self) -> &str {
        EventParser::last_event_id(self)
    }
    fn finish(&mut self) -> End {
        EventParser::finish(self)
    }
    fn reset(&mut self) {
        EventParser::reset(self);
    }
    fn seed(&mut self, id: &str) {
        seed_with(self, id, |parser, input| {
            !matches!(parser.next(input), Ok(Status::NeedInput))
        });
        EventParser::reset(self);
    }
}

impl<M: Buffer> BodyParser for PieceParser<M> {
    fn last_event_id(&self) -> &str {
        PieceParser::last_event_id(self)
    }
    fn finish(&mut self) -> End {
        PieceParser::finish(self)
    }
    fn reset(&mut self) {
        PieceParser::reset(self);
    }
    fn seed(&mut self, id: &str) {
        seed_with(self, id, |parser, input| {
            !matches!(parser.next(input), Ok(Piece::NeedInput))
        });
        PieceParser::reset(self);
    }
}

/// One `EventSource`'s life, sans I/O: the headers to send, the verdict
/// on each response, the body through the parser inside, and when to
/// reconnect.
///
/// The caller owns the connection and the clock. A loop over
/// [`poll`](Self::poll) drives it:
///
/// ```
/// use sse_wire::client::{Action, Client, Config, ResponseHead, Verdict};
/// use sse_wire::{Parser, Status};
///
/// let mut client = Client::new(Parser::<256>::new(), Config::new()).with_seed(7);
/// let mut now = 0; // milliseconds from any monotonic clock
/// let mut seen = Vec::new();
/// // Two connections, scripted: the first body is cut off; the second is
/// // asked for with the last event ID and ends the stream with a 204.
/// let mut bodies = vec![&b"id: 1\ndata: a\n\nid: 2\ndata: cut"[..], b""];
/// loop {
///     match client.poll(now) {
///         Action::Connect => {
///             let headers: Vec<_> = client.request_headers().collect();
///             let body = bodies.remove(0);
///             let status = if body.is_empty() { 204 } else { 200 };
///             if status == 200 {
///                 assert!(!headers.contains(&("Last-Event-ID", "1")));
///             } else {
///                 assert!(headers.contains(&("Last-Event-ID", "1")));
///             }
///             let head = ResponseHead::new(status).with_content_type(Some(b"text/event-stream"));
///             match client.response(now, &head) {
///                 Verdict::Open => {
///                     let mut input = body;
///                     loop {
///                         match client.feed(now, &mut input) {
///                             Ok(Status::Event(event)) => seen.push(event.data().to_owned()),
///                             Ok(Status::NeedInput) => break,
///                             _ => {}
///                         }
///                     }
///                     // The body ended: the unfinished event is dropped.
///                     assert!(!client.disconnected(now).is_complete());
///                 }
///                 Verdict::Done => {}
///                 other => panic!("{other:?}"),
///             }
///         }
///         Action::Wait { until } => now = until, // sleep
///         Action::Done => break,
///         other => panic!("{other:?}"),
///     }
/// }
/// assert_eq!(seen, ["a"]);
/// assert!(now >= 3000 / 2); // it waited before reconnecting
/// ```
#[derive(Clone, Debug)]
pub struct Client<P> {
    parser: P,
    config: Config,
    phase: Phase,
    /// The reconnection time: the server's last `retry`, or the initial
    /// one, unclamped.
    retry_ms: u64,
    /// Consecutive failed attempts.
    failures: u32,
    /// The last time a byte arrived, or the request went out.
    last_activity: u64,
    /// A `Retry-After` to honour at the next wait.
    retry_after_ms: Option<u64>,
    /// The jitter sequence.
    rng: u64,
}

impl<P: BodyParser> Client<P> {
    /// A client that has not connected yet, over a parser at the start of
    /// a stream (its last event ID, if any, is kept).
    ///
    /// ```
    /// use sse_wire::client::{Action, Client, Config};
    /// let mut client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
    /// assert_eq!(client.poll(0), Action::Connect);
    /// ```
    pub fn new(parser: P, config: Config) -> Self {
        Client {
            parser,
            config,
            phase: Phase::Waiting { until: 0 },
            retry_ms: config.initial_retry_ms,
            failures: 0,
            last_activity: 0,
            retry_after_ms: None,
            rng: 0x5EED,
        }
    }

    /// The same client with its jitter drawn from `seed`: give each client
    /// its own (from the time, a counter, an address), so that clients
    /// that failed together do not reconnect together.
    ///
    /// ```
    /// let client = sse_wire::client::Client::new(sse_wire::Parser::<64>::new(), Default::default())
    ///     .with_seed(42);
    /// # let _ = client;
    /// ```
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.rng = seed;
        self
    }

    /// Sets the last event ID, as if the stream had sent it (a resumed
    /// session, say): it is sent as `Last-Event-ID` from the next request
    /// on. An empty ID sends none. Call it between connections: an event
    /// the parser is in the middle of is dropped.
    ///
    /// # Errors
    ///
    /// [`InvalidId::Forbidden`] when `id` holds a CR, an LF or a NUL, which
    /// cannot be sent in a header (nor set by a stream);
    /// [`InvalidId::TooLong`] when it does not fit the parser. The ID is
    /// then unchanged.
    ///
    /// ```
    /// use sse_wire::client::{Client, Config};
    /// let mut client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
    /// client.set_last_event_id("42").unwrap();
    /// assert!(client.request_headers().any(|header| header == ("Last-Event-ID", "42")));
    /// ```
    pub fn set_last_event_id(&mut self, id: &str) -> Result<(), InvalidId> {
        if id.bytes().any(|byte| matches!(byte, b'\r' | b'\n' | 0)) {
            return Err(InvalidId::Forbidden);
        }
        self.parser.seed(id);
        if self.parser.last_event_id() == id {
            Ok(())
        } else {
            Err(InvalidId::TooLong)
        }
    }

    /// What to do now, at time `now`. See [`Action`].
    ///
    /// ```
    /// use sse_wire::client::{Action, Client, Config};
    /// let mut client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
    /// assert_eq!(client.poll(10), Action::Connect);
    /// ```
    pub fn poll(&mut self, now: u64) -> Action {
        match self.phase {
            Phase::Waiting { until } if now < until => Action::Wait { until },
            Phase::Waiting { .. } => {
                self.phase = Phase::Requesting { redirects: 0 };
                self.last_activity = now;
                self.parser.reset();
                Action::Connect
            }
            Phase::Requesting { .. } | Phase::Open { .. } => {
                let deadline = self.idle_deadline();
                match deadline {
                    Some(deadline) if now >= deadline => {
                        self.give_up_connection(now);
                        Action::Drop
                    }
                    _ => Action::Read { deadline },
                }
            }
            Phase::Done => Action::Done,
            Phase::Failed => Action::Failed,
        }
    }

    /// The headers every request carries: `Accept: text/event-stream`,
    /// `Cache-Control: no-cache`, and `Last-Event-ID` when the last event
    /// ID is not empty. Names and values are ASCII-safe; the method, the
    /// body and any other headers are the caller's.
    ///
    /// ```
    /// use sse_wire::client::{Client, Config};
    /// let client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
    /// let headers: Vec<_> = client.request_headers().collect();
    /// assert_eq!(headers, [("Accept", "text/event-stream"), ("Cache-Control", "no-cache")]);
    /// ```
    pub fn request_headers(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        let id = self.parser.last_event_id();
        [
            Some(("Accept", "text/event-stream")),
            Some(("Cache-Control", "no-cache")),
            (!id.is_empty()).then_some(("Last-Event-ID", id)),
        ]
        .into_iter()
        .flatten()
    }

    /// Judges a response head at time `now`. See [`Verdict`]; a head that
    /// arrives when no request is out is ignored ([`Verdict::Unexpected`]).
    ///
    /// ```
    /// use sse_wire::client::{Client, Config, Failure, ResponseHead, Verdict};
    /// let mut client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
    /// client.poll(0);
    /// let head = ResponseHead::new(200).with_content_type(Some(b"text/html"));
    /// assert_eq!(
    ///     client.response(0, &head),
    ///     Verdict::Fail(Failure::ContentType(Some(b"text/html")))
    /// );
    /// ```
    pub fn response<'a>(&mut self, now: u64, head: &ResponseHead<'a>) -> Verdict<'a> {
        let Phase::Requesting { redirects } = self.phase else {
            return Verdict::Unexpected;
        };
        self.last_activity = now;
        match head.status {
            200 => {
                if head.content_type.is_some_and(is_event_stream) {
                    self.phase = Phase::Open { delivered: false };
                    Verdict::Open
                } else {
                    self.fail(Failure::ContentType(head.content_type))
                }
            }
            204 => {
                self.phase = Phase::Done;
                Verdict::Done
            }
            301 | 302 | 303 | 307 | 308 => {
                let Some(location) = head.location.filter(|value| !trim(value).is_empty()) else {
                    return self.fail(Failure::MissingLocation);
                };
                if redirects >= self.config.max_redirects {
                    return self.fail(Failure::TooManyRedirects);
                }
                self.phase = Phase::Requesting {
                    redirects: redirects + 1,
                };
                Verdict::Redirect {
                    location: trim(location),
                    get: matches!(head.status, 301..=303),
                }
            }
            429 | 500..=599 if self.config.retry_server_errors => {
                self.retry_after_ms = head.retry_after.and_then(delay_seconds).map(|seconds| {
                    seconds
                        .saturating_mul(1000)
                        .min(self.config.max_retry_after_ms)
                });
                self.give_up_connection(now);
                Verdict::Retry
            }
            status => self.fail(Failure::Status(status)),
        }
    }

    /// The connection ended at time `now`: the body ended, the transport
    /// failed (before or after the response), or the caller dropped it.
    /// Says whether an event was cut off (it is discarded, as the standard
    /// says), and plans the reconnection: [`poll`](Self::poll) says when.
    /// When no connection is in progress (after a verdict that ended it, or
    /// an idle [`Action::Drop`]), it only ends the parser's stream, so a
    /// transport can call it after every connection.
    ///
    /// ```
    /// use sse_wire::client::{Action, Client, Config};
    /// let mut client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
    /// assert_eq!(client.poll(0), Action::Connect);
    /// client.disconnected(100); // connection refused
    /// assert!(matches!(client.poll(100), Action::Wait { until } if until >= 100 + 500));
    /// ```
    pub fn disconnected(&mut self, now: u64) -> End {
        let end = self.parser.finish();
        if matches!(self.phase, Phase::Requesting { .. } | Phase::Open { .. }) {
            self.give_up_connection(now);
        }
        end
    }

    /// The reconnection time now in force: the server's last `retry`
    /// (or the initial one), clamped to the configured range.
    ///
    /// ```
    /// let client = sse_wire::client::Client::new(sse_wire::Parser::<64>::new(), Default::default());
    /// assert_eq!(client.retry_ms(), 3000);
    /// ```
    pub fn retry_ms(&self) -> u64 {
        self.retry_ms
            .clamp(self.config.min_retry_ms, self.config.max_retry_ms)
    }

    /// Consecutive failed attempts so far (0 after a connection that
    /// delivered an event).
    ///
    /// ```
    /// let client = sse_wire::client::Client::new(sse_wire::Parser::<64>::new(), Default::default());
    /// assert_eq!(client.attempts(), 0);
    /// ```
    pub fn attempts(&self) -> u32 {
        self.failures
    }

    /// The last event ID: what the next request sends as `Last-Event-ID`.
    ///
    /// ```
    /// let client = sse_wire::client::Client::new(sse_wire::Parser::<64>::new(), Default::default());
    /// assert_eq!(client.last_event_id(), "");
    /// ```
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The parser inside.
    ///
    /// ```
    /// let client = sse_wire::client::Client::new(sse_wire::Parser::<64>::new(), Default::default());
    /// assert_eq!(client.parser().last_event_id(), "");
    /// ```
    pub fn parser(&self) -> &P {
        &self.parser
    }

    /// When the idle timeout of the connection in progress runs out.
    fn idle_deadline(&self) -> Option<u64> {
        self.config
            .idle_timeout_ms
            .map(|idle| self.last_activity.saturating_add(idle))
    }

    /// Fails the stream for good.
    fn fail<'a>(&mut self, why: Failure<'a>) -> Verdict<'a> {
        self.phase = Phase::Failed;
        Verdict::Fail(why)
    }

    /// The connection in progress is over: plans the next attempt.
    fn give_up_connection(&mut self, now: u64) {
        let healthy = matches!(self.phase, Phase::Open { delivered: true });
        if healthy {
            self.failures = 0;
        } else {
            self.failures = self.failures.saturating_add(1);
        }
        if self
            .config
            .max_attempts
            .is_some_and(|most| self.failures >= most)
        {
            self.phase = Phase::Failed;
            return;
        }
        let wait = self.wait_ms();
        self.phase = Phase::Waiting {
            until: now.saturating_add(wait),
        };
    }

    /// How long to wait before the next attempt: the reconnection time,
    /// doubled for each consecutive failure up to the backoff cap, with up
    /// to half of it drawn at random, and never less than the floor nor
    /// than a `Retry-After` being honoured.
    fn wait_ms(&mut self) -> u64 {
        let base = self.retry_ms();
        let mut wait = base;
        if self.failures > 0 {
            let doubled = base.saturating_mul(1u64 << self.failures.saturating_sub(1).min(32));
            wait = doubled.min(self.config.backoff_cap_ms).max(base);
        }
        // Equal jitter: the first half is kept, the second half is drawn.
        let half = wait / 2;
        let drawn = if half == 0 {
            0
        } else {
            self.next_random() % (half + 1)
        };
        let wait = (wait - half).saturating_add(drawn);
        let wait = wait.max(self.config.min_retry_ms);
        match self.retry_after_ms.take() {
            Some(after) => wait.max(after),
            None => wait,
        }
    }

    /// The next number of the splitmix64 sequence.
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl<D: Buffer, M: Buffer> Client<EventParser<D, M>> {
    /// Parses body bytes that arrived at time `now`, as
    /// [`EventParser::next`] does; a `retry` field becomes the client's
    /// reconnection time, and an event marks the connection healthy. Call
    /// it only after [`Verdict::Open`].
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when an event does not fit the parser; the event is
    /// skipped and the stream goes on.
    ///
    /// ```
    /// use sse_wire::client::{Client, Config, ResponseHead, Verdict};
    /// use sse_wire::Status;
    /// let mut client = Client::new(sse_wire::Parser::<64>::new(), Config::new());
    /// client.poll(0);
    /// let head = ResponseHead::new(200).with_content_type(Some(b"text/event-stream; charset=utf-8"));
    /// assert_eq!(client.response(0, &head), Verdict::Open);
    /// let mut body: &[u8] = b"retry: 10000\ndata: hi\n\n";
    /// assert_eq!(client.feed(5, &mut body), Ok(Status::Retry(10_000)));
    /// assert!(matches!(client.feed(5, &mut body), Ok(Status::Event(_))));
    /// assert_eq!(client.retry_ms(), 10_000);
    /// ```
    pub fn feed<'p, 'i: 'p>(
        &'p mut self,
        now: u64,
        input: &mut &'i [u8],
    ) -> Result<Status<'p>, ParseError> {
        if !input.is_empty() {
            self.last_activity = now;
        }
        let status = self.parser.next(input);
        match status {
            Ok(Status::Retry(ms)) => self.retry_ms = ms,
            Ok(Status::Event(_)) => delivered(&mut self.phase),
            _ => {}
        }
        status
    }
}

impl<M: Buffer> Client<PieceParser<M>> {
    /// Parses body bytes that arrived at time `now`, as
    /// [`PieceParser::next`] does, for events of any size; a `retry` field
    /// becomes the client's reconnection time, and the end of a dispatched
    /// event marks the connection healthy. Call it only after
    /// [`Verdict::Open`].
    ///
    /// # Errors
    ///
    /// As [`PieceParser::next`].
    ///
    /// ```
    /// use sse_wire::client::{Client, Config, ResponseHead};
    /// use sse_wire::{Piece, PieceParser};
    /// let parser = PieceParser::<heapless::Vec<u8, 16>>::new();
    /// let mut client = Client::new(parser, Config::new());
    /// client.poll(0);
    /// client.response(0, &ResponseHead::new(200).with_content_type(Some(b"text/event-stream")));
    /// let mut body: &[u8] = b"data: big\n\n";
    /// assert!(matches!(client.feed(1, &mut body), Ok(Piece::Data(_))));
    /// assert!(matches!(client.feed(1, &mut body), Ok(Piece::EventEnd(_))));
    /// ```
    pub fn feed<'p, 'i: 'p>(
        &'p mut self,
        now: u64,
        input: &mut &'i [u8],
    ) -> Result<Piece<'p>, ParseError> {
        if !input.is_empty() {
            self.last_activity = now;
        }
        let piece = self.parser.next(input);
        match piece {
            Ok(Piece::Retry(ms)) => self.retry_ms = ms,
            Ok(Piece::EventEnd(end)) if end.dispatched => delivered(&mut self.phase),
            _ => {}
        }
        piece
    }
}

/// An event arrived: the open connection is healthy.
fn delivered(phase: &mut Phase) {
    if let Phase::Open { delivered } = phase {
        *delivered = true;
    }
}

/// Whether a `Content-Type` value's essence is `text/event-stream`: any
/// case, parameters allowed, spaces and tabs around it ignored.
fn is_event_stream(value: &[u8]) -> bool {
    let essence = value.split(|&byte| byte == b';').next().unwrap_or_default();
    trim(essence).eq_ignore_ascii_case(b"text/event-stream")
}

/// `bytes` without leading and trailing spaces and tabs.
fn trim(bytes: &[u8]) -> &[u8] {
    let blank = |byte: &u8| *byte == b' ' || *byte == b'\t';
    let start = bytes
        .iter()
        .position(|byte| !blank(byte))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|byte| !blank(byte))
        .map_or(start, |at| at + 1);
    bytes.get(start..end).unwrap_or_default()
}

/// A `Retry-After` of delay-seconds (an HTTP date is not read: the client
/// has no calendar clock).
fn delay_seconds(value: &[u8]) -> Option<u64> {
    let digits = trim(value);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut seconds: u64 = 0;
    for &digit in digits {
        seconds = seconds
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'));
    }
    Some(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_essence_is_matched_loosely() {
        for yes in [
            &b"text/event-stream"[..],
            b"Text/Event-Stream",
            b"text/event-stream; charset=utf-8",
            b" text/event-stream ;x=y",
            b"\ttext/event-stream\t",
        ] {
            assert!(is_event_stream(yes), "{yes:?}");
        }
        for no in [
            &b""[..],
            b"text/event-stream2",
            b"text/html",
            b"text/ event-stream",
            b"text/event-stream,text/html",
        ] {
            assert!(!is_event_stream(no), "{no:?}");
        }
    }

    #[test]
    fn retry_after_reads_delay_seconds_only() {
        assert_eq!(delay_seconds(b"120"), Some(120));
        assert_eq!(delay_seconds(b" 7 "), Some(7));
        assert_eq!(delay_seconds(b"99999999999999999999999"), Some(u64::MAX));
        assert_eq!(delay_seconds(b"Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(delay_seconds(b"-1"), None);
        assert_eq!(delay_seconds(b""), None);
    }
}
