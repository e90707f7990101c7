//! The fast paths: data handed out straight from the input, and one byte
//! per call inside a data line. Each must give exactly what the
//! general path gives; the spec, chunking and model tests check that at
//! every split. These tests pin down where the data lives, and the cases
//! where the borrowed data must move into the parser before the call ends.

mod common;

use common::{drive, Item, Outcome};
use sse_wire::{Event, ParseError, Parser, Status};

/// Whether `text` lies inside `input`.
fn inside(input: &[u8], text: &str) -> bool {
    input.as_ptr_range().contains(&text.as_ptr())
}

/// The next status, which must be an event.
fn next_event<'p>(parser: &'p mut Parser<64>, input: &'p mut &[u8]) -> Event<'p> {
    match parser.next(input) {
        Ok(Status::Event(event)) => event,
        other => panic!("expected an event, got {other:?}"),
    }
}

#[test]
fn a_whole_single_line_event_is_not_copied() {
    let chunk: &[u8] = b"event: tick\ndata: {\"n\":1}\nid: 9\n\n";
    let mut parser = Parser::<64>::new();
    let mut input = chunk;
    let event = next_event(&mut parser, &mut input);
    assert_eq!(event.data(), "{\"n\":1}");
    assert!(inside(chunk, event.data()), "data was copied");
    assert_eq!((event.event_type(), event.last_event_id()), ("tick", "9"));
}

#[test]
fn data_that_spans_chunks_or_lines_is_assembled_in_the_parser() {
    let mut parser = Parser::<64>::new();
    // Two data lines: joined in the data buffer.
    let chunk: &[u8] = b"data: a\ndata: b\n\n";
    let mut input = chunk;
    let event = next_event(&mut parser, &mut input);
    assert_eq!(event.data(), "a\nb");
    assert!(!inside(chunk, event.data()));
    // One line, but its event ends in the next chunk: the line was moved
    // into the parser when the first chunk ran out.
    let first: &[u8] = b"data: whole line\n";
    let mut input = first;
    assert_eq!(parser.next(&mut input), Ok(Status::NeedInput));
    let mut input: &[u8] = b"\n";
    let event = next_event(&mut parser, &mut input);
    assert_eq!(event.data(), "whole line");
}

#[test]
fn borrowed_data_survives_what_comes_between_it_and_the_blank_line() {
    let mut parser = Parser::<64>::new().with_comments(true);
    let mut input: &[u8] = b"data: first\nretry: 10\n: note\ndata: second\n\n";
    assert_eq!(parser.next(&mut input), Ok(Status::Retry(10)));
    assert_eq!(parser.next(&mut input), Ok(Status::Comment("note")));
    let event = next_event(&mut parser, &mut input);
    assert_eq!(event.data(), "first\nsecond");
}

#[test]
fn invalid_utf8_in_a_whole_line_takes_the_decoding_path() {
    let chunk: &[u8] = b"data: a\xFFb\n\n";
    let mut parser = Parser::<64>::new();
    let mut input = chunk;
    let event = next_event(&mut parser, &mut input);
    assert_eq!(event.data(), "a\u{FFFD}b");
    assert!(!inside(chunk, event.data()));
}

#[test]
fn borrowed_data_is_held_to_the_data_capacity() {
    // Nine bytes of data, whole in the chunk, against a capacity of eight:
    // the same error as when the line is copied a byte at a time.
    let input = b"data: 123456789\n\ndata: 12345678\n\n";
    for size in [input.len(), 1] {
        let mut parser = Parser::<8>::new();
        let outcome = drive(&mut parser, input.chunks(size));
        let expected = Outcome {
            items: vec![
                Item::Error(ParseError::DataTooLong { capacity: 8 }),
                Item::Event {
                    event_type: "message".to_owned(),
                    data: "12345678".to_owned(),
                    id: String::new(),
                },
            ],
            last_event_id: String::new(),
            end: sse_wire::End::Complete,
        };
        assert_eq!(outcome, expected, "chunks of {size}");
    }
}

#[test]
fn one_byte_per_call_fills_the_data_buffer_exactly() {
    // The one-byte path stores a byte only while there is room; the byte
    // that does not fit is the general path's to report.
    let input = b"data: abcd\n\ndata: abcde\n\ndata: \xC3\xA9\n\n";
    let mut parser = Parser::<4>::new();
    let outcome = drive(&mut parser, input.chunks(1));
    let event = |data: &str| Item::Event {
        event_type: "message".to_owned(),
        data: data.to_owned(),
        id: String::new(),
    };
    assert_eq!(
        outcome.items,
        [
            event("abcd"),
            Item::Error(ParseError::DataTooLong { capacity: 4 }),
            event("é"),
        ]
    );
}
