//! Values that do not fit: reported once with the field named, the event
//! skipped, and everything before and after intact, at every chunking.

mod common;

use common::{drive, Item, Outcome};
use sse_wire::{ParseError, Parser, Status};

fn event(event_type: &str, data: &str, id: &str) -> Item {
    Item::Event {
        event_type: event_type.to_owned(),
        data: data.to_owned(),
        id: id.to_owned(),
    }
}

/// Runs `input` whole, byte by byte and at every split through a
/// `Parser<8, 4>` with comments on, and checks each gives `expected`.
fn check(input: &[u8], expected: &[Item], last_event_id: &str) {
    let limits = common::Limits {
        data: 8,
        meta: 4,
        comments: true,
    };
    let expected = Outcome {
        items: expected.to_vec(),
        last_event_id: last_event_id.to_owned(),
        end: common::reference::parse(input, limits).end,
    };
    let fresh = || Parser::<8, 4>::new().with_comments(true);
    assert_eq!(drive(&mut fresh(), [input]), expected, "whole");
    assert_eq!(drive(&mut fresh(), input.chunks(1)), expected, "bytewise");
    for at in 0..=input.len() {
        let (a, b) = input.split_at(at);
        assert_eq!(drive(&mut fresh(), [a, b]), expected, "split at {at}");
    }
}

const DATA: Item = Item::Error(ParseError::DataTooLong { capacity: 8 });
const TYPE: Item = Item::Error(ParseError::EventTypeTooLong { capacity: 4 });
const ID: Item = Item::Error(ParseError::IdTooLong { capacity: 4 });

#[test]
fn oversized_data_is_reported_and_its_event_skipped() {
    check(
        b"data: before\n\ndata: 123456789\n\ndata: after\n\n",
        &[
            event("message", "before", ""),
            DATA,
            event("message", "after", ""),
        ],
        "",
    );
}

#[test]
fn data_of_exactly_the_capacity_fits() {
    check(
        b"data: 12345678\n\n",
        &[event("message", "12345678", "")],
        "",
    );
    check(
        b"data: 123\ndata: 1234\n\n",
        &[event("message", "123\n1234", "")],
        "",
    );
}

#[test]
fn the_lf_between_data_lines_counts() {
    check(
        b"data: 1234\ndata: 1234\n\ndata: z\n\n",
        &[DATA, event("message", "z", "")],
        "",
    );
}

#[test]
fn many_data_lines_overflow_once() {
    check(
        b"data: 1234\ndata: 1234\ndata: 1234\ndata: 1234\n\ndata: z\n\n",
        &[DATA, event("message", "z", "")],
        "",
    );
}

#[test]
fn replacement_characters_count_three_bytes() {
    // Three invalid bytes decode to nine bytes of U+FFFD.
    check(
        b"data: \xFF\xFF\xFF\n\ndata: z\n\n",
        &[DATA, event("message", "z", "")],
        "",
    );
    check(
        b"data: \xFF\xFFab\n\n",
        &[event("message", "\u{fffd}\u{fffd}ab", "")],
        "",
    );
}

#[test]
fn replacement_characters_count_in_ids_and_types_too() {
    // Found by the `roundtrip` fuzz target: two invalid bytes are two
    // U+FFFD, six bytes, more than the four an ID or type may hold.
    check(
        b"id: \xFF\xFF\ndata: x\n\nevent: \xC0\xC0\ndata: y\n\ndata: z\n\n",
        &[ID, TYPE, event("message", "z", "")],
        "",
    );
    check(b"id: \xFFa\n\n", &[], "\u{fffd}a");
}

#[test]
fn oversized_event_type_is_reported() {
    check(
        b"event: toolong\ndata: x\n\nevent: ok\ndata: y\n\n",
        &[TYPE, event("ok", "y", "")],
        "",
    );
}

#[test]
fn oversized_id_keeps_the_previous_last_event_id() {
    check(
        b"id: 1\n\nid: 12345\ndata: x\n\ndata: y\n\n",
        &[ID, event("message", "y", "1")],
        "1",
    );
}

#[test]
fn lines_before_the_overflow_keep_their_effect() {
    check(
        b"id: 2\nretry: 5\ndata: 123456789\nretry: 6\nid: 3\n\ndata: y\n\n",
        &[Item::Retry(5), DATA, event("message", "y", "2")],
        "2",
    );
}

#[test]
fn comments_are_cut_to_the_free_room_and_never_fail() {
    check(
        b": a long comment\ndata: 123456\n: xyz\n\n",
        &[
            Item::Comment("a long c".to_owned()),
            Item::Comment("xy".to_owned()),
            event("message", "123456", ""),
        ],
        "",
    );
}

#[test]
fn comments_in_a_skipped_event_are_not_reported() {
    check(
        b"data: 123456789\n: hidden\n\n: shown\n",
        &[DATA, Item::Comment("shown".to_owned())],
        "",
    );
}

#[test]
fn overflow_in_an_unterminated_line_is_reported_when_it_happens() {
    let mut parser = Parser::<8, 4>::new();
    let mut input: &[u8] = b"data: 123456789";
    assert_eq!(
        parser.next(&mut input),
        Err(ParseError::DataTooLong { capacity: 8 })
    );
    assert_eq!(parser.next(&mut input), Ok(Status::NeedInput));
}

#[test]
fn error_leaves_the_cursor_after_the_bytes_read() {
    let mut parser = Parser::<8, 4>::new();
    let mut input: &[u8] = b"data: 123456789\n\ndata: ok\n\n";
    assert!(parser.next(&mut input).is_err());
    assert!(input.ends_with(b"data: ok\n\n"));
    let Ok(Status::Event(event)) = parser.next(&mut input) else {
        panic!("the parser stays usable")
    };
    assert_eq!(event.data(), "ok");
}

#[test]
fn errors_name_the_field_and_the_capacity() {
    assert_eq!(
        ParseError::DataTooLong { capacity: 8 }.to_string(),
        "event data longer than the parser's capacity of 8 bytes; the event was skipped"
    );
    assert!(ParseError::IdTooLong { capacity: 4 }
        .to_string()
        .starts_with("event id "));
    assert!(ParseError::EventTypeTooLong { capacity: 4 }
        .to_string()
        .starts_with("event type "));
}

#[test]
fn zero_capacity_parser_still_dispatches_empty_events() {
    let mut parser = Parser::<0, 0>::new();
    let got = drive(&mut parser, [&b"data\n\nid\n\ndata: x\n\ndata:\n\n"[..]]);
    assert_eq!(
        got.items,
        vec![
            event("message", "", ""),
            Item::Error(ParseError::DataTooLong { capacity: 0 }),
            event("message", "", "")
        ]
    );
}
