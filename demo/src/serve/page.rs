//! The page (`GET /`) and the chat answer (`POST /chat`).

use std::io::{self, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use serde_json::json;
use sse_wire::Frame;

use super::respond;

/// Answers a prompt word by word, as a chat API streams its tokens, in
/// chunked transfer encoding: one `data:` event per word, then
/// `data: [DONE]`. The first 100 words come 20 ms apart, the rest at once.
pub fn chat(out: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let prompt = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("prompt")?.as_str().map(str::to_owned));
    let Some(prompt) = prompt else {
        return respond(
            out,
            "400 Bad Request",
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
        if n < 100 {
            thread::sleep(Duration::from_millis(20));
        }
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

/// `GET /`: a page whose `EventSource` shows each event as it arrives.
pub const PAGE: &str = r#"<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>sse-wire live demo</title>
<style>
  body { font: 15px system-ui, sans-serif; margin: 2em; max-width: 60em; }
  #state { font-weight: bold; }
  table { border-collapse: collapse; width: 100%; }
  td, th { border-bottom: 1px solid #ddd; padding: .3em .6em; text-align: left; vertical-align: top; }
  td.data { font-family: ui-monospace, monospace; white-space: pre-wrap; }
  tr.reset { background: #fff3cd; }
</style>
<h1>Server-Sent Events, written by sse-wire</h1>
<p>EventSource state: <span id="state">connecting</span>.
   Events received: <span id="count">0</span>.</p>
<p>Each row is one event as the browser's EventSource dispatched it, newest first:
   its last event ID, its type, and its data as received, line breaks kept.</p>
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
    row.className = event.type;
    row.insertCell().textContent = event.lastEventId;
    row.insertCell().textContent = event.type;
    const data = row.insertCell();
    data.className = "data";
    data.textContent = event.data;
    while (rows.rows.length > 200) rows.deleteRow(-1);
  }
  for (const type of ["connected", "reset", "tick", "update", "sample", "message"]) {
    source.addEventListener(type, show);
  }
</script>
</html>
"#;
