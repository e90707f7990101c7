//! The shortest handler on sse-wire's kit is no longer than the same
//! handler on axum's own `Sse`: both are in `src/lib.rs` between markers,
//! counted as rustfmt leaves them, from `pub async fn` to the closing brace.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// The lines of the function between `// NAME: start` and `// NAME: end`,
/// doc comments left out.
fn handler_lines(source: &str, name: &str) -> Vec<String> {
    let start = format!("// {name}: start");
    let end = format!("// {name}: end");
    let body = source
        .split_once(&start)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(body, _)| body)
        .unwrap_or_else(|| panic!("no markers for {name}"));
    body.lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty() && !line.trim_start().starts_with("///"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_kit_handler_is_no_longer_than_axums_sse_handler() {
    let source = include_str!("../src/lib.rs");
    let ours = handler_lines(source, "ticks");
    let axums = handler_lines(source, "axum_ticks");
    assert!(ours[0].starts_with("pub async fn ticks()"), "{ours:?}");
    assert!(axums[0].starts_with("pub async fn axum_ticks()"), "{axums:?}");
    println!("sse-wire kit: {} lines\n{}", ours.len(), ours.join("\n"));
    println!("axum Sse: {} lines\n{}", axums.len(), axums.join("\n"));
    assert!(
        ours.len() <= axums.len(),
        "the kit's handler has {} lines, axum's {}",
        ours.len(),
        axums.len()
    );
}

/// The first two events of `path` on a server of the package's router.
async fn first_events(address: std::net::SocketAddr, path: &str) -> String {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    while received.windows(2).filter(|w| w == b"\n\n").count() < 2 {
        let n = timeout(Duration::from_secs(5), stream.read(&mut buffer)).await.unwrap().unwrap();
        assert!(n > 0, "closed early");
        received.extend_from_slice(&buffer[..n]);
    }
    String::from_utf8(received).unwrap()
}

#[tokio::test]
async fn both_handlers_send_the_same_events_as_an_event_stream() {
    let hub = std::sync::Arc::new(sse_wire_axum::Hub::<8>::new(1024, 1, Duration::from_secs(15)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server =
        tokio::spawn(async move { axum::serve(listener, sse_wire_axum::router(hub)).await });
    for path in ["/ticks", "/axum-sse"] {
        let response = first_events(address, path).await;
        assert!(response.contains("content-type: text/event-stream"), "{response}");
        assert!(response.contains("event: tick\ndata: 0\n\n"), "{response}");
        assert!(response.contains("event: tick\ndata: 1\n\n"), "{response}");
    }
    server.abort();
}
