//! `serve` as a process against well-behaved and hostile clients on
//! 127.0.0.1: what it streams and how it resumes, and that no client can
//! make it hang, grow, spin, flood its log or exit. Every client is bounded
//! in count and time.

use std::fs;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `serve`, killed when dropped.
struct Serve {
    child: Child,
    port: u16,
    stderr: PathBuf,
}

impl Serve {
    fn start(args: &[&str]) -> Serve {
        Serve::start_with(Command::new(env!("CARGO_BIN_EXE_serve")), args)
    }

    /// Starts `command` (serve, or a wrapper that ends in serve) with
    /// `--port 0` and `args`, and waits for the address it prints.
    fn start_with(mut command: Command, args: &[&str]) -> Serve {
        let stderr = std::env::temp_dir().join(format!(
            "serve-test-{}-{:?}.err",
            std::process::id(),
            thread::current().id()
        ));
        let mut child = command
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("open it in a browser"), "{line:?}");
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Serve {
            child,
            port,
            stderr,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    }

    /// Sends `request` and reads the response to its end.
    fn exchange(&self, request: &[u8]) -> String {
        let mut stream = self.connect();
        stream.write_all(request).unwrap();
        read_to_end(&mut stream)
    }

    fn get(&self, path: &str) -> String {
        self.exchange(format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").as_bytes())
    }

    /// Opens `/events` with these extra header lines and reads its head.
    fn events(&self, headers: &str) -> Events {
        let stream = self.connect();
        write!(
            &stream,
            "GET /events HTTP/1.1\r\nHost: test\r\n{headers}\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        Events { reader, head }
    }

    /// The events of serve's log: (type, data, id).
    fn log(&self) -> Vec<(String, String, String)> {
        let response = self.get("/log");
        let (_, body) = response.split_once("\r\n\r\n").unwrap();
        body.lines()
            .map(|line| {
                let event: Value = serde_json::from_str(line).unwrap();
                let text = |key: &str| event[key].as_str().unwrap().to_owned();
                (text("type"), text("data"), text("id"))
            })
            .collect()
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stderr(&self) -> String {
        fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_file(&self.stderr);
    }
}

/// An open `/events` stream.
struct Events {
    reader: BufReader<TcpStream>,
    head: String,
}

/// One event as a client sees it: (type, data, id), `id` as sent (none
/// when the block had no `id:` line).
type Seen = (String, String, Option<String>);

impl Events {
    /// The next event block, comments skipped; `None` at the end.
    fn next_event(&mut self) -> Option<Seen> {
        let mut event_type = String::from("message");
        let mut data: Option<String> = None;
        let mut id = None;
        let mut any = false;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let line = line.trim_end_matches('\n');
            if line.is_empty() {
                if let Some(data) = data.take() {
                    return Some((event_type, data, id));
                }
                if any {
                    // A block without data (`retry:`) dispatches nothing.
                    event_type = String::from("message");
                    id = None;
                    any = false;
                }
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            any = true;
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => event_type = value.to_owned(),
                "id" => id = Some(value.to_owned()),
                "data" => match &mut data {
                    Some(data) => {
                        data.push('\n');
                        data.push_str(value);
                    }
                    None => data = Some(value.to_owned()),
                },
                _ => {}
            }
        }
    }

    /// The next line, raw.
    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        line
    }
}

fn read_to_end(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

fn status(response: &str) -> &str {
    response.lines().next().unwrap_or_default()
}

/// Waits up to `limit` for `done`.
fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// A field of `/proc/PID/status`, as a number (kB for sizes).
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// The CPU time the process used so far, in clock ticks (user + system).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command name, which is in parentheses.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
}

#[test]
fn usage() {
    let serve = env!("CARGO_BIN_EXE_serve");
    let help = Command::new(serve).arg("--help").output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(text.starts_with("usage: serve"), "{text}");
    assert!(text.contains("--max-clients N"));
    for args in [
        &["--bogus"][..],
        &["--port"],
        &["--port", "99999"],
        &["--max-clients", "0"],
        &["--interval-ms", "soon"],
        &["stray"],
    ] {
        let output = Command::new(serve).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("usage: serve"));
    }
}

#[test]
fn the_page_shows_data_as_text() {
    let serve = Serve::start(&[]);
    let page = serve.get("/");
    assert!(status(&page).starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("new EventSource(\"/events\")"));
    assert!(page.contains("white-space: pre-wrap"));
    assert!(page.contains("textContent = event.data"));
    assert!(!page.contains("JSON.stringify"));
    assert!(!page.contains("innerHTML"));
}

#[test]
fn the_stream_starts_with_connected_then_ticks_each_with_an_id() {
    let serve = Serve::start(&["--interval-ms", "30"]);
    let mut events = serve.events("");
    let head = events.head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream\r\n"));
    assert!(head.contains("cache-control: no-cache\r\n"));
    assert!(!head.contains("content-length"));
    assert_eq!(events.next_line(), "event: connected\n");
    let mut types = Vec::new();
    let mut previous: Option<u64> = None;
    while types.len() < 12 {
        let (event_type, _, id) = events.next_event().unwrap();
        let id: u64 = id.expect("every event has an ID").parse().unwrap();
        // `connected` carries the ID after which the stream goes on.
        if let Some(previous) = previous {
            assert_eq!(id, previous + 1, "{event_type}");
        }
        previous = Some(id);
        types.push(event_type);
    }
    for wanted in ["tick", "update", "sample"] {
        assert!(
            types.iter().any(|t| t == wanted),
            "no {wanted} in {types:?}"
        );
    }
}

#[test]
fn samples_arrive_intact() {
    let serve = Serve::start(&["--interval-ms", "10"]);
    let mut events = serve.events("");
    let mut samples = Vec::new();
    while samples.len() < 5 {
        let (event_type, data, _) = events.next_event().unwrap();
        if event_type == "sample" {
            samples.push(data);
        }
    }
    assert!(samples.contains(&"first line\nsecond line\n\nfourth line, after an empty one".into()));
    assert!(samples.contains(&"héllo wörld — 你好 — 🎉".into()));
    assert!(samples.contains(&String::new()));
    assert!(samples.contains(&" starts with a space".into()));
}

#[test]
fn resuming_gets_exactly_the_missed_events() {
    let serve = Serve::start(&["--interval-ms", "20"]);
    let mut first = serve.events("");
    let (kind, _, _) = first.next_event().unwrap();
    assert_eq!(kind, "connected");
    let mut seen = Vec::new();
    while seen.len() < 5 {
        seen.push(first.next_event().unwrap());
    }
    drop(first);
    let (_, _, last) = seen.last().unwrap().clone();
    let last = last.unwrap();
    // Events go on while the client is away.
    thread::sleep(Duration::from_millis(300));
    let mut resumed = serve.events(&format!("Last-Event-ID: {last}\r\n"));
    let (kind, hello, id) = resumed.next_event().unwrap();
    assert_eq!(kind, "connected");
    assert_eq!(id.as_deref(), Some(last.as_str()));
    let hello: Value = serde_json::from_str(&hello).unwrap();
    assert_eq!(hello["resumed_from"], last.as_str());
    let mut got = Vec::new();
    while got.len() < 20 {
        let (event_type, data, id) = resumed.next_event().unwrap();
        assert_ne!(event_type, "reset");
        got.push((event_type, data, id.unwrap()));
    }
    let log = serve.log();
    let at = log.iter().position(|(_, _, id)| *id == last).unwrap();
    assert_eq!(got, log[at + 1..at + 21]);
}

#[test]
fn unknown_old_and_evicted_ids_get_a_reset() {
    let serve = Serve::start(&["--interval-ms", "1"]);
    let first_id = serve.log().first().map(|(_, _, id)| id.clone());
    let first_id = match first_id {
        Some(id) => id,
        None => {
            assert!(eventually(Duration::from_secs(5), || !serve
                .log()
                .is_empty()));
            serve.log()[0].2.clone()
        }
    };
    let reset = |last_event_id: &str| {
        let mut events = serve.events(&format!("Last-Event-ID: {last_event_id}\r\n"));
        let (kind, _, connected_id) = events.next_event().unwrap();
        assert_eq!(kind, "connected");
        let (kind, why, reset_id) = events.next_event().unwrap();
        assert_eq!(kind, "reset", "{last_event_id}: {why}");
        assert_eq!(connected_id, reset_id);
        // The stream goes on after it, with the next ID.
        let (_, _, next) = events.next_event().unwrap();
        let next: u64 = next.unwrap().parse().unwrap();
        assert_eq!(next, reset_id.unwrap().parse::<u64>().unwrap() + 1);
        why
    };
    assert!(reset("not-a-number").contains("not sent by this server"));
    assert!(reset("99999999999999999999").contains("not sent by this server"));
    // An ID from before this run's first: a previous run of the server.
    assert!(reset("1234").contains("server restarted"));
    // Ticks every millisecond fill the log of 1000 events within seconds.
    assert!(eventually(Duration::from_secs(20), || serve.log()[0].2 != first_id));
    let why = reset(&first_id);
    assert!(
        why.contains("events after ID") && why.contains("were lost"),
        "{why}"
    );
}

#[test]
fn resuming_after_a_restart_gets_a_reset_then_the_new_runs_events() {
    let old = Serve::start(&["--interval-ms", "20"]);
    let mut events = old.events("");
    let (_, _, connected) = events.next_event().unwrap();
    let (_, _, last) = events.next_event().unwrap();
    let last = last.unwrap();
    drop(events);
    drop(old);
    let new = Serve::start(&["--interval-ms", "20"]);
    thread::sleep(Duration::from_millis(100));
    let mut events = new.events(&format!("Last-Event-ID: {last}\r\n"));
    let (kind, _, _) = events.next_event().unwrap();
    assert_eq!(kind, "connected");
    let (kind, why, reset_id) = events.next_event().unwrap();
    assert_eq!(kind, "reset");
    assert!(why.contains("server restarted"), "{why}");
    // The new run's IDs are all above the old run's.
    let reset_id: u64 = reset_id.unwrap().parse().unwrap();
    assert!(reset_id > last.parse().unwrap());
    assert!(reset_id > connected.unwrap().parse().unwrap());
    // Then every event of the new run, from its first.
    let log = new.log();
    let mut got = Vec::new();
    while got.len() < log.len() {
        let (event_type, data, id) = events.next_event().unwrap();
        got.push((event_type, data, id.unwrap()));
    }
    assert_eq!(got, log);
    assert_eq!(log[0].2, (reset_id + 1).to_string());
}

#[test]
fn a_quiet_stream_gets_a_keep_alive_comment() {
    let serve = Serve::start(&["--interval-ms", "600000", "--keep-alive-ms", "200"]);
    let mut events = serve.events("");
    let start = Instant::now();
    let (kind, _, _) = events.next_event().unwrap();
    assert_eq!(kind, "connected");
    loop {
        let line = events.next_line();
        assert!(!line.is_empty(), "the stream ended");
        if line.starts_with(':') {
            break;
        }
        assert!(line == "\n" || line.starts_with("retry:"), "{line:?}");
    }
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn drop_after_closes_each_stream_after_n_events() {
    let serve = Serve::start(&["--interval-ms", "10", "--drop-after", "4"]);
    let mut events = serve.events("");
    let mut count = 0;
    while let Some((kind, _, _)) = events.next_event() {
        if kind != "connected" {
            count += 1;
        }
    }
    assert_eq!(count, 4);
}

/// Reads a chunked body to its end: the chunks' bytes, checking each size.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").expect("a chunk size line");
        let size = usize::from_str_radix(size, 16).unwrap();
        if size == 0 {
            assert_eq!(rest, "\r\n");
            return out;
        }
        out.push_str(&rest[..size]);
        assert_eq!(&rest[size..size + 2], "\r\n");
        body = &rest[size + 2..];
    }
}

#[test]
fn chat_streams_its_answer_chunked() {
    let serve = Serve::start(&[]);
    let body = r#"{"prompt": "two words"}"#;
    let response = serve.exchange(
        format!(
            "POST /chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("Transfer-Encoding: chunked"));
    assert!(head.contains("Content-Type: text/event-stream"));
    let stream = dechunk(body);
    let words: Vec<String> = stream
        .split("\n\n")
        .filter_map(|event| event.lines().find_map(|line| line.strip_prefix("data: ")))
        .map(|data| match serde_json::from_str::<Value>(data) {
            Ok(delta) => delta["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap()
                .to_owned(),
            Err(_) => data.to_owned(),
        })
        .collect();
    assert_eq!(words, ["You ", "said: ", "two ", "words", "[DONE]"]);
    // A body that is not the JSON asked for.
    let bad = serve.exchange(b"POST /chat HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
    assert!(status(&bad).starts_with("HTTP/1.1 400"), "{bad}");
}

#[test]
fn bad_requests_get_their_status() {
    let serve = Serve::start(&[]);
    for (request, wanted) in [
        (&b"GET /nowhere HTTP/1.1\r\n\r\n"[..], "404"),
        (b"POST /events HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "405"),
        (b"DELETE / HTTP/1.1\r\n\r\n", "405"),
        (b"GET /chat HTTP/1.1\r\n\r\n", "405"),
        (b"HELLO\r\n\r\n", "400"),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", "400"),
        (b"GET / HTTP/3.0\r\n\r\n", "400"),
        (b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", "400"),
        (b"\x00\x01\x02\xff\r\n\r\n", "400"),
        (b"POST /chat HTTP/1.1\r\n\r\n", "411"),
        (
            b"POST /chat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "411",
        ),
    ] {
        let response = serve.exchange(request);
        assert!(
            status(&response).contains(wanted),
            "{}: {response}",
            String::from_utf8_lossy(request)
        );
    }
    assert_eq!(status(&serve.get("/")), "HTTP/1.1 200 OK");
}

#[test]
fn an_endless_head_gets_431() {
    let serve = Serve::start(&[]);
    let mut stream = serve.connect();
    let writer = stream.try_clone().unwrap();
    let sending = thread::spawn(move || {
        let mut writer = writer;
        let _ = writer.write_all(b"GET / HTTP/1.1\r\nX-Endless: ");
        // At most 4 MiB: the answer comes after 16 KiB.
        for _ in 0..1024 {
            if writer.write_all(&[b'a'; 4096]).is_err() {
                break;
            }
        }
    });
    let response = read_to_end(&mut stream);
    assert!(
        status(&response).starts_with("HTTP/1.1 431"),
        "{response:?}"
    );
    let _ = stream.shutdown(Shutdown::Both);
    sending.join().unwrap();
    assert_eq!(status(&serve.get("/")), "HTTP/1.1 200 OK");
}

#[test]
fn a_huge_body_gets_413_at_once() {
    let serve = Serve::start(&["--request-timeout-ms", "20000"]);
    let start = Instant::now();
    let mut stream = serve.connect();
    stream
        .write_all(b"POST /chat HTTP/1.1\r\nContent-Length: 1000000000\r\n\r\n{\"prompt\": \"")
        .unwrap();
    let response = read_to_end(&mut stream);
    assert!(
        status(&response).starts_with("HTTP/1.1 413"),
        "{response:?}"
    );
    // Long before the deadline: the body is not waited for.
    assert!(start.elapsed() < Duration::from_secs(10));
}

/// Sends `first`, then one byte every `every` until the connection ends;
/// returns how long after the start it ended and what was answered.
fn trickle(serve: &Serve, first: &[u8], every: Duration, limit: Duration) -> (Duration, String) {
    let start = Instant::now();
    let mut stream = serve.connect();
    stream.write_all(first).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut answer = Vec::new();
    let mut last_byte = Instant::now();
    while start.elapsed() < limit {
        let mut buf = [0u8; 512];
        match stream.read(&mut buf) {
            Ok(0) => return (start.elapsed(), String::from_utf8_lossy(&answer).into()),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return (start.elapsed(), String::from_utf8_lossy(&answer).into()),
        }
        if last_byte.elapsed() >= every {
            last_byte = Instant::now();
            // The server may have closed already; the read tells.
            let _ = stream.write_all(b"a");
        }
    }
    panic!("the connection was still open after {limit:?}");
}

#[test]
fn a_trickled_head_is_dropped_at_the_deadline() {
    let serve = Serve::start(&["--request-timeout-ms", "2000"]);
    // A byte every 0.7 s: each read is quick, the whole head is not.
    let (ended, answer) = trickle(
        &serve,
        b"GET / HTTP/1.1\r\nX-Slow: ",
        Duration::from_millis(700),
        Duration::from_secs(8),
    );
    assert!(ended >= Duration::from_millis(1900), "{ended:?}");
    assert!(ended < Duration::from_millis(4000), "{ended:?}");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer:?}"
    );
}

#[test]
fn a_body_shorter_than_its_length_is_dropped_at_the_deadline() {
    let serve = Serve::start(&["--request-timeout-ms", "1500"]);
    let start = Instant::now();
    let mut stream = serve.connect();
    stream
        .write_all(b"POST /chat HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"prompt\"")
        .unwrap();
    let answer = read_to_end(&mut stream);
    let ended = start.elapsed();
    assert!(ended >= Duration::from_millis(1400), "{ended:?}");
    assert!(ended < Duration::from_millis(4000), "{ended:?}");
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer:?}"
    );
}

#[test]
fn past_max_clients_a_client_gets_503_and_serve_goes_on() {
    let serve = Serve::start(&["--max-clients", "3", "--interval-ms", "50"]);
    let streams: Vec<Events> = (0..3)
        .map(|_| {
            let mut events = serve.events("");
            assert_eq!(events.next_event().unwrap().0, "connected");
            events
        })
        .collect();
    let start = Instant::now();
    let refused = serve.get("/");
    assert!(status(&refused).starts_with("HTTP/1.1 503"), "{refused:?}");
    assert!(refused.contains("Retry-After: "));
    assert!(start.elapsed() < Duration::from_secs(5));
    drop(streams);
    // The streams' threads notice at their next write.
    assert!(eventually(Duration::from_secs(5), || {
        status(&serve.get("/")) == "HTTP/1.1 200 OK"
    }));
}

#[test]
fn client_errors_are_logged_at_a_bounded_rate() {
    let mut serve = Serve::start(&["--interval-ms", "100"]);
    for _ in 0..200 {
        let response = serve.exchange(b"NONSENSE\r\n\r\n");
        assert!(status(&response).starts_with("HTTP/1.1 400"));
    }
    // The count of what was left out comes once its second is over.
    assert!(eventually(Duration::from_secs(5), || serve
        .stderr()
        .contains("more lines suppressed")));
    let log = serve.stderr();
    let lines = log.lines().count();
    assert!(lines <= 30, "{lines} lines:\n{log}");
    let suppressed: u64 = log
        .lines()
        .filter_map(|line| {
            line.strip_prefix("serve: ")?
                .strip_suffix(" more lines suppressed")
        })
        .map(|n| n.parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        suppressed + lines as u64,
        200 + log.matches("suppressed").count() as u64
    );
    assert!(serve.alive());
}

/// Opens `n` streams and reads each one's `connected` event.
fn open_streams(serve: &Serve, n: usize) -> Vec<Events> {
    (0..n)
        .map(|_| {
            let mut events = serve.events("");
            assert_eq!(events.next_event().unwrap().0, "connected");
            events
        })
        .collect()
}

/// Opens 500 streams, checks each has its thread, closes them, and waits
/// for the threads to end. Returns VmRSS (kB) with the clients connected
/// and after they left.
fn five_hundred_clients(serve: &Serve) -> (u64, u64) {
    let pid = serve.pid();
    let streams = open_streams(serve, 500);
    let busy = proc_status(pid, "Threads");
    assert!(busy >= 503, "{busy} threads");
    let rss_busy = proc_status(pid, "VmRSS");
    // Every one of them is served.
    for mut events in streams.into_iter().step_by(50) {
        assert_ne!(events.next_event().unwrap().0, "connected");
    }
    assert!(
        eventually(Duration::from_secs(15), || proc_status(pid, "Threads") == 3),
        "threads stayed at {}",
        proc_status(pid, "Threads")
    );
    (rss_busy, proc_status(pid, "VmRSS"))
}

#[test]
fn five_hundred_clients_then_back_to_the_baseline() {
    let serve = Serve::start(&["--interval-ms", "100"]);
    let pid = serve.pid();
    // Warm up: one of each request, then the baseline: the main thread,
    // the ticker and the thread that closes refused connections.
    drop(open_streams(&serve, 1));
    serve.get("/");
    serve.log();
    assert!(eventually(Duration::from_secs(5), || proc_status(
        pid, "Threads"
    ) == 3));
    let rss_before = proc_status(pid, "VmRSS");
    let (busy_first, after_first) = five_hundred_clients(&serve);
    let (busy_second, after_second) = five_hundred_clients(&serve);
    eprintln!(
        "VmRSS (kB): {rss_before} before; with 500 clients {busy_first}, after \
         {after_first}; again {busy_second}, after {after_second}"
    );
    // What stays is the allocator's cache of ended threads' stacks (at
    // most about 40 of them, a few pages each), the same after each round.
    assert!(
        after_first <= rss_before + 4096,
        "{rss_before} kB -> {after_first} kB"
    );
    assert!(
        after_second <= after_first + 1024,
        "{after_first} kB -> {after_second} kB"
    );
    assert_eq!(status(&serve.get("/")), "HTTP/1.1 200 OK");
}

#[test]
fn out_of_file_descriptors_it_waits_without_spinning_then_serves() {
    // 32 descriptors: the 40 idle clients below take what is left.
    let mut wrapper = Command::new("bash");
    wrapper.args([
        "-c",
        "ulimit -n 32 && exec \"$0\" \"$@\"",
        env!("CARGO_BIN_EXE_serve"),
    ]);
    let mut serve = Serve::start_with(wrapper, &["--request-timeout-ms", "60000"]);
    let idle: Vec<TcpStream> = (0..40).map(|_| serve.connect()).collect();
    // Let the accept loop run into the limit and settle.
    thread::sleep(Duration::from_millis(1500));
    let before = cpu_ticks(serve.pid());
    thread::sleep(Duration::from_secs(3));
    let used = cpu_ticks(serve.pid()) - before;
    // A loop that spins burns about 300 ticks in 3 s.
    assert!(used <= 15, "{used} ticks of CPU in 3 s");
    assert!(serve.alive());
    assert!(
        serve.stderr().contains("accept failed"),
        "{}",
        serve.stderr()
    );
    drop(idle);
    // The back-off waits at most a second between tries.
    let start = Instant::now();
    assert_eq!(status(&serve.get("/")), "HTTP/1.1 200 OK");
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// Copies serve where user `nobody` can run it.
fn copy_for_nobody() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("serve-nobody-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let copy = dir.join("serve");
    fs::copy(env!("CARGO_BIN_EXE_serve"), &copy).unwrap();
    let open = |path: &Path, mode| {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    };
    open(&dir, 0o755);
    open(&copy, 0o755);
    copy
}

#[test]
fn under_a_thread_limit_clients_get_503_and_serve_lives() {
    if !is_root() {
        eprintln!(
            "skipped: the thread limit (RLIMIT_NPROC) binds only a user other than root, \
             and switching to user nobody needs root"
        );
        return;
    }
    let copy = copy_for_nobody();
    // RLIMIT_NPROC counts the threads of user nobody: the server's own three
    // and what its clients get, so a few dozen clients exhaust it.
    let mut wrapper = Command::new("bash");
    wrapper.args([
        "-c",
        "ulimit -u 40 && exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$0\" \"$@\"",
    ]);
    wrapper.arg(&copy);
    let mut serve = Serve::start_with(wrapper, &["--interval-ms", "100"]);
    let mut served = Vec::new();
    let mut refused = 0;
    for _ in 0..80 {
        let mut events = serve.events("");
        if events.head.starts_with("HTTP/1.1 200") {
            assert_eq!(events.next_event().unwrap().0, "connected");
            served.push(events);
        } else {
            assert!(events.head.starts_with("HTTP/1.1 503"), "{}", events.head);
            refused += 1;
        }
    }
    assert!(serve.alive(), "serve exited under the thread limit");
    assert!(
        refused > 0,
        "no thread spawn failed: {} served",
        served.len()
    );
    assert!(!served.is_empty());
    assert!(serve.stderr().contains("cannot start a thread"));
    drop(served);
    assert!(eventually(Duration::from_secs(10), || {
        status(&serve.get("/")) == "HTTP/1.1 200 OK"
    }));
    assert!(serve.alive());
    drop(serve);
    let _ = fs::remove_dir_all(copy.parent().unwrap());
}
