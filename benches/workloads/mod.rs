//! The workloads of the parser benchmarks, generated deterministically.
//! Shared by `benches/parse.rs` and, later, the side-by-side comparison.
#![allow(dead_code)]

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
pub fn w1_small_events(events: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..events {
        out.extend_from_slice(format!("data: {}\n\n", json(n, 100)).as_bytes());
    }
    out
}

/// W2: LLM token streaming: `event: delta`, a small JSON data line, `id: N`.
pub fn w2_llm_tokens(events: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..events {
        let token = ["Hel", "lo", ",", " wor", "ld", "!"][n % 6];
        out.extend_from_slice(
            format!("event: delta\ndata: {{\"choices\":[{{\"delta\":{{\"content\":\"{token}\"}}}}]}}\nid: {n}\n\n").as_bytes(),
        );
    }
    out
}

/// W3: `events` events, each one data line of `line` bytes.
pub fn w3_large_lines(events: usize, line: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..events {
        out.extend_from_slice(b"data: ");
        out.extend((0..line).map(|i| b'a' + ((i + n) % 26) as u8));
        out.extend_from_slice(b"\n\n");
    }
    out
}

/// W4: events of 50 short data lines each.
pub fn w4_multi_line(events: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..events {
        for line in 0..50 {
            out.extend_from_slice(format!("data: line {line} of event {n}\n").as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// W5: W1 with CRLF line ends.
pub fn w5_crlf(events: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..events {
        out.extend_from_slice(format!("data: {}\r\n\r\n", json(n, 100)).as_bytes());
    }
    out
}

/// W6: keep-alive comments between small events.
pub fn w6_keep_alive(events: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for n in 0..events {
        out.extend_from_slice(b": keep-alive\n\n");
        out.extend_from_slice(format!("data: {}\n\n", json(n, 100)).as_bytes());
    }
    out
}
