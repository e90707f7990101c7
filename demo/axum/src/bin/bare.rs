//! `bare`: the same broadcast as `server`, without axum or hyper: a
//! hand-written HTTP/1.1 response on plain tokio sockets, to tell the kit's
//! cost per client from the HTTP stack's.
//!
//! ```text
//! cargo run --release --bin bare -- [--port N] [--interval-ms MS]
//!     [--keep-alive-ms MS] [--payload BYTES]
//! cargo run --release --bin load -- --server bare
//! ```
//!
//! Only `GET /events` (with `Last-Event-ID`), the same hub and body stream
//! as `server`'s; anything else gets 404, a request head over 8 KiB 431, a
//! head not in within 10 s is dropped. The body is sent chunked, one chunk
//! per body item.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use sse_wire::server::HEADERS;
use sse_wire_axum::setup::{parse_args, start, USAGE};
use sse_wire_axum::{Hub, LOG_EVENTS};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// The largest request head read.
const HEAD_LIMIT: usize = 8 * 1024;

/// The time a client has to send its whole request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("bare: {message}\nusage: bare {USAGE}");
            return ExitCode::from(2);
        }
    };
    let (listener, hub) = match start("bare", &options) {
        Ok(started) => started,
        Err(error) => {
            eprintln!("bare: cannot listen on 127.0.0.1:{}: {error}", options.port);
            return ExitCode::FAILURE;
        }
    };
    loop {
        match listener.accept().await {
            Ok((tcp, _)) => {
                tokio::spawn(serve(tcp, Arc::clone(&hub)));
            }
            // Out of descriptors, say: wait for clients to leave.
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
}

/// One connection: the request head, then the stream until a write fails.
async fn serve(mut tcp: TcpStream, hub: Arc<Hub<LOG_EVENTS>>) {
    let _ = tcp.set_nodelay(true);
    // On the heap, so that its read buffer is freed once the head is in
    // rather than kept in the connection's task for as long as it streams.
    let Ok(Some(head)) = timeout(HEAD_TIMEOUT, Box::pin(read_head(&mut tcp))).await else {
        return;
    };
    let Some(head) = head else {
        let _ = tcp.write_all(b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").await;
        return;
    };
    let mut lines = head.split("\r\n");
    if !lines.next().is_some_and(|line| line.starts_with("GET /events ")) {
        let _ = tcp
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        return;
    }
    let last_event_id = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("last-event-id"))
        .map_or(String::new(), |(_, value)| value.trim().to_owned());
    drop(head);
    let mut response = String::from("HTTP/1.1 200 OK\r\n");
    for (name, value) in HEADERS {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("Transfer-Encoding: chunked\r\n\r\n");
    if tcp.write_all(response.as_bytes()).await.is_err() {
        return;
    }
    let mut body = std::pin::pin!(hub.subscribe(&last_event_id));
    drop(last_event_id);
    while let Some(Ok(chunk)) = body.next().await {
        let mut framed = Vec::with_capacity(chunk.len() + 20);
        framed.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        framed.extend_from_slice(&chunk);
        framed.extend_from_slice(b"\r\n");
        if tcp.write_all(&framed).await.is_err() {
            return;
        }
    }
}

/// Reads up to the blank line that ends the request head. `Ok(None)`: the
/// head is over [`HEAD_LIMIT`]; `None` overall: the connection ended or
/// failed first.
async fn read_head(tcp: &mut TcpStream) -> Option<Option<String>> {
    let mut head = Vec::with_capacity(1024);
    let mut buffer = [0u8; 1024];
    loop {
        let n = tcp.read(&mut buffer).await.ok().filter(|&n| n > 0)?;
        head.extend_from_slice(&buffer[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            if end > HEAD_LIMIT {
                return Some(None);
            }
            head.truncate(end);
            return Some(Some(String::from_utf8_lossy(&head).into_owned()));
        }
        if head.len() > HEAD_LIMIT {
            return Some(None);
        }
    }
}
