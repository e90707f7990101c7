//! The broadcast's body streams, read directly and over HTTP on loopback:
//! resuming from `Last-Event-ID`, the `reset` for an ID the log lost and for
//! a client that fell out of the log, keep-alive comments, the headers.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use sse_wire::{Parser, Status};
use sse_wire_axum::{router, Hub};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// An event as a client sees it: type, data, last event ID.
type Seen = (String, String, String);

/// Parses whole frames (as the body chunks are) into events.
fn parse(bytes: &[u8]) -> Vec<Seen> {
    let mut parser = Parser::<4096>::new();
    let mut input = bytes;
    let mut seen = Vec::new();
    loop {
        match parser.next(&mut input) {
            Ok(Status::Event(event)) => seen.push((
                event.event_type().to_owned(),
                event.data().to_owned(),
                event.last_event_id().to_owned(),
            )),
            Ok(Status::NeedInput) => return seen,
            Ok(_) => {}
            Err(error) => panic!("a test event did not fit: {error}"),
        }
    }
}

/// The next chunk of a body, which must come within a second (the tests'
/// events are all appended before it is asked for).
async fn next_chunk(
    body: &mut (impl Stream<Item = Result<Bytes, std::convert::Infallible>> + Unpin),
) -> Bytes {
    match timeout(Duration::from_secs(1), body.next()).await {
        Ok(Some(Ok(chunk))) => chunk,
        Ok(Some(Err(never))) => match never {},
        Ok(None) => panic!("the body ended"),
        Err(_) => panic!("no chunk within a second"),
    }
}

fn publish_all<const N: usize>(hub: &Hub<N>, data: &[&str]) -> Vec<u64> {
    data.iter().map(|data| hub.publish("note", |_| (*data).to_owned()).unwrap()).collect()
}

#[tokio::test]
async fn a_client_that_resumes_gets_exactly_the_events_after_its_id() {
    let hub = Arc::new(Hub::<16>::new(4096, 100, Duration::from_secs(15)));
    let ids = publish_all(&hub, &["a", "b", "c", "d"]);
    assert_eq!(ids, [100, 101, 102, 103]);

    let mut body = Box::pin(hub.subscribe("101"));
    let seen = parse(&next_chunk(&mut body).await);
    assert_eq!(
        seen,
        [("note".into(), "c".into(), "102".into()), ("note".into(), "d".into(), "103".into()),]
    );
    // Then the live events, one chunk each.
    publish_all(&hub, &["e"]);
    let seen = parse(&next_chunk(&mut body).await);
    assert_eq!(seen, [("note".into(), "e".into(), "104".into())]);
}

#[tokio::test]
async fn a_new_client_starts_with_the_next_event() {
    let hub = Arc::new(Hub::<16>::new(4096, 1, Duration::from_secs(15)));
    publish_all(&hub, &["old"]);
    let mut body = Box::pin(hub.subscribe(""));
    publish_all(&hub, &["new"]);
    let seen = parse(&next_chunk(&mut body).await);
    assert_eq!(seen, [("note".into(), "new".into(), "2".into())]);
}

#[tokio::test]
async fn an_id_the_log_lost_gets_a_reset_that_moves_the_client_to_the_newest_id() {
    let hub = Arc::new(Hub::<2>::new(4096, 1, Duration::from_secs(15)));
    publish_all(&hub, &["1", "2", "3", "4"]);
    // ID 1 was evicted (the log keeps 2 events); "x" never existed.
    for (stale, newest) in [("1", "4"), ("x", "5")] {
        let mut body = Box::pin(hub.subscribe(stale));
        let seen = parse(&next_chunk(&mut body).await);
        assert_eq!(seen.len(), 1, "{seen:?}");
        let (event_type, data, id) = &seen[0];
        assert_eq!((event_type.as_str(), id.as_str()), ("reset", newest));
        assert!(data.contains(&format!("after ID {stale} are no longer kept")), "{data}");
        publish_all(&hub, &["live"]);
        let seen = parse(&next_chunk(&mut body).await);
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].1, "live");
    }
}

#[tokio::test]
async fn a_client_that_falls_out_of_the_log_gets_a_reset_then_what_the_log_kept() {
    let hub = Arc::new(Hub::<4>::new(4096, 1, Duration::from_secs(15)));
    let mut body = Box::pin(hub.subscribe(""));
    // Twenty events while the client reads nothing: the log keeps four.
    let data: Vec<String> = (1..=20).map(|n| n.to_string()).collect();
    let data: Vec<&str> = data.iter().map(String::as_str).collect();
    publish_all(&hub, &data);
    let seen = parse(&next_chunk(&mut body).await);
    let types: Vec<&str> = seen.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(types, ["reset", "note", "note", "note", "note"]);
    assert!(seen[0].1.contains("fell 16 events behind"), "{}", seen[0].1);
    let ids: Vec<&str> = seen[1..].iter().map(|(_, _, id)| id.as_str()).collect();
    assert_eq!(ids, ["17", "18", "19", "20"]);
}

#[tokio::test(start_paused = true)]
async fn a_quiet_stream_gets_keep_alive_comments_and_none_while_events_flow() {
    let hub = Arc::new(Hub::<8>::new(4096, 1, Duration::from_secs(15)));
    let mut body = Box::pin(hub.subscribe(""));
    // Nothing for 15 s (paused time moves on by itself): a comment.
    let comment = body.next().await.unwrap().unwrap();
    assert_eq!(&comment[..], b":\n");
    tokio::time::sleep(Duration::from_secs(10)).await;
    publish_all(&hub, &["x"]);
    let event = body.next().await.unwrap().unwrap();
    assert_eq!(parse(&event).len(), 1);
}

#[test]
fn an_event_larger_than_the_log_is_refused_and_not_sent() {
    let hub = Hub::<8>::new(64, 1, Duration::from_secs(15));
    assert!(hub.publish("big", |_| "x".repeat(100)).is_err());
    assert_eq!(hub.publish("small", |_| "y".into()).unwrap(), 1);
}

/// Sends a GET for `/events` to `address` and reads until `wanted` events
/// came; returns the response head and the body, unchunked.
async fn get_events(
    address: std::net::SocketAddr,
    last_event_id: &str,
    wanted: usize,
) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!(
        "GET /events HTTP/1.1\r\nHost: {address}\r\nLast-Event-ID: {last_event_id}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        let n = timeout(Duration::from_secs(5), stream.read(&mut buffer)).await.unwrap().unwrap();
        assert!(n > 0, "closed early");
        received.extend_from_slice(&buffer[..n]);
        let events_so_far = received.windows(2).filter(|w| w == b"\n\n").count();
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            if events_so_far >= wanted {
                break end + 4;
            }
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).into_owned();
    // Undo the chunked coding: size line, data, CRLF.
    let mut body = Vec::new();
    let mut rest = &received[head_end..];
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
        let start = line_end + 2;
        if rest.len() < start + size + 2 {
            break;
        }
        body.extend_from_slice(&rest[start..start + size]);
        rest = &rest[start + size + 2..];
    }
    (head, body)
}

#[tokio::test]
async fn over_http_the_stream_has_the_kits_headers_and_resumes() {
    let hub = Arc::new(Hub::<16>::new(4096, 1, Duration::from_secs(15)));
    publish_all(&hub, &["one", "two", "three"]);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router(hub)).await });

    let (head, body) = get_events(address, "1", 2).await;
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream\r\n"), "{head}");
    assert!(head.contains("cache-control: no-cache\r\n"), "{head}");
    assert!(head.contains("x-accel-buffering: no\r\n"), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    let data: Vec<String> = parse(&body).into_iter().map(|(_, data, _)| data).collect();
    assert_eq!(data, ["two", "three"]);
    server.abort();
}

#[tokio::test]
async fn clients_that_hang_up_leave_nothing_behind() {
    let hub = Arc::new(Hub::<16>::new(4096, 1, Duration::from_secs(15)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(Arc::clone(&hub));
    // The test's handle and the router's.
    let baseline = Arc::strong_count(&hub);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut clients = Vec::new();
    for _ in 0..50 {
        let mut stream = TcpStream::connect(address).await.unwrap();
        let request = format!("GET /events HTTP/1.1\r\nHost: {address}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut head = [0u8; 512];
        let n = timeout(Duration::from_secs(5), stream.read(&mut head)).await.unwrap().unwrap();
        assert!(head[..n].starts_with(b"HTTP/1.1 200"));
        clients.push(stream);
    }
    // Each open stream holds the hub (axum's state extractor may too).
    assert!(Arc::strong_count(&hub) >= baseline + 50);
    drop(clients);
    // The server finds a closed connection when it writes the next event.
    for round in 0.. {
        hub.publish("note", |_| "after the clients left".into()).unwrap();
        if Arc::strong_count(&hub) == baseline {
            break;
        }
        assert!(round < 100, "{} body streams still alive", Arc::strong_count(&hub) - baseline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.abort();
}
