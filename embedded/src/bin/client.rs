//! An `EventSource` on a device: sse-wire's client core over an
//! `embedded-io-async` TCP socket (what embassy-net's `TcpSocket` and
//! reqwless give), through [`sse_http::run`] in `src/sse_http.rs`.
//!
//! A socket gives HTTP, not an event stream: the response head, and a body
//! usually cut into chunks, each after a line with its size in hex. Both
//! must be removed before the parser. Fed raw, nothing fails: the framing
//! lands inside the events, a `data:` line cut by a chunk boundary ends at
//! the framing's CRLF, and the event's data is silently wrong. This
//! firmware shows both: the right events through `run`, and the wrong ones
//! from the same bytes fed raw.
//!
//! qemu has no network, so the socket here is a script: a first connection
//! answers a chunked `text/event-stream` (an LLM-style chat reply, with
//! chunk boundaries inside events, read 40 bytes at a time) and closes; the
//! second must carry `Last-Event-ID` and is answered 204, which ends the
//! stream. Then a few broken or unusual responses. Every event, request
//! and connection end is checked exactly; exits 0 through semihosting only
//! when all match.
//!
//! `cargo run --release --bin client` (from `embedded/`, under qemu).
#![no_std]
#![no_main]

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use embedded_io_async::{ErrorKind, ErrorType, Read, Write};
use panic_semihosting as _;
use sse_wire::client::{Client, Config, Failure};
use sse_wire::{End, Parser, Status};

#[path = "../sse_http.rs"]
mod sse_http;

use sse_http::{Net, Note, Request, Stop, Why};

/// How many bytes each read of the scripted socket gives at most.
const READ_SIZE: usize = 40;

// --- The scripted server --------------------------------------------------

/// The event stream of the first connection, before chunked framing.
const STREAM: &[u8] = b"retry: 1500\n\
id: msg-1\n\
data: {\"id\":\"chatcmpl-7\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"}}]}\n\
\n\
id: msg-2\n\
data: {\"id\":\"chatcmpl-7\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" from a Cortex-M4 \xE2\x80\x94 gr\xC3\xBC\xC3\x9Fe\"}}]}\n\
\n\
event: done\n\
data: [DONE]\n\
\n";

/// Where chunk boundaries fall: inside each `data:` line (one of them
/// inside a three-byte character).
const CUTS: &[&[u8]] = &[b"\"content\":\"Hel", b"Cortex-M4 \xE2", b"[DO"];

/// The events the first connection must give: type, data, ID.
const EVENTS: &[(&str, &str, &str)] = &[
    (
        "message",
        "{\"id\":\"chatcmpl-7\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"}}]}",
        "msg-1",
    ),
    (
        "message",
        "{\"id\":\"chatcmpl-7\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" from a Cortex-M4 \u{2014} gr\u{fc}\u{df}e\"}}]}",
        "msg-2",
    ),
    ("done", "[DONE]", "msg-2"),
];

const HEAD_200: &[u8] = b"HTTP/1.1 200 OK\r\n\
Content-Type: text/event-stream; charset=utf-8\r\n\
Transfer-Encoding: chunked\r\n\
Cache-Control: no-cache\r\n\
\r\n";

const RESPONSE_204: &[u8] = b"HTTP/1.1 204 No Content\r\n\r\n";

const BODY: &[u8] =
    br#"{"model":"tiny","stream":true,"messages":[{"role":"user","content":"Hi"}]}"#;

/// The first request, exactly; the second is the same plus `Last-Event-ID`.
const REQUEST_1: &[u8] = b"POST /v1/chat/completions HTTP/1.1\r\n\
Host: llm.local\r\n\
Accept: text/event-stream\r\n\
Cache-Control: no-cache\r\n\
Content-Type: application/json\r\n\
Content-Length: 74\r\n\
\r\n";

const REQUEST_2: &[u8] = b"POST /v1/chat/completions HTTP/1.1\r\n\
Host: llm.local\r\n\
Accept: text/event-stream\r\n\
Cache-Control: no-cache\r\n\
Last-Event-ID: msg-2\r\n\
Content-Type: application/json\r\n\
Content-Length: 74\r\n\
\r\n";

const REQUEST: Request<'static> = Request {
    method: "POST",
    host: "llm.local",
    path: "/v1/chat/completions",
    body: Some(("application/json", BODY)),
};

/// A fixed-size byte buffer to build responses in.
struct Bytes<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Bytes<N> {
    const fn new() -> Self {
        Bytes {
            buf: [0; N],
            len: 0,
        }
    }

    fn push(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
        self
    }

    /// One chunk: its size in upper-case hex (with an extension on the
    /// second), CRLF, the data, CRLF.
    fn chunk(&mut self, data: &[u8], nth: usize) -> &mut Self {
        let mut hex = [0; 16];
        let mut at = hex.len();
        let mut n = data.len();
        loop {
            at -= 1;
            hex[at] = b"0123456789ABCDEF"[n % 16];
            n /= 16;
            if n == 0 {
                break;
            }
        }
        self.push(&hex[at..]);
        if nth == 1 {
            self.push(b";note=\"ext\"");
        }
        self.push(b"\r\n").push(data).push(b"\r\n")
    }

    fn as_slice(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Where `needle` ends in `haystack`.
fn end_of(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| at + needle.len())
        .unwrap_or_else(|| panic!("no {needle:?} in the stream"))
}

/// The socket: hands out one scripted response per connection, a few
/// bytes per read, and keeps what the client wrote.
struct Scripted<'a> {
    responses: &'a [&'a [u8]],
    /// The connection open now, if any.
    open: Option<usize>,
    /// Connections opened so far.
    opened: usize,
    /// Where the open connection's response is.
    at: usize,
    /// When the response is used up, a read waits for ever (a silent
    /// server) instead of reporting the end.
    hang: bool,
    requests: [Bytes<512>; 4],
}

impl<'a> Scripted<'a> {
    fn new(responses: &'a [&'a [u8]]) -> Self {
        Scripted {
            responses,
            open: None,
            opened: 0,
            at: 0,
            hang: false,
            requests: [const { Bytes::new() }; 4],
        }
    }
}

impl ErrorType for Scripted<'_> {
    type Error = ErrorKind;
}

impl Read for Scripted<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let open = self.open.ok_or(ErrorKind::NotConnected)?;
        let rest = &self.responses[open][self.at..];
        if rest.is_empty() && self.hang {
            core::future::pending::<()>().await;
        }
        let n = rest.len().min(buf.len()).min(READ_SIZE);
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        Ok(n)
    }
}

impl Write for Scripted<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let open = self.open.ok_or(ErrorKind::NotConnected)?;
        let request = &mut self.requests[open];
        if request.len + buf.len() > request.buf.len() {
            return Err(ErrorKind::OutOfMemory);
        }
        request.push(buf);
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// The clock and the connection set-up: time is a counter that moves one
/// millisecond per look; a wait moves it to its end at once.
struct ScriptNet {
    clock: u64,
    /// When each connection was opened, and when the last one closed.
    opened_at: [u64; 4],
    closed_at: u64,
}

impl Net<Scripted<'_>> for ScriptNet {
    fn now(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    async fn sleep_until(&mut self, until: u64) {
        self.clock = self.clock.max(until);
    }

    async fn connect(&mut self, socket: &mut Scripted<'_>) -> bool {
        let next = socket.opened;
        if next >= socket.responses.len() || next >= self.opened_at.len() {
            return false;
        }
        self.opened_at[next] = self.clock;
        socket.opened += 1;
        socket.open = Some(next);
        socket.at = 0;
        true
    }

    async fn close(&mut self, socket: &mut Scripted<'_>) {
        socket.open = None;
        self.closed_at = self.clock;
    }
}

/// Runs a future that never waits for anything outside it (the scripted
/// socket is always ready), on a waker that does nothing.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("the future waited on something: the script is always ready");
}

// --- The checks -----------------------------------------------------------

/// What `run` reported, checked against what it should.
struct Seen<'e> {
    events: &'e [(&'e str, &'e str, &'e str)],
    next: usize,
    closed: [Option<(Why, bool)>; 4],
    closes: usize,
    refused: Option<u16>,
    wrong: usize,
}

impl<'e> Seen<'e> {
    fn new(events: &'e [(&'e str, &'e str, &'e str)]) -> Self {
        Seen {
            events,
            next: 0,
            closed: [None; 4],
            closes: 0,
            refused: None,
            wrong: 0,
        }
    }

    fn note(&mut self, note: Note<'_>) {
        match note {
            Note::Event(event) => {
                let got = (event.event_type(), event.data(), event.last_event_id());
                let ok = self.events.get(self.next) == Some(&got);
                hprintln!(
                    "  {} event {:?} id {:?}: {}",
                    if ok { "ok  " } else { "FAIL" },
                    got.0,
                    got.2,
                    got.1
                );
                self.wrong += usize::from(!ok);
                self.next += 1;
            }
            Note::Closed { why, end } => {
                hprintln!("  connection ended: {:?} ({:?})", why, end);
                if let Some(slot) = self.closed.get_mut(self.closes) {
                    *slot = Some((why, end == End::Complete));
                }
                self.closes += 1;
            }
            Note::Refused(failure) => {
                hprintln!("  refused: {}", failure);
                self.refused = Some(match failure {
                    Failure::Status(status) => status,
                    _ => 0,
                });
            }
            Note::Skipped(error) => {
                hprintln!("  FAIL skipped an event: {}", error);
                self.wrong += 1;
            }
            Note::Redirect(location) => {
                hprintln!("  FAIL a redirect to {:?}", location);
                self.wrong += 1;
            }
        }
    }

    /// Whether every event came, and the connections ended as `closed`
    /// says (each with a complete body).
    fn all(&self, closed: &[Why]) -> bool {
        self.wrong == 0
            && self.next == self.events.len()
            && self.closes == closed.len()
            && closed
                .iter()
                .zip(&self.closed)
                .all(|(&why, seen)| *seen == Some((why, true)))
    }
}

/// Prints a check's outcome; counts a failure.
fn check(failures: &mut u32, ok: bool, what: &str) {
    hprintln!("{} {}", if ok { "ok  " } else { "FAIL" }, what);
    *failures += u32::from(!ok);
}

/// The main script: the chat reply, then the resumed request and its 204.
fn chat(failures: &mut u32) {
    let mut body = Bytes::<1024>::new();
    let mut from = 0;
    for (nth, cut) in CUTS.iter().enumerate() {
        let to = end_of(STREAM, cut);
        body.chunk(&STREAM[from..to], nth);
        from = to;
    }
    body.chunk(&STREAM[from..], CUTS.len()).push(b"0\r\n\r\n");
    let mut first = Bytes::<1280>::new();
    first.push(HEAD_200).push(body.as_slice());
    let responses = [first.as_slice(), RESPONSE_204];

    let config = Config::new().with_idle_timeout_ms(Some(30_000));
    let mut client = Client::new(Parser::<512, 32>::new(), config).with_seed(0x5EED_CAFE);
    let mut socket = Scripted::new(&responses);
    let mut net = ScriptNet {
        clock: 0,
        opened_at: [0; 4],
        closed_at: 0,
    };
    let mut buf = [0; 256];
    let mut seen = Seen::new(EVENTS);
    hprintln!("chat reply, chunked, {} bytes per read:", READ_SIZE);
    let stop = block_on(sse_http::run(
        &mut client,
        &mut socket,
        &mut net,
        &REQUEST,
        &mut buf,
        |note| seen.note(note),
    ));

    check(
        failures,
        stop == Stop::Done,
        "the client stopped at the 204",
    );
    check(
        failures,
        seen.all(&[Why::Ended, Why::Status(204)]),
        "every event exactly, and both connections ended cleanly",
    );
    check(failures, socket.opened == 2, "two connections, no third");
    let expected_request =
        |head: &[u8], request: &Bytes<512>| request.as_slice().strip_prefix(head) == Some(BODY);
    check(
        failures,
        expected_request(REQUEST_1, &socket.requests[0]),
        "the first request: method, path, Host, Accept, Cache-Control, body",
    );
    check(
        failures,
        expected_request(REQUEST_2, &socket.requests[1]),
        "the second request carries Last-Event-ID: msg-2",
    );
    let waited = net.opened_at[1].saturating_sub(net.opened_at[0]);
    check(
        failures,
        client.retry_ms() == 1500 && (750..=1600).contains(&waited),
        "it waited the server's retry (1500 ms, half of it jitter) before reconnecting",
    );

    // The same bytes, read 40 at a time straight into a parser.
    hprintln!("the same bytes fed raw to a parser:");
    let mut raw = Parser::<512, 32>::new();
    let (mut events, mut same, mut errors) = (0, 0, 0);
    for read in first.as_slice().chunks(READ_SIZE) {
        let mut input = read;
        loop {
            match raw.next(&mut input) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(event)) => {
                    let got = (event.event_type(), event.data(), event.last_event_id());
                    let ok = EVENTS.get(events) == Some(&got);
                    hprintln!(
                        "  {} {:?}: {}",
                        if ok { "same " } else { "WRONG" },
                        got.0,
                        got.1
                    );
                    same += usize::from(ok);
                    events += 1;
                }
                Ok(_) => {}
                Err(_) => errors += 1,
            }
        }
    }
    check(
        failures,
        errors == 0 && same < EVENTS.len(),
        "fed raw, the framing changes event data without any error",
    );
}

/// A response that must end the connection in a given way.
struct Case<'a> {
    name: &'a str,
    response: &'a [u8],
    events: &'a [(&'a str, &'a str, &'a str)],
    closed: &'a [Why],
    refused: Option<u16>,
    /// The server goes silent after its response.
    hang: bool,
}

/// Broken and unusual responses, each on a client that gives up after one
/// failed attempt.
fn edges(failures: &mut u32) {
    let mut long_head = Bytes::<256>::new();
    long_head.push(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Pad: ");
    for _ in 0..150 {
        long_head.push(b"a");
    }
    long_head.push(b"\r\n\r\ndata: x\n\n");
    let chunked = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
Transfer-Encoding: chunked\r\n\r\n";
    let mut long_size = Bytes::<512>::new();
    long_size.push(chunked).push(b"1;");
    for _ in 0..sse_http::MAX_LINE {
        long_size.push(b"x");
    }
    long_size.push(b"\r\n\n\r\n0\r\n\r\n");
    let mut no_crlf = Bytes::<256>::new();
    no_crlf
        .push(chunked)
        .push(b"A\r\n: comment\nXX\r\n0\r\n\r\n");
    let mut trailer = Bytes::<256>::new();
    trailer
        .push(chunked)
        .push(b"0A\r\ndata: ok\n\n\r\n0\r\nX-Trailer: 1\r\n\r\ndata: after\n\n");

    let cases = [
        Case {
            name: "a head longer than the 128-byte buffer",
            response: long_head.as_slice(),
            events: &[],
            closed: &[Why::HeadTooLarge],
            refused: None,
            hang: false,
        },
        Case {
            name: "a chunk-size line longer than MAX_LINE",
            response: long_size.as_slice(),
            events: &[],
            closed: &[Why::BadChunk],
            refused: None,
            hang: false,
        },
        Case {
            name: "a chunk not followed by CRLF",
            response: no_crlf.as_slice(),
            events: &[],
            closed: &[Why::BadChunk],
            refused: None,
            hang: false,
        },
        Case {
            name: "a trailer after the last chunk; nothing read past it",
            response: trailer.as_slice(),
            events: &[("message", "ok", "")],
            closed: &[Why::Ended, Why::Connect],
            refused: None,
            hang: false,
        },
        Case {
            name: "Content-Length honoured; nothing read past it",
            response: b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
Content-Length: 18\r\n\r\nid: 9\ndata: fits\n\ndata: beyond\n\n",
            events: &[("message", "fits", "9")],
            closed: &[Why::Ended, Why::Connect],
            refused: None,
            hang: false,
        },
        Case {
            name: "a 103 skipped, then a 503 refused (retries are off)",
            response: b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>\r\n\r\n\
HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/html\r\n\r\n<html>",
            events: &[],
            closed: &[Why::Status(503)],
            refused: Some(503),
            hang: false,
        },
        Case {
            name: "a server silent after its head: dropped at the 10 s idle timeout",
            response: b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n: hi\n",
            events: &[],
            closed: &[Why::Idle],
            refused: None,
            hang: true,
        },
    ];
    for case in &cases {
        hprintln!("{}:", case.name);
        let responses = [case.response];
        let config = Config::new()
            .with_max_attempts(Some(1))
            .with_idle_timeout_ms(Some(10_000));
        let mut client = Client::new(Parser::<64, 16>::new(), config);
        let mut socket = Scripted::new(&responses);
        socket.hang = case.hang;
        let mut net = ScriptNet {
            clock: 0,
            opened_at: [0; 4],
            closed_at: 0,
        };
        let mut buf = [0; 128];
        let mut seen = Seen::new(case.events);
        let request = Request {
            method: "GET",
            host: "sensor.local",
            path: "/events",
            body: None,
        };
        let stop = block_on(sse_http::run(
            &mut client,
            &mut socket,
            &mut net,
            &request,
            &mut buf,
            |note| seen.note(note),
        ));
        let ok = stop == Stop::Failed
            && seen.all(case.closed)
            && seen.refused == case.refused
            && (!case.hang || net.closed_at >= 10_000);
        check(failures, ok, case.name);
    }

    // A request that would inject a header is never sent.
    let mut client = Client::new(Parser::<64, 16>::new(), Config::new());
    let mut socket = Scripted::new(&[]);
    let mut net = ScriptNet {
        clock: 0,
        opened_at: [0; 4],
        closed_at: 0,
    };
    let request = Request {
        method: "GET",
        host: "sensor.local",
        path: "/events\r\nX-Injected: 1",
        body: None,
    };
    let stop = block_on(sse_http::run(
        &mut client,
        &mut socket,
        &mut net,
        &request,
        &mut [0; 128],
        |_| {},
    ));
    check(
        failures,
        stop == Stop::BadRequest && socket.opened == 0,
        "a CR or LF in the request is refused before connecting",
    );
}

#[entry]
fn main() -> ! {
    let mut failures = 0;
    chat(&mut failures);
    edges(&mut failures);
    if failures == 0 {
        hprintln!("all passed");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("{} checks FAILED", failures);
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {
        core::hint::spin_loop();
    }
}
