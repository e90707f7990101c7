//! Feature `std`: `io::EventReader` yields what the parser reports, in
//! order, with the same end-of-stream verdict, however the reads are cut and
//! whatever errors they return on the way;
//! `Frame::encode_io` writes what every other path writes, in few writes.
#![cfg(feature = "std")]

mod common;
mod strategies;

use std::collections::VecDeque;
use std::io::{self, Read, Write};

use common::frames::encode_every_way;
use common::{cut, drive, event_item, last_retry, Item};
use proptest::prelude::*;
use sse_wire::io::EventReader;
use sse_wire::{EncodeError, End, Frame, GrowableParser, Parser, ReadError};
use strategies::{spec, sse_like};

/// A reader that hands out its chunks one read at a time, with an
/// `Interrupted` error before each chunk marked so. Empty chunks are
/// skipped: a read of 0 bytes is the end of the stream.
struct Reads {
    chunks: VecDeque<(bool, Vec<u8>)>,
}

impl Read for Reads {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.chunks.retain(|(_, chunk)| !chunk.is_empty());
        let Some((interrupt, chunk)) = self.chunks.front_mut() else {
            return Ok(0);
        };
        if std::mem::take(interrupt) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        chunk.drain(..n);
        if chunk.is_empty() {
            self.chunks.pop_front();
        }
        Ok(n)
    }
}

/// Everything an `EventReader` yields, in the model's vocabulary.
fn collect<R: Read, D: sse_wire::Buffer, M: sse_wire::Buffer>(
    reader: &mut EventReader<R, D, M>,
) -> Vec<Item> {
    reader
        .map(|result| match result {
            Ok(sse_wire::Item::Event(event)) => event_item(
                event.event_type().to_owned(),
                event.data().to_owned(),
                event.last_event_id().to_owned(),
            ),
            Ok(sse_wire::Item::Retry(ms)) => Item::Retry(ms),
            Ok(sse_wire::Item::Comment(text)) => Item::Comment(text),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(ReadError::Parse(error)) => Item::Error(error),
            Err(error) => panic!("unexpected {error}"),
        })
        .collect()
}

proptest! {
    #[test]
    fn reader_yields_what_the_parser_reports(input in sse_like(),
                                             raw in prop::collection::vec(any::<usize>(), 0..6),
                                             interrupts in prop::collection::vec(any::<bool>(), 8),
                                             block in 1usize..64) {
        let expected = drive(&mut Parser::<6, 3>::new().with_comments(true), [&input[..]]);
        let chunks = cut(&input, &raw)
            .into_iter()
            .zip(interrupts.into_iter().cycle())
            .map(|(chunk, interrupt)| (interrupt, chunk))
            .collect();
        let parser = GrowableParser::with_caps(6, 3).with_comments(true);
        let mut reader = EventReader::with_parser(Reads { chunks }, parser).with_block_size(block);
        prop_assert_eq!(collect(&mut reader), expected.items.clone());
        prop_assert_eq!(reader.retry(), last_retry(&expected));
        prop_assert_eq!(reader.last_event_id(), expected.last_event_id.as_str());
        prop_assert_eq!(reader.end(), Some(expected.end));
        // Ended for good.
        prop_assert!(reader.next().is_none());
    }

    #[test]
    fn encode_io_matches_the_other_paths(spec in spec()) {
        let frame = spec.frame();
        let mut out = Vec::new();
        frame.encode_io(&mut out).unwrap();
        prop_assert_eq!(out, encode_every_way(&frame, 5));
    }
}

#[test]
fn a_read_error_is_reported_and_reading_goes_on() {
    struct Flaky(u8);
    impl Read for Flaky {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0 += 1;
            let part: &[u8] = match self.0 {
                1 => b"data: a",
                2 => return Err(io::Error::other("link down")),
                3 => b"\n\n",
                _ => b"",
            };
            buf[..part.len()].copy_from_slice(part);
            Ok(part.len())
        }
    }
    let mut reader = EventReader::new(Flaky(0));
    let error = reader.next().unwrap().unwrap_err();
    assert!(matches!(&error, ReadError::Transport(e) if e.to_string() == "link down"));
    assert_eq!(
        error.to_string(),
        "reading the event stream failed: link down"
    );
    // The partly read event survives the error.
    assert_eq!(reader.next().unwrap().unwrap().event().unwrap().data(), "a");
    assert!(reader.next().is_none());
    assert_eq!(reader.end(), Some(End::Complete));
}

#[test]
fn a_shrunk_block_keeps_the_bytes_already_read() {
    let mut reader = EventReader::new(&b"data: one\n\ndata: two\n\n"[..]);
    assert_eq!(
        reader.next().unwrap().unwrap().event().unwrap().data(),
        "one"
    );
    // The whole input was read into the first block; shrinking keeps it.
    let mut reader = reader.with_block_size(1);
    assert_eq!(
        reader.next().unwrap().unwrap().event().unwrap().data(),
        "two"
    );
    assert!(reader.next().is_none());
}

#[test]
fn a_cut_off_event_is_told_apart_from_a_finished_stream() {
    let mut reader = EventReader::new(&b"data: complete\n\nevent: answer\ndata: {\"half"[..]);
    assert_eq!(reader.by_ref().count(), 1);
    let Some(End::UnfinishedLine(held)) = reader.end() else {
        panic!("{:?}", reader.end())
    };
    assert!(held.data && held.event_type && !held.id);
    let mut reader = EventReader::new(&b"data: complete\n\n: bye\n"[..]);
    assert_eq!(reader.by_ref().count(), 1);
    assert_eq!(reader.end(), Some(End::Complete));
}

#[test]
fn a_reader_claiming_more_than_the_block_is_an_error_and_reading_goes_on() {
    // Breaks `Read`'s contract once, then behaves.
    struct Liar(u8);
    impl Read for Liar {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0 += 1;
            match self.0 {
                1 => Ok(buf.len() + 1),
                2 => {
                    buf[..9].copy_from_slice(b"data: a\n\n");
                    Ok(9)
                }
                _ => Ok(0),
            }
        }
    }
    let mut reader = EventReader::new(Liar(0)).with_block_size(16);
    let error = reader.next().unwrap().unwrap_err();
    assert!(matches!(
        error,
        ReadError::Overread {
            returned: 17,
            room: 16
        }
    ));
    assert_eq!(reader.next().unwrap().unwrap().event().unwrap().data(), "a");
    assert!(reader.next().is_none());
}

#[test]
fn parse_errors_convert_to_invalid_data() {
    let mut reader = EventReader::with_parser(&b"id: 12345\n\n"[..], Parser::<8, 2>::new());
    let error: io::Error = reader.next().unwrap().unwrap_err().into();
    assert_eq!(error.kind(), io::ErrorKind::InvalidData);
}

/// Counts the writes it gets.
#[derive(Default)]
struct Counting {
    bytes: Vec<u8>,
    writes: usize,
}

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes += 1;
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn encode_io_gathers_short_lines_and_passes_long_ones_through() {
    let mut out = Counting::default();
    let frame = Frame::Event {
        event_type: Some("delta"),
        id: Some("42"),
        data: Some("a\nb\nc"),
    };
    frame.encode_io(&mut out).unwrap();
    assert_eq!(
        out.bytes,
        b"event: delta\nid: 42\ndata: a\ndata: b\ndata: c\n\n"
    );
    assert_eq!(out.writes, 1);

    let big = "x".repeat(1 << 20);
    let mut out = Counting::default();
    Frame::data(&big).encode_io(&mut out).unwrap();
    // "data: ", the megabyte itself, then "\n\n".
    assert_eq!(out.writes, 3);
    assert_eq!(out.bytes.len(), big.len() + 8);
}

#[test]
fn encode_io_refuses_before_writing() {
    let mut out = Counting::default();
    let bad = Frame::Event {
        event_type: None,
        id: Some("a\rb"),
        data: Some("x"),
    };
    let error = bad.encode_io(&mut out).unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    let inner = error
        .into_inner()
        .unwrap()
        .downcast::<EncodeError>()
        .unwrap();
    assert_eq!(*inner, EncodeError::LineBreakInId);
    assert_eq!(out.writes, 0);
}
