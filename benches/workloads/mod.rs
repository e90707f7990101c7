//! The workloads of the parser benchmarks, generated deterministically:
//! each stream's bytes, and the events that a parser following the
//! standard dispatches from them, written down beside the bytes rather than
//! found by parsing them. Shared by `benches/parse.rs` and the side-by-side
//! comparison in `benches/compare/`, which checks every contestant's events
//! against the list.
#![allow(dead_code)]

/// A stream, and the events it carries in the order they are dispatched.
#[derive(Clone, Debug, Default)]
pub struct Workload {
    /// The stream as it goes over the wire.
    pub bytes: Vec<u8>,
    /// What a conforming parser dispatches from `bytes`.
    pub events: Vec<Event>,
}

/// One dispatched event, as `EventSource` reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// The type: `"message"` unless an `event` field named another.
    pub event_type: String,
    /// The `data` lines' values joined with LF.
    pub data: String,
    /// The last event ID as of this event (`""` before any `id` field).
    pub id: String,
}

impl Workload {
    /// Appends wire text.
    fn put(&mut self, text: &str) {
        self.bytes.extend_from_slice(text.as_bytes());
    }

    /// Notes that the stream dispatches this event at this point.
    fn dispatches(&mut self, event_type: &str, data: &str, id: &str) {
        self.events.push(Event {
            event_type: event_type.to_owned(),
            data: data.to_owned(),
            id: id.to_owned(),
        });
    }
}

/// A JSON object of about `len` bytes, different for each `n`.
fn json(n: usize, len: usize) -> String {
    let mut s = format!("{{\"n\":{n},\"text\":\"");
    while s.len() + 2 < len {
        s.push(char::from(b'a' + (s.len() * 7 + n) as u8 % 26));
    }
    s.push_str("\"}");
    s
}

/// W1: 100 k small events, `data: {json ~100 B}` and a blank line.
pub fn w1_small_events(events: usize) -> Workload {
    let mut w = Workload::default();
    for n in 0..events {
        let data = json(n, 100);
        w.put(&format!("data: {data}\n\n"));
        w.dispatches("message", &data, "");
    }
    w
}

/// The tokens W2 streams, in turn: word pieces, five of the twelve not
/// ASCII (Latin letters with accents, CJK, an emoji), as a model writing
/// more than English sends them.
const TOKENS: [&str; 12] = [
    "Hel", "lo", ",", " caf", "é", " wor", "ld", " 日本", "語", "!", " 🙂", " naïve",
];

/// W2: LLM token streaming: `event: delta`, a small JSON data line with
/// one token (some of them not ASCII), `id: N`.
pub fn w2_llm_tokens(events: usize) -> Workload {
    let mut w = Workload::default();
    for n in 0..events {
        let token = TOKENS[n % TOKENS.len()];
        let data = format!("{{\"choices\":[{{\"delta\":{{\"content\":\"{token}\"}}}}]}}");
        w.put(&format!("event: delta\ndata: {data}\nid: {n}\n\n"));
        w.dispatches("delta", &data, &n.to_string());
    }
    w
}

/// W3: `events` events, each one data line of `line` bytes.
pub fn w3_large_lines(events: usize, line: usize) -> Workload {
    let mut w = Workload::default();
    for n in 0..events {
        let data: String = (0..line)
            .map(|i| char::from(b'a' + ((i + n) % 26) as u8))
            .collect();
        w.put("data: ");
        w.put(&data);
        w.put("\n\n");
        w.dispatches("message", &data, "");
    }
    w
}

/// W4: events of 50 short data lines each.
pub fn w4_multi_line(events: usize) -> Workload {
    let mut w = Workload::default();
    for n in 0..events {
        let lines: Vec<String> = (0..50)
            .map(|line| format!("line {line} of event {n}"))
            .collect();
        for line in &lines {
            w.put(&format!("data: {line}\n"));
        }
        w.put("\n");
        w.dispatches("message", &lines.join("\n"), "");
    }
    w
}

/// W5: W1 with CRLF line ends.
pub fn w5_crlf(events: usize) -> Workload {
    let mut w = Workload::default();
    for n in 0..events {
        let data = json(n, 100);
        w.put(&format!("data: {data}\r\n\r\n"));
        w.dispatches("message", &data, "");
    }
    w
}

/// W6: keep-alive comments, in blocks of their own between small events,
/// and inside every other event's block, between its `data` and its `id`
/// line. The IDs carry over to the events that have none.
pub fn w6_keep_alive(events: usize) -> Workload {
    let mut w = Workload::default();
    let mut id = String::new();
    for n in 0..events {
        let data = json(n, 100);
        w.put(": keep-alive\n\n");
        if n % 2 == 0 {
            w.put(&format!("data: {data}\n\n"));
        } else {
            id = n.to_string();
            w.put(&format!("data: {data}\n: keep-alive\nid: {id}\n\n"));
        }
        w.dispatches("message", &data, &id);
    }
    w
}
