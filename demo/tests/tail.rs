//! `tail` as a process against scripted and hostile servers on 127.0.0.1:
//! its output, its exit status, the headers it sends, and that no server
//! can make it spin, hang or grow. Every server and every run is bounded
//! in count and time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// What a scripted connection does once its request head is read.
type Handler = Box<dyn FnOnce(TcpStream) + Send>;

/// A server that answers its n-th connection with the n-th handler and
/// reports each request head it read (lower-cased header names). After
/// the script it accepts nothing more.
fn server(handlers: Vec<Handler>) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (heads, seen) = mpsc::channel();
    thread::spawn(move || {
        for handler in handlers {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let heads = heads.clone();
            thread::spawn(move || {
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                let head = read_head(&stream);
                let _ = heads.send(head);
                handler(stream);
            });
        }
    });
    (url, seen)
}

/// Reads a request head and, if it announces one, its body.
fn read_head(stream: &TcpStream) -> String {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = String::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&lower);
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    head.push_str(&String::from_utf8_lossy(&body));
    head
}

fn respond(bytes: impl Into<Vec<u8>>) -> Handler {
    let bytes = bytes.into();
    Box::new(move |mut stream| {
        let _ = stream.write_all(&bytes);
    })
}

const SSE_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";

fn sse(body: &str) -> Handler {
    respond(format!("{SSE_HEAD}{body}"))
}

fn no_content() -> Handler {
    respond("HTTP/1.1 204 No Content\r\n\r\n")
}

fn tail(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tail"));
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `tail` to its end, killing it after `limit`.
fn run(args: &[&str], limit: Duration) -> Output {
    let child = tail(args).spawn().unwrap();
    wait(child, limit)
}

fn wait(mut child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "tail ran past {limit:?}; stderr: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

#[test]
fn usage() {
    let help = run(&["--help"], Duration::from_secs(10));
    assert_eq!(code(&help), 0);
    assert!(String::from_utf8_lossy(&help.stdout).contains("usage: tail URL"));
    for args in [
        &[][..],
        &["http://127.0.0.1:1/", "--count", "0"],
        &["http://127.0.0.1:1/", "--count", "many"],
        &["http://127.0.0.1:1/", "--post", "{not json"],
        &["http://127.0.0.1:1/", "--header", "no colon"],
        &["http://127.0.0.1:1/", "--idle-timeout", "0"],
        &["https://127.0.0.1:1/"],
        &["http://127.0.0.1:1/", "--bogus"],
    ] {
        let output = run(args, Duration::from_secs(10));
        assert_eq!(code(&output), 2, "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn events_are_printed_as_json_lines_until_the_count() {
    let (url, heads) = server(vec![sse(
        "event: greet\ndata: h\u{e9}llo\ndata: \"two\"\n\nid: 7\ndata: b\n\ndata: c\n\ndata: never\n\n",
    )]);
    let output = run(
        &[&format!("{url}/events"), "--count", "3"],
        Duration::from_secs(10),
    );
    assert_eq!(code(&output), 0);
    assert_eq!(
        lines(&output),
        [
            r#"{"type":"greet","data":"héllo\n\"two\"","id":""}"#,
            r#"{"type":"message","data":"b","id":"7"}"#,
            r#"{"type":"message","data":"c","id":"7"}"#,
        ]
    );
    let head = heads.recv().unwrap();
    assert!(head.starts_with("get /events http/1.1\r\n"), "{head}");
    assert!(head.contains("accept: text/event-stream\r\n"), "{head}");
    assert!(head.contains("cache-control: no-cache\r\n"), "{head}");
    assert!(!head.contains("last-event-id"), "{head}");
}

#[test]
fn it_reconnects_with_the_last_event_id_and_drops_the_unfinished_event() {
    let (url, heads) = server(vec![
        sse("retry: 100\nid: 1\ndata: a\n\nid: 2\ndata: cut off mid-ev"),
        sse("data: b\n\n"),
    ]);
    let output = run(&[&url, "--count", "2"], Duration::from_secs(15));
    assert_eq!(code(&output), 0);
    assert_eq!(
        lines(&output),
        [
            r#"{"type":"message","data":"a","id":"1"}"#,
            r#"{"type":"message","data":"b","id":"1"}"#,
        ]
    );
    heads.recv().unwrap();
    assert!(heads.recv().unwrap().contains("last-event-id: 1\r\n"));
}

#[test]
fn a_seeded_last_event_id_and_a_post_body_are_sent_and_204_ends() {
    let (url, heads) = server(vec![no_content()]);
    let output = run(
        &[
            &url,
            "--last-event-id",
            "41",
            "--post",
            r#"{"prompt":"hi"}"#,
            "--header",
            "Authorization: Bearer x",
        ],
        Duration::from_secs(10),
    );
    assert_eq!(code(&output), 0);
    let head = heads.recv().unwrap();
    assert!(head.starts_with("post / http/1.1\r\n"), "{head}");
    assert!(head.contains("last-event-id: 41\r\n"), "{head}");
    assert!(
        head.contains("content-type: application/json\r\n"),
        "{head}"
    );
    assert!(head.contains("authorization: bearer x\r\n"), "{head}");
    assert!(head.ends_with(r#"{"prompt":"hi"}"#), "{head}");
}

#[test]
fn refusals_exit_1() {
    let redirect = |to: &str| respond(format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\n\r\n"));
    let cases: Vec<(Vec<Handler>, &str)> = vec![
        (
            vec![respond(
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
            )],
            "404",
        ),
        (
            vec![respond(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\n<html>",
            )],
            "text/html",
        ),
        (vec![respond("HTTP/1.1 302 Found\r\n\r\n")], "location"),
        ((0..12).map(|_| redirect("/again")).collect(), "redirects"),
    ];
    for (handlers, says) in cases {
        let (url, _heads) = server(handlers);
        let output = run(&[&url], Duration::from_secs(10));
        assert_eq!(code(&output), 1, "{says}");
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{says}: {stderr}");
    }
}

#[test]
fn a_chain_of_redirects_is_followed() {
    let (url, heads) = server(vec![
        respond("HTTP/1.1 301 Moved\r\nLocation: /one\r\n\r\n"),
        respond("HTTP/1.1 302 Found\r\nLocation: two\r\n\r\n"),
        respond("HTTP/1.1 303 See Other\r\nLocation: /three\r\n\r\n"),
        respond("HTTP/1.1 307 Temporary\r\nLocation: /four\r\n\r\n"),
        respond("HTTP/1.1 308 Permanent\r\nLocation: /five\r\n\r\n"),
        sse("data: arrived\n\n"),
    ]);
    let output = run(&[&url, "--count", "1"], Duration::from_secs(10));
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        lines(&output),
        [r#"{"type":"message","data":"arrived","id":""}"#]
    );
    let paths: Vec<String> = heads
        .iter()
        .take(6)
        .map(|head| head.split(' ').nth(1).unwrap().to_owned())
        .collect();
    assert_eq!(paths, ["/", "/one", "/two", "/three", "/four", "/five"]);
}

#[test]
fn endless_headers_end_in_exit_1_not_in_memory() {
    let (url, _heads) = server(vec![Box::new(|mut stream: TcpStream| {
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\n");
        let line = format!("X-Padding: {}\r\n", "y".repeat(1000));
        // Up to 100 MB, or until tail hangs up.
        for _ in 0..100_000 {
            if stream.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
    })]);
    let output = run(&[&url], Duration::from_secs(20));
    assert_eq!(code(&output), 1);
    assert!(String::from_utf8_lossy(&output.stderr).contains("65536"));
}

#[test]
fn chunked_framing_arriving_a_byte_at_a_time() {
    // A header byte that is not UTF-8, which HTTP allows, and chunks cut
    // inside the events, one with an extension.
    let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\
                      Transfer-Encoding: chunked\r\nX-Note: caf\xE9\r\n\r\n"
        .to_vec();
    bytes.extend_from_slice(
        b"6\r\ndata: \r\n3\r\n{\"a\r\n6;ext=1\r\n\":1}\n\n\r\nB\r\ndata: two\n\n\r\n0\r\n\r\n",
    );
    let (url, _heads) = server(vec![Box::new(move |mut stream: TcpStream| {
        stream.set_nodelay(true).unwrap();
        for byte in bytes {
            if stream.write_all(&[byte]).is_err() {
                return;
            }
            thread::sleep(Duration::from_millis(1));
        }
    })]);
    let output = run(&[&url, "--count", "2"], Duration::from_secs(20));
    assert_eq!(
        code(&output),
        0,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        lines(&output),
        [
            r#"{"type":"message","data":"{\"a\":1}","id":""}"#,
            r#"{"type":"message","data":"two","id":""}"#,
        ]
    );
}

/// A server that answers every connection with `response` and closes,
/// counting connections, for `for_how_long`.
fn counting_server(response: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            match listener.accept() {
                Ok((stream, _)) => {
                    counter.fetch_add(1, Ordering::SeqCst);
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(5)))
                        .unwrap();
                    read_head(&stream);
                    let mut stream = stream;
                    let _ = stream.write_all(response.as_bytes());
                }
                Err(_) => thread::sleep(Duration::from_millis(5)),
            }
        }
    });
    (url, count)
}

#[test]
fn retry_zero_and_close_never_makes_a_tight_loop() {
    let (url, count) =
        counting_server("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nretry: 0\n\n");
    let mut child = tail(&[&url]).spawn().unwrap();
    thread::sleep(Duration::from_secs(4));
    let _ = child.kill();
    let _ = child.wait();
    let connections = count.load(Ordering::SeqCst);
    // The floor is 500 ms and each empty connection doubles the wait:
    // 4 s allow a handful, never thousands.
    assert!((2..=8).contains(&connections), "{connections} connections");
}

#[test]
fn a_refused_port_with_once_exits_1() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = run(
        &[&format!("http://127.0.0.1:{port}/"), "--once"],
        Duration::from_secs(10),
    );
    assert_eq!(code(&output), 1);
}

#[test]
fn once_reads_one_response_and_exits_0() {
    let (url, _heads) = server(vec![sse("data: only\n\n")]);
    let output = run(&[&url, "--once"], Duration::from_secs(10));
    assert_eq!(code(&output), 0);
    assert_eq!(
        lines(&output),
        [r#"{"type":"message","data":"only","id":""}"#]
    );
}

#[test]
fn a_silent_server_is_left_after_the_idle_timeout() {
    let (url, heads) = server(vec![
        Box::new(|mut stream: TcpStream| {
            let _ = stream.write_all(SSE_HEAD.as_bytes());
            thread::sleep(Duration::from_secs(10));
        }),
        sse("data: back\n\n"),
    ]);
    let start = Instant::now();
    let output = run(
        &[&url, "--idle-timeout", "0.5", "--count", "1"],
        Duration::from_secs(9),
    );
    assert_eq!(code(&output), 0);
    assert_eq!(
        lines(&output),
        [r#"{"type":"message","data":"back","id":""}"#]
    );
    assert!(start.elapsed() < Duration::from_secs(8));
    assert_eq!(heads.iter().take(2).count(), 2);
}

#[test]
fn options_that_cannot_be_sent_are_usage_errors() {
    for args in [
        &["http://127.0.0.1:1/", "--header", "X-A\r\nEvil: 1: v"][..],
        &["http://127.0.0.1:1/", "--header", "Bad Name: v"],
        &["http://127.0.0.1:1/", "--header", "X-Ctl: a\u{1}b"],
        &["http://127.0.0.1:1/", "--header", "Host: elsewhere"],
        &["http://127.0.0.1:1/", "--header", "last-event-id: 5"],
        &["http://127.0.0.1:1/", "--last-event-id", "a\nb"],
        &["http://127.0.0.1:1/", "--last-event-id", &"x".repeat(5000)],
    ] {
        let output = run(args, Duration::from_secs(10));
        assert_eq!(code(&output), 2, "{:?}", &args[1..]);
    }
}

#[test]
fn a_closed_stderr_or_stdout_never_panics() {
    // The reader of both pipes is gone before tail writes.
    for args in [
        &["--help"][..],
        &["--count", "0"],
        &["http://127.0.0.1:1/", "--once"],
    ] {
        let mut child = tail(args).spawn().unwrap();
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = wait(child, Duration::from_secs(10)).status;
        assert_ne!(status.code(), Some(101), "{args:?}");
        assert!(status.code().is_some(), "{args:?}");
    }
}

#[test]
fn with_an_idle_timeout_a_head_that_never_comes_is_left() {
    let (url, _heads) = server(vec![
        Box::new(|_stream: TcpStream| thread::sleep(Duration::from_secs(10))),
        sse("data: answered\n\n"),
    ]);
    let start = Instant::now();
    let output = run(
        &[&url, "--idle-timeout", "0.5", "--count", "1"],
        Duration::from_secs(9),
    );
    assert_eq!(code(&output), 0);
    assert_eq!(
        lines(&output),
        [r#"{"type":"message","data":"answered","id":""}"#]
    );
    assert!(start.elapsed() < Duration::from_secs(8));
}

#[test]
fn an_output_that_cannot_be_written_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return; // no /dev/full here
    };
    let (url, _heads) = server(vec![sse("data: a\n\n")]);
    let child = tail(&[&url, "--count", "1"]).stdout(full).spawn().unwrap();
    let output = wait(child, Duration::from_secs(10));
    assert_eq!(code(&output), 1);
}
