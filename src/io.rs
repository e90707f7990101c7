//! With the `std` feature: events from any [`std::io::Read`], frames to any
//! [`std::io::Write`].
//!
//! [`EventReader`] reads a stream in blocks into a buffer of its own and
//! runs the same [`EventParser`] over them, yielding [`OwnedEvent`]s as an
//! [`Iterator`]. [`Frame::encode_io`](crate::Frame::encode_io) writes a frame
//! in a few large writes.

use std::boxed::Box;
use std::io::{self, Read};
use std::vec;

use crate::buffer::Buffer;
use crate::owned::{next_owned, CappedBytes, Found, GrowableParser, OwnedEvent};
use crate::parser::{EventParser, ParseError};

/// The events of a stream read from an [`io::Read`], as an iterator of
/// [`OwnedEvent`]s.
///
/// It reads up to 8 KiB at a time (see [`with_block_size`]), so a slow
/// source is reported as soon as an event's blank line arrives. It ends
/// (`None`) when a read returns 0 bytes; as the standard says, an event that
/// no blank line finished is dropped. Reconnection times and the last event
/// ID are kept for a client that reconnects: [`retry`] and
/// [`last_event_id`].
///
/// [`with_block_size`]: EventReader::with_block_size
/// [`retry`]: EventReader::retry
/// [`last_event_id`]: EventReader::last_event_id
///
/// ```
/// use sse_wire::io::EventReader;
///
/// let body: &[u8] = b"retry: 2000\nid: 1\ndata: hello\n\nevent: done\ndata:\n\ndata: cut";
/// let mut events = EventReader::new(body);
/// let first = events.next().unwrap()?;
/// assert_eq!((first.data.as_str(), first.last_event_id.as_str()), ("hello", "1"));
/// let second = events.next().unwrap()?;
/// assert_eq!((second.event_type.as_str(), second.data.as_str()), ("done", ""));
/// assert!(events.next().is_none()); // "data: cut" never finished
/// assert_eq!(events.retry(), Some(2000));
/// # Ok::<(), sse_wire::io::ReadError>(())
/// ```
#[derive(Debug)]
pub struct EventReader<R, D = CappedBytes, M = CappedBytes> {
    read: R,
    parser: EventParser<D, M>,
    block: Box<[u8]>,
    /// The bytes of `block` read and not yet parsed: `pos..end`.
    pos: usize,
    end: usize,
    retry: Option<u32>,
}

impl<R: Read> EventReader<R> {
    /// Reads events from `read` with a [`GrowableParser::default`] (16 MiB
    /// of data, 4 KiB of type and ID at most).
    ///
    /// ```
    /// let mut events = sse_wire::io::EventReader::new(&b"data: x\n\n"[..]);
    /// assert_eq!(events.next().unwrap().unwrap().data, "x");
    /// ```
    pub fn new(read: R) -> Self {
        Self::with_parser(read, GrowableParser::default())
    }
}

impl<R: Read, D: Buffer, M: Buffer> EventReader<R, D, M> {
    /// Reads events from `read` with the given parser: a
    /// [`Parser`](crate::Parser) for fixed memory, a
    /// [`GrowableParser::with_caps`] for other caps.
    ///
    /// ```
    /// use sse_wire::{io::EventReader, Parser};
    /// let mut events = EventReader::with_parser(&b"data: ok\n\n"[..], Parser::<16>::new());
    /// assert_eq!(events.next().unwrap().unwrap().data, "ok");
    /// ```
    pub fn with_parser(read: R, parser: EventParser<D, M>) -> Self {
        EventReader {
            read,
            parser,
            block: vec![0; 8 << 10].into_boxed_slice(),
            pos: 0,
            end: 0,
            retry: None,
        }
    }

    /// Reads up to `size` bytes at a time (at least 1) instead of 8 KiB.
    ///
    /// ```
    /// let mut events = sse_wire::io::EventReader::new(&b"data: x\n\n"[..]).with_block_size(1);
    /// assert_eq!(events.next().unwrap().unwrap().data, "x");
    /// ```
    pub fn with_block_size(mut self, size: usize) -> Self {
        let mut block = vec![0; size.max(1)];
        let unread = &self.block[self.pos..self.end];
        if unread.len() > block.len() {
            block.resize(unread.len(), 0);
        }
        block[..unread.len()].copy_from_slice(unread);
        self.end = unread.len();
        self.pos = 0;
        self.block = block.into_boxed_slice();
        self
    }

    /// The last reconnection time (`retry` field) the stream sent, in
    /// milliseconds.
    ///
    /// ```
    /// let mut events = sse_wire::io::EventReader::new(&b"retry: 500\n"[..]);
    /// assert!(events.next().is_none());
    /// assert_eq!(events.retry(), Some(500));
    /// ```
    pub fn retry(&self) -> Option<u32> {
        self.retry
    }

    /// The last event ID: what a reconnecting client sends as
    /// `Last-Event-ID`.
    ///
    /// ```
    /// let mut events = sse_wire::io::EventReader::new(&b"id: 9\n\n"[..]);
    /// assert!(events.next().is_none()); // no data, so no event
    /// assert_eq!(events.last_event_id(), "9");
    /// ```
    pub fn last_event_id(&self) -> &str {
        self.parser.last_event_id()
    }

    /// The reader it reads from.
    ///
    /// ```
    /// let events = sse_wire::io::EventReader::new(&b"data: x\n\n"[..]);
    /// assert_eq!(events.get_ref().len(), 9);
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.read
    }

    /// The reader it reads from, mutably. Reading from it directly skips
    /// those bytes.
    ///
    /// ```
    /// let mut events = sse_wire::io::EventReader::new(std::io::empty());
    /// let _ = events.get_mut();
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.read
    }

    /// The reader and the parser, for instance to go on with a parser's
    /// state on a new connection. Bytes read but not yet parsed are lost.
    ///
    /// ```
    /// let mut events = sse_wire::io::EventReader::new(&b"id: 3\n\n"[..]);
    /// assert!(events.next().is_none());
    /// let (_, parser) = events.into_parts();
    /// assert_eq!(parser.last_event_id(), "3");
    /// ```
    pub fn into_parts(self) -> (R, EventParser<D, M>) {
        (self.read, self.parser)
    }
}

impl<R: Read, D: Buffer, M: Buffer> Iterator for EventReader<R, D, M> {
    type Item = Result<OwnedEvent, ReadError>;

    /// The next event; `Some(Err(_))` for an event that did not fit (the
    /// reader goes on after it) or a failed read; `None` at the end of the
    /// stream.
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let bytes = &self.block[..self.end];
            match next_owned(&mut self.parser, bytes, &mut self.pos, &mut self.retry) {
                Found::Event(event) => return Some(Ok(event)),
                Found::Error(error) => return Some(Err(ReadError::Parse(error))),
                Found::NeedInput => {}
            }
            self.pos = 0;
            self.end = 0;
            match self.read.read(&mut self.block) {
                Ok(0) => return None,
                Ok(n) => self.end = n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Some(Err(ReadError::Io(error))),
            }
        }
    }
}

/// Why [`EventReader`] yielded no event.
///
/// ```
/// use sse_wire::{io::{EventReader, ReadError}, Parser, ParseError};
///
/// let mut events = EventReader::with_parser(&b"data: too long\n\ndata: ok\n\n"[..], Parser::<4>::new());
/// let error = events.next().unwrap().unwrap_err();
/// assert!(matches!(error, ReadError::Parse(ParseError::DataTooLong { capacity: 4 })));
/// assert_eq!(events.next().unwrap().unwrap().data, "ok"); // the reader goes on
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ReadError {
    /// Reading failed. Calling again reads again.
    Io(io::Error),
    /// An event did not fit the parser's storage and was skipped; the
    /// stream goes on.
    Parse(ParseError),
}

impl core::fmt::Display for ReadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReadError::Io(error) => write!(f, "reading the event stream failed: {error}"),
            ReadError::Parse(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReadError::Io(error) => Some(error),
            ReadError::Parse(error) => Some(error),
        }
    }
}

impl From<ReadError> for io::Error {
    /// An I/O error as it was; a parse error as [`io::ErrorKind::InvalidData`].
    fn from(error: ReadError) -> Self {
        match error {
            ReadError::Io(error) => error,
            ReadError::Parse(error) => io::Error::new(io::ErrorKind::InvalidData, error),
        }
    }
}
