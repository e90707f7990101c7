//! With the `std` feature: items from any [`std::io::Read`], frames to any
//! [`std::io::Write`].
//!
//! [`EventReader`] reads a stream in blocks into a buffer of its own and
//! runs the same [`EventParser`] over them, yielding [`OwnedItem`]s as an
//! [`Iterator`]. [`Frame::encode_io`](crate::Frame::encode_io) writes a frame
//! in a few large writes.

use std::boxed::Box;
use std::io::{self, Read};
use std::vec;

use crate::buffer::{Buffer, CappedBytes};
use crate::item::{Block, Found, ReadError};
use crate::owned::{GrowableParser, OwnedItem, Owner};
use crate::parser::{End, EventParser};

/// The items of a stream read from an [`io::Read`]: its events, its
/// reconnection times and (when the parser reports them) its comments, in
/// stream order, as an iterator of [`OwnedItem`]s.
///
/// It reads up to 8 KiB at a time (see [`with_block_size`]), so a slow
/// source is reported as soon as an event's blank line arrives. It ends
/// (`None`) when a read returns 0 bytes, and stays ended; as the standard
/// says, an event that no blank line finished is dropped, and [`end`] says
/// whether that happened. The last reconnection time and the last event ID
/// stay readable for a client that reconnects: [`retry`] and
/// [`last_event_id`].
///
/// [`with_block_size`]: EventReader::with_block_size
/// [`end`]: EventReader::end
/// [`retry`]: EventReader::retry
/// [`last_event_id`]: EventReader::last_event_id
///
/// ```
/// use sse_wire::{io::EventReader, End, Item};
///
/// let body: &[u8] = b"retry: 2000\nid: 1\ndata: hello\n\nevent: done\ndata:\n\ndata: cut";
/// let mut items = EventReader::new(body);
/// assert_eq!(items.next().unwrap()?, Item::Retry(2000));
/// let Item::Event(first) = items.next().unwrap()? else { panic!() };
/// assert_eq!((first.data(), first.last_event_id()), ("hello", "1"));
/// let Item::Event(second) = items.next().unwrap()? else { panic!() };
/// assert_eq!((second.event_type(), second.data()), ("done", ""));
/// assert!(items.next().is_none());
/// // "data: cut" never finished:
/// assert!(matches!(items.end(), Some(End::UnfinishedLine(_))));
/// # Ok::<(), sse_wire::ReadError<std::io::Error>>(())
/// ```
#[derive(Debug)]
pub struct EventReader<R, D = CappedBytes, M = CappedBytes> {
    read: R,
    parser: EventParser<D, M>,
    /// The event type and ID last handed out, shared with the next events.
    owner: Owner,
    block: Block<Box<[u8]>>,
    retry: Option<u64>,
    /// The verdict, once a read returned 0 bytes.
    end: Option<End>,
}

impl<R: Read> EventReader<R> {
    /// Reads items from `read` with a [`GrowableParser::default`] (16 MiB
    /// of data, 4 KiB of type and ID at most).
    ///
    /// ```
    /// use sse_wire::Item;
    /// let mut items = sse_wire::io::EventReader::new(&b"data: x\n\n"[..]);
    /// let Some(Ok(Item::Event(event))) = items.next() else { panic!() };
    /// assert_eq!(event.data(), "x");
    /// ```
    pub fn new(read: R) -> Self {
        Self::with_parser(read, GrowableParser::default())
    }
}

impl<R, D, M> EventReader<R, D, M> {
    /// The largest block [`with_block_size`](Self::with_block_size) takes:
    /// 16 MiB. Larger sizes are cut to it.
    ///
    /// ```
    /// assert_eq!(sse_wire::io::EventReader::<&[u8]>::MAX_BLOCK_SIZE, 16 << 20);
    /// ```
    pub const MAX_BLOCK_SIZE: usize = 16 << 20;
}

impl<R: Read, D: Buffer, M: Buffer> EventReader<R, D, M> {
    /// Reads items from `read` with the given parser: a
    /// [`Parser`](crate::Parser) for fixed memory, a
    /// [`GrowableParser::with_caps`] for other caps, and either
    /// [`with_comments(true)`](EventParser::with_comments) to see comments.
    ///
    /// ```
    /// use sse_wire::{io::EventReader, Item, Parser};
    /// let parser = Parser::<16>::new().with_comments(true);
    /// let mut items = EventReader::with_parser(&b": hi\ndata: ok\n\n"[..], parser);
    /// assert_eq!(items.next().unwrap().unwrap(), Item::Comment("hi".to_owned()));
    /// assert_eq!(items.next().unwrap().unwrap().event().unwrap().data(), "ok");
    /// ```
    pub fn with_parser(read: R, parser: EventParser<D, M>) -> Self {
        EventReader {
            read,
            parser,
            owner: Owner::default(),
            block: Block::new(vec![0; 8 << 10].into_boxed_slice()),
            retry: None,
            end: None,
        }
    }

    /// Reads up to `size` bytes at a time instead of 8 KiB: at least 1, at
    /// most [`MAX_BLOCK_SIZE`](Self::MAX_BLOCK_SIZE) (a larger size is cut
    /// to it). Bytes read and not yet parsed are kept.
    ///
    /// ```
    /// let mut items = sse_wire::io::EventReader::new(&b"data: x\n\n"[..]).with_block_size(1);
    /// assert_eq!(items.next().unwrap().unwrap().event().unwrap().data(), "x");
    /// let huge = sse_wire::io::EventReader::new(std::io::empty()).with_block_size(usize::MAX);
    /// # let _ = huge;
    /// ```
    #[must_use]
    pub fn with_block_size(mut self, size: usize) -> Self {
        let unread = self.block.unread();
        let size = size.clamp(1, Self::MAX_BLOCK_SIZE).max(unread.len());
        let mut buf = vec![0; size];
        buf[..unread.len()].copy_from_slice(unread);
        let kept = unread.len();
        self.block = Block::new(buf.into_boxed_slice());
        // `kept` is at most the new block's size.
        let _ = self.block.filled::<io::Error>(kept);
        self
    }

    /// The last reconnection time (`retry` field) the stream sent, in
    /// milliseconds.
    ///
    /// ```
    /// let mut items = sse_wire::io::EventReader::new(&b"retry: 500\n"[..]);
    /// assert!(items.by_ref().count() == 1);
    /// assert_eq!(items.retry(), Some(500));
    /// ```
    pub fn retry(&self) -> Option<u64> {
        self.retry
    }

    /// The last event ID: what a reconnecting client sends as
    /// `Last-Event-ID`.
    ///
    /// ```
    /// let mut items = sse_wire::io::EventReader::new(&b"id: 9\n\n"[..]);
    /// assert!(items.next().is_none()); // no data, so no event
    /// assert_eq!(items.last_event_id(), "9");
    /// ```
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// How the stream ended, once it has (`None` before): whether it
    /// stopped cleanly between events or cut one off. See [`End`].
    ///
    /// ```
    /// use sse_wire::End;
    /// let mut items = sse_wire::io::EventReader::new(&b"data: complete\n\n"[..]);
    /// assert!(items.end().is_none());
    /// assert_eq!(items.by_ref().count(), 1);
    /// assert_eq!(items.end(), Some(End::Complete));
    /// ```
    pub fn end(&self) -> Option<End> {
        self.end
    }

    /// The reader it reads from.
    ///
    /// ```
    /// let items = sse_wire::io::EventReader::new(&b"data: x\n\n"[..]);
    /// assert_eq!(items.get_ref().len(), 9);
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.read
    }

    /// The reader it reads from, mutably. Reading from it directly skips
    /// those bytes.
    ///
    /// ```
    /// let mut items = sse_wire::io::EventReader::new(std::io::empty());
    /// let _ = items.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.read
    }

    /// The reader and the parser, for instance to go on with a parser's
    /// state on a new connection. Bytes read but not yet parsed are lost.
    ///
    /// ```
    /// let mut items = sse_wire::io::EventReader::new(&b"id: 3\n\n"[..]);
    /// assert!(items.next().is_none());
    /// let (_, parser) = items.into_parts();
    /// assert_eq!(parser.last_event_id(), "3");
    /// ```
    pub fn into_parts(self) -> (R, EventParser<D, M>) {
        (self.read, self.parser)
    }
}

impl<R: Read, D: Buffer, M: Buffer> Iterator for EventReader<R, D, M> {
    type Item = Result<OwnedItem, ReadError<io::Error>>;

    /// The next item; `Some(Err(_))` for an event that did not fit (the
    /// reader goes on after it), a failed read (the next call reads again)
    /// or a reader that claimed more bytes than it was given room for;
    /// `None` at the end of the stream.
    fn next(&mut self) -> Option<Self::Item> {
        if self.end.is_some() {
            return None;
        }
        loop {
            match self.block.step(&mut self.parser) {
                Found::Ready(found) => {
                    let item = self.owner.item(self.block.item(&self.parser, found));
                    if let crate::Item::Retry(ms) = item {
                        self.retry = Some(ms);
                    }
                    return Some(Ok(item));
                }
                Found::Error(error) => return Some(Err(ReadError::Parse(error))),
                Found::NeedInput => {}
            }
            match self.read.read(&mut self.block.buf) {
                Ok(0) => {
                    self.end = Some(self.parser.finish());
                    return None;
                }
                Ok(n) => {
                    if let Err(error) = self.block.filled(n) {
                        return Some(Err(error));
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Some(Err(ReadError::Transport(error))),
            }
        }
    }
}

impl From<ReadError<io::Error>> for io::Error {
    /// An I/O error as it was; a parse error or an over-read as
    /// [`io::ErrorKind::InvalidData`].
    ///
    /// ```
    /// use sse_wire::{ParseError, ReadError};
    /// let error: std::io::Error = ReadError::Parse(ParseError::IdTooLong { capacity: 4 }).into();
    /// assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    /// ```
    fn from(error: ReadError<io::Error>) -> Self {
        match error {
            ReadError::Transport(error) => error,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Parser;

    /// A reader that breaks `Read`'s contract: it says it read more bytes
    /// than the buffer holds.
    struct Liar;

    impl Read for Liar {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            buf.fill(b'\n');
            Ok(buf.len() + 5)
        }
    }

    #[test]
    fn a_reader_claiming_too_many_bytes_is_an_error_not_a_panic() {
        let mut items = EventReader::with_parser(Liar, Parser::<8>::new()).with_block_size(4);
        for _ in 0..3 {
            let error = items.next().unwrap().unwrap_err();
            assert!(
                matches!(
                    error,
                    ReadError::Overread {
                        returned: 9,
                        room: 4
                    }
                ),
                "{error:?}"
            );
        }
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "megabytes of copying for an interpreter; runs natively"
    )]
    fn block_size_is_clamped_and_keeps_unread_bytes() {
        let mut items = EventReader::new(&b"data: a\n\ndata: b\n\n"[..]).with_block_size(12);
        assert_eq!(items.next().unwrap().unwrap().event().unwrap().data(), "a");
        // Three bytes of the first block ("dat") are unread now.
        for size in [0, 1, usize::MAX] {
            items = items.with_block_size(size);
        }
        assert_eq!(items.block.buf.len(), EventReader::<&[u8]>::MAX_BLOCK_SIZE);
        assert_eq!(items.next().unwrap().unwrap().event().unwrap().data(), "b");
        assert!(items.next().is_none());
    }
}
