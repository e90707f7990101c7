//! `serve`: a live event stream that a browser's `EventSource` reads, and
//! that stays up whatever its clients do.
//!
//! An HTTP/1.1 server on 127.0.0.1 with a thread per connection. It
//! serves:
//!
//! - `GET /`: a page whose `EventSource` shows each event as it arrives.
//! - `GET /events`: the stream (`stream.rs` says how IDs, resuming and
//!   `reset` events work): a `connected` event, a `retry` hint, then
//!   the events of the shared log as they are made: a `tick` with the time
//!   (UTC) every interval, an `update` carrying JSON every third tick, and a
//!   `sample` every other tick whose data cycles through what trips parsers
//!   up. A comment goes out when the stream has been quiet for the
//!   keep-alive time. `--drop-after N` closes each stream after N events,
//!   to watch a client resume.
//! - `GET /log`: the events of the log as JSON lines (`type`, `data`, `id`).
//! - `POST /chat`: a JSON body `{"prompt": "..."}` answered the way LLM APIs
//!   stream, in chunked transfer encoding.
//!
//! The limits: at most `--max-clients` connections at once (past it, `503`
//! at once, with `Retry-After`); a whole-request deadline for the head and
//! body, however slowly their bytes come (then `408` and the connection is
//! closed); a head of at most 16 KiB (`431`), a body of at most 16 KiB
//! (`413`, unread); a malformed request gets `400`. A stream whose client
//! stops reading for 30 s is closed. A thread that cannot be started gets
//! its client a `503`; `accept` errors (no file descriptor left) are
//! retried after a wait that doubles from 1 ms to 1 s. Client errors are
//! logged at most five lines a second.

mod clock;
mod guard;
mod page;
mod request;
mod stream;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use guard::{Backoff, Refuser, Slot, Slots};
use request::{Refusal, BODY_LIMIT, HEAD_LIMIT};
use stream::Hub;

/// The command line, as `--help` prints it.
pub const USAGE: &str = "\
usage: serve [--port N] [--interval-ms MS] [--retry-ms MS] [--keep-alive-ms MS]
             [--drop-after N] [--max-clients N] [--request-timeout-ms MS]

  --port N                listen on 127.0.0.1:N (default 8080; 0 picks a free port)
  --interval-ms MS        make events every MS milliseconds (default 1000)
  --retry-ms MS           the reconnection time sent to clients (default 2000)
  --keep-alive-ms MS      a comment after MS quiet milliseconds (default 5000)
  --drop-after N          close each stream after N events (default: never)
  --max-clients N         connections served at once; past it, 503 (default 512)
  --request-timeout-ms MS the whole-request deadline (default 10000)
  --help                  print this and exit";

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The time between ticks.
    pub interval: Duration,
    /// The `retry` sent to clients.
    pub retry_ms: u64,
    /// The quiet time after which a comment is sent.
    pub keep_alive_ms: u64,
    /// Streams are closed after this many events.
    pub drop_after: Option<u64>,
    /// Connections served at once.
    pub max_clients: usize,
    /// The whole-request deadline.
    pub request_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port: 8080,
            interval: Duration::from_secs(1),
            retry_ms: 2000,
            keep_alive_ms: 5000,
            drop_after: None,
            max_clients: 512,
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Print the usage.
    Help,
    /// Serve.
    Serve(Options),
}

/// Reads the command line (without the program name).
///
/// # Errors
///
/// A message for an unknown option, a missing value or a bad one.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "--help" || arg == "-h" {
            return Ok(Command::Help);
        }
        let (flag, value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), value.to_owned()),
            _ => {
                let known = [
                    "--port",
                    "--interval-ms",
                    "--retry-ms",
                    "--keep-alive-ms",
                    "--drop-after",
                    "--max-clients",
                    "--request-timeout-ms",
                ];
                if !known.contains(&arg.as_str()) {
                    return Err(format!("unknown option {arg:?}"));
                }
                let value = args.next().ok_or(format!("{arg} needs a value"))?;
                (arg, value)
            }
        };
        let number: u64 = value
            .parse()
            .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))?;
        let positive = || {
            (number > 0)
                .then_some(number)
                .ok_or(format!("{flag} must be at least 1"))
        };
        match flag.as_str() {
            "--port" => options.port = u16::try_from(number).map_err(|_| "no such port")?,
            "--interval-ms" => options.interval = Duration::from_millis(positive()?),
            "--retry-ms" => options.retry_ms = number,
            "--keep-alive-ms" => options.keep_alive_ms = positive()?,
            "--drop-after" => options.drop_after = Some(positive()?),
            "--max-clients" => {
                options.max_clients = usize::try_from(positive()?).unwrap_or(usize::MAX);
            }
            "--request-timeout-ms" => {
                options.request_timeout = Duration::from_millis(positive()?);
            }
            _ => return Err(format!("unknown option {flag:?}")),
        }
    }
    Ok(Command::Serve(options))
}

/// How much stack a connection's thread gets: its buffers (a head, a body
/// and a batch of events, 16 KiB each) and room to spare; only the pages
/// touched are resident. glibc keeps up to 40 MiB of the stacks of ended
/// threads for reuse, each with its top pages resident: with 1 MiB stacks
/// that is about 40 stacks, where small ones would keep hundreds.
const STACK: usize = 1024 * 1024;
/// How long a stream's client may stop reading before it is closed.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The shared state and the guards.
struct Server {
    hub: Hub,
    slots: Arc<Slots>,
    refuser: Refuser,
}

/// Binds, prints the address and serves until killed. Returns only if the
/// server cannot start.
pub fn run(options: Options) -> ExitCode {
    let listener = match TcpListener::bind(("127.0.0.1", options.port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "serve: cannot listen on 127.0.0.1:{}: {error}",
                options.port
            );
            return ExitCode::FAILURE;
        }
    };
    let refuser = match Refuser::start() {
        Ok(refuser) => refuser,
        Err(error) => {
            eprintln!("serve: cannot start a thread: {error}");
            return ExitCode::FAILURE;
        }
    };
    let server = Arc::new(Server {
        slots: Slots::new(options.max_clients),
        hub: Hub::new(options, clock::unix_micros()),
        refuser,
    });
    let ticker = Arc::clone(&server);
    let started = thread::Builder::new()
        .name("ticker".into())
        .stack_size(STACK)
        .spawn(move || stream::tick(&ticker.hub));
    if let Err(error) = started {
        eprintln!("serve: cannot start a thread: {error}");
        return ExitCode::FAILURE;
    }
    match listener.local_addr() {
        Ok(address) => {
            let mut stdout = io::stdout().lock();
            let _ = writeln!(
                stdout,
                "serving on http://{address}/ : open it in a browser"
            );
            let _ = stdout.flush();
        }
        Err(error) => {
            eprintln!("serve: the socket has no address: {error}");
            return ExitCode::FAILURE;
        }
    }

    let mut backoff = Backoff::default();
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                backoff.reset();
                dispatch(&server, stream);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => {
                let wait = backoff.fail();
                server.hub.notes.note(format_args!(
                    "accept failed: {error}; next try in {} ms",
                    wait.as_millis()
                ));
                thread::sleep(wait);
            }
        }
    }
}

/// The answer to a client that is not served now (too many clients, or no
/// thread to serve it).
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
    Content-Type: text/plain\r\nContent-Length: 28\r\nConnection: close\r\n\r\n\
    busy; try again in a second\n";

/// Gives a connection its thread, or a `503`.
fn dispatch(server: &Arc<Server>, stream: TcpStream) {
    let Some(slot) = server.slots.take() else {
        server.hub.notes.note(format_args!(
            "{} clients already: 503",
            server.slots.taken()
        ));
        server.refuser.refuse(stream, BUSY);
        return;
    };
    // The stream waits here while the thread starts, so that a thread that
    // cannot start leaves it to be answered.
    let parked = Arc::new(std::sync::Mutex::new(Some(stream)));
    let handed = Arc::clone(&parked);
    let shared = Arc::clone(server);
    let spawned = thread::Builder::new()
        .name("connection".into())
        .stack_size(STACK)
        .spawn(move || {
            let stream = handed.lock().ok().and_then(|mut stream| stream.take());
            if let Some(stream) = stream {
                connection(&shared, stream, slot);
            }
        });
    if let Err(error) = spawned {
        server
            .hub
            .notes
            .note(format_args!("cannot start a thread: {error}; 503"));
        let stream = parked.lock().ok().and_then(|mut stream| stream.take());
        if let Some(stream) = stream {
            server.refuser.refuse(stream, BUSY);
        }
    }
}

/// Serves one connection: one request, then it is closed.
fn connection(server: &Server, mut stream: TcpStream, _slot: Slot) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "a client".to_owned(), |peer| peer.to_string());
    let result = serve_request(server, &mut stream);
    let notes = &server.hub.notes;
    match result {
        Ok(()) => {}
        Err(Refusal::Closed) => {}
        Err(Refusal::Io(error)) => {
            if !matches!(
                error.kind(),
                io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::WouldBlock
                    | io::ErrorKind::TimedOut
            ) {
                notes.note(format_args!("{peer}: {error}"));
            }
        }
        Err(refusal) => {
            let Some((status, why)) = refusal.status() else {
                return;
            };
            notes.note(format_args!("{peer}: {status}: {why}"));
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = respond(&mut stream, status, &format!("{why}\n"));
            if !matches!(refusal, Refusal::Timeout) {
                close_gently(&mut stream);
            }
        }
    }
}

/// Stops writing, then reads and drops what the client still sends, for a
/// moment, so that closing does not reset the connection before the client
/// has read the answer.
fn close_gently(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let until = Instant::now() + Duration::from_millis(500);
    let mut scratch = [0u8; 4096];
    let mut left: usize = 64 * 1024;
    while left > 0 {
        let wait = until.saturating_duration_since(Instant::now());
        if wait.is_zero() || stream.set_read_timeout(Some(wait)).is_err() {
            return;
        }
        match stream.read(&mut scratch) {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

/// Reads the request and answers it.
fn serve_request(server: &Server, stream: &mut TcpStream) -> Result<(), Refusal> {
    let hub = &server.hub;
    let deadline = Instant::now() + hub.options.request_timeout;
    let mut head = [0u8; HEAD_LIMIT];
    let (head_len, filled) = request::read_head(stream, &mut head, deadline)?;
    let request = request::parse_head(&head[..head_len])?;
    stream
        .set_write_timeout(Some(WRITE_TIMEOUT))
        .map_err(Refusal::Io)?;
    let answered = match (request.method, request.path) {
        ("GET", "/") => respond_with(stream, "200 OK", "text/html; charset=utf-8", page::PAGE),
        ("GET", "/events") => stream::events(hub, stream, request.last_event_id),
        ("GET", "/log") => stream::log(hub, stream),
        ("POST", "/chat") => {
            let length = request.content_length.ok_or(Refusal::LengthRequired)?;
            let mut body = [0u8; BODY_LIMIT];
            let body =
                request::read_body(stream, &head[head_len..filled], length, &mut body, deadline)?;
            page::chat(stream, body)
        }
        (_, "/" | "/events" | "/log") => not_allowed(stream, "GET"),
        (_, "/chat") => not_allowed(stream, "POST"),
        _ => respond(stream, "404 Not Found", "not found\n"),
    };
    answered.map_err(Refusal::Io)
}

fn not_allowed(out: &mut TcpStream, allow: &str) -> io::Result<()> {
    let body = format!("use {allow}\n");
    write!(
        out,
        "HTTP/1.1 405 Method Not Allowed\r\nAllow: {allow}\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// A plain-text response.
fn respond(out: &mut TcpStream, status: &str, body: &str) -> io::Result<()> {
    respond_with(out, status, "text/plain; charset=utf-8", body)
}

fn respond_with(
    out: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &str,
) -> io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|arg| (*arg).to_owned()))
    }

    #[test]
    fn the_busy_answer_has_its_length() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
    }

    #[test]
    fn options() {
        let Ok(Command::Serve(options)) = parse(&["--port", "0", "--max-clients=3"]) else {
            panic!("not parsed");
        };
        assert_eq!((options.port, options.max_clients), (0, 3));
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
        for bad in [
            &["--bogus"][..],
            &["--port"],
            &["--port", "70000"],
            &["--interval-ms", "0"],
            &["--max-clients", "x"],
            &["extra"],
            &["--bogus=1"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
