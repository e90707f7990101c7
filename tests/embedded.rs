//! Features `embedded-io` and `embedded-io-async`: the reader reports what
//! the parser reports, for any block size and however the device's reads
//! are cut; the writers write what every other path writes.
#![cfg(feature = "embedded-io")]

mod common;
mod strategies;

use std::collections::VecDeque;
use std::convert::Infallible;
#[cfg(feature = "embedded-io-async")]
use std::future::Future;
#[cfg(feature = "embedded-io-async")]
use std::pin::pin;
#[cfg(feature = "embedded-io-async")]
use std::task::{Context, Poll, Waker};

use common::frames::encode_every_way;
use common::{cut, drive, Item, Outcome};
use proptest::prelude::*;
use sse_wire::embedded::{BorrowedItem, EventReader, WriteError};
use sse_wire::{Buffer, EncodeError, Frame, Parser, ReadError};
use strategies::{spec, sse_like};

/// A device that returns its chunks one read at a time (never more than
/// asked for), then end of stream.
struct Device(VecDeque<Vec<u8>>);

impl embedded_io::ErrorType for Device {
    type Error = Infallible;
}

impl embedded_io::Read for Device {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        self.0.retain(|chunk| !chunk.is_empty());
        let Some(chunk) = self.0.front_mut() else {
            return Ok(0);
        };
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        chunk.drain(..n);
        Ok(n)
    }
}

#[cfg(feature = "embedded-io-async")]
impl embedded_io_async::Read for Device {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        embedded_io::Read::read(self, buf)
    }
}

/// Records one item in the model's vocabulary; false at the end.
fn record(
    items: &mut Vec<Item>,
    item: Result<Option<BorrowedItem<'_>>, ReadError<Infallible>>,
) -> bool {
    match item {
        Ok(None) => return false,
        Ok(Some(sse_wire::Item::Event(event))) => items.push(Item::Event {
            event_type: event.event_type().to_owned(),
            data: event.data().to_owned(),
            id: event.last_event_id().to_owned(),
        }),
        Ok(Some(sse_wire::Item::Retry(ms))) => items.push(Item::Retry(ms)),
        Ok(Some(sse_wire::Item::Comment(text))) => items.push(Item::Comment(text.to_owned())),
        Ok(Some(other)) => panic!("unexpected {other:?}"),
        Err(ReadError::Parse(error)) => items.push(Item::Error(error)),
        Err(error) => panic!("unexpected {error:?}"),
    }
    true
}

fn outcome<D: Buffer, M: Buffer, B: AsRef<[u8]> + AsMut<[u8]>>(
    items: Vec<Item>,
    reader: &EventReader<Device, D, M, B>,
) -> Outcome {
    Outcome {
        items,
        last_event_id: reader.parser().last_event_id().to_owned(),
        end: reader.end().expect("the reader has ended"),
    }
}

#[cfg(feature = "embedded-io-async")]
/// Runs a future that never waits for anything outside it.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

proptest! {
    #[test]
    fn reader_reports_what_the_parser_reports(input in sse_like(),
                                              raw in prop::collection::vec(any::<usize>(), 0..6),
                                              block in 1usize..40) {
        let expected = drive(&mut Parser::<6, 3>::new().with_comments(true), [&input[..]]);
        let device = Device(cut(&input, &raw).into());
        let mut reader = EventReader::new(device, Parser::<6, 3>::new().with_comments(true), vec![0u8; block]);
        let mut items = Vec::new();
        while record(&mut items, reader.read_next()) {}
        prop_assert_eq!(outcome(items, &reader), expected.clone());

        #[cfg(feature = "embedded-io-async")]
        {
        let device = Device(cut(&input, &raw).into());
        let mut block = vec![0u8; block];
        let mut reader = EventReader::new(device, Parser::<6, 3>::new().with_comments(true), &mut block[..]);
        let mut items = Vec::new();
        block_on(async { while record(&mut items, reader.read_next_async().await) {} });
        prop_assert_eq!(outcome(items, &reader), expected);
        }
    }

    #[test]
    fn writers_match_the_other_paths(spec in spec()) {
        let frame = spec.frame();
        let expected = encode_every_way(&frame, 3);
        let mut buf = vec![0u8; expected.len()];
        let mut out = &mut buf[..];
        frame.encode_embedded(&mut out).unwrap();
        prop_assert!(out.is_empty());
        prop_assert_eq!(&buf, &expected);

        #[cfg(feature = "embedded-io-async")]
        {
            let mut buf = vec![0u8; expected.len()];
            let mut out = &mut buf[..];
            block_on(frame.encode_embedded_async(&mut out)).unwrap();
            prop_assert_eq!(&buf, &expected);
        }
    }
}

#[test]
fn a_full_writer_is_a_write_error_and_an_invalid_frame_writes_nothing() {
    let mut buf = [0u8; 8];
    let mut out = &mut buf[..];
    let error = Frame::data("longer than eight")
        .encode_embedded(&mut out)
        .unwrap_err();
    assert!(matches!(error, WriteError::Write(_)));

    let mut buf = [0xAAu8; 8];
    let mut out = &mut buf[..];
    let bad = Frame::Event {
        event_type: Some("\r"),
        id: None,
        data: None,
    };
    assert_eq!(
        bad.encode_embedded(&mut out),
        Err(WriteError::Encode(EncodeError::LineBreakInEventType))
    );
    assert_eq!(buf, [0xAA; 8]);
}

#[test]
fn an_empty_block_reports_the_end() {
    let mut reader = EventReader::new(
        Device(VecDeque::from([b"data: x\n\n".to_vec()])),
        Parser::<8>::new(),
        [0u8; 0],
    );
    assert!(matches!(reader.read_next(), Ok(None)));
}

/// A device that breaks `Read`'s contract once: it says it read more bytes
/// than the buffer holds. Then it sends one event.
struct Liar(u8);

impl embedded_io::ErrorType for Liar {
    type Error = Infallible;
}

impl embedded_io::Read for Liar {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        self.0 += 1;
        match self.0 {
            1 => Ok(buf.len() + 3),
            2 => {
                buf[..9].copy_from_slice(b"data: a\n\n");
                Ok(9)
            }
            _ => Ok(0),
        }
    }
}

#[test]
fn a_device_claiming_more_than_the_block_is_an_error_as_in_the_io_reader() {
    let mut reader = EventReader::new(Liar(0), Parser::<8>::new(), [0u8; 16]);
    assert!(matches!(
        reader.read_next(),
        Err(ReadError::Overread {
            returned: 19,
            room: 16
        })
    ));
    assert!(matches!(reader.read_next(), Ok(Some(sse_wire::Item::Event(e))) if e.data() == "a"));
    assert!(matches!(reader.read_next(), Ok(None)));
    assert_eq!(reader.end(), Some(sse_wire::End::Complete));
}
