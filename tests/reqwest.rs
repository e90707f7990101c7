//! Feature `reqwest`: `reqwest::EventSource` with real reqwest against
//! scripted HTTP/1.1 servers on 127.0.0.1: reconnection with
//! `Last-Event-ID`, POST with JSON, the typed errors, the idle timeout,
//! retried server errors, and an unfinished event never yielded.
#![cfg(feature = "reqwest")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use futures_util::StreamExt;
use sse_wire::client::Config;
use sse_wire::reqwest::{Error, EventSource};
use sse_wire::{GrowableParser, Item};

/// A request as the server saw it: the request line, the headers
/// (lower-cased names) and the body.
#[derive(Debug)]
struct Seen {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(stream: &mut TcpStream) -> Seen {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    Seen {
        line: line.trim_end().to_owned(),
        headers,
        body,
    }
}

/// Serves one scripted response per connection, in order, and reports
/// each request it saw. Each response is raw bytes (head and body); after
/// writing it the server closes the connection, unless the script entry
/// says to hold it open for that long first.
fn serve(script: Vec<(Vec<u8>, Duration)>) -> (String, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (seen, requests) = mpsc::channel();
    thread::spawn(move || {
        for (response, hold) in script {
            let Ok((mut stream, _)) = listener.accept() else {
                return;
            };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            let _ = seen.send(read_request(&mut stream));
            // Each connection is held open in its own thread, so the next
            // one is answered meanwhile.
            thread::spawn(move || {
                let _ = stream.write_all(&response);
                thread::sleep(hold);
            });
        }
    });
    (format!("http://{address}"), requests)
}

fn sse(body: &str) -> (Vec<u8>, Duration) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    (format!("{head}{body}").into_bytes(), Duration::ZERO)
}

fn plain(status: &str, headers: &str, body: &str) -> (Vec<u8>, Duration) {
    let response = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    (response.into_bytes(), Duration::ZERO)
}

/// A configuration that reconnects within milliseconds, for tests.
fn quick() -> Config {
    Config::new()
        .with_initial_retry_ms(5)
        .with_retry_range_ms(1, 50)
        .with_backoff_cap_ms(50)
}

fn source(request: reqwest::RequestBuilder, config: Config) -> EventSource {
    EventSource::with_client(request, config, GrowableParser::default()).unwrap()
}

/// Collects items until the stream ends, an error is fatal, or `limit`
/// items came; within a time bound.
async fn collect(
    mut events: EventSource,
    limit: usize,
) -> Vec<Result<Item<String, String>, Error>> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while out.len() < limit {
        let next = tokio::time::timeout_at(deadline, events.next())
            .await
            .expect("the stream took too long");
        let Some(item) = next else { break };
        let fatal = matches!(&item, Err(error) if error.is_fatal());
        out.push(item.map(|item| match item {
            Item::Event(event) => Item::Event(format!(
                "{}|{}|{}",
                event.event_type(),
                event.data(),
                event.last_event_id()
            )),
            Item::Retry(ms) => Item::Retry(ms),
            Item::Comment(text) => Item::Comment(text),
            _ => unreachable!(),
        }));
        if fatal {
            break;
        }
    }
    out
}

fn events(items: &[Result<Item<String, String>, Error>]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|item| match item {
            Ok(Item::Event(text)) => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn it_reconnects_with_the_last_event_id_and_stops_at_204() {
    let (url, requests) = serve(vec![
        sse("id: 1\ndata: a\n\nid: 2\ndata: cut off before its blank li"),
        sse("event: tick\ndata: b\n\n"),
        plain("204 No Content", "", ""),
    ]);
    let request = reqwest::Client::new().get(format!("{url}/events"));
    let items = collect(source(request, quick()), 10).await;
    assert_eq!(events(&items), ["message|a|1", "tick|b|1"]);
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    let first = requests.recv().unwrap();
    assert_eq!(first.line, "GET /events HTTP/1.1");
    assert_eq!(first.header("accept"), Some("text/event-stream"));
    assert_eq!(first.header("cache-control"), Some("no-cache"));
    assert_eq!(first.header("last-event-id"), None);
    // The unfinished event's `id: 2` never counted.
    assert_eq!(requests.recv().unwrap().header("last-event-id"), Some("1"));
    assert_eq!(requests.recv().unwrap().header("last-event-id"), Some("1"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_post_with_json_streams_a_chunked_answer() {
    let chunked = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n\
                   Transfer-Encoding: chunked\r\n\r\n\
                   7\r\ndata: {\r\n9\r\n\"t\":\"Hi\"}\r\n2\r\n\n\n\r\n0\r\n\r\n";
    let (url, requests) = serve(vec![
        (chunked.as_bytes().to_vec(), Duration::ZERO),
        plain("204 No Content", "", ""),
    ]);
    let request = reqwest::Client::new()
        .post(format!("{url}/chat"))
        .json(&serde_json::json!({ "prompt": "hello" }));
    let items = collect(source(request, quick()), 10).await;
    assert_eq!(events(&items), ["message|{\"t\":\"Hi\"}|"]);
    let seen = requests.recv().unwrap();
    assert_eq!(seen.line, "POST /chat HTTP/1.1");
    assert_eq!(seen.header("content-type"), Some("application/json"));
    assert_eq!(seen.body, br#"{"prompt":"hello"}"#);
    // The reconnection sends the same POST again.
    assert_eq!(requests.recv().unwrap().body, br#"{"prompt":"hello"}"#);
}

#[tokio::test(flavor = "current_thread")]
async fn an_html_page_is_a_content_type_error_with_its_response() {
    let (url, _requests) = serve(vec![plain(
        "200 OK",
        "Content-Type: text/html\r\n",
        "<html>busy</html>",
    )]);
    let request = reqwest::Client::new().get(url);
    let mut items = collect(source(request, quick()), 10).await;
    assert_eq!(items.len(), 1);
    match items.pop().unwrap() {
        Err(Error::ContentType(response)) => {
            assert_eq!(response.text().await.unwrap(), "<html>busy</html>");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_wrong_status_is_fatal_unless_server_errors_are_retried() {
    let (url, _requests) = serve(vec![plain("500 Internal Server Error", "", "oops")]);
    let items = collect(source(reqwest::Client::new().get(url), quick()), 10).await;
    assert!(matches!(&items[..], [Err(Error::Status(response))] if response.status() == 500));

    let (url, requests) = serve(vec![
        plain("503 Service Unavailable", "Retry-After: 0\r\n", ""),
        plain("429 Too Many Requests", "", ""),
        sse("data: after the storm\n\n"),
        plain("204 No Content", "", ""),
    ]);
    let config = quick().with_retry_server_errors(true);
    let items = collect(source(reqwest::Client::new().get(url), config), 10).await;
    assert!(matches!(&items[0], Err(error @ Error::Status(_)) if !error.is_fatal()));
    assert!(matches!(&items[1], Err(error @ Error::Status(_)) if !error.is_fatal()));
    assert_eq!(events(&items), ["message|after the storm|"]);
    assert_eq!(requests.iter().take(4).count(), 4);
}

#[tokio::test(flavor = "current_thread")]
async fn a_silent_server_hits_the_idle_timeout_and_is_left() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: first\n\n";
    let (url, _requests) = serve(vec![
        (head.as_bytes().to_vec(), Duration::from_secs(5)),
        plain("204 No Content", "", ""),
    ]);
    let config = quick().with_idle_timeout_ms(Some(300));
    let started = std::time::Instant::now();
    let items = collect(source(reqwest::Client::new().get(url), config), 10).await;
    assert_eq!(events(&items), ["message|first|"]);
    assert!(items.iter().any(|item| matches!(item, Err(Error::Idle))));
    // Left after the idle timeout, not after the server's 5 s.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_connection_is_retried_until_the_attempts_run_out() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = quick().with_max_attempts(Some(3));
    let request = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/"));
    let items = collect(source(request, config), 10).await;
    let transport = items
        .iter()
        .filter(|item| matches!(item, Err(Error::Transport(_))))
        .count();
    assert_eq!(transport, 3, "{items:?}");
    assert!(matches!(
        items.last(),
        Some(Err(Error::GaveUp { attempts: 3 }))
    ));
}
