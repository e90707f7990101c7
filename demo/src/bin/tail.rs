//! `tail`: follow an event stream over plain HTTP/1.1, GET or POST, and
//! print each event as a JSON line.
//!
//! ```text
//! cargo run --release -p sse-wire-demo --bin tail -- URL [--post JSON]
//!     [--header 'Name: value']... [--count N] [--once]
//!     [--idle-timeout SECONDS] [--last-event-id ID]
//! ```
//!
//! When to connect, how long to wait and what a response means are the
//! decisions of sse-wire's client core (`sse_wire::client`); the HTTP is
//! `sse_wire_demo::http`, strict and bounded. What reaches standard output
//! is one `{"type":…,"data":…,"id":…}` line per dispatched event, and
//! nothing else; diagnostics go to standard error.
//!
//! Exit status: 0 when done (`--count N` events printed, one response read
//! with `--once`, or HTTP 204); 1 when the server refuses the stream (a
//! final status other than 200, a content type other than
//! `text/event-stream`, too many redirects, a response head over 64 KiB,
//! or, with `--once`, a connection that fails); 2 on a usage error.

use std::io::{self, ErrorKind, Read, Write};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use sse_wire::client::{Action, Client, Config, ResponseHead, Verdict};
use sse_wire::{GrowableParser, Status};
use sse_wire_demo::http::{self, HttpError, Limits, Request, Url};

const USAGE: &str = "usage: tail URL [--post JSON] [--header 'Name: value']... [--count N] \
                     [--once] [--idle-timeout SECONDS] [--last-event-id ID]";

/// The most a server can make `tail` hold for one event's data, and for
/// an event type or ID.
const DATA_CAP: usize = 16 << 20;
const META_CAP: usize = 4 << 10;

/// Headers tail sends itself (or the transport does): `--header` cannot
/// set them.
const OWN_HEADERS: [&str; 8] = [
    "Accept",
    "Cache-Control",
    "Last-Event-ID",
    "Content-Type",
    "Host",
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
];

/// The read timeout when no idle timeout is asked for: reads wait this
/// long at a time, and then simply wait again.
const NO_IDLE: Duration = Duration::from_secs(24 * 60 * 60);

struct Options {
    url: Url,
    post: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    count: Option<u64>,
    once: bool,
    idle: Option<Duration>,
    last_event_id: Option<String>,
}

/// How `tail` ends.
enum Exit {
    Done,
    Refused(String),
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            let _ = writeln!(io::stdout(), "{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            say(format_args!("{message}\n{USAGE}"));
            return ExitCode::from(2);
        }
    };
    match follow(&options) {
        Exit::Done => ExitCode::SUCCESS,
        Exit::Refused(why) => {
            say(format_args!("{why}"));
            ExitCode::FAILURE
        }
    }
}

/// The options, or `None` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut url = None;
    let mut options = Options {
        url: Url::parse("http://127.0.0.1/").map_err(|error| error.to_string())?,
        post: None,
        headers: Vec::new(),
        count: None,
        once: false,
        idle: None,
        last_event_id: None,
    };
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| args.next().ok_or(format!("{flag} needs a value"));
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--once" => options.once = true,
            "--post" => {
                let body = value("--post")?;
                if let Err(error) = serde_json::from_str::<serde_json::Value>(&body) {
                    return Err(format!("--post: the body is not JSON: {error}"));
                }
                options.post = Some(body);
            }
            "--header" => {
                let line = value("--header")?;
                let (name, header) = line
                    .split_once(':')
                    .ok_or(format!("--header: not 'Name: value': {line:?}"))?;
                let name = name.trim();
                let token =
                    |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
                if name.is_empty()
                    || !name.bytes().all(token)
                    || header
                        .bytes()
                        .any(|byte| (byte < 0x20 && byte != b'\t') || byte == 0x7F)
                {
                    return Err(format!("--header: not a header line: {line:?}"));
                }
                if OWN_HEADERS.iter().any(|own| own.eq_ignore_ascii_case(name)) {
                    return Err(format!("--header: tail sets {name} itself"));
                }
                options
                    .headers
                    .push((name.to_owned(), header.trim().as_bytes().to_vec()));
            }
            "--count" => {
                let count: u64 = value("--count")?
                    .parse()
                    .map_err(|_| "--count takes a number")?;
                if count == 0 {
                    return Err("--count must be at least 1".to_owned());
                }
                options.count = Some(count);
            }
            "--idle-timeout" => {
                let seconds: f64 = value("--idle-timeout")?
                    .parse()
                    .map_err(|_| "--idle-timeout takes a number of seconds")?;
                if !(seconds > 0.0 && seconds <= 86_400.0) {
                    return Err("--idle-timeout must be above 0 and at most 86400".to_owned());
                }
                options.idle = Some(Duration::from_secs_f64(seconds));
            }
            "--last-event-id" => {
                let id = value("--last-event-id")?;
                if id.contains(['\r', '\n', '\0']) || id.len() > META_CAP {
                    return Err(format!(
                        "--last-event-id: at most {META_CAP} bytes, without CR, LF or NUL"
                    ));
                }
                options.last_event_id = Some(id);
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
            _ if url.is_none() => {
                url = Some(Url::parse(&arg).map_err(|error| format!("{arg}: {error}"))?);
            }
            _ => return Err(format!("one URL only: {arg}")),
        }
    }
    options.url = url.ok_or("a URL is needed")?;
    Ok(Some(options))
}

/// Writes a diagnostic line to standard error. A failed write (a closed
/// pipe, say) is ignored: diagnostics must never stop the program.
fn say(message: std::fmt::Arguments<'_>) {
    let _ = writeln!(io::stderr(), "tail: {message}");
}

/// Follows the stream until done or refused.
fn follow(options: &Options) -> Exit {
    let idle_ms = options
        .idle
        .map(|idle| u64::try_from(idle.as_millis()).unwrap_or(u64::MAX).max(1));
    let config = Config::new().with_idle_timeout_ms(idle_ms);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
        ^ u64::from(std::process::id());
    let parser = GrowableParser::with_caps(DATA_CAP, META_CAP);
    let mut client = Client::new(parser, config).with_seed(seed);
    if let Some(id) = &options.last_event_id {
        if let Err(error) = client.set_last_event_id(id) {
            return Exit::Refused(format!("--last-event-id: {error}"));
        }
    }
    let start = Instant::now();
    let now = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut printed = 0u64;
    let mut out = io::stdout().lock();
    loop {
        match client.poll(now()) {
            Action::Connect => {
                match attempt(options, &mut client, &now, &mut out, &mut printed) {
                    Ok(Some(exit)) => return exit,
                    Ok(None) => {}
                    Err(why) if options.once => return Exit::Refused(why),
                    Err(why) => say(format_args!("{why}")),
                }
                if options.once {
                    return Exit::Done;
                }
            }
            Action::Wait { until } => {
                let wait = until.saturating_sub(now());
                say(format_args!("reconnecting in {wait} ms"));
                thread::sleep(Duration::from_millis(wait));
            }
            // The connection was already given up inside `attempt`.
            Action::Read { .. } | Action::Drop => {
                client.disconnected(now());
            }
            Action::Done => return Exit::Done,
            Action::Failed => return Exit::Refused("the stream failed".to_owned()),
            _ => return Exit::Refused("the client stopped".to_owned()),
        }
    }
}

/// One attempt: the request, its redirects, and the body. `Ok(Some)` to
/// exit; `Err` with what went wrong with the connection (the client has
/// planned the next attempt).
fn attempt(
    options: &Options,
    client: &mut Client<GrowableParser>,
    now: &impl Fn() -> u64,
    out: &mut impl Write,
    printed: &mut u64,
) -> Result<Option<Exit>, String> {
    let mut url = options.url.clone();
    let mut post = options.post.as_deref();
    let defaults = Limits::default();
    let limits = Limits {
        idle: options.idle.unwrap_or(NO_IDLE),
        // Waiting for the response head is waiting too: with an idle
        // timeout, the head must come within it.
        head_deadline: options.idle.map_or(defaults.head_deadline, |idle| {
            idle.min(defaults.head_deadline)
        }),
        ..defaults
    };
    let mut response = loop {
        let mut headers: Vec<(&str, &[u8])> = client
            .request_headers()
            .map(|(name, value)| (name, value.as_bytes()))
            .collect();
        if post.is_some() {
            headers.push(("Content-Type", b"application/json"));
        }
        for (name, value) in &options.headers {
            headers.push((name, value));
        }
        let request = Request {
            method: if post.is_some() { "POST" } else { "GET" },
            url: &url,
            headers: &headers,
            body: post.map(str::as_bytes),
        };
        let response = match http::send(&request, &limits) {
            Ok(response) => response,
            Err(HttpError::HeadTooLarge { limit }) => {
                client.disconnected(now());
                return Ok(Some(Exit::Refused(format!(
                    "the response head is over {limit} bytes"
                ))));
            }
            Err(HttpError::InvalidRequest(why)) => {
                return Ok(Some(Exit::Refused(format!(
                    "cannot send the request: {why}"
                ))));
            }
            Err(error) => {
                client.disconnected(now());
                return Err(format!("connection failed: {error}"));
            }
        };
        let head = ResponseHead::new(response.status())
            .with_content_type(response.header("content-type"))
            .with_location(response.header("location"))
            .with_retry_after(response.header("retry-after"));
        match client.response(now(), &head) {
            Verdict::Open => break response,
            Verdict::Redirect { location, get } => {
                url = match url.join(location) {
                    Ok(next) => next,
                    Err(error) => {
                        return Ok(Some(Exit::Refused(format!(
                            "cannot follow the redirect: {error}"
                        ))));
                    }
                };
                if get {
                    post = None;
                }
            }
            Verdict::Done => return Ok(Some(Exit::Done)),
            Verdict::Fail(failure) => return Ok(Some(Exit::Refused(failure.to_string()))),
            _ => {
                client.disconnected(now());
                return Err(format!("HTTP {}; trying again", response.status()));
            }
        }
    };
    let mut buf = vec![0; 16 << 10];
    let why = loop {
        let read = match response.body().read(&mut buf) {
            Ok(0) => break None,
            Ok(read) => read,
            Err(error) if error.kind() == ErrorKind::TimedOut => {
                if client.poll(now()) == Action::Drop {
                    break Some(format!(
                        "nothing arrived for {} s",
                        options.idle.unwrap_or(NO_IDLE).as_secs_f64()
                    ));
                }
                // No idle timeout: keep waiting. The body cannot go on
                // after a timed-out read, so start a new connection.
                break Some("the connection stalled".to_owned());
            }
            Err(error) => break Some(format!("the connection failed: {error}")),
        };
        let mut input = buf.get(..read).unwrap_or_default();
        loop {
            match client.feed(now(), &mut input) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(event)) => {
                    let line = format!(
                        "{{\"type\":{},\"data\":{},\"id\":{}}}",
                        json!(event.event_type()),
                        json!(event.data()),
                        json!(event.last_event_id())
                    );
                    if let Err(error) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                        return Ok(Some(if error.kind() == ErrorKind::BrokenPipe {
                            // Whoever reads the output has gone.
                            Exit::Done
                        } else {
                            Exit::Refused(format!("cannot write the output: {error}"))
                        }));
                    }
                    *printed += 1;
                    if options.count == Some(*printed) {
                        return Ok(Some(Exit::Done));
                    }
                }
                Ok(_) => {}
                Err(error) => say(format_args!("skipped an event: {error}")),
            }
        }
    };
    let end = client.disconnected(now());
    if !end.is_complete() {
        say(format_args!("{end}; that event is dropped"));
    }
    match why {
        Some(why) => Err(why),
        None => {
            say(format_args!("the response ended"));
            Ok(None)
        }
    }
}
