//! Input generators shared by the property tests.
#![allow(dead_code)]

use proptest::prelude::*;

use crate::common::frames::Spec;

/// Field names, right and wrong.
const NAMES: &[&[u8]] = &[
    b"data",
    b"data",
    b"data",
    b"event",
    b"id",
    b"retry",
    b"",
    b"Data",
    b"foo",
    b"dat",
    b"datas",
    b"\xEF\xBB\xBF",
    b"\xEF\xBB\xBFdata",
];

/// What comes between a name and its value.
const SEPARATORS: &[&[u8]] = &[b":", b": ", b": ", b":  ", b""];

/// Value material, including the bytes that trip parsers.
const FRAGMENTS: &[&[u8]] = &[
    b"x",
    b"message",
    b"{\"k\":1}",
    b"1",
    b"42",
    b"007",
    b"4294967296",
    b"+",
    b"-",
    b" ",
    b":",
    b"\0",
    b"\t",
    b"\xC3\xA9",
    b"\xE2\x82\xAC",
    b"\xF0\x9F\x98\x80",
    b"\xFF",
    b"\xE2\x82",
    b"\xF0\x90",
    b"\xC0",
    b"\xEF\xBB\xBF",
    b"\xEF\xBB",
];

/// Line ends, including none (the line runs on into the next).
const LINE_ENDS: &[&[u8]] = &[b"\n", b"\n", b"\r\n", b"\r", b""];

fn value() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        6 => prop::sample::select(FRAGMENTS).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 1..4),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|parts| parts.concat())
}

/// One line: a name, a separator, a value and a line end; or a blank line.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let field = (
        prop::sample::select(NAMES),
        prop::sample::select(SEPARATORS),
        value(),
        prop::sample::select(LINE_ENDS),
    )
        .prop_map(|(name, sep, value, end)| [name, sep, &value[..], end].concat());
    prop_oneof![
        5 => field,
        2 => prop::sample::select(LINE_ENDS).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 1..6),
    ]
}

/// A stream of SSE-like lines, possibly starting with a BOM.
pub fn sse_like() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::bool::weighted(0.1),
        prop::collection::vec(line(), 0..24),
    )
        .prop_map(|(bom, lines)| {
            let mut out = if bom {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            out.extend(lines.concat());
            out
        })
}

/// Text with any characters and any of the three line breaks.
pub fn multiline() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        3 => any::<String>(),
        1 => Just("\n".to_owned()),
        1 => Just("\r".to_owned()),
        1 => Just("\r\n".to_owned()),
        1 => Just(" ".to_owned()),
    ];
    prop::collection::vec(part, 0..6).prop_map(|parts| parts.concat())
}

/// Any frame the encoder accepts.
pub fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        4 => (
            prop::option::of("[^\r\n]{0,12}"),
            prop::option::of("[^\r\n\0]{0,12}"),
            prop::option::weighted(0.9, multiline()),
        )
            .prop_map(|(event_type, id, data)| Spec::Event { event_type, id, data }),
        1 => multiline().prop_map(Spec::Comment),
        1 => any::<u64>().prop_map(Spec::Retry),
    ]
}
