//! The demo's `serve` and `tail` against each other, as processes over
//! loopback TCP: tail prints what serve logged, resumes with Last-Event-ID
//! after serve drops it, POSTs and decodes a chunked stream; serve handles
//! many clients and forgets the ones that leave.
#![cfg(all(feature = "std", not(any(miri, target_os = "wasi"))))]

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `serve`, stopped when dropped.
struct Serve {
    child: Child,
    port: u16,
}

impl Serve {
    fn start(args: &[&str]) -> Serve {
        let mut child = Command::new(common::examples::build_demo("serve"))
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "serving on http://127.0.0.1:PORT/ : open it in a browser"
        let port = line
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Serve { child, port }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `GET path` and the body, read to the end.
    fn get(&self, path: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (_, body) = response.split_once("\r\n\r\n").unwrap();
        body.to_owned()
    }

    /// The events serve sent, from its log.
    fn log(&self) -> Vec<Value> {
        self.get("/log")
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `tail` to its end and returns its exit success and output lines.
fn tail(args: &[&str]) -> (bool, Vec<Value>) {
    let output = Command::new(common::examples::build_demo("tail"))
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let lines = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (output.status.success(), lines)
}

#[test]
fn tail_prints_what_serve_sent_and_resumes_after_each_drop() {
    let serve = Serve::start(&[
        "--interval-ms",
        "20",
        "--retry-ms",
        "30",
        "--drop-after",
        "6",
    ]);
    let (ok, lines) = tail(&[&serve.url("/events"), "--count", "30"]);
    assert!(ok);
    assert_eq!(lines.len(), 30);
    let events = lines.iter().map(|line| {
        let text = |key: &str| line[key].as_str().unwrap().to_owned();
        (text("type"), text("data"), text("id"))
    });
    let connections = check_resumed(&serve.log(), events);
    assert!(connections >= 4, "only {connections} connections");
}

/// Checks events a client received from `/events` (type, data, last event
/// ID) against serve's log: each is one serve sent, none is lost or
/// repeated, and each `connected` event says serve resumed from the ID the
/// client sent. Returns how many connections there were.
fn check_resumed(log: &[Value], events: impl Iterator<Item = (String, String, String)>) -> usize {
    let mut previous: Option<u64> = None;
    let mut connections = 0;
    for (event_type, data, id) in events {
        if event_type == "connected" {
            connections += 1;
            let hello: Value = serde_json::from_str(&data).unwrap();
            match previous {
                None => assert_eq!(hello["resumed_from"], Value::Null),
                Some(previous) => {
                    // The client sent the last ID it had, and serve resumed there.
                    assert_eq!(hello["resumed_from"], previous.to_string());
                    assert_eq!(id, previous.to_string());
                }
            }
            previous = Some(id.parse().unwrap());
            continue;
        }
        let sent = log
            .iter()
            .find(|event| event["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{id} is not in serve's log"));
        assert_eq!(
            (event_type.as_str(), data.as_str()),
            (
                sent["type"].as_str().unwrap(),
                sent["data"].as_str().unwrap()
            )
        );
        let id: u64 = id.parse().unwrap();
        if let Some(previous) = previous {
            assert_eq!(id, previous + 1, "an event was lost or repeated");
        }
        previous = Some(id);
    }
    connections
}

#[test]
fn tail_posts_json_and_reads_a_chunked_answer() {
    let serve = Serve::start(&[]);
    let prompt = "stream me, «please»";
    let body = serde_json::json!({ "prompt": prompt }).to_string();
    let (ok, lines) = tail(&[&serve.url("/chat"), "--post", &body, "--once"]);
    assert!(ok);
    let (done, deltas) = lines.split_last().unwrap();
    assert_eq!(done["data"], "[DONE]");
    let answer: String = deltas
        .iter()
        .map(|line| {
            let delta: Value = serde_json::from_str(line["data"].as_str().unwrap()).unwrap();
            delta["choices"][0]["delta"]["content"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(answer, format!("You said: {prompt}"));
}

#[test]
fn tail_stops_on_what_is_not_an_event_stream() {
    let serve = Serve::start(&[]);
    assert!(!tail(&[&serve.url("/nowhere")]).0);
    assert!(!tail(&[&serve.url("/log")]).0); // 200, but not text/event-stream
    assert!(!tail(&[&serve.url("/chat"), "--post", "{}"]).0); // 400
}

#[test]
fn serve_serves_many_clients_and_forgets_those_that_leave() {
    let serve = Serve::start(&["--interval-ms", "20"]);
    // Five clients, each read until its first tick arrives.
    let clients: Vec<TcpStream> = (0..5)
        .map(|_| {
            let stream = TcpStream::connect(("127.0.0.1", serve.port)).unwrap();
            (&stream)
                .write_all(b"GET /events HTTP/1.1\r\nHost: test\r\n\r\n")
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while line != "event: tick\n" {
                line.clear();
                reader.read_line(&mut line).unwrap();
            }
            stream
        })
        .collect();
    // `update` events carry the number of connected clients.
    let clients_now = |serve: &Serve| {
        serve
            .log()
            .iter()
            .rev()
            .find(|event| event["type"] == "update")
            .map(|event| {
                let data: Value = serde_json::from_str(event["data"].as_str().unwrap()).unwrap();
                data["clients"].as_u64().unwrap()
            })
    };
    let wait_for = |want: u64| {
        let start = Instant::now();
        while clients_now(&serve) != Some(want) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "clients never became {want}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    wait_for(5);
    drop(clients);
    wait_for(0);
}

/// The `reqwest` feature's `EventSource` against `serve` dropping every
/// connection: every event arrives once, in order, across reconnections
/// that resume from the Last-Event-ID.
#[cfg(feature = "reqwest")]
#[test]
fn reqwest_event_source_resumes_against_serve() {
    use futures_util::StreamExt;
    use sse_wire::client::Config;
    use sse_wire::{GrowableParser, Item};

    let serve = Serve::start(&[
        "--interval-ms",
        "20",
        "--retry-ms",
        "30",
        "--drop-after",
        "5",
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let events = runtime.block_on(async {
        let request = reqwest::Client::new().get(serve.url("/events"));
        // serve asks for 30 ms; the default floor is 500 ms.
        let config = Config::new().with_retry_range_ms(10, 1000);
        let mut source =
            sse_wire::reqwest::EventSource::with_client(request, config, GrowableParser::default())
                .unwrap();
        let mut events = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while events.len() < 25 {
            let item = tokio::time::timeout_at(deadline, source.next())
                .await
                .expect("serve's events came too slowly")
                .expect("the stream ended");
            if let Ok(Item::Event(event)) = item {
                events.push(event);
            }
        }
        events
    });
    let events = events.iter().map(|event| {
        let (event_type, data) = (event.event_type(), event.data());
        (
            event_type.to_owned(),
            data.to_owned(),
            event.last_event_id().to_owned(),
        )
    });
    let connections = check_resumed(&serve.log(), events);
    assert!(connections >= 3, "only {connections} connections");
}
