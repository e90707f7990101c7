//! The piece parser: events of any size on fixed memory, data handed out
//! as it arrives, borrowed from the input where it lies whole there. Its
//! agreement with the event parser and the reference model is checked in
//! `tests/spec.rs` (every case, at every split) and `tests/model.rs`.

mod common;

use common::{drive, drive_pieces, Item};
use sse_wire::{End, ParseError, Parser, Piece, PieceParser, Unfinished};

type Pieces = PieceParser<heapless::Vec<u8, 16>>;

#[test]
fn a_five_mib_event_passes_through_a_parser_with_no_data_buffer() {
    let payload: Vec<u8> = (0..5 << 20).map(|i| b'a' + (i % 26) as u8).collect();
    let mut stream = b"event: upload\nid: u1\ndata: ".to_vec();
    stream.extend_from_slice(&payload);
    stream.extend_from_slice(b"\ndata: tail\n\n");
    // The parser itself: a few dozen bytes plus its type and ID buffers.
    assert!(std::mem::size_of::<Pieces>() < 256);
    let mut parser = Pieces::new();
    let (mut received, mut pieces, mut borrowed) = (Vec::new(), 0, 0);
    let mut ends = Vec::new();
    for chunk in stream.chunks(4096) {
        let mut input = chunk;
        let range = chunk.as_ptr_range();
        loop {
            match parser.next(&mut input).unwrap() {
                Piece::NeedInput => break,
                Piece::Data(piece) => {
                    pieces += 1;
                    if let Some(text) = piece.as_str() {
                        borrowed += usize::from(range.contains(&text.as_ptr()));
                    }
                    piece
                        .chunks()
                        .for_each(|text| received.extend_from_slice(text.as_bytes()));
                }
                Piece::EventEnd(end) => ends.push((
                    end.dispatched,
                    end.event_type.to_owned(),
                    end.last_event_id.to_owned(),
                )),
                other => panic!("{other:?}"),
            }
        }
    }
    let mut expected = payload;
    expected.extend_from_slice(b"\ntail");
    assert!(received == expected, "the pieces joined are not the data");
    assert_eq!(ends, [(true, "upload".to_owned(), "u1".to_owned())]);
    // One piece per chunk of the long line, each borrowed from its chunk;
    // then the LF and the last line.
    assert!(pieces >= 5 << 8, "{pieces} pieces");
    assert!(borrowed >= (5 << 8) - 1, "{borrowed} of {pieces} borrowed");
    assert_eq!(parser.finish(), End::Complete);
}

#[test]
fn a_character_cut_anywhere_comes_whole_in_one_piece() {
    let stream = "data: a\u{20AC}b\u{1F600}c\n\n".as_bytes();
    for at in 0..=stream.len() {
        let (a, b) = stream.split_at(at);
        let mut parser = Pieces::new();
        let mut runs = Vec::new();
        for chunk in [a, b] {
            let mut input = chunk;
            while let Ok(piece) = parser.next(&mut input) {
                match piece {
                    Piece::NeedInput => break,
                    Piece::Data(piece) => runs.extend(piece.chunks().map(str::to_owned)),
                    _ => {}
                }
            }
        }
        // No run holds half a character: each is a `str`.
        assert_eq!(runs.concat(), "a\u{20AC}b\u{1F600}c", "split at {at}");
    }
}

#[test]
fn invalid_bytes_become_replacement_characters_as_in_the_event_parser() {
    let stream: &[u8] = b"data: \xF0\x9F\x98\nda";
    let stream = [stream, b"ta: \xE2\x82x\xC3\n\n"].concat();
    let expected = drive(&mut Parser::<64>::new(), stream.chunks(3));
    let got = drive_pieces(&mut Pieces::new(), stream.chunks(3));
    assert_eq!(got, expected);
    assert!(
        matches!(&got.items[0], Item::Event { data, .. } if data == "\u{FFFD}\n\u{FFFD}x\u{FFFD}")
    );
}

#[test]
fn an_overflowing_type_drops_the_event_and_says_so_at_its_blank_line() {
    let mut parser = PieceParser::<heapless::Vec<u8, 4>>::new();
    let mut input: &[u8] = b"data: a\nevent: too-long\ndata: b\n\ndata: c\n\n";
    assert!(matches!(parser.next(&mut input), Ok(Piece::Data(p)) if p.as_str() == Some("a")));
    assert_eq!(
        parser.next(&mut input),
        Err(ParseError::EventTypeTooLong { capacity: 4 })
    );
    // No more pieces of that event; its end says it is not dispatched.
    let Ok(Piece::EventEnd(end)) = parser.next(&mut input) else {
        panic!()
    };
    assert!(!end.dispatched);
    assert!(matches!(parser.next(&mut input), Ok(Piece::Data(p)) if p.as_str() == Some("c")));
    let Ok(Piece::EventEnd(end)) = parser.next(&mut input) else {
        panic!()
    };
    assert!(end.dispatched && end.event_type == "message");
}

#[test]
fn empty_data_dispatches_with_no_piece() {
    let mut parser = Pieces::new();
    let mut input: &[u8] = b"data\n\n";
    let Ok(Piece::EventEnd(end)) = parser.next(&mut input) else {
        panic!()
    };
    assert!(end.dispatched);
}

#[test]
fn retries_are_exact_and_blocks_without_data_end_nothing() {
    let mut parser = Pieces::new();
    let mut input: &[u8] = b"retry: 18446744073709551615\nid: 9\n\n: c\n\n";
    assert_eq!(parser.next(&mut input), Ok(Piece::Retry(u64::MAX)));
    assert_eq!(parser.next(&mut input), Ok(Piece::NeedInput));
    assert_eq!(parser.last_event_id(), "9");
}

#[test]
fn finish_reports_what_a_cut_event_held() {
    let mut parser = Pieces::new();
    let mut input: &[u8] = b"id: 3\ndata: partial\n";
    while !matches!(parser.next(&mut input), Ok(Piece::NeedInput)) {}
    assert_eq!(
        parser.finish(),
        End::UnfinishedEvent(Unfinished {
            data: true,
            event_type: false,
            id: true
        })
    );
    // The ID was never committed; the parser is ready for a new stream.
    assert_eq!(parser.last_event_id(), "");
    let mut input: &[u8] = b"data: next\n\n";
    assert!(matches!(parser.next(&mut input), Ok(Piece::Data(_))));
}
