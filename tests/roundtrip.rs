//! Encode, then parse: arbitrary frames (any Unicode, any line breaks in
//! data and comments) come back as the parser reports them, with line
//! breaks normalised to LF. Every output path gives the same bytes, and the
//! predicted length is exact.

mod common;
mod strategies;

use common::frames::{encode_every_way, expected, normalise};
use common::{drive, Item};
use proptest::prelude::*;
use sse_wire::Frame;
use strategies::{multiline, spec};

proptest! {
    #[test]
    fn parse_of_encode_gives_the_frames_back(specs in prop::collection::vec(spec(), 0..8),
                                             out_size in 1usize..40) {
        let mut stream = Vec::new();
        for spec in &specs {
            stream.extend(encode_every_way(&spec.frame(), out_size));
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
