//! What the adaptors yield, and the step they share.
//!
//! The `std::io`, `Stream` and embedded-io adaptors all hand out one item
//! shape, [`Item`]: the events, the reconnection times and (when the parser
//! reports them) the comments of a stream, in the order the stream sent
//! them. They fail with one error type, [`ReadError`], generic over the
//! error of what they read from. The owned adaptors yield
//! [`OwnedItem`](crate::OwnedItem)s; the embedded one yields items that
//! borrow the parser, with no allocation.
//!
//! This file also owns the read block and the parsing step the adaptors
//! share: a block of bytes read and not yet parsed, with the check that a
//! reader did not claim more bytes than it was given room for, and a step
//! that parses up to the next item without keeping a borrow of the parser,
//! so that an adaptor can read again in a loop and hand out the borrowed
//! item after it.

use core::fmt;
#[cfg(any(feature = "std", feature = "stream", feature = "embedded-io"))]
use core::ops::Range;

use crate::parser::ParseError;
#[cfg(any(feature = "std", feature = "stream", feature = "embedded-io"))]
use crate::{
    buffer::Buffer,
    parser::{Event, EventParser, Status},
};

/// One thing an event stream said, in stream order: what the adaptors yield.
///
/// `E` is the event and `C` the comment text: [`Event`] and `&str`, which
/// borrow the parser, from [`embedded::EventReader`](crate::embedded::EventReader);
/// [`OwnedEvent`](crate::OwnedEvent) and `String` (the
/// [`OwnedItem`](crate::OwnedItem) alias) from the `std::io` and `Stream`
/// adaptors.
///
/// ```
/// use sse_wire::{Item, Parser, Status};
///
/// // What a consumer usually does with an item.
/// fn describe(item: Item<sse_wire::Event<'_>, &str>) -> String {
///     match item {
///         Item::Event(event) => format!("{}: {}", event.event_type(), event.data()),
///         Item::Retry(ms) => format!("reconnect after {ms} ms"),
///         Item::Comment(text) => format!("comment {text}"),
///         _ => String::new(),
///     }
/// }
/// let mut parser = Parser::<64>::new();
/// let mut input: &[u8] = b"retry: 10\ndata: x\n\n";
/// let Ok(Status::Retry(ms)) = parser.next(&mut input) else { panic!() };
/// assert_eq!(describe(Item::Retry(ms)), "reconnect after 10 ms");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Item<E, C> {
    /// A dispatched event.
    Event(E),
    /// A valid `retry` field: the new reconnection time in milliseconds,
    /// exact up to `u64::MAX` (see [`Status::Retry`]).
    Retry(u64),
    /// A comment line's text, only from a parser built
    /// [`with_comments(true)`](EventParser::with_comments).
    Comment(C),
}

impl<E, C> Item<E, C> {
    /// The event, if this item is one: for consumers that want only the
    /// events.
    ///
    /// ```
    /// use sse_wire::Item;
    /// let item: Item<&str, &str> = Item::Event("e");
    /// assert_eq!(item.event(), Some("e"));
    /// assert_eq!(Item::<&str, &str>::Retry(5).event(), None);
    /// ```
    pub fn event(self) -> Option<E> {
        match self {
            Item::Event(event) => Some(event),
            Item::Retry(_) | Item::Comment(_) => None,
        }
    }
}

/// Why an adaptor yielded no item. `E` is the error of what it reads from:
/// [`std::io::Error`], a body stream's error, or an embedded-io error.
///
/// After any of them the adaptor stays usable: a parse error skipped one
/// event, and after a read error the next call reads again.
///
/// ```
/// use sse_wire::{ParseError, ReadError};
/// let error: ReadError<&str> = ReadError::Parse(ParseError::DataTooLong { capacity: 8 });
/// assert!(error.to_string().starts_with("event data longer"));
/// let error: ReadError<&str> = ReadError::Transport("reset by peer");
/// assert_eq!(error.to_string(), "reading the event stream failed: reset by peer");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError<E> {
    /// Reading failed, with the source's own error.
    Transport(E),
    /// An event did not fit the parser's storage and was skipped; the
    /// stream goes on.
    Parse(ParseError),
    /// The source said it read more bytes than the buffer it was given can
    /// hold, which its read contract forbids. Nothing of that read is
    /// parsed.
    Overread {
        /// The count the source returned.
        returned: usize,
        /// The size of the buffer it was given.
        room: usize,
    },
}

impl<E: fmt::Display> fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Transport(error) => write!(f, "reading the event stream failed: {error}"),
            ReadError::Parse(error) => error.fmt(f),
            ReadError::Overread { returned, room } => write!(
                f,
                "the source claimed to read {returned} bytes into a buffer of {room}"
            ),
        }
    }
}

impl<E: core::error::Error + 'static> core::error::Error for ReadError<E> {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ReadError::Transport(error) => Some(error),
            ReadError::Parse(error) => Some(error),
            ReadError::Overread { .. } => None,
        }
    }
}

#[cfg(any(feature = "std", feature = "embedded-io"))]
/// A block that a reader reads into: the bytes read and not yet parsed are
/// `pos..end`.
#[derive(Clone, Debug)]
pub(crate) struct Block<B> {
    pub(crate) buf: B,
    pos: usize,
    end: usize,
}

#[cfg(any(feature = "std", feature = "embedded-io"))]
impl<B: AsRef<[u8]>> Block<B> {
    /// An empty block over `buf`.
    pub(crate) const fn new(buf: B) -> Self {
        Block {
            buf,
            pos: 0,
            end: 0,
        }
    }

    /// Notes that a read put `n` bytes into the block; a count larger than
    /// the block is refused, and nothing of that read is kept.
    pub(crate) fn filled<E>(&mut self, n: usize) -> Result<(), ReadError<E>> {
        let room = self.buf.as_ref().len();
        self.pos = 0;
        if n > room {
            self.end = 0;
            return Err(ReadError::Overread { returned: n, room });
        }
        self.end = n;
        Ok(())
    }

    /// The bytes read and not yet parsed.
    #[cfg(feature = "std")]
    pub(crate) fn unread(&self) -> &[u8] {
        let bytes = self.buf.as_ref();
        bytes
            .get(self.pos..self.end.min(bytes.len()))
            .unwrap_or_default()
    }

    /// Parses the unread bytes up to the next item.
    pub(crate) fn step<D: Buffer, M: Buffer>(&mut self, parser: &mut EventParser<D, M>) -> Found {
        let bytes = self.buf.as_ref().get(..self.end).unwrap_or_default();
        let (found, pos) = step(parser, bytes, self.pos);
        self.pos = pos;
        found
    }

    /// The item `found` (from the last [`step`](Self::step)), borrowed
    /// from the parser and the block.
    pub(crate) fn item<'p, D: Buffer, M: Buffer>(
        &'p self,
        parser: &'p EventParser<D, M>,
        found: Ready,
    ) -> Item<Event<'p>, &'p str> {
        item(parser, self.buf.as_ref(), found)
    }
}

#[cfg(any(feature = "std", feature = "stream", feature = "embedded-io"))]
/// What [`step`] found, with nothing borrowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// The bytes are used up.
    NeedInput,
    /// An item is ready: [`item`] makes it.
    Ready(Ready),
    /// A value did not fit: that event is being skipped.
    Error(ParseError),
}

#[cfg(any(feature = "std", feature = "stream", feature = "embedded-io"))]
/// An item the parser has just reported, to be made with [`item`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ready {
    /// An event; its data, if borrowed from the input, is this range of it.
    Event(Option<Range<usize>>),
    /// A reconnection time.
    Retry(u64),
    /// A comment, kept by the parser.
    Comment,
}

#[cfg(any(feature = "std", feature = "stream", feature = "embedded-io"))]
/// Parses `bytes` from `pos` up to the next item, and returns what it found
/// and how far it got. Nothing of the parser stays borrowed, so a caller can
/// loop, reading more, and then make the item with [`item`], which borrows
/// the parser and `bytes` only for as long as the item is used.
pub(crate) fn step<D: Buffer, M: Buffer>(
    parser: &mut EventParser<D, M>,
    bytes: &[u8],
    pos: usize,
) -> (Found, usize) {
    let mut input = bytes.get(pos..).unwrap_or_default();
    let found = match parser.next(&mut input) {
        Ok(Status::NeedInput) => Found::NeedInput,
        Ok(Status::Event(event)) => {
            // Data handed out without a copy lies in `bytes`; find where.
            let data = event.data_bytes();
            let start = (data.as_ptr() as usize).wrapping_sub(bytes.as_ptr() as usize);
            let borrowed = (start <= bytes.len() && data.len() <= bytes.len() - start)
                .then_some(start..start + data.len());
            Found::Ready(Ready::Event(borrowed))
        }
        Ok(Status::Retry(ms)) => Found::Ready(Ready::Retry(ms)),
        Ok(Status::Comment(_)) => Found::Ready(Ready::Comment),
        Err(error) => Found::Error(error),
    };
    (found, bytes.len() - input.len())
}

#[cfg(any(feature = "std", feature = "stream", feature = "embedded-io"))]
/// Makes the item that [`step`] found over the same `bytes`.
pub(crate) fn item<'p, D: Buffer, M: Buffer>(
    parser: &'p EventParser<D, M>,
    bytes: &'p [u8],
    found: Ready,
) -> Item<Event<'p>, &'p str> {
    match found {
        Ready::Event(borrowed) => {
            Item::Event(parser.dispatched(borrowed.and_then(|range| bytes.get(range))))
        }
        Ready::Retry(ms) => Item::Retry(ms),
        Ready::Comment => Item::Comment(parser.reported_comment()),
    }
}
