//! Feature `alloc`: the growable parser is the fixed-capacity parser over
//! other storage, so with the same caps it reports exactly the same things,
//! overflow included; owned events and `Vec` encoding round-trip.
#![cfg(feature = "alloc")]

mod common;
mod strategies;

use common::frames::encode_every_way;
use common::{cut, drive};
use proptest::prelude::*;
use sse_wire::{Buffer, CappedBytes, Frame, GrowableParser, OwnedEvent, Parser, Status};
use strategies::{multiline, spec, sse_like};

proptest! {
    #[test]
    fn same_reports_as_the_fixed_parser(input in sse_like(),
                                        raw in prop::collection::vec(any::<usize>(), 0..6)) {
        let chunks = cut(&input, &raw);
        let fixed = drive(&mut Parser::<6, 3>::new().with_comments(true), chunks.iter().map(|c| &c[..]));
        let growable = drive(&mut GrowableParser::with_caps(6, 3).with_comments(true), chunks.iter().map(|c| &c[..]));
        prop_assert_eq!(&growable, &fixed);
        let roomy = drive(&mut Parser::<4096, 256>::new(), [&input[..]]);
        let growable = drive(&mut GrowableParser::default(), input.chunks(1));
        prop_assert_eq!(growable, roomy);
    }

    #[test]
    fn same_reports_on_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..300)) {
        let fixed = drive(&mut Parser::<8, 4>::new().with_comments(true), [&input[..]]);
        let growable = drive(&mut GrowableParser::with_caps(8, 4).with_comments(true), [&input[..]]);
        prop_assert_eq!(growable, fixed);
    }

    /// `append_to_vec` writes what every other output path writes, after
    /// what was there.
    #[test]
    fn vec_output_matches_the_other_paths(spec in spec(), prefix in "[a-z]{0,4}") {
        let frame = spec.frame();
        let mut out = prefix.clone().into_bytes();
        let added = frame.append_to_vec(&mut out).unwrap();
        let bytes = encode_every_way(&frame, 7);
        prop_assert_eq!(added, bytes.len());
        prop_assert_eq!(&out[prefix.len()..], &bytes[..]);
        prop_assert_eq!(frame.encode_to_vec().unwrap(), bytes);
    }

    /// An owned event, written with `to_frame` and parsed again, comes back
    /// equal (line breaks in its data as a parser reports them).
    #[test]
    fn owned_events_round_trip(event_type in "[^\r\n]{0,10}", data in multiline(), id in "[^\r\n\0]{0,10}") {
        let event_type = if event_type.is_empty() { "message".to_owned() } else { event_type };
        let data = common::frames::normalise(&data);
        let event = OwnedEvent::new(event_type, data, id);
        let bytes = event.to_frame().encode_to_vec().unwrap();
        let mut parser = GrowableParser::default();
        let mut input = &bytes[..];
        let Ok(Status::Event(parsed)) = parser.next(&mut input) else { panic!("no event") };
        prop_assert_eq!(OwnedEvent::from(parsed), event);
        prop_assert!(input.is_empty());
    }
}

#[test]
fn a_cap_of_usize_max_neither_overflows_nor_preallocates() {
    // A parser with no practical cap: the arithmetic must not wrap, and
    // nothing may be reserved up front.
    let mut parser = GrowableParser::with_caps(usize::MAX, usize::MAX);
    let mut input: &[u8] = b"event: e\nid: 1\ndata: a\ndata: b\n\n";
    let Ok(Status::Event(event)) = parser.next(&mut input) else {
        panic!()
    };
    assert_eq!(
        (event.event_type(), event.data(), event.last_event_id()),
        ("e", "a\nb", "1")
    );
}

#[test]
fn a_refused_append_leaves_the_vec_unchanged() {
    let mut out = b"kept".to_vec();
    let bad = Frame::Event {
        event_type: None,
        id: Some("1\0"),
        data: Some("x"),
    };
    assert!(bad.append_to_vec(&mut out).is_err());
    assert_eq!(out, b"kept");
}

#[test]
fn capped_string_grows_only_to_its_cap_across_events() {
    // One parser, many events: the data buffer is reused and stays capped.
    let mut parser = GrowableParser::with_caps(3, 8);
    let mut seen = Vec::new();
    let mut input: &[u8] = b"data: abc\n\ndata: abcd\n\ndata: ab\ndata:\n\n";
    loop {
        match parser.next(&mut input) {
            Ok(Status::NeedInput) => break,
            Ok(Status::Event(event)) => seen.push(Ok(event.data().to_owned())),
            Ok(_) => {}
            Err(error) => seen.push(Err(error)),
        }
    }
    assert_eq!(
        seen,
        [
            Ok("abc".to_owned()),
            Err(sse_wire::ParseError::DataTooLong { capacity: 3 }),
            Ok("ab\n".to_owned()),
        ]
    );
    let mut bytes = CappedBytes::new(3);
    bytes.try_extend(b"abc").unwrap();
    assert_eq!(bytes.capacity(), 3);
}

#[test]
fn to_frame_leaves_out_the_default_type_and_an_empty_id() {
    let event = OwnedEvent::new("message", "x", "");
    assert_eq!(event.to_frame(), Frame::data("x"));
    let event = OwnedEvent::new("tick", "", "5");
    assert_eq!(
        event.to_frame(),
        Frame::Event {
            event_type: Some("tick"),
            id: Some("5"),
            data: Some("")
        }
    );
}
