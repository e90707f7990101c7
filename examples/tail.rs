//! `tail`: follow an event stream over plain HTTP/1.1, GET or POST.
//!
//! ```text
//! cargo run --release --features std --example tail -- URL [--post JSON]
//!     [--header 'Name: value']... [--count N] [--once]
//! ```
//!
//! Prints each event as it arrives, as one JSON line
//! `{"type":…,"data":…,"id":…}` (`id` is the event's last event ID), the
//! same shape as `sse decode`. With `--post`, the JSON is sent as the request
//! body, the way LLM APIs stream (which `EventSource` cannot do).
//!
//! When the response ends or the connection fails, it reconnects as a
//! browser does: after the reconnection time (the server's last `retry`,
//! 3 s until then), sending `Last-Event-ID` when it has one. It stops for
//! good at `--count N` events, after the first response with `--once`, on an
//! HTTP 204, or on a response that is not `200 text/event-stream`. Chunked
//! transfer encoding is decoded; `https` is not spoken.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use serde_json::json;
use sse_wire::io::EventReader;
use sse_wire::GrowableParser;
use sse_wire::{Item, ReadError};

const USAGE: &str =
    "usage: tail URL [--post JSON] [--header 'Name: value']... [--count N] [--once]";

/// The reconnection time until the server sends one (the HTML Standard
/// leaves the initial value to the client; a few seconds is usual).
const DEFAULT_RETRY_MS: u64 = 3000;

struct Options {
    host: String,
    port: u16,
    path: String,
    post: Option<String>,
    headers: Vec<String>,
    count: Option<u64>,
    once: bool,
}

/// Why following the stream stopped.
enum Stop {
    /// Done as asked (`--count`, `--once`, or a 204).
    Done,
    /// The server refused the stream; reconnecting would not help.
    Refused(String),
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("tail: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match follow(&options) {
        Stop::Done => ExitCode::SUCCESS,
        Stop::Refused(why) => {
            eprintln!("tail: {why}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let url = args.next().ok_or("a URL is needed")?;
    let rest = url
        .strip_prefix("http://")
        .ok_or("only http:// URLs are spoken (no TLS)")?;
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse().map_err(|_| format!("bad port in {url}"))?,
        ),
        None => (authority, 80),
    };
    let mut options = Options {
        host: host.to_owned(),
        port,
        path: path.to_owned(),
        post: None,
        headers: Vec::new(),
        count: None,
        once: false,
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--once" => options.once = true,
            "--post" => {
                let body = args.next().ok_or("--post needs a JSON body")?;
                serde_json::from_str::<serde_json::Value>(&body)
                    .map_err(|error| format!("--post: not JSON: {error}"))?;
                options.post = Some(body);
            }
            "--header" => {
                let header = args.next().ok_or("--header needs 'Name: value'")?;
                if !header.contains(':') || header.contains(['\r', '\n']) {
                    return Err(format!("--header: not a header line: {header:?}"));
                }
                options.headers.push(header);
            }
            "--count" => {
                let count = args.next().ok_or("--count needs a number")?;
                options.count = Some(count.parse().map_err(|_| "--count takes a number")?);
            }
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(options)
}

/// Connects, prints events, and reconnects until told to stop.
fn follow(options: &Options) -> Stop {
    // One parser for the whole session: its last event ID outlives
    // connections, as an EventSource's does.
    let mut parser = GrowableParser::default();
    let mut retry_ms = DEFAULT_RETRY_MS;
    let mut printed = 0u64;
    loop {
        match connect(options, parser.last_event_id()) {
            Err(error) => eprintln!("tail: connection failed: {error}"),
            Ok(Err(stop)) => return stop,
            Ok(Ok(body)) => {
                // What was cut off with the last connection is dropped.
                parser.reset();
                let mut events = EventReader::with_parser(body, std::mem::take(&mut parser));
                let stop = print_events(&mut events, options.count, &mut printed);
                retry_ms = events.retry().unwrap_or(retry_ms);
                parser = events.into_parts().1;
                if let Some(stop) = stop {
                    return stop;
                }
            }
        }
        if options.once {
            return Stop::Done;
        }
        eprintln!("tail: reconnecting in {retry_ms} ms");
        thread::sleep(Duration::from_millis(retry_ms));
    }
}

/// Prints the events of one response until it ends; `Some` to stop for
/// good.
fn print_events(
    events: &mut EventReader<Box<dyn Read>>,
    count: Option<u64>,
    printed: &mut u64,
) -> Option<Stop> {
    let mut stdout = io::stdout().lock();
    for item in events {
        match item {
            Ok(Item::Event(event)) => {
                // Keys in the order `sse decode` prints them.
                let line = format!(
                    "{{\"type\":{},\"data\":{},\"id\":{}}}",
                    json!(event.event_type()),
                    json!(event.data()),
                    json!(event.last_event_id())
                );
                if writeln!(stdout, "{line}")
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    // Whoever reads our output has gone.
                    return Some(Stop::Done);
                }
                *printed += 1;
                if count == Some(*printed) {
                    return Some(Stop::Done);
                }
            }
            Ok(_) => {}
            Err(ReadError::Parse(error)) => eprintln!("tail: skipped an event: {error}"),
            Err(error) => {
                eprintln!("tail: {error}");
                return None;
            }
        }
    }
    None
}

/// Sends the request and reads the response head. `Ok(Err(_))` when the
/// server answered with something other than an event stream.
fn connect(options: &Options, last_event_id: &str) -> io::Result<Result<Box<dyn Read>, Stop>> {
    let stream = TcpStream::connect((options.host.as_str(), options.port))?;
    let mut request = format!(
        "{} {} HTTP/1.1\r\nHost: {}:{}\r\nAccept: text/event-stream\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n",
        if options.post.is_some() {
            "POST"
        } else {
            "GET"
        },
        options.path,
        options.host,
        options.port
    );
    // An ID with CR, LF or NUL never becomes the last event ID, so this
    // cannot break the header.
    if !last_event_id.is_empty() {
        request.push_str(&format!("Last-Event-ID: {last_event_id}\r\n"));
    }
    for header in &options.headers {
        request.push_str(header);
        request.push_str("\r\n");
    }
    if let Some(body) = &options.post {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ));
    } else {
        request.push_str("\r\n");
    }
    (&stream).write_all(request.as_bytes())?;

    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let (mut chunked, mut content_type) = (false, String::new());
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim().to_ascii_lowercase();
            if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.split(',').any(|coding| coding.trim() == "chunked");
            } else if name.eq_ignore_ascii_case("content-type") {
                content_type = value;
            }
        }
    }
    match status.as_str() {
        "204" => return Ok(Err(Stop::Done)),
        "200" => {}
        _ => return Ok(Err(Stop::Refused(format!("the server answered {status}")))),
    }
    if content_type.split(';').next().map(str::trim) != Some("text/event-stream") {
        let why = format!("not an event stream: Content-Type {content_type:?}");
        return Ok(Err(Stop::Refused(why)));
    }
    Ok(Ok(if chunked {
        Box::new(Chunked::new(reader))
    } else {
        Box::new(reader)
    }))
}

/// A body in chunked transfer encoding, decoded.
struct Chunked<R> {
    inner: R,
    /// Bytes left in the current chunk.
    left: u64,
    /// A chunk was read, so a CRLF comes before the next size line.
    started: bool,
    /// The last (empty) chunk was read.
    done: bool,
}

impl<R: BufRead> Chunked<R> {
    fn new(inner: R) -> Self {
        Chunked {
            inner,
            left: 0,
            started: false,
            done: false,
        }
    }

    /// Reads the next chunk's size line.
    fn next_chunk(&mut self) -> io::Result<()> {
        let mut line = String::new();
        if self.started {
            self.inner.read_line(&mut line)?; // the CRLF that ends a chunk
            line.clear();
        }
        self.started = true;
        if self.inner.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        // Chunk extensions (`;name=value`) are allowed and ignored.
        let size = line.split(';').next().unwrap_or_default().trim();
        self.left = u64::from_str_radix(size, 16).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("bad chunk size {size:?}"),
            )
        })?;
        self.done = self.left == 0;
        Ok(())
    }
}

impl<R: BufRead> Read for Chunked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 && !self.done {
            self.next_chunk()?;
        }
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_whatever_the_read_sizes() {
        let wire = b"5\r\ndata:\r\n3;ext=1\r\n 1\n\r\n1\r\n\n\r\n0\r\n\r\n";
        for read_size in 1..8 {
            let mut body = Chunked::new(BufReader::with_capacity(3, &wire[..]));
            let mut out = Vec::new();
            let mut buf = vec![0; read_size];
            loop {
                let n = body.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(out, b"data: 1\n\n");
        }
    }

    #[test]
    fn a_bad_chunk_size_is_an_error() {
        let mut body = Chunked::new(&b"zz\r\n"[..]);
        assert_eq!(
            body.read(&mut [0; 4]).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn urls() {
        let options = parse_args(["http://127.0.0.1:8080/events".to_owned()].into_iter()).unwrap();
        assert_eq!(
            (options.host.as_str(), options.port, options.path.as_str()),
            ("127.0.0.1", 8080, "/events")
        );
        let options = parse_args(["http://example.test".to_owned()].into_iter()).unwrap();
        assert_eq!((options.port, options.path.as_str()), (80, "/"));
        assert!(parse_args(["https://example.test/".to_owned()].into_iter()).is_err());
    }
}
