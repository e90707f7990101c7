//! Reading one request under a whole-request deadline, in fixed memory.
//!
//! The head is read into a buffer of [`HEAD_LIMIT`] bytes and the body of
//! `POST /chat` into one of [`BODY_LIMIT`] bytes; nothing grows with what
//! a client sends. Before every read the socket's read timeout is set to
//! the time left before the deadline, so a client that trickles one byte
//! just before each timeout is still dropped at the deadline.

use std::io::{self, Read};
use std::net::TcpStream;
use std::time::Instant;

/// The largest request head read: past it, `431`.
pub const HEAD_LIMIT: usize = 16 * 1024;
/// The largest request body read: past it, `413`, before reading it.
pub const BODY_LIMIT: usize = 16 * 1024;

/// What a request asks for, borrowed from the head buffer.
#[derive(Debug)]
pub struct Request<'b> {
    /// `GET`, `POST`, …
    pub method: &'b str,
    /// The target without its query string.
    pub path: &'b str,
    /// The `Last-Event-ID` header (`Some("")` when empty).
    pub last_event_id: Option<&'b str>,
    /// The `Content-Length` header.
    pub content_length: Option<usize>,
}

/// Why a request is not served.
#[derive(Debug)]
pub enum Refusal {
    /// The client closed the connection before its request was complete.
    Closed,
    /// The deadline passed first.
    Timeout,
    /// The head did not end within [`HEAD_LIMIT`] bytes: `431`.
    HeadTooLarge,
    /// The body is over [`BODY_LIMIT`]: `413`.
    BodyTooLarge,
    /// A body without a length, or with `Transfer-Encoding`: `411`.
    LengthRequired,
    /// Not an HTTP/1.x request: `400`, with the reason.
    Malformed(&'static str),
    /// The socket failed.
    Io(io::Error),
}

impl Refusal {
    /// The status line and a short reason to send back, if any.
    pub fn status(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Refusal::Closed | Refusal::Io(_) => None,
            Refusal::Timeout => Some((
                "408 Request Timeout",
                "the request was not complete in time",
            )),
            Refusal::HeadTooLarge => Some((
                "431 Request Header Fields Too Large",
                "the request head is over 16 KiB",
            )),
            Refusal::BodyTooLarge => Some(("413 Content Too Large", "the body is over 16 KiB")),
            Refusal::LengthRequired => Some((
                "411 Length Required",
                "a body needs a Content-Length (no Transfer-Encoding)",
            )),
            Refusal::Malformed(why) => Some(("400 Bad Request", why)),
        }
    }
}

/// Reads bytes into `buf[*filled..]`, at most until `deadline`.
fn read_some(
    stream: &mut TcpStream,
    buf: &mut [u8],
    filled: &mut usize,
    deadline: Instant,
) -> Result<(), Refusal> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Refusal::Timeout);
        }
        stream.set_read_timeout(Some(left)).map_err(Refusal::Io)?;
        match stream.read(&mut buf[*filled..]) {
            Ok(0) => return Err(Refusal::Closed),
            Ok(n) => {
                *filled += n;
                return Ok(());
            }
            Err(error) => match error.kind() {
                io::ErrorKind::Interrupted
                | io::ErrorKind::WouldBlock
                | io::ErrorKind::TimedOut => continue,
                _ => return Err(Refusal::Io(error)),
            },
        }
    }
}

/// Reads a request head into `buf` before `deadline`. Returns the length of
/// the head (up to and including its empty line) and of what was read in
/// all (the start of a body may follow the head).
pub fn read_head(
    stream: &mut TcpStream,
    buf: &mut [u8; HEAD_LIMIT],
    deadline: Instant,
) -> Result<(usize, usize), Refusal> {
    let mut filled = 0;
    let mut searched = 0;
    loop {
        if let Some(end) = head_end(&buf[..filled], searched) {
            return Ok((end, filled));
        }
        // An empty line may straddle the next read.
        searched = filled.saturating_sub(3);
        if filled == buf.len() {
            return Err(Refusal::HeadTooLarge);
        }
        read_some(stream, buf, &mut filled, deadline)?;
    }
}

/// Where the head ends (after `\r\n\r\n` or `\n\n`), searching from `from`.
fn head_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = bytes[at..].iter().position(|&b| b == b'\n') {
        let lf = at + offset;
        if bytes[lf + 1..].starts_with(b"\n") {
            return Some(lf + 2);
        }
        if bytes[lf + 1..].starts_with(b"\r\n") {
            return Some(lf + 3);
        }
        at = lf + 1;
    }
    None
}

/// Parses a request head (what [`read_head`] found).
pub fn parse_head(head: &[u8]) -> Result<Request<'_>, Refusal> {
    let text = std::str::from_utf8(head).map_err(|_| Refusal::Malformed("the head is not text"))?;
    let mut lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed(
            "the request line is not METHOD TARGET VERSION",
        ));
    };
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(Refusal::Malformed("the method is not a token"));
    }
    if !target.starts_with('/') || target.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(Refusal::Malformed("the target is not an absolute path"));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(Refusal::Malformed("not HTTP/1.0 or HTTP/1.1"));
    }
    let path = target.split('?').next().unwrap_or_default();
    let mut request = Request {
        method,
        path,
        last_event_id: None,
        content_length: None,
    };
    for line in lines {
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(Refusal::Malformed("a header line has no colon"));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(Refusal::Malformed("a header name is not a token"));
        }
        let value = value.trim_matches([' ', '\t']);
        if name.eq_ignore_ascii_case("last-event-id") {
            request.last_event_id = Some(value);
        } else if name.eq_ignore_ascii_case("content-length") {
            let length = (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
                .then(|| value.parse::<u64>().unwrap_or(u64::MAX))
                .ok_or(Refusal::Malformed("Content-Length is not a number"))?;
            let length = usize::try_from(length).unwrap_or(usize::MAX);
            if request.content_length.is_some_and(|seen| seen != length) {
                return Err(Refusal::Malformed("two different Content-Lengths"));
            }
            request.content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Refusal::LengthRequired);
        }
    }
    Ok(request)
}

/// The bytes of an HTTP token (RFC 9110, section 5.6.2).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Reads a body of `length` bytes (at most [`BODY_LIMIT`]) into `body`
/// before `deadline`, starting with the `early` bytes already read after the
/// head. Returns the body.
pub fn read_body<'b>(
    stream: &mut TcpStream,
    early: &[u8],
    length: usize,
    body: &'b mut [u8; BODY_LIMIT],
    deadline: Instant,
) -> Result<&'b [u8], Refusal> {
    if length > BODY_LIMIT {
        return Err(Refusal::BodyTooLarge);
    }
    let mut filled = early.len().min(length);
    body[..filled].copy_from_slice(&early[..filled]);
    while filled < length {
        read_some(stream, &mut body[..length], &mut filled, deadline)?;
    }
    Ok(&body[..length])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_ends() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\n\r\nbody", 0), Some(18));
        assert_eq!(head_end(b"GET / HTTP/1.1\n\n", 0), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nA: b\r\n", 0), None);
        assert_eq!(head_end(b"\n", 0), None);
    }

    #[test]
    fn heads_parse() {
        let head = b"GET /events?x=1 HTTP/1.1\r\nHost: a\r\nLast-Event-ID:  17 \r\n\r\n";
        let request = parse_head(head).unwrap();
        assert_eq!((request.method, request.path), ("GET", "/events"));
        assert_eq!(request.last_event_id, Some("17"));
        let post = b"POST /chat HTTP/1.0\nContent-Length: 12\ncontent-length: 12\n\n";
        assert_eq!(parse_head(post).unwrap().content_length, Some(12));
    }

    #[test]
    fn malformed_heads_are_refused() {
        for head in [
            &b"GET /\r\n\r\n"[..],
            b"GET / HTTP/1.1 extra\r\n\r\n",
            b"G(T / HTTP/1.1\r\n\r\n",
            b"GET http://x/ HTTP/1.1\r\n\r\n",
            b"GET / HTTP/2\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"GET / HTTP/1.1\r\nX: \xff\r\n\r\n",
        ] {
            assert!(
                matches!(parse_head(head), Err(Refusal::Malformed(_))),
                "{}",
                String::from_utf8_lossy(head)
            );
        }
        let chunked = b"POST /chat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert!(matches!(parse_head(chunked), Err(Refusal::LengthRequired)));
        let huge = b"POST /chat HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
        assert_eq!(parse_head(huge).unwrap().content_length, Some(usize::MAX));
    }
}
