//! An `EventSource` over any `embedded-io-async` TCP socket: sse-wire's
//! client core ([`Client`]) with the HTTP/1.1 it needs, in fixed memory.
//! Copy this file into a firmware; [`run`] is the one entry point.
//!
//! # The HTTP must be removed before the parser
//!
//! A socket gives the bytes of an HTTP response: a head, then a body that
//! is often cut into chunks (`Transfer-Encoding: chunked`), each preceded
//! by its size in hex on a line of its own and followed by CRLF. The
//! event-stream parser must see only the body's bytes, with that framing
//! removed. Fed raw, the framing does not cause an error, it changes the
//! events: a chunk boundary inside a `data:` line ends that line at the
//! framing's CRLF, and the size line after it becomes a line of the
//! stream (a field with an unknown name, ignored), so the event carries
//! the first part of its data and silently loses the rest, or gains bytes
//! that were never sent. A JSON reply cut that way parses as broken JSON,
//! with no sign from the parser. [`run`] reads and checks the head, then
//! removes chunked framing (or honours `Content-Length`) and feeds only
//! body bytes to [`Client::feed`].
//!
//! # What is bounded
//!
//! - The response head must fit the buffer given to [`run`]; a longer one
//!   ends the connection ([`Why::HeadTooLarge`]) instead of waiting for
//!   more.
//! - A chunk-size line (with extensions) and a trailer line are at most
//!   [`MAX_LINE`] bytes; the CRLF after each chunk's data is checked.
//! - The idle timeout of [`Config::with_idle_timeout_ms`] is applied to
//!   every read, the head's included, through [`Net::sleep_until`]. The
//!   connect step has no timeout of its own here: give the stack one.
//!
//! Redirects are not followed (an embedded client usually talks to one
//! known host): a redirect is reported ([`Note::Redirect`]) and counts as
//! a failed attempt, which the client backs off from like any other.
//!
//! [`Config::with_idle_timeout_ms`]: sse_wire::client::Config::with_idle_timeout_ms

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::Poll;

use embedded_io_async::{Error as _, ErrorKind, Read, Write};
use sse_wire::client::{Action, BodyParser, Client, Failure, ResponseHead, Verdict};
use sse_wire::{Buffer, End, Event, EventParser, ParseError, Status};

/// The longest chunk-size line (extensions included) or trailer line, in
/// bytes, without its CRLF.
pub const MAX_LINE: u16 = 128;

/// The request: the caller's method, host, path and optional body. The
/// client adds `Accept`, `Cache-Control` and `Last-Event-ID`.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// `GET`, or `POST` for an LLM API.
    pub method: &'a str,
    /// The `Host` header: the server's name (and port, if not 80).
    pub host: &'a str,
    /// The path and query, starting with `/`.
    pub path: &'a str,
    /// A body and its `Content-Type`, sent with a `Content-Length`.
    pub body: Option<(&'a str, &'a [u8])>,
}

impl Request<'_> {
    /// Whether every part can be sent as it is: no CR, LF or NUL anywhere
    /// in the head (which would inject a header), and no space in the
    /// method, host or path.
    fn is_valid(&self) -> bool {
        let clean = |text: &str, space: bool| {
            !text.is_empty()
                && text
                    .bytes()
                    .all(|byte| !matches!(byte, b'\r' | b'\n' | 0) && (space || byte != b' '))
        };
        clean(self.method, false)
            && clean(self.host, false)
            && clean(self.path, false)
            && self
                .body
                .is_none_or(|(content_type, _)| clean(content_type, true))
    }
}

/// What a socket cannot do by itself: open and close the connection, and
/// tell the time. With embassy-net, `connect` is `TcpSocket::connect` to
/// the server's address, `close` is `abort` and `flush`, `now` is
/// `Instant::now().as_millis()` and `sleep_until` is `Timer::at`.
pub trait Net<S> {
    /// Milliseconds from a monotonic clock.
    fn now(&mut self) -> u64;
    /// Returns at time `until` (or later).
    fn sleep_until(&mut self, until: u64) -> impl Future<Output = ()>;
    /// Opens the connection to the server on `socket`; `false` if it
    /// could not.
    fn connect(&mut self, socket: &mut S) -> impl Future<Output = bool>;
    /// Closes the connection (also called after a failed `connect`).
    fn close(&mut self, socket: &mut S) -> impl Future<Output = ()>;
}

/// What happened, as it happened: [`run`] hands each to the caller.
#[derive(Clone, Copy, Debug)]
pub enum Note<'a> {
    /// An event, as the parser dispatched it.
    Event(Event<'a>),
    /// An event did not fit the parser and was skipped; the stream goes on.
    Skipped(ParseError),
    /// The server refused the stream for good; [`run`] returns
    /// [`Stop::Failed`].
    Refused(Failure<'a>),
    /// A redirect to this `Location`, not followed.
    Redirect(&'a [u8]),
    /// A connection ended (or did not open): why, and whether an event was
    /// left unfinished and dropped. The client then waits or stops.
    Closed {
        /// Why it ended.
        why: Why,
        /// How the body ended (an unfinished event is dropped).
        end: End,
    },
}

/// Why a connection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// It could not be opened.
    Connect,
    /// The socket failed.
    Io(ErrorKind),
    /// The server closed it, or the body ended (its `Content-Length`, or
    /// the last chunk).
    Ended,
    /// The response head did not fit the buffer.
    HeadTooLarge,
    /// The response head is not HTTP/1.x.
    BadHead,
    /// The body's chunked framing is broken.
    BadChunk,
    /// A transfer coding other than `chunked`.
    Coding,
    /// Nothing arrived for the idle timeout.
    Idle,
    /// The response's status ended it (204, a refusal, a retry later, a
    /// redirect).
    Status(u16),
}

/// Why [`run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The server answered 204: the stream is over.
    Done,
    /// The server refused the stream, or the attempts ran out.
    Failed,
    /// The request holds a CR, LF or NUL, or a space where none may be.
    BadRequest,
}

/// Runs one `EventSource` over `socket` until the client stops, handing
/// each event (and each connection's end) to `on`.
///
/// It does what [`Client::poll`] says: connects (through `net`), writes the
/// request with [`Client::request_headers`], reads the response head into
/// `buf` (the head must fit it), hands the status, `Content-Type`,
/// `Location` and `Retry-After` to [`Client::response`], then removes the
/// body's chunked framing (or stops at its `Content-Length`) and feeds only
/// body bytes to [`Client::feed`]; it waits (through `net`) when the client
/// says to. `buf` also takes the body's reads: 256 bytes or more is plenty.
///
/// The response head and the chunked framing never reach the parser, and
/// must not: the event-stream parser accepts any bytes, so fed the raw
/// socket it reports no error, but each chunk-size line becomes a line of
/// the stream and each chunk boundary inside a `data:` line cuts that
/// line short, and events come out with wrong data (a JSON reply cut in
/// two, say), silently.
///
/// It returns only when the stream is over: a 204 ([`Stop::Done`]), a
/// refusal or the attempts used up ([`Stop::Failed`], after a
/// [`Note::Refused`] or the last [`Note::Closed`]), or a request that
/// cannot be sent ([`Stop::BadRequest`]). Connection ends in between are
/// reported and followed by a reconnection with `Last-Event-ID`, after the
/// wait the client says.
///
/// ```ignore
/// let mut client = Client::new(Parser::<1024, 64>::new(), Config::new());
/// let request = Request { method: "GET", host: "sensor.local", path: "/events", body: None };
/// let mut buf = [0; 512];
/// let stop = run(&mut client, &mut socket, &mut net, &request, &mut buf, |note| {
///     if let Note::Event(event) = note {
///         handle(event.event_type(), event.data());
///     }
/// })
/// .await;
/// ```
pub async fn run<S, N, D, M>(
    client: &mut Client<EventParser<D, M>>,
    socket: &mut S,
    net: &mut N,
    request: &Request<'_>,
    buf: &mut [u8],
    mut on: impl FnMut(Note<'_>),
) -> Stop
where
    S: Read + Write,
    N: Net<S>,
    D: Buffer,
    M: Buffer,
{
    if !request.is_valid() {
        return Stop::BadRequest;
    }
    loop {
        match client.poll(net.now()) {
            Action::Connect => {
                let why = if net.connect(socket).await {
                    exchange(client, socket, net, request, buf, &mut on).await
                } else {
                    Why::Connect
                };
                net.close(socket).await;
                // Also right after a verdict that ended the connection:
                // the client then knows already, and only the parser's
                // end is read.
                let end = client.disconnected(net.now());
                on(Note::Closed { why, end });
            }
            Action::Wait { until } => net.sleep_until(until).await,
            Action::Done => return Stop::Done,
            // Failed, or an action a later sse-wire may add (Read and
            // Drop come only while a connection is open, in `exchange`).
            _ => return Stop::Failed,
        }
    }
}

/// One connection, opened: the request, the head, the body.
async fn exchange<S, N, D, M>(
    client: &mut Client<EventParser<D, M>>,
    socket: &mut S,
    net: &mut N,
    request: &Request<'_>,
    buf: &mut [u8],
    on: &mut impl FnMut(Note<'_>),
) -> Why
where
    S: Read + Write,
    N: Net<S>,
    D: Buffer,
    M: Buffer,
{
    if let Err(error) = send(socket, client, request).await {
        return Why::Io(error.kind());
    }
    // The head, skipping interim (1xx) responses.
    let mut filled = 0;
    let (head_len, mut framing) = loop {
        let head_len = loop {
            if let Some(len) = head_end(&buf[..filled]) {
                break len;
            }
            if filled == buf.len() {
                return Why::HeadTooLarge;
            }
            match read(client, socket, net, &mut buf[filled..]).await {
                Ok(n) => filled += n,
                Err(why) => return why,
            }
        };
        let head = match parse_head(&buf[..head_len]) {
            Ok(head) => head,
            Err(why) => return why,
        };
        if (100..200).contains(&head.status) {
            buf.copy_within(head_len..filled, 0);
            filled -= head_len;
            continue;
        }
        let response = ResponseHead::new(head.status)
            .with_content_type(head.content_type)
            .with_location(head.location)
            .with_retry_after(head.retry_after);
        match client.response(net.now(), &response) {
            Verdict::Open => {}
            Verdict::Fail(failure) => {
                on(Note::Refused(failure));
                return Why::Status(head.status);
            }
            Verdict::Redirect { location, .. } => {
                on(Note::Redirect(location));
                return Why::Status(head.status);
            }
            // Done (204), Retry (with backoff), or a verdict a later
            // sse-wire may add: the client has planned what comes next.
            _ => return Why::Status(head.status),
        }
        match head.framing {
            Some(framing) => break (head_len, framing),
            None => return Why::Coding,
        }
    };
    // The body: what followed the head in `buf`, then read after read.
    let (mut start, mut end) = (head_len, filled);
    loop {
        let mut input = &buf[start..end];
        let now = net.now();
        while !input.is_empty() && !framing.is_done() {
            match framing.take(&mut input) {
                Ok(body) => feed(client, now, body, on),
                Err(BadChunk) => return Why::BadChunk,
            }
        }
        if framing.is_done() {
            return Why::Ended;
        }
        match read(client, socket, net, buf).await {
            Ok(n) => (start, end) = (0, n),
            Err(why) => return why,
        }
    }
}

/// Body bytes into the parser; each event (or skipped one) to `on`.
fn feed<D: Buffer, M: Buffer>(
    client: &mut Client<EventParser<D, M>>,
    now: u64,
    mut body: &[u8],
    on: &mut impl FnMut(Note<'_>),
) {
    loop {
        match client.feed(now, &mut body) {
            Ok(Status::NeedInput) => break,
            Ok(Status::Event(event)) => on(Note::Event(event)),
            Err(error) => on(Note::Skipped(error)),
            // `retry` (the client took it), comments.
            Ok(_) => {}
        }
    }
}

/// One read, within the client's idle timeout: the count read (never 0),
/// or why the connection is over.
async fn read<S: Read, N: Net<S>, P: BodyParser>(
    client: &mut Client<P>,
    socket: &mut S,
    net: &mut N,
    buf: &mut [u8],
) -> Result<usize, Why> {
    let Action::Read { deadline } = client.poll(net.now()) else {
        // Drop: the idle timeout ran out (the client planned what next).
        return Err(Why::Idle);
    };
    let result = match deadline {
        None => Some(socket.read(buf).await),
        Some(deadline) => {
            // Whichever ends first: the read or the wait. A read dropped
            // unfinished loses nothing that matters: the connection is
            // dropped with it.
            let mut reading = pin!(socket.read(buf));
            let mut waiting = pin!(net.sleep_until(deadline));
            poll_fn(|cx| match reading.as_mut().poll(cx) {
                Poll::Ready(result) => Poll::Ready(Some(result)),
                Poll::Pending => waiting.as_mut().poll(cx).map(|()| None),
            })
            .await
        }
    };
    match result {
        Some(Ok(0)) => Err(Why::Ended),
        Some(Ok(n)) => Ok(n),
        Some(Err(error)) => Err(Why::Io(error.kind())),
        // The idle timeout ran out: `run` tells the client.
        None => Err(Why::Idle),
    }
}

/// Writes the request head (and body).
async fn send<S: Write, P: BodyParser>(
    socket: &mut S,
    client: &Client<P>,
    request: &Request<'_>,
) -> Result<(), S::Error> {
    for part in [
        request.method,
        " ",
        request.path,
        " HTTP/1.1\r\nHost: ",
        request.host,
        "\r\n",
    ] {
        socket.write_all(part.as_bytes()).await?;
    }
    for (name, value) in client.request_headers() {
        for part in [name, ": ", value, "\r\n"] {
            socket.write_all(part.as_bytes()).await?;
        }
    }
    if let Some((content_type, body)) = request.body {
        let mut digits = [0; 20];
        for part in [
            b"Content-Type: ",
            content_type.as_bytes(),
            b"\r\nContent-Length: ",
            decimal(body.len(), &mut digits),
            b"\r\n",
        ] {
            socket.write_all(part).await?;
        }
    }
    socket.write_all(b"\r\n").await?;
    if let Some((_, body)) = request.body {
        socket.write_all(body).await?;
    }
    socket.flush().await
}

/// `n` in decimal, in `out`.
fn decimal(mut n: usize, out: &mut [u8; 20]) -> &[u8] {
    let mut at = out.len();
    loop {
        at -= 1;
        out[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &out[at..];
        }
    }
}

/// The length of the head at the start of `bytes` (through its blank
/// line), if it is all there. Lines end with LF, CRLF accepted.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(lf) = bytes[at..].iter().position(|&byte| byte == b'\n') {
        let line = &bytes[at..at + lf];
        at += lf + 1;
        if line.is_empty() || line == b"\r" {
            // The blank line ends the head (the status line cannot be
            // blank: an empty first line is left to `parse_head`).
            return Some(at);
        }
    }
    None
}

/// What [`run`] reads from a response head.
struct Head<'a> {
    status: u16,
    content_type: Option<&'a [u8]>,
    location: Option<&'a [u8]>,
    retry_after: Option<&'a [u8]>,
    /// How the body is framed; `None`: a transfer coding not supported.
    framing: Option<Framing>,
}

/// Reads a response head (status line, header lines, blank line).
fn parse_head(head: &[u8]) -> Result<Head<'_>, Why> {
    let mut lines = head
        .split(|&byte| byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let status = lines.next().and_then(status_code).ok_or(Why::BadHead)?;
    let mut parsed = Head {
        status,
        content_type: None,
        location: None,
        retry_after: None,
        framing: Some(Framing::Close),
    };
    let mut chunked = false;
    let mut length: Option<u64> = None;
    for line in lines.filter(|line| !line.is_empty()) {
        // A folded line (obsolete) or a name with spaces is refused.
        let colon = line
            .iter()
            .position(|&byte| byte == b':')
            .ok_or(Why::BadHead)?;
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.is_empty() || name.iter().any(|&byte| byte == b' ' || byte == b'\t') {
            return Err(Why::BadHead);
        }
        if name.eq_ignore_ascii_case(b"content-type") {
            parsed.content_type = Some(value);
        } else if name.eq_ignore_ascii_case(b"location") {
            parsed.location = Some(value);
        } else if name.eq_ignore_ascii_case(b"retry-after") {
            parsed.retry_after = Some(value);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            if !value.eq_ignore_ascii_case(b"chunked") || chunked {
                parsed.framing = None;
            }
            chunked = true;
        } else if name.eq_ignore_ascii_case(b"content-length") {
            let value = digits(value).ok_or(Why::BadHead)?;
            if length.is_some_and(|length| length != value) {
                return Err(Why::BadHead);
            }
            length = Some(value);
        }
    }
    if matches!(status, 100..=199 | 204 | 304) {
        parsed.framing = Some(Framing::Length(0));
    } else if chunked {
        // Transfer-Encoding wins over Content-Length.
        parsed.framing = parsed.framing.map(|_| Framing::Chunked(Chunked::new()));
    } else if let Some(length) = length {
        parsed.framing = Some(Framing::Length(length));
    }
    Ok(parsed)
}

/// The status code of an `HTTP/1.x SSS reason` line.
fn status_code(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let (&[minor, b' ', a, b, c], reason) = rest.split_at_checked(5)? else {
        return None;
    };
    let code = [a, b, c];
    if !minor.is_ascii_digit()
        || !code.iter().all(u8::is_ascii_digit)
        || !(reason.is_empty() || reason[0] == b' ')
    {
        return None;
    }
    Some(
        code.iter()
            .fold(0, |n, &digit| n * 10 + u16::from(digit - b'0')),
    )
}

/// A decimal number of at most 18 digits.
fn digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() || value.len() > 18 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        value
            .iter()
            .fold(0, |n, &digit| n * 10 + u64::from(digit - b'0')),
    )
}

/// `bytes` without leading and trailing spaces and tabs.
fn trim(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// How a response body is delimited.
#[derive(Clone, Copy, Debug)]
pub enum Framing {
    /// `Transfer-Encoding: chunked`.
    Chunked(Chunked),
    /// `Content-Length`: this many bytes are left.
    Length(u64),
    /// Neither: the body runs until the server closes.
    Close,
}

/// Broken chunked framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadChunk;

impl Framing {
    /// Consumes framing bytes from `input` and gives the body bytes that
    /// follow (possibly none: the input ran out, or the body ended).
    pub fn take<'i>(&mut self, input: &mut &'i [u8]) -> Result<&'i [u8], BadChunk> {
        match self {
            Framing::Chunked(chunked) => chunked.take(input),
            Framing::Length(left) => {
                let n = usize::try_from(*left)
                    .unwrap_or(usize::MAX)
                    .min(input.len());
                let (body, rest) = input.split_at(n);
                *left -= n as u64;
                *input = rest;
                Ok(body)
            }
            Framing::Close => Ok(core::mem::take(input)),
        }
    }

    /// Whether the body is over (what follows is not part of it).
    pub fn is_done(&self) -> bool {
        match self {
            Framing::Chunked(chunked) => chunked.state == State::Done,
            Framing::Length(left) => *left == 0,
            Framing::Close => false,
        }
    }
}

/// Removes chunked transfer framing, in a few bytes of state: each
/// chunk's size line (hex digits, optional extensions, CRLF; at most
/// [`MAX_LINE`] bytes), its data, the CRLF after it (checked), and after
/// the last (empty) chunk the trailer lines up to a blank line.
#[derive(Clone, Copy, Debug)]
pub struct Chunked {
    state: State,
    /// Bytes on the current size or trailer line.
    line: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// In the hex digits of a size line (`digits` so far).
    Size {
        size: u64,
        digits: u8,
    },
    /// After the digits: spaces, extensions, until CR.
    Extension {
        size: u64,
    },
    /// After a size line's CR.
    SizeLf {
        size: u64,
    },
    /// In a chunk's data.
    Data {
        left: u64,
    },
    /// After a chunk's data: its CR, then its LF.
    DataCr,
    DataLf,
    /// After the last chunk: a trailer line (`line` bytes so far), then
    /// its LF.
    Trailer,
    TrailerLf,
    /// The body is over.
    Done,
}

impl Chunked {
    /// At the start of a chunked body.
    pub const fn new() -> Self {
        Chunked {
            state: State::Size { size: 0, digits: 0 },
            line: 0,
        }
    }

    fn take<'i>(&mut self, input: &mut &'i [u8]) -> Result<&'i [u8], BadChunk> {
        while let Some((&byte, rest)) = input.split_first() {
            if let State::Data { left } = self.state {
                let n = usize::try_from(left).unwrap_or(usize::MAX).min(input.len());
                let (data, rest) = input.split_at(n);
                *input = rest;
                self.state = if left == n as u64 {
                    State::DataCr
                } else {
                    State::Data {
                        left: left - n as u64,
                    }
                };
                return Ok(data);
            }
            *input = rest;
            self.state = self.step(byte)?;
        }
        Ok(&[])
    }

    /// One framing byte.
    fn step(&mut self, byte: u8) -> Result<State, BadChunk> {
        let line_byte = |line: &mut u16| {
            *line += 1;
            if *line > MAX_LINE {
                Err(BadChunk)
            } else {
                Ok(())
            }
        };
        Ok(match (self.state, byte) {
            (State::Size { size, digits }, _) if byte.is_ascii_hexdigit() => {
                line_byte(&mut self.line)?;
                if digits == 16 {
                    return Err(BadChunk);
                }
                let value = (byte as char).to_digit(16).unwrap_or(0);
                State::Size {
                    size: size << 4 | u64::from(value),
                    digits: digits + 1,
                }
            }
            (State::Size { digits: 0, .. }, _) => return Err(BadChunk),
            (State::Size { size, .. } | State::Extension { size }, b'\r') => State::SizeLf { size },
            (State::Size { size, .. }, b';' | b' ' | b'\t') | (State::Extension { size }, _)
                if byte != b'\n' =>
            {
                line_byte(&mut self.line)?;
                State::Extension { size }
            }
            (State::SizeLf { size }, b'\n') => {
                self.line = 0;
                if size == 0 {
                    State::Trailer
                } else {
                    State::Data { left: size }
                }
            }
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataLf, b'\n') => State::Size { size: 0, digits: 0 },
            (State::Trailer, b'\r') => State::TrailerLf,
            (State::Trailer, _) if byte != b'\n' => {
                line_byte(&mut self.line)?;
                State::Trailer
            }
            (State::TrailerLf, b'\n') => {
                let blank = self.line == 0;
                self.line = 0;
                if blank {
                    State::Done
                } else {
                    State::Trailer
                }
            }
            (State::Done, _) => State::Done,
            _ => return Err(BadChunk),
        })
    }
}

impl Default for Chunked {
    fn default() -> Self {
        Self::new()
    }
}
