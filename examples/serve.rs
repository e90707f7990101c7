//! `serve`: a live event stream that a browser's `EventSource` reads.
//!
//! ```text
//! cargo run --release --features std --example serve -- [--port N] [--interval-ms N]
//!     [--retry-ms N] [--keep-alive-ms N] [--drop-after N]
//! ```
//!
//! An HTTP/1.1 server on 127.0.0.1 (port 8080 by default; 0 picks a free
//! one). The first line it prints is the address to open. It serves:
//!
//! - `GET /`: a page whose `EventSource` shows each event as it arrives.
//! - `GET /events`: the stream, `text/event-stream`, no caching. Each
//!   connection gets a `retry` hint, a `connected` event, then the events of
//!   the shared log as they are made: a `tick` with the time (UTC) every
//!   interval, an `update` carrying JSON every third tick, and a `sample`
//!   every other tick whose data cycles through what trips parsers up
//!   (several lines, an empty line, non-ASCII text, empty data, a leading
//!   space). Every event has an ID. A client that sends `Last-Event-ID`
//!   first gets the events it missed. A `: keep-alive` comment goes out when
//!   the stream has been quiet for the keep-alive time. `--drop-after N`
//!   closes each connection after N events, to watch a client resume.
//! - `GET /log`: the events of the log as JSON lines (`type`, `data`, `id`):
//!   what every client should have seen.
//! - `POST /chat`: a JSON body `{"prompt": "..."}` answered the way LLM APIs
//!   stream, in chunked transfer encoding: one `data:` event per word, then
//!   `data: [DONE]`.
//!
//! Each connection has its own thread; a client that goes away is noticed at
//! the next write, and its thread ends. So does one that sends no request
//! within 10 s, or stops reading for 30 s.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use sse_wire::Frame;

const USAGE: &str = "usage: serve [--port N] [--interval-ms N] [--retry-ms N] \
                     [--keep-alive-ms N] [--drop-after N]";

/// How many events the log keeps for clients that resume.
const LOG_LEN: usize = 1000;

/// What `sample` events carry, in turn.
const SAMPLES: &[&str] = &[
    "first line\nsecond line\n\nfourth line, after an empty one",
    "héllo wörld — 你好 — 🎉",
    "",
    " starts with a space",
    "key: value, with a colon",
];

struct Options {
    port: u16,
    interval: Duration,
    retry_ms: u64,
    keep_alive: Duration,
    drop_after: Option<u64>,
}

/// One event of the shared log.
struct Logged {
    id: u64,
    event_type: &'static str,
    data: String,
}

/// The state all connections share.
struct Hub {
    log: Mutex<Log>,
    /// Signalled when the log grows.
    grew: Condvar,
    clients: AtomicUsize,
    connections: AtomicUsize,
    started: Instant,
    options: Options,
}

#[derive(Default)]
struct Log {
    events: VecDeque<Logged>,
    /// The ID of the newest event; 0 before the first.
    last_id: u64,
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("serve: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
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
    let address = listener
        .local_addr()
        .expect("a bound socket has an address");
    println!("serving on http://{address}/ : open it in a browser");
    let _ = io::stdout().flush();

    let hub = Arc::new(Hub {
        log: Mutex::new(Log::default()),
        grew: Condvar::new(),
        clients: AtomicUsize::new(0),
        connections: AtomicUsize::new(0),
        started: Instant::now(),
        options,
    });
    let ticker = Arc::clone(&hub);
    thread::spawn(move || tick(&ticker));

    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let hub = Arc::clone(&hub);
        thread::spawn(move || {
            if let Err(error) = handle(&hub, stream) {
                // A client going away is routine; anything else is worth a line.
                if !matches!(
                    error.kind(),
                    io::ErrorKind::BrokenPipe
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                ) {
                    eprintln!("serve: connection ended: {error}");
                }
            }
        });
    }
    ExitCode::SUCCESS
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 8080,
        interval: Duration::from_secs(1),
        retry_ms: 2000,
        keep_alive: Duration::from_secs(5),
        drop_after: None,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number: u64 = value
            .parse()
            .map_err(|_| format!("{flag} takes a whole number, not {value:?}"))?;
        match flag.as_str() {
            "--port" => options.port = u16::try_from(number).map_err(|_| "no such port")?,
            "--interval-ms" if number > 0 => options.interval = Duration::from_millis(number),
            "--retry-ms" => options.retry_ms = number,
            "--keep-alive-ms" if number > 0 => options.keep_alive = Duration::from_millis(number),
            "--drop-after" if number > 0 => options.drop_after = Some(number),
            _ => return Err(format!("unknown option or bad value: {flag} {value}")),
        }
    }
    Ok(options)
}

/// Adds the events of each interval to the log.
fn tick(hub: &Hub) {
    for n in 1u64.. {
        thread::sleep(hub.options.interval);
        let mut fresh = vec![("tick", utc_timestamp(SystemTime::now()))];
        if n % 3 == 0 {
            let update = json!({
                "tick": n,
                "clients": hub.clients.load(Ordering::Relaxed),
                "uptime_ms": hub.started.elapsed().as_millis() as u64,
            });
            fresh.push(("update", update.to_string()));
        }
        if n % 2 == 0 {
            let sample = SAMPLES[(n / 2 - 1) as usize % SAMPLES.len()];
            fresh.push(("sample", sample.to_owned()));
        }
        let mut log = hub.log.lock().unwrap();
        for (event_type, data) in fresh {
            log.last_id += 1;
            let id = log.last_id;
            log.events.push_back(Logged {
                id,
                event_type,
                data,
            });
            if log.events.len() > LOG_LEN {
                log.events.pop_front();
            }
        }
        drop(log);
        hub.grew.notify_all();
    }
}

/// A request's method, path and the one header we act on.
struct Request {
    method: String,
    path: String,
    last_event_id: Option<String>,
    content_length: usize,
}

fn handle(hub: &Hub, stream: TcpStream) -> io::Result<()> {
    // A client that never finishes its request, or stops reading the
    // stream without closing it, must not hold a thread forever.
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let request = read_request(&mut reader)?;
    let mut out = stream;
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/") => respond(&mut out, "200 OK", "text/html; charset=utf-8", PAGE),
        ("GET", "/events") => events(hub, &mut out, request.last_event_id.as_deref()),
        ("GET", "/log") => {
            let log = hub.log.lock().unwrap();
            let mut body = String::new();
            for event in &log.events {
                let line = json!({"type": event.event_type, "data": event.data, "id": event.id.to_string()});
                body.push_str(&line.to_string());
                body.push('\n');
            }
            drop(log);
            respond(&mut out, "200 OK", "application/x-ndjson", &body)
        }
        ("POST", "/chat") => {
            let mut body = vec![0; request.content_length.min(1 << 20)];
            reader.read_exact(&mut body)?;
            chat(&mut out, &body)
        }
        (_, "/" | "/events" | "/log" | "/chat") => {
            respond(&mut out, "405 Method Not Allowed", "text/plain", "")
        }
        _ => respond(&mut out, "404 Not Found", "text/plain", "not found\n"),
    }
}

fn read_request(reader: &mut impl BufRead) -> io::Result<Request> {
    let mut line = String::new();
    let mut head_len = 0;
    let mut next_line = |line: &mut String| -> io::Result<()> {
        line.clear();
        head_len += reader.take(8192).read_line(line)?;
        if head_len >= 8192 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too long",
            ));
        }
        Ok(())
    };
    next_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default();
    // The query string plays no part here.
    let path = path.split('?').next().unwrap_or_default().to_owned();
    let mut request = Request {
        method,
        path,
        last_event_id: None,
        content_length: 0,
    };
    loop {
        next_line(&mut line)?;
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            return Ok(request);
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("last-event-id") {
            request.last_event_id = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("content-length") {
            request.content_length = value.parse().unwrap_or(0);
        }
    }
}

fn respond(out: &mut TcpStream, status: &str, content_type: &str, body: &str) -> io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Counts a client in while it is connected.
struct Client<'h>(&'h Hub);

impl Drop for Client<'_> {
    fn drop(&mut self) {
        self.0.clients.fetch_sub(1, Ordering::Relaxed);
    }
}

fn events(hub: &Hub, out: &mut TcpStream, resume: Option<&str>) -> io::Result<()> {
    let _client = {
        hub.clients.fetch_add(1, Ordering::Relaxed);
        Client(hub)
    };
    let connection = hub.connections.fetch_add(1, Ordering::Relaxed) + 1;
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
          Connection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n",
    )?;
    // Where this client is: the ID it last saw. A Last-Event-ID we did not
    // hand out (or none) starts it at the newest event.
    let head = hub.log.lock().unwrap().last_id;
    let mut seen = resume
        .and_then(|id| id.parse::<u64>().ok())
        .filter(|&id| id <= head)
        .unwrap_or(head);
    let hello = json!({"connection": connection, "resumed_from": resume});
    let seen_text = seen.to_string();
    let mut bytes = Vec::new();
    Frame::Retry(hub.options.retry_ms).encode_io(&mut bytes)?;
    let connected = Frame::Event {
        event_type: Some("connected"),
        id: Some(&seen_text),
        data: Some(&hello.to_string()),
    };
    connected.encode_io(&mut bytes)?;
    out.write_all(&bytes)?;

    let mut sent = 0u64;
    let mut quiet_since = Instant::now();
    loop {
        bytes.clear();
        {
            let mut log = hub.log.lock().unwrap();
            while log.last_id == seen && quiet_since.elapsed() < hub.options.keep_alive {
                let left = hub.options.keep_alive.saturating_sub(quiet_since.elapsed());
                log = hub.grew.wait_timeout(log, left).unwrap().0;
            }
            let from = seen;
            for event in log.events.iter().filter(|event| event.id > from) {
                if hub.options.drop_after.is_some_and(|limit| sent == limit) {
                    break;
                }
                let id = event.id.to_string();
                let frame = Frame::Event {
                    event_type: Some(event.event_type),
                    id: Some(&id),
                    data: Some(&event.data),
                };
                frame.encode_io(&mut bytes)?;
                seen = event.id;
                sent += 1;
            }
        }
        if bytes.is_empty() {
            Frame::Comment("keep-alive").encode_io(&mut bytes)?;
        }
        out.write_all(&bytes)?;
        quiet_since = Instant::now();
        if hub.options.drop_after.is_some_and(|limit| sent == limit) {
            // Closing makes the client reconnect and resume.
            return out.shutdown(std::net::Shutdown::Both);
        }
    }
}

/// Answers a prompt word by word, as a chat API streams its tokens, in
/// chunked transfer encoding.
fn chat(out: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let prompt = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("prompt")?.as_str().map(str::to_owned));
    let Some(prompt) = prompt else {
        return respond(
            out,
            "400 Bad Request",
            "text/plain",
            "expected a JSON body with a \"prompt\" string\n",
        );
    };
    out.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
          Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
    )?;
    let answer = format!("You said: {prompt}");
    let mut event = Vec::new();
    for (n, word) in answer.split_inclusive(' ').enumerate() {
        let delta = json!({"choices": [{"index": 0, "delta": {"content": word}}]});
        event.clear();
        let id = n.to_string();
        let frame = Frame::Event {
            event_type: None,
            id: Some(&id),
            data: Some(&delta.to_string()),
        };
        frame.encode_io(&mut event)?;
        write_chunk(out, &event)?;
        thread::sleep(Duration::from_millis(20));
    }
    event.clear();
    Frame::data("[DONE]").encode_io(&mut event)?;
    write_chunk(out, &event)?;
    out.write_all(b"0\r\n\r\n")
}

fn write_chunk(out: &mut TcpStream, chunk: &[u8]) -> io::Result<()> {
    write!(out, "{:x}\r\n", chunk.len())?;
    out.write_all(chunk)?;
    out.write_all(b"\r\n")
}

/// `SystemTime` as `2026-11-21T10:00:00.123Z`.
fn utc_timestamp(time: SystemTime) -> String {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since_epoch.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_date(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        since_epoch.subsec_millis()
    )
}

/// The Gregorian date `days` after 1970-01-01, counting in 400-year eras
/// of 146,097 days that start on March 1st (so leap days fall at an era's
/// year end).
fn civil_date(days: u64) -> (u64, u64, u64) {
    let shifted = days + 719_468; // days from 0000-03-01 to 1970-01-01
    let era = shifted / 146_097;
    let day_of_era = shifted % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>sse-wire live demo</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 2em; max-width: 60em; }
  #state { font-weight: bold; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #ddd; padding: .3em .6em; text-align: left; vertical-align: top; }
  pre { margin: 0; white-space: pre-wrap; }
</style>
<h1>Server-Sent Events, written by sse-wire</h1>
<p>EventSource state: <span id="state">connecting</span>.
   Events received: <span id="count">0</span>.</p>
<table>
  <thead><tr><th>lastEventId</th><th>type</th><th>data</th></tr></thead>
  <tbody id="events"></tbody>
</table>
<script>
  // Everything received, for people and for the automated interop test.
  window.received = [];
  const source = new EventSource("/events");
  const state = document.getElementById("state");
  const rows = document.getElementById("events");
  source.onopen = () => { state.textContent = "open"; };
  source.onerror = () => {
    state.textContent = source.readyState === EventSource.CLOSED ? "closed" : "reconnecting";
  };
  function show(event) {
    window.received.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
    document.getElementById("count").textContent = window.received.length;
    const row = rows.insertRow(0);
    row.insertCell().textContent = event.lastEventId;
    row.insertCell().textContent = event.type;
    const pre = document.createElement("pre");
    pre.textContent = JSON.stringify(event.data);
    row.insertCell().appendChild(pre);
    while (rows.rows.length > 200) rows.deleteRow(-1);
  }
  for (const type of ["connected", "tick", "update", "sample", "message"]) {
    source.addEventListener(type, show);
  }
</script>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(59), (1970, 3, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_778), (2026, 11, 21));
    }
}
