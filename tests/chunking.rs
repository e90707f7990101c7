//! Chunking invariance: any way of cutting the same bytes into chunks gives
//! the same events, retries, comments, errors and last event ID.

mod common;

use common::{cut, drive, parse_bytewise, parse_split};
use proptest::prelude::*;

mod strategies;
use strategies::sse_like;

/// Turns arbitrary numbers into ascending cut offsets within `len`.
fn cuts_for(len: usize, raw: &[usize]) -> Vec<usize> {
    let mut cuts: Vec<usize> = raw.iter().map(|r| r % (len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

proptest! {
    #[test]
    fn arbitrary_bytes_any_chunking(input in prop::collection::vec(any::<u8>(), 0..300),
                                    raw in prop::collection::vec(any::<usize>(), 0..8)) {
        let whole = parse_split(&input, &[], true);
        prop_assert_eq!(&parse_bytewise(&input, true), &whole);
        prop_assert_eq!(&parse_split(&input, &cuts_for(input.len(), &raw), true), &whole);
    }

    #[test]
    fn sse_like_streams_any_chunking(input in sse_like(),
                                     raw in prop::collection::vec(any::<usize>(), 0..8)) {
        let whole = parse_split(&input, &[], true);
        prop_assert_eq!(&parse_bytewise(&input, true), &whole);
        prop_assert_eq!(&parse_split(&input, &cuts_for(input.len(), &raw), true), &whole);
    }

    /// With small buffers the errors, and what is skipped after them, do not
    /// depend on chunking either.
    #[test]
    fn overflow_behaviour_any_chunking(input in sse_like(),
                                       raw in prop::collection::vec(any::<usize>(), 0..8)) {
        let chunks = cut(&input, &raw);
        let whole = drive(&mut sse_wire::Parser::<6, 3>::new().with_comments(true), [&input[..]]);
        let bytewise = drive(&mut sse_wire::Parser::<6, 3>::new().with_comments(true), input.chunks(1));
        let split = drive(&mut sse_wire::Parser::<6, 3>::new().with_comments(true), chunks.iter().map(|c| &c[..]));
        prop_assert_eq!(&bytewise, &whole);
        prop_assert_eq!(&split, &whole);
    }
}
