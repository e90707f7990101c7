//! What the fuzz targets share: the test suite's driver, reference model and
//! frame oracle (included from `tests/`, so there is one copy of each), and
//! the decoding of fuzz input into chunk plans and frames.
//!
//! Input formats (simple, so that seed corpora can be real streams):
//! - chunked targets: byte 0 is the number of cuts `n` (mod 16), then `n`
//!   little-endian `u16` cut offsets, then the stream;
//! - frame targets: texts are a little-endian `u16` length and that many bytes,
//!   decoded lossily (so any Unicode is reachable).

#[path = "../../tests/common/mod.rs"]
pub mod common;

use arbitrary::{Arbitrary, Result, Unstructured};
pub use common::frames::Spec;

/// The parser with room to spare: the test suite's.
pub use common::Roomy;
/// A parser small enough that realistic input overflows it.
pub type Small = sse_wire::Parser<64, 8>;

/// The parser of the frame targets: large enough for any value an input of
/// at most [`MAX_FRAME_INPUT`] bytes can hold. Texts are decoded lossily, and
/// each invalid byte becomes a 3-byte U+FFFD, so a value can be three times
/// as long as the input.
pub type Huge = sse_wire::Parser<{ 1 << 17 }, { 1 << 16 }>;
/// The longest input the frame targets take; longer ones are skipped.
pub const MAX_FRAME_INPUT: usize = 16 * 1024;

/// The limits of [`Roomy`] and [`Small`], for the reference model.
pub const ROOMY: common::Limits = common::Limits {
    data: 4096,
    meta: 256,
    comments: true,
};
pub const SMALL: common::Limits = common::Limits {
    data: 64,
    meta: 8,
    comments: true,
};

/// Splits chunked-target input into ascending cut offsets and the stream.
pub fn plan_and_stream(data: &[u8]) -> (Vec<usize>, &[u8]) {
    let Some((&count, rest)) = data.split_first() else {
        return (Vec::new(), data);
    };
    let count = usize::from(count % 16).min(rest.len() / 2);
    let (plan, stream) = rest.split_at(count * 2);
    let mut cuts: Vec<usize> = plan
        .chunks_exact(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (stream.len() + 1))
        .collect();
    cuts.sort_unstable();
    (cuts, stream)
}

/// `stream` cut at `cuts` (ascending offsets).
pub fn chunks<'a>(stream: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &cut in cuts {
        out.push(&stream[start..cut]);
        start = cut;
    }
    out.push(&stream[start..]);
    out
}

/// A length-prefixed text, lossily decoded.
#[derive(Debug)]
pub struct Text(pub String);

impl<'a> Arbitrary<'a> for Text {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let len = u.bytes(2)?;
        let len = usize::from(u16::from_le_bytes([len[0], len[1]])).min(u.len());
        Ok(Text(String::from_utf8_lossy(u.bytes(len)?).into_owned()))
    }
}

/// One frame: a kind byte (event, comment, retry), then for an event a byte
/// of flags (bit 0: type, bit 1: id, bit 2: data) and those texts; for a
/// comment its text; for a retry four little-endian bytes.
#[derive(Debug)]
pub struct FrameInput(pub Spec);

impl<'a> Arbitrary<'a> for FrameInput {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let spec = match u.bytes(1)?[0] % 3 {
            0 => {
                let flags = u.bytes(1)?[0];
                let mut text = |bit: u8| -> Result<Option<String>> {
                    Ok(if flags & bit != 0 {
                        Some(Text::arbitrary(u)?.0)
                    } else {
                        None
                    })
                };
                let event_type = text(1)?;
                let id = text(2)?;
                let data = text(4)?;
                Spec::Event {
                    event_type,
                    id,
                    data,
                }
            }
            1 => Spec::Comment(Text::arbitrary(u)?.0),
            _ => {
                let b = u.bytes(8)?;
                Spec::Retry(u64::from_le_bytes([
                    b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                ]))
            }
        };
        Ok(FrameInput(spec))
    }
}

/// Reads frames until the input runs out (at most 64).
pub fn frames(u: &mut Unstructured<'_>) -> Vec<Spec> {
    let mut specs = Vec::new();
    while specs.len() < 64 {
        match FrameInput::arbitrary(u) {
            Ok(FrameInput(spec)) => specs.push(spec),
            Err(_) => break,
        }
    }
    specs
}
