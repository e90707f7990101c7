//! Drives the real parser over chunked input and records what it reports,
//! in the reference model's vocabulary, so the two can be compared.
#![allow(dead_code, unused_imports)]

#[path = "../reference/mod.rs"]
pub mod reference;

pub mod examples;
pub mod frames;

pub use reference::{Item, Limits, Outcome};
use sse_wire::{Buffer, EventParser, Piece, PieceParser, Status};

/// Feeds `chunks` to `parser` in order and collects everything it reports.
pub fn drive<'a, D: Buffer, M: Buffer>(
    parser: &mut EventParser<D, M>,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Outcome {
    let mut items = Vec::new();
    for chunk in chunks {
        let mut input = chunk;
        loop {
            match parser.next(&mut input) {
                Ok(Status::NeedInput) => {
                    assert!(input.is_empty(), "NeedInput with input left");
                    break;
                }
                Ok(Status::Event(event)) => {
                    // The bytes are the text, whichever way the data came:
                    // so they are valid UTF-8.
                    assert_eq!(event.data_bytes(), event.data().as_bytes());
                    items.push(Item::Event {
                        event_type: event.event_type().to_owned(),
                        data: event.data().to_owned(),
                        id: event.last_event_id().to_owned(),
                    });
                }
                Ok(Status::Retry(ms)) => items.push(Item::Retry(ms)),
                Ok(Status::Comment(text)) => items.push(Item::Comment(text.to_owned())),
                Ok(other) => panic!("unexpected {other:?}"),
                Err(error) => items.push(Item::Error(error)),
            }
        }
    }
    // The verdict reads the state before `finish` resets it; the last
    // event ID survives the reset.
    let end = parser.finish();
    Outcome {
        items,
        last_event_id: parser.last_event_id().to_owned(),
        end,
    }
}

/// Feeds `chunks` to a piece parser and collects what it reports, in the
/// event parser's vocabulary: each dispatched event with its data pieces
/// joined, retries, errors, and the verdict at the end. Checks on the way
/// that no piece is empty, that pieces come only inside an event, and that
/// an event whose type or ID overflowed is not dispatched.
pub fn drive_pieces<'a, M: Buffer>(
    parser: &mut PieceParser<M>,
    chunks: impl IntoIterator<Item = &'a [u8]>,
) -> Outcome {
    let mut items = Vec::new();
    let mut data = String::new();
    let mut failed = false;
    for chunk in chunks {
        let mut input = chunk;
        loop {
            match parser.next(&mut input) {
                Ok(Piece::NeedInput) => {
                    assert!(input.is_empty(), "NeedInput with input left");
                    break;
                }
                Ok(Piece::Data(piece)) => {
                    assert!(!piece.is_empty(), "an empty piece");
                    let before = data.len();
                    data.extend(piece.chunks());
                    assert_eq!(data.len() - before, piece.len());
                    if let Some(text) = piece.as_str() {
                        assert_eq!(text, &data[before..]);
                    }
                }
                Ok(Piece::EventEnd(end)) => {
                    assert_eq!(end.dispatched, !failed, "dispatched after an error?");
                    let data = std::mem::take(&mut data);
                    failed = false;
                    if end.dispatched {
                        items.push(Item::Event {
                            event_type: end.event_type.to_owned(),
                            data,
                            id: end.last_event_id.to_owned(),
                        });
                    }
                }
                Ok(Piece::Retry(ms)) => items.push(Item::Retry(ms)),
                Ok(other) => panic!("unexpected {other:?}"),
                Err(error) => {
                    failed = true;
                    items.push(Item::Error(error));
                }
            }
        }
    }
    let end = parser.finish();
    Outcome {
        items,
        last_event_id: parser.last_event_id().to_owned(),
        end,
    }
}

/// The piece parser the spec tests use: the meta room of [`Roomy`].
pub type RoomyPieces = PieceParser<heapless::Vec<u8, 256>>;

/// Checks that the piece parser gives `expected` (without its comments,
/// which it does not report) for `input` whole, byte by byte, at every
/// two-way split and, for short inputs, at every three-way split.
pub fn assert_pieces_give(input: &[u8], expected: &Outcome) {
    let mut expected = expected.clone();
    expected
        .items
        .retain(|item| !matches!(item, Item::Comment(_)));
    let run = |chunks: Vec<&[u8]>| drive_pieces(&mut RoomyPieces::new(), chunks);
    assert_eq!(run(vec![input]), expected, "pieces, whole input");
    assert_eq!(
        run(input.chunks(1).collect()),
        expected,
        "pieces, one byte per call"
    );
    if cfg!(miri) {
        return;
    }
    for a in 0..=input.len() {
        let (x, rest) = input.split_at(a);
        assert_eq!(run(vec![x, rest]), expected, "pieces, split at {a}");
        if input.len() <= 48 {
            for b in 0..=rest.len() {
                let (y, z) = rest.split_at(b);
                assert_eq!(
                    run(vec![x, y, z]),
                    expected,
                    "pieces, split at {a}, {}",
                    a + b
                );
            }
        }
    }
}

/// The parser the spec tests use: room for every case, comments on.
pub type Roomy = sse_wire::Parser<4096, 256>;

/// Parses `input` cut at the given offsets (ascending, within the input).
pub fn parse_split(input: &[u8], cuts: &[usize], comments: bool) -> Outcome {
    let mut parser = Roomy::new().with_comments(comments);
    let mut chunks = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        chunks.push(&input[start..cut]);
        start = cut;
    }
    chunks.push(&input[start..]);
    drive(&mut parser, chunks)
}

/// Parses `input` one byte per call.
pub fn parse_bytewise(input: &[u8], comments: bool) -> Outcome {
    let mut parser = Roomy::new().with_comments(comments);
    drive(&mut parser, input.chunks(1))
}

/// Checks that `input` gives `expected` whole, byte by byte, at every
/// two-way split, and (for short inputs) at every three-way split; with
/// comments reported, and without (then the expected comments are dropped).
/// Under miri only whole and byte by byte.
pub fn assert_parses_to(input: &[u8], expected: &Outcome) {
    for comments in [true, false] {
        let mut expected = expected.clone();
        if !comments {
            expected
                .items
                .retain(|item| !matches!(item, Item::Comment(_)));
        }
        let expected = &expected;
        assert_eq!(&parse_split(input, &[], comments), expected, "whole input");
        assert_eq!(
            &parse_bytewise(input, comments),
            expected,
            "one byte per call"
        );
        if cfg!(miri) {
            // Interpreted code is slow; the sweeps below are for native runs.
            continue;
        }
        for a in 0..=input.len() {
            assert_eq!(
                &parse_split(input, &[a], comments),
                expected,
                "split at {a}"
            );
            if input.len() <= 48 {
                for b in a..=input.len() {
                    let got = parse_split(input, &[a, b], comments);
                    assert_eq!(&got, expected, "split at {a} and {b}");
                }
            }
        }
    }
}

/// The last reconnection time in `outcome`.
pub fn last_retry(outcome: &Outcome) -> Option<u64> {
    outcome.items.iter().rev().find_map(|item| match item {
        Item::Retry(ms) => Some(*ms),
        _ => None,
    })
}

/// An event in the reference model's vocabulary, from an owned event's
/// fields.
pub fn event_item(event_type: String, data: String, id: String) -> Item {
    Item::Event {
        event_type,
        data,
        id,
    }
}

/// Cuts `input` at ascending offsets drawn from `raw`.
pub fn cut(input: &[u8], raw: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = raw.iter().map(|r| r % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for cut in cuts {
        chunks.push(input[start..cut].to_vec());
        start = cut;
    }
    chunks.push(input[start..].to_vec());
    chunks
}
