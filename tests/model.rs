//! The parser agrees with the plain reference model (`tests/reference`), on
//! arbitrary bytes and on streams built from SSE-like fragments, with room
//! to spare and with buffers small enough to overflow.

mod common;
mod strategies;

use common::{cut, drive, drive_pieces, parse_bytewise, parse_split, reference, Limits};
use proptest::prelude::*;
use sse_wire::PieceParser;
use strategies::sse_like;

proptest! {
    #[test]
    fn agrees_with_model_on_sse_like_streams(input in sse_like()) {
        let model = reference::parse(&input, Limits::UNBOUNDED);
        prop_assert_eq!(&parse_split(&input, &[], true), &model);
        prop_assert_eq!(&parse_bytewise(&input, true), &model);
    }

    #[test]
    fn agrees_with_model_on_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..400)) {
        prop_assert_eq!(parse_split(&input, &[], true), reference::parse(&input, Limits::UNBOUNDED));
    }

    #[test]
    fn pieces_agree_with_model_on_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..400),
                                                  raw in prop::collection::vec(any::<usize>(), 0..6)) {
        let limits = Limits { data: usize::MAX, meta: 3, comments: false };
        let model = reference::parse(&input, limits);
        let chunks = cut(&input, &raw);
        let mut pieces = PieceParser::<heapless::Vec<u8, 3>>::new();
        prop_assert_eq!(&drive_pieces(&mut pieces, chunks.iter().map(|c| &c[..])), &model);
    }

    #[test]
    fn pieces_agree_with_model_on_sse_like_streams(input in sse_like(),
                                                   raw in prop::collection::vec(any::<usize>(), 0..6)) {
        // Large events with small type and ID buffers: the data never
        // overflows, the type and ID can.
        let limits = Limits { data: usize::MAX, meta: 3, comments: false };
        let model = reference::parse(&input, limits);
        let chunks = cut(&input, &raw);
        let mut pieces = PieceParser::<heapless::Vec<u8, 3>>::new();
        prop_assert_eq!(&drive_pieces(&mut pieces, chunks.iter().map(|c| &c[..])), &model);
        let mut pieces = PieceParser::<heapless::Vec<u8, 3>>::new();
        prop_assert_eq!(&drive_pieces(&mut pieces, input.chunks(1)), &model);
    }

    #[test]
    fn agrees_with_model_when_buffers_overflow(input in sse_like(), comments in any::<bool>()) {
        let limits = Limits { data: 6, meta: 3, comments };
        let model = reference::parse(&input, limits);
        let mut parser = sse_wire::Parser::<6, 3>::new().with_comments(comments);
        prop_assert_eq!(&drive(&mut parser, [&input[..]]), &model);
        let mut parser = sse_wire::Parser::<6, 3>::new().with_comments(comments);
        prop_assert_eq!(&drive(&mut parser, input.chunks(1)), &model);
    }
}
