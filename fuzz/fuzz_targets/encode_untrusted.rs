//! Arbitrary strings as event type, id, data and comment. The encoder either
//! refuses the frame, exactly when the type has CR or LF or the id has CR, LF
//! or NUL, or writes bytes that parse back to exactly those values: one
//! event, or one comment per line of the comment. No field can be injected.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use sse_wire::{EncodeError, Frame};
use sse_wire_fuzz::common::frames::{encode_every_way, normalise};
use sse_wire_fuzz::common::{drive, Item};
use sse_wire_fuzz::{Huge, Text};

fuzz_target!(|data: &[u8]| {
    if data.len() > sse_wire_fuzz::MAX_FRAME_INPUT {
        return;
    }
    let mut u = Unstructured::new(data);
    let mut text = || Text::arbitrary(&mut u).map(|t| t.0).unwrap_or_default();
    let (event_type, id, payload, comment) = (text(), text(), text(), text());

    let frame = Frame::Event {
        event_type: Some(&event_type),
        id: Some(&id),
        data: Some(&payload),
    };
    let refusal = if event_type.contains(['\r', '\n']) {
        Some(EncodeError::LineBreakInEventType)
    } else if id.contains(['\r', '\n']) {
        Some(EncodeError::LineBreakInId)
    } else if id.contains('\0') {
        Some(EncodeError::NulInId)
    } else {
        None
    };
    match refusal {
        Some(error) => assert_eq!(frame.encoded_len(), Err(error)),
        None => {
            let bytes = encode_every_way(&frame, 7);
            let got = drive(&mut Box::new(Huge::new()), [&bytes[..]]);
            let event_type = if event_type.is_empty() {
                "message".to_owned()
            } else {
                event_type
            };
            let event = Item::Event {
                event_type,
                data: normalise(&payload),
                id: id.clone(),
            };
            assert_eq!(got.items, vec![event]);
            assert_eq!(got.last_event_id, id);
        }
    }

    let bytes = encode_every_way(&Frame::Comment(&comment), 3);
    let got = drive(&mut Box::new(Huge::new()).with_comments(true), [&bytes[..]]);
    let lines: Vec<Item> = normalise(&comment)
        .split('\n')
        .map(|l| Item::Comment(l.to_owned()))
        .collect();
    assert_eq!(got.items, lines);
});
