//! A blocking HTTP/1.1 client for plain `http://` URLs, strict and bounded
//! whatever the server sends.
//!
//! One [`send`] is one connection and one exchange (`Connection: close`):
//! it connects, writes the [`Request`] and reads the response head, then
//! hands back a [`Response`] whose [`Body`] reads the body with its framing
//! removed. Every wait has a limit and every buffer a size fixed by
//! [`Limits`], never by the server:
//!
//! - connecting to each resolved address waits at most
//!   [`Limits::connect_timeout`];
//! - writing the request and reading the whole response head (however
//!   slowly its bytes trickle in) must end by [`Limits::head_deadline`];
//! - the head is at most [`Limits::max_head`] bytes, interim `1xx` heads
//!   included;
//! - each read of the body waits at most [`Limits::idle`] for a byte;
//! - a chunk-size line is at most [`Limits::max_chunk_line`] bytes, the
//!   trailers at most [`Limits::max_head`];
//! - the body is read through one fixed 8 KiB buffer.
//!
//! Strictness: a status line or header line that breaks HTTP/1.1's grammar
//! is an error, not a guess. Header values are bytes (HTTP allows
//! `obs-text`, bytes over 0x7F), names are ASCII tokens compared without
//! case. Head lines may end in CRLF or a bare LF (RFC 9112 §2.2 allows
//! both); a bare CR is an error. Chunked framing takes CRLF only: a
//! chunk-size line, the end of each chunk's data and each trailer line must
//! end in CRLF, which is where framing discrepancies between parsers hide.
//!
//! Resolving a host name goes through the system resolver
//! ([`std::net::ToSocketAddrs`]), which takes no timeout: only connecting,
//! writing and reading are bounded. IP literals never touch the resolver.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Ipv6Addr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The size of a body's read buffer.
const BUFFER: usize = 8192;

/// The shortest timeout given to the socket (a zero timeout means "none"
/// to the operating system, and `std` refuses it).
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

// --- URLs ----------------------------------------------------------------

/// An `http://` URL, split into what a connection and a request need.
///
/// The fragment (`#…`) is dropped: it is never sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Url {
    /// The host: a lowercase name or IPv4 address, or an IPv6 address
    /// without its brackets (`::1`).
    pub host: String,
    /// The port, 80 when the URL names none.
    pub port: u16,
    /// The request target: the path and query, starting with `/`, with
    /// dot segments removed and non-ASCII bytes, spaces, `"`, `<`, `>` and
    /// `` ` `` percent-encoded.
    pub path: String,
}

/// Why a URL or a `Location` was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// An empty `Location`.
    Empty,
    /// A `Location` that is not UTF-8.
    NotUtf8,
    /// Not an `http://` URL (`https` is not spoken; no scheme at all is
    /// refused by [`Url::parse`]).
    Scheme,
    /// User information (`user@host`) in the URL, which is not sent.
    UserInfo,
    /// A missing or malformed host, or a malformed IPv6 literal.
    Host,
    /// A port that is not a number from 1 to 65535.
    Port,
    /// A control character in the path or query.
    Path,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::Empty => "empty location",
            UrlError::NotUtf8 => "location is not UTF-8",
            UrlError::Scheme => "not an http:// URL",
            UrlError::UserInfo => "user information in URLs is not supported",
            UrlError::Host => "missing or malformed host",
            UrlError::Port => "port is not a number from 1 to 65535",
            UrlError::Path => "control character in the path",
        })
    }
}

impl std::error::Error for UrlError {}

impl Url {
    /// Parses `http://host[:port][/path][?query][#fragment]`.
    ///
    /// The scheme is matched without case; the host may be a name, an IPv4
    /// address or an IPv6 literal in brackets (`http://[::1]:8080/x`, no
    /// zone). An empty port (`host:`) means 80.
    pub fn parse(url: &str) -> Result<Url, UrlError> {
        let scheme = scheme_of(url).ok_or(UrlError::Scheme)?;
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(UrlError::Scheme);
        }
        let rest = url[scheme.len() + 1..]
            .strip_prefix("//")
            .ok_or(UrlError::Host)?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (host, port) = parse_authority(authority)?;
        Ok(Url {
            host,
            port,
            path: normalize_target(tail)?,
        })
    }

    /// Resolves the value of a `Location` header against this URL: an
    /// absolute `http://` URL, a scheme-relative `//host/path`, an absolute
    /// path, a query, or a relative path (dot segments resolved).
    ///
    /// An empty value, one that is not UTF-8, or an absolute URL of another
    /// scheme is an error.
    pub fn join(&self, location: &[u8]) -> Result<Url, UrlError> {
        let location = std::str::from_utf8(location).map_err(|_| UrlError::NotUtf8)?;
        let location = location.trim_matches([' ', '\t']);
        if location.is_empty() {
            return Err(UrlError::Empty);
        }
        if scheme_of(location).is_some() {
            return Url::parse(location);
        }
        if location.starts_with("//") {
            return Url::parse(&format!("http:{location}"));
        }
        let base_path = self.path.split(['?', '#']).next().unwrap_or("/");
        let target = if location.starts_with('/') {
            location.to_owned()
        } else if location.starts_with('?') {
            format!("{base_path}{location}")
        } else if location.starts_with('#') {
            self.path.clone()
        } else {
            let directory = match base_path.rfind('/') {
                Some(slash) => &base_path[..=slash],
                None => "/",
            };
            format!("{directory}{location}")
        };
        Ok(Url {
            host: self.host.clone(),
            port: self.port,
            path: normalize_target(&target)?,
        })
    }

    /// The `Host` header's value: the host (in brackets if IPv6), and the
    /// port unless it is 80.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

impl fmt::Display for Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}{}", self.authority(), self.path)
    }
}

/// The scheme of an absolute URL (`ALPHA *( ALPHA / DIGIT / "+" / "-" /
/// "." )` before a colon that comes before any `/`, `?` or `#`).
fn scheme_of(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    (first.is_ascii_alphabetic()
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
    .then_some(scheme)
}

fn parse_authority(authority: &str) -> Result<(String, u16), UrlError> {
    if authority.contains('@') {
        return Err(UrlError::UserInfo);
    }
    let (host, port) = if let Some(literal) = authority.strip_prefix('[') {
        let (address, after) = literal.split_once(']').ok_or(UrlError::Host)?;
        let address: Ipv6Addr = address.parse().map_err(|_| UrlError::Host)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(UrlError::Host)?),
        };
        (address.to_string(), port)
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let valid = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
        if host.is_empty() || !host.bytes().all(valid) {
            return Err(UrlError::Host);
        }
        (host.to_ascii_lowercase(), port)
    };
    let port = match port {
        None | Some("") => 80,
        Some(digits) => {
            if digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(UrlError::Port);
            }
            match digits.parse::<u16>() {
                Ok(0) | Err(_) => return Err(UrlError::Port),
                Ok(port) => port,
            }
        }
    };
    Ok((host, port))
}

/// Turns what follows the authority (or a path to resolve) into a request
/// target: fragment dropped, `/` when empty, dot segments removed, unsafe
/// bytes percent-encoded, control characters refused.
fn normalize_target(tail: &str) -> Result<String, UrlError> {
    let tail = tail.split('#').next().unwrap_or("");
    let (path, query) = match tail.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (tail, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    let mut target = String::new();
    encode_into(&mut target, &remove_dot_segments(path))?;
    if let Some(query) = query {
        target.push('?');
        encode_into(&mut target, query)?;
    }
    Ok(target)
}

/// RFC 3986 §5.2.4, for a path that starts with `/`.
fn remove_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let last = segments.len() - 1;
    let mut out: Vec<&str> = Vec::new();
    for (i, segment) in segments.into_iter().enumerate() {
        match segment {
            "." => {}
            ".." => {
                out.pop();
            }
            segment => {
                out.push(segment);
                continue;
            }
        }
        // A trailing `.` or `..` leaves a directory: `/a/b/..` is `/a/`.
        if i == last {
            out.push("");
        }
    }
    format!("/{}", out.join("/"))
}

fn encode_into(out: &mut String, text: &str) -> Result<(), UrlError> {
    for b in text.bytes() {
        match b {
            0..=0x1f | 0x7f => return Err(UrlError::Path),
            b' ' | b'"' | b'<' | b'>' | b'`' | 0x80.. => {
                out.push_str(&format!("%{b:02X}"));
            }
            _ => out.push(char::from(b)),
        }
    }
    Ok(())
}

// --- Requests and limits -----------------------------------------------

/// A request to send: method, URL, the caller's headers and a body.
///
/// [`send`] adds `Host`, `Connection: close` and, with a body,
/// `Content-Length`; the caller gives the rest (`Accept`, `Cache-Control`,
/// `Last-Event-ID`, `Content-Type`, …) and may not give those four names
/// or `Transfer-Encoding`.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The method, a token such as `GET` or `POST`.
    pub method: &'a str,
    /// Where to send it.
    pub url: &'a Url,
    /// Header names (tokens) and values (bytes without CR, LF or NUL).
    pub headers: &'a [(&'a str, &'a [u8])],
    /// The body, sent with a `Content-Length`.
    pub body: Option<&'a [u8]>,
}

impl<'a> Request<'a> {
    /// A `GET` of `url` with no headers of the caller's.
    pub fn get(url: &'a Url) -> Request<'a> {
        Request {
            method: "GET",
            url,
            headers: &[],
            body: None,
        }
    }

    /// The request as it goes on the wire, after checking it: the method
    /// and header names must be tokens, header values must hold no CR, LF
    /// or NUL, and the headers [`send`] writes itself are refused.
    pub fn encode(&self) -> Result<Vec<u8>, HttpError> {
        if !is_token(self.method.as_bytes()) {
            return Err(HttpError::InvalidRequest("the method is not a token"));
        }
        let mut out = Vec::new();
        out.extend_from_slice(self.method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.url.path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        out.extend_from_slice(self.url.authority().as_bytes());
        out.extend_from_slice(b"\r\nConnection: close\r\n");
        for &(name, value) in self.headers {
            if !is_token(name.as_bytes()) {
                return Err(HttpError::InvalidRequest("a header name is not a token"));
            }
            if ["host", "content-length", "transfer-encoding", "connection"]
                .iter()
                .any(|reserved| name.eq_ignore_ascii_case(reserved))
            {
                return Err(HttpError::InvalidRequest(
                    "Host, Content-Length, Transfer-Encoding and Connection are written by send",
                ));
            }
            if value.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)) {
                return Err(HttpError::InvalidRequest(
                    "a header value holds CR, LF or NUL",
                ));
            }
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(trim_ows(value));
            out.extend_from_slice(b"\r\n");
        }
        if let Some(body) = self.body {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
        } else {
            out.extend_from_slice(b"\r\n");
        }
        Ok(out)
    }
}

/// How long and how much an exchange may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest wait for a connection, per resolved address.
    pub connect_timeout: Duration,
    /// From the connection on: the whole time to write the request and read
    /// the complete response head, however slowly it arrives.
    pub head_deadline: Duration,
    /// The most bytes of response head (status line, header lines, the
    /// blank line, and any interim `1xx` heads before), and of a chunked
    /// body's trailers. The head is kept as one buffer of at most this
    /// size, plus 32 bytes of index per header line (64-bit targets).
    pub max_head: usize,
    /// The longest chunk-size line, extensions and CRLF included.
    pub max_chunk_line: usize,
    /// The longest wait for a byte of the body; a body read that waits
    /// longer fails with [`io::ErrorKind::TimedOut`].
    pub idle: Duration,
}

impl Default for Limits {
    /// 10 s to connect, 30 s for the head, 64 KiB of head, 1 KiB per
    /// chunk-size line, and 60 s of silence in a body (an event stream's
    /// keep-alive comments come more often than that).
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(10),
            head_deadline: Duration::from_secs(30),
            max_head: 64 * 1024,
            max_chunk_line: 1024,
            idle: Duration::from_secs(60),
        }
    }
}

// --- Errors --------------------------------------------------------------

/// Why an exchange failed before a response head was read.
#[derive(Debug)]
#[non_exhaustive]
pub enum HttpError {
    /// The request cannot be sent as it is (nothing was sent).
    InvalidRequest(&'static str),
    /// The host did not resolve, or no address accepted a connection
    /// within the connect timeout (the last address's error).
    Connect(io::Error),
    /// The head deadline passed while writing the request or reading the
    /// response head.
    Timeout,
    /// The response head grew past [`Limits::max_head`] bytes.
    HeadTooLarge {
        /// The limit that was reached.
        limit: usize,
    },
    /// The response head breaks HTTP/1.1's grammar or framing rules.
    Malformed(&'static str),
    /// Any other I/O failure; a connection that closes before the end of
    /// the head is [`io::ErrorKind::UnexpectedEof`].
    Io(io::Error),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::InvalidRequest(why) => write!(f, "invalid request: {why}"),
            HttpError::Connect(error) => write!(f, "cannot connect: {error}"),
            HttpError::Timeout => f.write_str("no complete response head before the deadline"),
            HttpError::HeadTooLarge { limit } => {
                write!(f, "response head over {limit} bytes")
            }
            HttpError::Malformed(why) => write!(f, "malformed response: {why}"),
            HttpError::Io(error) => write!(f, "{error}"),
        }
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HttpError::Connect(error) | HttpError::Io(error) => Some(error),
            _ => None,
        }
    }
}

fn invalid_data(why: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why)
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "no byte within the time limit")
}

// --- The exchange --------------------------------------------------------

/// Sends `request` on a new connection and reads the response head.
///
/// Each address the host resolves to is tried in turn, each for at most
/// [`Limits::connect_timeout`]. Then the request is written and the head
/// read, both by [`Limits::head_deadline`]. Interim `1xx` responses (other
/// than 101) are skipped. The body is left to [`Response::body`].
pub fn send(request: &Request<'_>, limits: &Limits) -> Result<Response, HttpError> {
    let bytes = request.encode()?;
    let stream = connect(request.url, limits.connect_timeout)?;
    let deadline = deadline_after(limits.head_deadline);
    let _ = stream.set_nodelay(true);
    stream
        .set_write_timeout(Some(time_left(deadline).ok_or(HttpError::Timeout)?))
        .map_err(HttpError::Io)?;
    (&stream)
        .write_all(&bytes)
        .map_err(|error| match error.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => HttpError::Timeout,
            _ => HttpError::Io(error),
        })?;
    let mut wire = Wire::new(stream);
    let head = read_head(&mut wire, limits.max_head, deadline)?;
    let framing = framing(request.method, &head)?;
    wire.stream
        .set_read_timeout(Some(limits.idle.max(MIN_TIMEOUT)))
        .map_err(HttpError::Io)?;
    Ok(Response {
        head,
        body: Body {
            decoder: Decoder::new(wire, framing, limits),
        },
    })
}

fn connect(url: &Url, timeout: Duration) -> Result<TcpStream, HttpError> {
    let addresses = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(HttpError::Connect)?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the host has no address");
    for address in addresses {
        match TcpStream::connect_timeout(&address, timeout.max(MIN_TIMEOUT)) {
            Ok(stream) => return Ok(stream),
            Err(error) => last = error,
        }
    }
    Err(HttpError::Connect(last))
}

fn deadline_after(duration: Duration) -> Instant {
    let now = Instant::now();
    // A year stands for "no deadline" when the sum overflows.
    now.checked_add(duration)
        .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}

/// The time left before `deadline`, or `None` when it has passed.
fn time_left(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left.max(MIN_TIMEOUT))
}

// --- Reading: a socket behind one fixed buffer --------------------------

/// What the reading side needs of a connection (a trait so that the
/// framing can be tested over scripted readers).
trait Socket: Read {
    /// Sets the longest wait of each `read`.
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()>;
}

impl Socket for TcpStream {
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.set_read_timeout(Some(timeout))
    }
}

/// A connection's reading side with a fixed buffer.
struct Wire<S> {
    stream: S,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    eof: bool,
}

/// How [`Wire::read_line`] ended.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// A whole line, its LF included, was appended.
    Done,
    /// The line would pass the limit.
    TooLong,
    /// The connection closed first.
    Eof,
}

impl<S: Socket> Wire<S> {
    fn new(stream: S) -> Self {
        Wire {
            stream,
            buf: vec![0; BUFFER].into_boxed_slice(),
            pos: 0,
            end: 0,
            eof: false,
        }
    }

    /// Makes sure a byte is buffered; `false` at the end of the stream.
    /// With a deadline, waits at most until then; without, as long as the
    /// socket's timeout says. A timeout is [`io::ErrorKind::TimedOut`].
    fn fill(&mut self, deadline: Option<Instant>) -> io::Result<bool> {
        if self.pos < self.end {
            return Ok(true);
        }
        if self.eof {
            return Ok(false);
        }
        if let Some(deadline) = deadline {
            let left = time_left(deadline).ok_or_else(timed_out)?;
            self.stream.set_timeout(left)?;
        }
        loop {
            match self.stream.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.pos = 0;
                    self.end = n;
                    return Ok(true);
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(timed_out())
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn buffered(&self) -> &[u8] {
        &self.buf[self.pos..self.end]
    }

    /// Copies buffered bytes into `out`, at most `max` of them.
    fn take(&mut self, out: &mut [u8], max: u64) -> usize {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        let n = self.buffered().len().min(out.len()).min(max);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Appends one line, through its LF, to `out`, as long as `out` stays
    /// within `limit` bytes.
    fn read_line(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
        deadline: Option<Instant>,
    ) -> io::Result<Line> {
        loop {
            if !self.fill(deadline)? {
                return Ok(Line::Eof);
            }
            let buffered = self.buffered();
            let (n, done) = match buffered.iter().position(|&b| b == b'\n') {
                Some(lf) => (lf + 1, true),
                None => (buffered.len(), false),
            };
            if out.len() + n > limit {
                return Ok(Line::TooLong);
            }
            // Grow by doubling, but never past the limit.
            let needed = out.len() + n;
            if needed > out.capacity() {
                let capacity = needed.max(out.capacity() * 2).min(limit);
                out.reserve_exact(capacity - out.len());
            }
            out.extend_from_slice(&buffered[..n]);
            self.pos += n;
            if done {
                return Ok(Line::Done);
            }
        }
    }
}

// --- The response head ---------------------------------------------------

/// A header field: ranges of the head's bytes.
#[derive(Clone, Copy, Debug)]
struct Field {
    name: (usize, usize),
    value: (usize, usize),
}

/// A parsed response head.
#[derive(Debug)]
struct Head {
    /// The bytes of the final head, as received (obs-folds turned to
    /// spaces).
    raw: Vec<u8>,
    minor_version: u8,
    status: u16,
    reason: (usize, usize),
    fields: Vec<Field>,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

/// A byte allowed inside a field value or reason phrase: HTAB, SP,
/// visible ASCII, obs-text.
fn is_text(b: u8) -> bool {
    b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes {
        if !is_ows(*first) {
            break;
        }
        bytes = rest;
    }
    while let [rest @ .., last] = bytes {
        if !is_ows(*last) {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// The range of `raw[start..end]` with OWS trimmed on both sides.
fn trimmed(raw: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && is_ows(raw[start]) {
        start += 1;
    }
    while end > start && is_ows(raw[end - 1]) {
        end -= 1;
    }
    (start, end)
}

/// Reads heads until a final (non-1xx) one, within `max_head` bytes in
/// all and by `deadline`.
fn read_head<S: Socket>(
    wire: &mut Wire<S>,
    max_head: usize,
    deadline: Instant,
) -> Result<Head, HttpError> {
    let mut budget = max_head;
    loop {
        let head = read_one_head(wire, budget, deadline).map_err(|error| match error {
            HttpError::HeadTooLarge { .. } => HttpError::HeadTooLarge { limit: max_head },
            error => error,
        })?;
        match head.status {
            101 => return Err(HttpError::Malformed("101 Switching Protocols unasked")),
            100..=199 => budget -= head.raw.len(),
            _ => return Ok(head),
        }
    }
}

fn read_one_head<S: Socket>(
    wire: &mut Wire<S>,
    limit: usize,
    deadline: Instant,
) -> Result<Head, HttpError> {
    let mut head = Head {
        raw: Vec::new(),
        minor_version: 1,
        status: 0,
        reason: (0, 0),
        fields: Vec::new(),
    };
    // Where the previous line's content ended (before its CR LF), for
    // obs-fold.
    let mut previous_end = 0;
    loop {
        let start = head.raw.len();
        match wire.read_line(&mut head.raw, limit, Some(deadline)) {
            Ok(Line::Done) => {}
            Ok(Line::TooLong) => return Err(HttpError::HeadTooLarge { limit }),
            Ok(Line::Eof) => {
                return Err(HttpError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection closed before the end of the response head",
                )))
            }
            Err(error) if error.kind() == io::ErrorKind::TimedOut => {
                return Err(HttpError::Timeout)
            }
            Err(error) => return Err(HttpError::Io(error)),
        }
        // The line without its LF and an optional CR before it.
        let mut end = head.raw.len() - 1;
        if end > start && head.raw[end - 1] == b'\r' {
            end -= 1;
        }
        if start == 0 {
            parse_status_line(&mut head, end)?;
        } else if end == start {
            return Ok(head);
        } else if is_ows(head.raw[start]) {
            // obs-fold: the line continues the previous field's value, and
            // its line break becomes spaces (RFC 9112 §5.2).
            let field = head
                .fields
                .last_mut()
                .ok_or(HttpError::Malformed("a folded line follows no header"))?;
            if !head.raw[start..end].iter().all(|&b| is_text(b)) {
                return Err(HttpError::Malformed(
                    "a control character in a header value",
                ));
            }
            head.raw[previous_end..start].fill(b' ');
            field.value = trimmed(&head.raw, field.value.0, end);
        } else {
            let line = &head.raw[start..end];
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .ok_or(HttpError::Malformed("a header line without a colon"))?;
            if !is_token(&line[..colon]) {
                return Err(HttpError::Malformed("a header name is not a token"));
            }
            if !line[colon + 1..].iter().all(|&b| is_text(b)) {
                return Err(HttpError::Malformed(
                    "a control character in a header value",
                ));
            }
            head.fields.push(Field {
                name: (start, start + colon),
                value: trimmed(&head.raw, start + colon + 1, end),
            });
        }
        previous_end = end;
    }
}

/// `HTTP/1.x SP 3DIGIT [SP reason]`, the line being `raw[..end]`.
fn parse_status_line(head: &mut Head, end: usize) -> Result<(), HttpError> {
    let line = &head.raw[..end];
    let malformed = HttpError::Malformed("not an HTTP/1.x status line");
    let rest = line.strip_prefix(b"HTTP/1.").ok_or(malformed)?;
    let (minor, status, rest) = match rest {
        [minor @ b'0'..=b'9', b' ', a, b, c, rest @ ..]
            if [a, b, c].iter().all(|d| d.is_ascii_digit()) =>
        {
            let status = [a, b, c]
                .iter()
                .fold(0u16, |n, &&d| n * 10 + u16::from(d - b'0'));
            (*minor - b'0', status, rest)
        }
        _ => return Err(HttpError::Malformed("not an HTTP/1.x status line")),
    };
    if status < 100 {
        return Err(HttpError::Malformed("a status code under 100"));
    }
    let reason = match rest {
        [] => &[][..],
        [b' ', reason @ ..] => reason,
        _ => return Err(HttpError::Malformed("not an HTTP/1.x status line")),
    };
    if !reason.iter().all(|&b| is_text(b)) {
        return Err(HttpError::Malformed(
            "a control character in the reason phrase",
        ));
    }
    head.minor_version = minor;
    head.status = status;
    head.reason = (end - reason.len(), end);
    Ok(())
}

impl Head {
    fn name(&self, field: &Field) -> &[u8] {
        &self.raw[field.name.0..field.name.1]
    }

    fn value(&self, field: &Field) -> &[u8] {
        &self.raw[field.value.0..field.value.1]
    }

    /// The values of every field called `name`.
    fn values<'h, 'n>(&'h self, name: &'n str) -> impl Iterator<Item = &'h [u8]> + use<'h, 'n> {
        self.fields
            .iter()
            .filter(move |field| self.name(field).eq_ignore_ascii_case(name.as_bytes()))
            .map(|field| self.value(field))
    }
}

/// How a body is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    Close,
}

fn framing(method: &str, head: &Head) -> Result<Framing, HttpError> {
    if method.eq_ignore_ascii_case("HEAD") || matches!(head.status, 204 | 304) {
        return Ok(Framing::Length(0));
    }
    let mut codings = head
        .values("transfer-encoding")
        .flat_map(|value| value.split(|&b| b == b','))
        .map(trim_ows)
        .filter(|coding| !coding.is_empty())
        .peekable();
    if codings.peek().is_some() {
        if head.minor_version == 0 {
            return Err(HttpError::Malformed("Transfer-Encoding in HTTP/1.0"));
        }
        if head.values("content-length").next().is_some() {
            return Err(HttpError::Malformed(
                "both Transfer-Encoding and Content-Length",
            ));
        }
        let chunked = codings
            .next()
            .is_some_and(|c| c.eq_ignore_ascii_case(b"chunked"));
        if !chunked || codings.next().is_some() {
            return Err(HttpError::Malformed(
                "a transfer coding other than chunked alone",
            ));
        }
        return Ok(Framing::Chunked);
    }
    let mut length = None;
    for value in head
        .values("content-length")
        .flat_map(|value| value.split(|&b| b == b','))
    {
        let n = parse_decimal(trim_ows(value)).ok_or(HttpError::Malformed(
            "a Content-Length that is not a number",
        ))?;
        if length.is_some_and(|length| length != n) {
            return Err(HttpError::Malformed("conflicting Content-Length values"));
        }
        length = Some(n);
    }
    Ok(length.map_or(Framing::Close, Framing::Length))
}

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n = 0u64;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(n)
}

// --- The response ----------------------------------------------------------

/// A response: its status and headers, read; its body, to read.
#[derive(Debug)]
pub struct Response {
    head: Head,
    body: Body,
}

impl Response {
    /// The status code (100 to 999; never 1xx, which are skipped).
    pub fn status(&self) -> u16 {
        self.head.status
    }

    /// The reason phrase, as sent (maybe empty; maybe not UTF-8).
    pub fn reason(&self) -> &[u8] {
        &self.head.raw[self.head.reason.0..self.head.reason.1]
    }

    /// The value of the first header called `name` (ASCII case ignored),
    /// without its surrounding whitespace. Values are bytes: HTTP allows
    /// bytes over 0x7F.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.head.values(name).next()
    }

    /// Every header, in order, names as sent.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.head.fields.iter().map(|field| {
            // Names were checked to be tokens, which are ASCII.
            let name = std::str::from_utf8(self.head.name(field)).unwrap_or_default();
            (name, self.head.value(field))
        })
    }

    /// The body, to read.
    pub fn body(&mut self) -> &mut Body {
        &mut self.body
    }

    /// The body, keeping nothing else.
    pub fn into_body(self) -> Body {
        self.body
    }
}

/// A response body with its framing removed: read it with [`Read`].
///
/// - Chunked: the chunks' data, checked strictly (hex sizes with optional
///   extensions, CRLF after each chunk's data, trailers read and dropped);
///   the last, empty, chunk ends it.
/// - `Content-Length`: exactly that many bytes; a connection that closes
///   before is an [`io::ErrorKind::UnexpectedEof`] error, and bytes after
///   them are never returned.
/// - Neither: everything until the server closes.
///
/// `Ok(0)` (for a non-empty buffer) means the body ended as its framing
/// says. Broken framing is [`io::ErrorKind::InvalidData`]; no byte within
/// [`Limits::idle`] is [`io::ErrorKind::TimedOut`]. After any error the
/// body is over: every later read fails too.
#[derive(Debug)]
pub struct Body {
    decoder: Decoder<TcpStream>,
}

impl Body {
    /// Whether the body was read to its end.
    pub fn is_finished(&self) -> bool {
        self.decoder.state == State::Done
    }
}

impl Read for Body {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.decoder.read(buf)
    }
}

impl<S> fmt::Debug for Wire<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wire")
            .field("buffered", &(self.end - self.pos))
            .field("eof", &self.eof)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// This many bytes of a `Content-Length` body are left.
    Length(u64),
    /// Until the connection closes.
    Close,
    /// A chunk-size line is next.
    ChunkSize,
    /// This many bytes of a chunk's data are left.
    ChunkData(u64),
    /// The CRLF after a chunk's data is next (`true`: its CR was read).
    ChunkEnd(bool),
    /// Trailer lines, up to a blank line.
    Trailers,
    Done,
    Failed,
}

#[derive(Debug)]
struct Decoder<S> {
    wire: Wire<S>,
    state: State,
    max_chunk_line: usize,
    max_trailers: usize,
    /// The current chunk-size or trailer line.
    line: Vec<u8>,
    /// Bytes of trailers so far.
    trailers: usize,
}

impl<S: Socket> Decoder<S> {
    fn new(wire: Wire<S>, framing: Framing, limits: &Limits) -> Self {
        Decoder {
            wire,
            state: match framing {
                Framing::Length(0) => State::Done,
                Framing::Length(n) => State::Length(n),
                Framing::Chunked => State::ChunkSize,
                Framing::Close => State::Close,
            },
            max_chunk_line: limits.max_chunk_line,
            max_trailers: limits.max_head,
            line: Vec::new(),
            trailers: 0,
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let result = self.step(buf);
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    fn cut_off() -> io::Error {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the connection closed inside the body",
        )
    }

    /// Reads data into `buf`, going through as much framing as it takes
    /// (each pass of the loop consumes framing bytes, which are bounded
    /// per chunk, or returns).
    fn step(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.state {
                State::Done => return Ok(0),
                State::Failed => return Err(invalid_data("the body failed earlier")),
                State::Length(left) => {
                    if !self.wire.fill(None)? {
                        return Err(Self::cut_off());
                    }
                    let n = self.wire.take(buf, left);
                    let left = left - n as u64;
                    self.state = if left == 0 {
                        State::Done
                    } else {
                        State::Length(left)
                    };
                    return Ok(n);
                }
                State::Close => {
                    if !self.wire.fill(None)? {
                        self.state = State::Done;
                        return Ok(0);
                    }
                    return Ok(self.wire.take(buf, u64::MAX));
                }
                State::ChunkSize => {
                    self.line.clear();
                    match self
                        .wire
                        .read_line(&mut self.line, self.max_chunk_line, None)?
                    {
                        Line::Done => {}
                        Line::TooLong => return Err(invalid_data("a chunk-size line too long")),
                        Line::Eof => return Err(Self::cut_off()),
                    }
                    self.state = match parse_chunk_size(&self.line)? {
                        0 => State::Trailers,
                        size => State::ChunkData(size),
                    };
                }
                State::ChunkData(left) => {
                    if !self.wire.fill(None)? {
                        return Err(Self::cut_off());
                    }
                    let n = self.wire.take(buf, left);
                    let left = left - n as u64;
                    self.state = if left == 0 {
                        State::ChunkEnd(false)
                    } else {
                        State::ChunkData(left)
                    };
                    return Ok(n);
                }
                State::ChunkEnd(seen_cr) => {
                    if !self.wire.fill(None)? {
                        return Err(Self::cut_off());
                    }
                    let byte = self.wire.buffered()[0];
                    self.wire.pos += 1;
                    self.state = match (seen_cr, byte) {
                        (false, b'\r') => State::ChunkEnd(true),
                        (true, b'\n') => State::ChunkSize,
                        _ => return Err(invalid_data("no CRLF after a chunk's data")),
                    };
                }
                State::Trailers => {
                    self.line.clear();
                    let limit = self.max_trailers - self.trailers;
                    match self.wire.read_line(&mut self.line, limit, None)? {
                        Line::Done => {}
                        Line::TooLong => return Err(invalid_data("trailers too long")),
                        Line::Eof => return Err(Self::cut_off()),
                    }
                    self.trailers += self.line.len();
                    let line = self
                        .line
                        .strip_suffix(b"\r\n")
                        .ok_or_else(|| invalid_data("a trailer line not ended by CRLF"))?;
                    if line.is_empty() {
                        self.state = State::Done;
                        return Ok(0);
                    }
                    let colon = line.iter().position(|&b| b == b':');
                    let valid = colon.is_some_and(|colon| {
                        is_token(&line[..colon]) && line[colon + 1..].iter().all(|&b| is_text(b))
                    });
                    if !valid {
                        return Err(invalid_data("a malformed trailer line"));
                    }
                }
            }
        }
    }
}

/// `1*HEXDIG [ BWS ";" chunk-ext ] CRLF`: the chunk's size.
fn parse_chunk_size(line: &[u8]) -> io::Result<u64> {
    let line = line
        .strip_suffix(b"\r\n")
        .ok_or_else(|| invalid_data("a chunk-size line not ended by CRLF"))?;
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 {
        return Err(invalid_data("a chunk-size line without a size"));
    }
    let mut size = 0u64;
    for &d in &line[..digits] {
        let value = char::from(d).to_digit(16).unwrap_or(0);
        size = size
            .checked_mul(16)
            .and_then(|size| size.checked_add(u64::from(value)))
            .ok_or_else(|| invalid_data("a chunk size over 64 bits"))?;
    }
    let rest = &line[digits..];
    let rest = &rest[rest.iter().take_while(|&&b| is_ows(b)).count()..];
    match rest {
        [] => Ok(size),
        [b';', extensions @ ..] if extensions.iter().all(|&b| is_text(b)) => Ok(size),
        _ => Err(invalid_data("a malformed chunk-size line")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Gives back scripted pieces, one per `read`, then the end.
    struct Script(VecDeque<Vec<u8>>);

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(mut piece) = self.0.pop_front() else {
                return Ok(0);
            };
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            if n < piece.len() {
                self.0.push_front(piece.split_off(n));
            }
            Ok(n)
        }
    }

    impl Socket for Script {
        fn set_timeout(&mut self, _: Duration) -> io::Result<()> {
            Ok(())
        }
    }

    fn decoder(pieces: &[&[u8]], framing: Framing) -> Decoder<Script> {
        // An empty read would be the end of the stream: splits at the
        // ends give no empty pieces.
        let pieces = pieces.iter().filter(|piece| !piece.is_empty());
        let script = Script(pieces.map(|piece| piece.to_vec()).collect());
        Decoder::new(Wire::new(script), framing, &Limits::default())
    }

    /// Reads the whole body `read_size` bytes at a time (bounded).
    fn drain(decoder: &mut Decoder<Script>, read_size: usize) -> (Vec<u8>, io::Result<()>) {
        let mut out = Vec::new();
        let mut buf = vec![0; read_size];
        for _ in 0..100_000 {
            match decoder.read(&mut buf) {
                Ok(0) => return (out, Ok(())),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(error) => return (out, Err(error)),
            }
        }
        panic!("the body never ended");
    }

    const CHUNKED: &[u8] =
        b"5\r\nhello\r\n6;name=\"v\"\r\n world\r\n001 \t;x\r\n!\r\n0\r\nTrailer: t\r\n\r\n";

    #[test]
    fn chunked_at_every_two_and_three_way_split_and_read_size() {
        for i in 0..=CHUNKED.len() {
            for j in i..=CHUNKED.len() {
                let pieces = [&CHUNKED[..i], &CHUNKED[i..j], &CHUNKED[j..]];
                for read_size in [1, 2, 7, 64] {
                    let mut body = decoder(&pieces, Framing::Chunked);
                    let (data, result) = drain(&mut body, read_size);
                    result.unwrap();
                    assert_eq!(data, b"hello world!", "split at {i}, {j}");
                    assert_eq!(body.state, State::Done);
                }
            }
        }
    }

    #[test]
    fn chunked_framing_errors() {
        let cases: &[(&[u8], io::ErrorKind)] = &[
            (b"5\r\nhelloXX0\r\n\r\n", io::ErrorKind::InvalidData),
            (b"5\r\nhello\n0\r\n\r\n", io::ErrorKind::InvalidData),
            (b"5\nhello\r\n0\r\n\r\n", io::ErrorKind::InvalidData),
            (b"zz\r\n", io::ErrorKind::InvalidData),
            (b"\r\n", io::ErrorKind::InvalidData),
            (b"-5\r\n", io::ErrorKind::InvalidData),
            (b"5 x\r\nhello\r\n", io::ErrorKind::InvalidData),
            (b"10000000000000000\r\n", io::ErrorKind::InvalidData),
            (
                b"1\r\na\r\n0\r\nno colon\r\n\r\n",
                io::ErrorKind::InvalidData,
            ),
            (b"1\r\na\r\n0\r\n\n", io::ErrorKind::InvalidData),
            (b"5\r\nhel", io::ErrorKind::UnexpectedEof),
            (b"5\r\nhello", io::ErrorKind::UnexpectedEof),
            (b"5\r\nhello\r\n", io::ErrorKind::UnexpectedEof),
            (b"0\r\n", io::ErrorKind::UnexpectedEof),
        ];
        for &(wire, kind) in cases {
            let mut body = decoder(&[wire], Framing::Chunked);
            let (data, result) = drain(&mut body, 64);
            assert_eq!(
                result.unwrap_err().kind(),
                kind,
                "{:?}",
                String::from_utf8_lossy(wire)
            );
            assert!(b"hello".starts_with(&data) || data == b"a", "{data:?}");
            // Once failed, always failed.
            assert!(body.read(&mut [0; 8]).is_err());
        }
    }

    #[test]
    fn chunk_size_lines_are_bounded() {
        let mut line = vec![b'0'; 1022];
        line.extend_from_slice(b"1\r\n");
        let mut body = decoder(&[&line, b"a\r\n0\r\n\r\n"], Framing::Chunked);
        let (_, result) = drain(&mut body, 8);
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidData);

        let mut line = vec![b'0'; 1021];
        line.extend_from_slice(b"1\r\n");
        let mut body = decoder(&[&line, b"a\r\n0\r\n\r\n"], Framing::Chunked);
        assert_eq!(drain(&mut body, 8).0, b"a");
    }

    #[test]
    fn content_length_and_close() {
        let mut body = decoder(&[b"hel", b"loEXTRA"], Framing::Length(5));
        let (data, result) = drain(&mut body, 2);
        result.unwrap();
        assert_eq!(data, b"hello");

        let mut body = decoder(&[b"hel"], Framing::Length(5));
        let (data, result) = drain(&mut body, 2);
        assert_eq!(data, b"hel");
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);

        let mut body = decoder(&[b"a", b"b"], Framing::Close);
        assert_eq!(drain(&mut body, 1).0, b"ab");
    }

    fn head_of(pieces: &[&[u8]], max_head: usize) -> Result<Head, HttpError> {
        let script = Script(pieces.iter().map(|piece| piece.to_vec()).collect());
        let deadline = Instant::now() + Duration::from_secs(5);
        read_head(&mut Wire::new(script), max_head, deadline)
    }

    #[test]
    fn heads() {
        let head = head_of(
            &[b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nA: 1 \r\nb:\r\nFold: x\r\n  y\r\nC: caf\xc3\xa9\xff\n\r\n"],
            1024,
        )
        .unwrap();
        assert_eq!(head.status, 200);
        let values: Vec<_> = head.fields.iter().map(|f| head.value(f)).collect();
        assert_eq!(values, [&b"1"[..], b"", b"x    y", b"caf\xc3\xa9\xff"]);
        assert_eq!(head_of(&[b"HTTP/1.0 404\n\n"], 64).unwrap().status, 404);

        for bad in [
            &b"HTTP/1.1 20 OK\r\n\r\n"[..],
            b"HTTP/1.1 200OK\r\n\r\n",
            b"HTTP/2 200 OK\r\n\r\n",
            b"http/1.1 200 OK\r\n\r\n",
            b"HTTP/1.1 099 x\r\n\r\n",
            b"\r\nHTTP/1.1 200 OK\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nA : b\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nA\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nA: b\0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n folded\r\n\r\n",
            b"HTTP/1.1 101 Switching\r\n\r\n",
        ] {
            assert!(
                matches!(head_of(&[bad], 1024), Err(HttpError::Malformed(_))),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(matches!(
            head_of(&[b"HTTP/1.1 200 OK\r\nA: 1\r\n"], 1024),
            Err(HttpError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof
        ));
    }

    #[test]
    fn head_limit_counts_every_byte_and_interim_heads() {
        let head = b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n";
        assert!(head_of(&[head], head.len()).is_ok());
        assert!(matches!(
            head_of(&[head], head.len() - 1),
            Err(HttpError::HeadTooLarge { .. })
        ));
        let interim = b"HTTP/1.1 103 Early Hints\r\n\r\n";
        let both = [&interim[..], head].concat();
        assert!(head_of(&[&both], both.len()).is_ok());
        assert!(matches!(
            head_of(&[&both], both.len() - 1),
            Err(HttpError::HeadTooLarge { .. })
        ));
    }

    fn head_with(fields: &str) -> Head {
        let raw = format!("HTTP/1.1 200 OK\r\n{fields}\r\n");
        head_of(&[raw.as_bytes()], 4096).unwrap()
    }

    #[test]
    fn framings() {
        let f = |fields: &str| framing("GET", &head_with(fields));
        assert_eq!(f("").unwrap(), Framing::Close);
        assert_eq!(f("Content-Length: 5\r\n").unwrap(), Framing::Length(5));
        assert_eq!(
            f("Content-Length: 5, 5\r\ncontent-length: 5\r\n").unwrap(),
            Framing::Length(5)
        );
        assert_eq!(
            f("Transfer-Encoding: Chunked\r\n").unwrap(),
            Framing::Chunked
        );
        for bad in [
            "Content-Length: 5, 6\r\n",
            "Content-Length: -1\r\n",
            "Content-Length: \r\n",
            "Content-Length: 99999999999999999999\r\n",
            "Transfer-Encoding: gzip\r\n",
            "Transfer-Encoding: gzip, chunked\r\n",
            "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        ] {
            assert!(matches!(f(bad), Err(HttpError::Malformed(_))), "{bad:?}");
        }
        let head = head_with("Content-Length: 5\r\n");
        assert_eq!(framing("HEAD", &head).unwrap(), Framing::Length(0));
        let raw = b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        let head = head_of(&[raw], 4096).unwrap();
        assert!(framing("GET", &head).is_err());
    }

    #[test]
    fn dot_segments() {
        for (path, expected) in [
            ("/", "/"),
            ("/a/b/../c", "/a/c"),
            ("/a/b/..", "/a/"),
            ("/a/./b/.", "/a/b/"),
            ("/../../x", "/x"),
            ("/a//b", "/a//b"),
        ] {
            assert_eq!(remove_dot_segments(path), expected, "{path}");
        }
    }
}
