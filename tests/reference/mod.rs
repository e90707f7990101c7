//! A plain reference model of the event-stream algorithm, written straight
//! from the HTML Standard with `String`s and no concern for speed or memory.
//! The tests and the fuzz targets compare the real parser with it.
//!
//! It decodes the whole input first (lossy UTF-8, one leading BOM dropped),
//! cuts it into lines, drops the unterminated last line, and then applies
//! the field rules and the dispatch steps line by line, with the standard's
//! own data buffer (each value followed by an LF, the last LF removed at
//! dispatch).
//!
//! Capacities follow the crate's documented rules, stated here in terms of
//! whole values: data overflows when the joined data (without the trailing
//! LF) would be longer than the data capacity; an `event` or `id` value
//! overflows when it is longer than the meta capacity (an `id` even if it
//! holds a NUL). An overflow is reported once and the rest of the block is
//! ignored; at its blank line the last event ID is still committed. An
//! overflow is reported when the bytes that overflow arrive, so also in an
//! unterminated last line, which otherwise has no effect.
#![allow(dead_code)]

use sse_wire::{End, ParseError, Unfinished};

/// One thing the parser reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Event {
        event_type: String,
        data: String,
        id: String,
    },
    Retry(u64),
    Comment(String),
    Error(ParseError),
}

/// What a whole stream gives: the items in order, the final last event ID,
/// and how the stream ended (`EventParser::finish`'s verdict).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub items: Vec<Item>,
    pub last_event_id: String,
    pub end: End,
}

impl Default for Outcome {
    fn default() -> Self {
        Outcome {
            items: Vec::new(),
            last_event_id: String::new(),
            end: End::Complete,
        }
    }
}

/// Capacities and options of the parser being modelled.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub data: usize,
    pub meta: usize,
    pub comments: bool,
}

impl Limits {
    /// No limit is ever reached.
    pub const UNBOUNDED: Limits = Limits {
        data: usize::MAX,
        meta: usize::MAX,
        comments: true,
    };
}

/// Cuts decoded text into complete lines (CRLF, LF or CR). The text after
/// the last line end is an unfinished line: the standard discards it.
pub fn complete_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                lines.push(std::mem::take(&mut line));
            }
            '\n' => lines.push(std::mem::take(&mut line)),
            c => line.push(c),
        }
    }
    lines
}

/// Lossy decoding of a value that may stop inside a UTF-8 sequence: the
/// unfinished sequence is left out, as a streaming decoder still waits for
/// its other bytes.
fn decode_so_far(bytes: &[u8]) -> String {
    let mut end = bytes.len();
    if let Some(last) = bytes.utf8_chunks().last() {
        let unfinished =
            matches!(std::str::from_utf8(last.invalid()), Err(e) if e.error_len().is_none());
        if unfinished {
            end -= last.invalid().len();
        }
    }
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Parses a whole stream.
pub fn parse(input: &[u8], limits: Limits) -> Outcome {
    let body = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    // The bytes after the last line end are an unterminated line.
    let tail_start = body
        .iter()
        .rposition(|&b| b == b'\n' || b == b'\r')
        .map_or(0, |at| at + 1);
    let (complete, tail) = body.split_at(tail_start);
    let decoded = String::from_utf8_lossy(complete);
    let text: &str = &decoded;

    let mut out = Outcome::default();
    let mut data = String::new();
    let mut event_type = String::new();
    let mut id_buffer = String::new();
    let mut skipping = false;
    // An `id` line of the open block set the ID buffer (to any value).
    let mut id_in_block = false;

    for line in complete_lines(text) {
        if line.is_empty() {
            // Dispatch.
            out.last_event_id = id_buffer.clone();
            id_in_block = false;
            if skipping || data.is_empty() {
                skipping = false;
                data.clear();
                event_type.clear();
                continue;
            }
            data.pop(); // the trailing LF
            let event_type = std::mem::take(&mut event_type);
            out.items.push(Item::Event {
                event_type: if event_type.is_empty() {
                    "message".to_owned()
                } else {
                    event_type
                },
                data: std::mem::take(&mut data),
                id: out.last_event_id.clone(),
            });
            continue;
        }
        if skipping {
            continue;
        }
        let (name, value) = match line.find(':') {
            Some(at) => {
                let value = &line[at + 1..];
                (&line[..at], value.strip_prefix(' ').unwrap_or(value))
            }
            None => (line.as_str(), ""),
        };
        let joined_len = data.len().saturating_sub(1);
        let overflow = match name {
            "" if limits.comments => {
                let room = limits.data - joined_len;
                let mut shown = String::new();
                for c in value.chars() {
                    if shown.len() + c.len_utf8() > room {
                        break;
                    }
                    shown.push(c);
                }
                out.items.push(Item::Comment(shown));
                None
            }
            "data" => {
                let new_len = if data.is_empty() { 0 } else { joined_len + 1 } + value.len();
                data.push_str(value);
                data.push('\n');
                (new_len > limits.data).then_some(ParseError::DataTooLong {
                    capacity: limits.data,
                })
            }
            "event" if value.len() > limits.meta => {
                event_type.clear();
                Some(ParseError::EventTypeTooLong {
                    capacity: limits.meta,
                })
            }
            "event" => {
                event_type = value.to_owned();
                None
            }
            "id" if value.len() > limits.meta => Some(ParseError::IdTooLong {
                capacity: limits.meta,
            }),
            "id" => {
                if !value.contains('\0') {
                    id_buffer = value.to_owned();
                    id_in_block = true;
                }
                None
            }
            "retry" => {
                // Digits only, read as an unsigned 64-bit number; one that
                // does not fit is ignored, as Chromium does.
                if value.bytes().all(|b| b.is_ascii_digit()) {
                    if let Ok(ms) = value.parse::<u64>() {
                        out.items.push(Item::Retry(ms));
                    }
                }
                None
            }
            _ => None,
        };
        if let Some(error) = overflow {
            out.items.push(Item::Error(error));
            skipping = true;
        }
    }

    // The unterminated last line takes no effect, but a streaming parser
    // reports an overflow as soon as the bytes that overflow arrive: once a
    // value has bytes, its line has started.
    // The verdict at the end: what the open block held. A cut last line
    // counts once a byte of its value arrived (before that its field is
    // not known for sure).
    let mut held = Unfinished {
        data: !data.is_empty(),
        event_type: !event_type.is_empty(),
        id: id_in_block,
    };
    let finish = |out: &mut Outcome, held: Unfinished, skipping: bool| {
        out.end = if !tail.is_empty() {
            End::UnfinishedLine(held)
        } else if skipping || held.data || held.event_type || held.id {
            End::UnfinishedEvent(held)
        } else {
            End::Complete
        };
    };
    if skipping {
        finish(&mut out, held, skipping);
        return out;
    }
    let value = tail.iter().position(|&b| b == b':').and_then(|colon| {
        let raw = &tail[colon + 1..];
        let raw = raw.strip_prefix(b" ").unwrap_or(raw);
        (!raw.is_empty()).then_some((&tail[..colon], raw))
    });
    let Some((name, raw)) = value else {
        finish(&mut out, held, skipping);
        return out;
    };
    let decoded = decode_so_far(raw);
    let value_len = decoded.len();
    let overflow = match name {
        b"data" => {
            let joined_len = data.len().saturating_sub(1);
            let new_len = if data.is_empty() { 0 } else { joined_len + 1 } + value_len;
            (new_len > limits.data).then_some(ParseError::DataTooLong {
                capacity: limits.data,
            })
        }
        b"event" => (value_len > limits.meta).then_some(ParseError::EventTypeTooLong {
            capacity: limits.meta,
        }),
        b"id" => (value_len > limits.meta).then_some(ParseError::IdTooLong {
            capacity: limits.meta,
        }),
        _ => None,
    };
    match (name, overflow) {
        // An overflowing line opened the data all the same, and leaves no
        // event type; an overflowing ID never becomes pending.
        (b"data", _) => held.data = true,
        (b"event", None) => held.event_type = !decoded.is_empty(),
        (b"event", Some(_)) => held.event_type = false,
        // An ID with a NUL would be ignored at its line end.
        (b"id", None) => held.id |= !raw.contains(&0),
        _ => {}
    }
    out.items.extend(overflow.map(Item::Error));
    finish(&mut out, held, overflow.is_some());
    out
}
