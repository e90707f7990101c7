//! Frames as owned values, and what a parser must report for them, written
//! from the format's rules rather than from the encoder. Shared by the
//! round-trip tests and the fuzz targets.

use super::{Item, Outcome};
use sse_wire::{Encoder, Frame, Progress};

/// An owned frame, so that property tests and fuzzers can generate it.
#[derive(Clone, Debug)]
pub enum Spec {
    Event {
        event_type: Option<String>,
        id: Option<String>,
        data: Option<String>,
    },
    Comment(String),
    Retry(u64),
}

impl Spec {
    pub fn frame(&self) -> Frame<'_> {
        match self {
            Spec::Event {
                event_type,
                id,
                data,
            } => Frame::Event {
                event_type: event_type.as_deref(),
                id: id.as_deref(),
                data: data.as_deref(),
            },
            Spec::Comment(text) => Frame::Comment(text),
            Spec::Retry(ms) => Frame::Retry(*ms),
        }
    }
}

/// Line breaks (CRLF, CR, LF) as a parser reports them: LF.
pub fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// What a parser must report for these frames, written from the format's
/// rules, not from the encoder.
pub fn expected(specs: &[Spec]) -> Outcome {
    let mut out = Outcome::default();
    for spec in specs {
        match spec {
            Spec::Event {
                event_type,
                id,
                data,
            } => {
                if let Some(id) = id {
                    out.last_event_id = id.clone();
                }
                if let Some(data) = data {
                    out.items.push(Item::Event {
                        event_type: match event_type.as_deref() {
                            None | Some("") => "message".to_owned(),
                            Some(event_type) => event_type.to_owned(),
                        },
                        data: normalise(data),
                        id: out.last_event_id.clone(),
                    });
                }
            }
            Spec::Comment(text) => {
                for line in normalise(text).split('\n') {
                    out.items.push(Item::Comment(line.to_owned()));
                }
            }
            Spec::Retry(ms) => out.items.push(Item::Retry(*ms)),
        }
    }
    out
}

/// Encodes through the resumable encoder with output buffers of `size`,
/// checking at every step that what it says remains is what it then writes.
pub fn encode_incrementally(frame: &Frame<'_>, size: usize) -> Vec<u8> {
    let mut encoder = Encoder::new(frame).unwrap();
    let total = encoder.remaining_len();
    let mut out = Vec::new();
    let mut buf = vec![0u8; size];
    loop {
        let (progress, n) = encoder.encode(&mut buf);
        out.extend_from_slice(&buf[..n]);
        assert_eq!(encoder.remaining_len(), total - out.len(), "remaining_len");
        if progress == Progress::Done {
            return out;
        }
        assert_eq!(n, size, "OutputFull with room left");
    }
}

/// Encodes a valid `frame` through every output path and checks they agree:
/// the predicted length, the slice writer, the `fmt::Write` writer, and the
/// resumable encoder with 1-byte and `out_size`-byte buffers. Returns the
/// bytes.
pub fn encode_every_way(frame: &Frame<'_>, out_size: usize) -> Vec<u8> {
    let len = frame.encoded_len().unwrap();
    let mut whole = vec![0u8; len];
    assert_eq!(frame.encode_to_slice(&mut whole), Ok(len), "slice writer");
    let mut text = String::new();
    frame.encode_fmt(&mut text).unwrap();
    assert_eq!(text.as_bytes(), &whole[..], "fmt writer");
    assert_eq!(encode_incrementally(frame, 1), whole, "1-byte buffers");
    assert_eq!(
        encode_incrementally(frame, out_size.max(1)),
        whole,
        "{out_size}-byte buffers"
    );
    whole
}
