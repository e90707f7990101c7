//! Encode, then parse: arbitrary frames (any Unicode, any line breaks in
//! data and comments) come back as the parser reports them, with line
//! breaks normalised to LF. Every output path gives the same bytes, and the
//! predicted length is exact.

mod common;

use common::{drive, Item, Outcome};
use proptest::prelude::*;
use sse_wire::{Encoder, Frame, Progress};

/// An owned frame, so that proptest can generate it.
#[derive(Clone, Debug)]
enum Spec {
    Event {
        event_type: Option<String>,
        id: Option<String>,
        data: Option<String>,
    },
    Comment(String),
    Retry(u32),
}

impl Spec {
    fn frame(&self) -> Frame<'_> {
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

/// Text with any characters and any of the three line breaks.
fn multiline() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        3 => any::<String>(),
        1 => Just("\n".to_owned()),
        1 => Just("\r".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just(" ".to_owned()),
    ];
    prop::collection::vec(part, 0..6).prop_map(|parts| parts.concat())
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        4 => (
            prop::option::of("[^\r\n]{0,12}"),
            prop::option::of("[^\r\n\0]{0,12}"),
            prop::option::weighted(0.9, multiline()),
        )
            .prop_map(|(event_type, id, data)| Spec::Event { event_type, id, data }),
        1 => multiline().prop_map(Spec::Comment),
        1 => any::<u32>().prop_map(Spec::Retry),
    ]
}

/// Line breaks (CRLF, CR, LF) as a parser reports them: LF.
fn normalise(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// What a parser must report for these frames, written from the format's
/// rules, not from the encoder.
fn expected(specs: &[Spec]) -> Outcome {
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

/// Encodes through the resumable encoder with output buffers of `size`.
fn encode_incrementally(frame: &Frame<'_>, size: usize) -> Vec<u8> {
    let mut encoder = Encoder::new(frame).unwrap();
    let mut out = Vec::new();
    let mut buf = vec![0u8; size];
    loop {
        let (progress, n) = encoder.encode(&mut buf);
        out.extend_from_slice(&buf[..n]);
        if progress == Progress::Done {
            return out;
        }
        assert_eq!(n, size, "OutputFull with room left");
    }
}

proptest! {
    #[test]
    fn parse_of_encode_gives_the_frames_back(specs in prop::collection::vec(spec(), 0..8),
                                             out_size in 1usize..40) {
        let mut stream = Vec::new();
        for spec in &specs {
            let frame = spec.frame();
            let len = frame.encoded_len().unwrap();
            let mut whole = vec![0u8; len];
            prop_assert_eq!(frame.encode_to_slice(&mut whole), Ok(len));
            let mut text = String::new();
            frame.encode_fmt(&mut text).unwrap();
            prop_assert_eq!(text.as_bytes(), &whole[..]);
            prop_assert_eq!(&encode_incrementally(&frame, 1), &whole);
            prop_assert_eq!(&encode_incrementally(&frame, out_size), &whole);
            stream.extend_from_slice(&whole);
        }
        let mut parser = sse_wire::Parser::<{ 64 * 1024 }, 256>::new().with_comments(true);
        prop_assert_eq!(drive(&mut parser, [&stream[..]]), expected(&specs));
        let mut parser = sse_wire::Parser::<{ 64 * 1024 }, 256>::new().with_comments(true);
        prop_assert_eq!(drive(&mut parser, stream.chunks(3)), expected(&specs));
    }

    /// Untrusted strings in every position: the encoder either refuses the
    /// frame or writes exactly one event carrying exactly those values.
    #[test]
    fn untrusted_values_cannot_inject_fields(event_type in any::<String>(), id in any::<String>(),
                                             data in multiline()) {
        let frame = Frame::Event { event_type: Some(&event_type), id: Some(&id), data: Some(&data) };
        let Ok(len) = frame.encoded_len() else {
            prop_assert!(event_type.contains(['\r', '\n']) || id.contains(['\r', '\n', '\0']));
            return Ok(());
        };
        let mut buf = vec![0u8; len];
        frame.encode_to_slice(&mut buf).unwrap();
        let mut parser = sse_wire::Parser::<4096, 256>::new();
        let got = drive(&mut parser, [&buf[..]]);
        let event_type = if event_type.is_empty() { "message".to_owned() } else { event_type };
        prop_assert_eq!(got.items, vec![Item::Event { event_type, data: normalise(&data), id: id.clone() }]);
        prop_assert_eq!(got.last_event_id, id);
    }
}
