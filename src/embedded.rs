//! With the `embedded-io` feature: the parser reading from an
//! [`embedded_io::Read`] (a UART, a TCP socket of an embedded stack) and
//! frames written to an [`embedded_io::Write`]; with `embedded-io-async`,
//! the same over the async traits.
//!
//! Nothing here allocates. [`EventReader`] reads into a block of memory the
//! caller gives it and hands out [`Item`]s that borrow the parser and the
//! block, as [`EventParser::next`] does.

use crate::buffer::Buffer;
use crate::item::{Block, Found, Item, ReadError, Ready};
use crate::parser::{End, Event, EventParser};

pub use crate::encoder::WriteError;

/// A parser reading its input from an [`embedded_io::Read`].
///
/// `B` is the block the reader reads into: an array (`[u8; 256]`) or a
/// borrowed slice (`&mut [u8]`). Each [`read_next`](Self::read_next) reads
/// as often as it must (each time the block is used up) and returns the
/// next [`Item`]: an event, a reconnection time, or a comment when the
/// parser reports them.
///
/// ```
/// use sse_wire::{embedded::EventReader, End, Item, Parser};
///
/// // A `&[u8]` is an `embedded_io::Read`; a UART driver would be here.
/// let uart: &[u8] = b"retry: 100\ndata: 21.5\n\ndata: 21.6\n\n";
/// let mut reader = EventReader::new(uart, Parser::<64>::new(), [0u8; 16]);
/// let mut readings = Vec::new();
/// while let Some(item) = reader.read_next()? {
///     match item {
///         Item::Event(event) => readings.push(event.data().parse::<f32>().unwrap()),
///         Item::Retry(ms) => assert_eq!(ms, 100),
///         _ => {}
///     }
/// }
/// assert_eq!(readings, [21.5, 21.6]);
/// assert_eq!(reader.end(), Some(End::Complete));
/// # Ok::<(), sse_wire::ReadError<core::convert::Infallible>>(())
/// ```
#[derive(Clone, Debug)]
pub struct EventReader<R, D, M, B> {
    read: R,
    parser: EventParser<D, M>,
    block: Block<B>,
    /// The verdict, once a read returned 0 bytes.
    end: Option<End>,
}

/// The item [`EventReader::read_next`] hands out: borrowed from the parser
/// and the block.
///
/// ```
/// use sse_wire::embedded::BorrowedItem;
/// use sse_wire::Item;
/// fn reading(item: BorrowedItem<'_>) -> Option<f32> {
///     item.event().and_then(|event| event.data().parse().ok())
/// }
/// assert_eq!(reading(Item::Retry(5)), None);
/// ```
pub type BorrowedItem<'p> = Item<Event<'p>, &'p str>;

impl<R, D: Buffer, M: Buffer, B: AsRef<[u8]> + AsMut<[u8]>> EventReader<R, D, M, B> {
    /// A reader of `read` that parses with `parser`, reading into `block`.
    /// An empty block reads nothing, so `read_next` then reports the end.
    ///
    /// ```
    /// use sse_wire::{embedded::EventReader, Parser};
    /// let mut block = [0u8; 64];
    /// let reader = EventReader::new(&b""[..], Parser::<256>::new(), &mut block[..]);
    /// assert_eq!(reader.parser().last_event_id(), "");
    /// ```
    pub fn new(read: R, parser: EventParser<D, M>, block: B) -> Self {
        EventReader {
            read,
            parser,
            block: Block::new(block),
            end: None,
        }
    }

    /// The parser, for its last event ID.
    ///
    /// ```
    /// use sse_wire::{embedded::EventReader, Parser};
    /// let mut reader = EventReader::new(&b"id: 4\n\n"[..], Parser::<16>::new(), [0u8; 8]);
    /// while reader.read_next()?.is_some() {}
    /// assert_eq!(reader.parser().last_event_id(), "4");
    /// # Ok::<(), sse_wire::ReadError<core::convert::Infallible>>(())
    /// ```
    pub fn parser(&self) -> &EventParser<D, M> {
        &self.parser
    }

    /// How the stream ended, once a read returned 0 bytes (`None` before):
    /// whether it stopped cleanly between events or cut one off. See
    /// [`End`].
    ///
    /// ```
    /// use sse_wire::{embedded::EventReader, End, Parser};
    /// let mut reader = EventReader::new(&b"data: 21."[..], Parser::<16>::new(), [0u8; 8]);
    /// while reader.read_next()?.is_some() {}
    /// assert!(matches!(reader.end(), Some(End::UnfinishedLine(held)) if held.data));
    /// # Ok::<(), sse_wire::ReadError<core::convert::Infallible>>(())
    /// ```
    pub fn end(&self) -> Option<End> {
        self.end
    }

    /// The reader, the parser and the block back.
    ///
    /// ```
    /// use sse_wire::{embedded::EventReader, Parser};
    /// let reader = EventReader::new(&b""[..], Parser::<16>::new(), [0u8; 8]);
    /// let (read, _parser, block) = reader.into_parts();
    /// assert_eq!((read.len(), block.len()), (0, 8));
    /// ```
    pub fn into_parts(self) -> (R, EventParser<D, M>, B) {
        (self.read, self.parser, self.block.buf)
    }

    /// Parses what is left in the block: `Ok(None)` when it is used up.
    fn parse_block<E>(&mut self) -> Result<Option<Ready>, ReadError<E>> {
        match self.block.step(&mut self.parser) {
            Found::NeedInput => Ok(None),
            Found::Ready(found) => Ok(Some(found)),
            Found::Error(error) => Err(ReadError::Parse(error)),
        }
    }

    /// Takes in what one read returned: `Ok(false)` at the end of the
    /// stream.
    fn took<E>(&mut self, read: Result<usize, E>) -> Result<bool, ReadError<E>> {
        match read.map_err(ReadError::Transport)? {
            0 => {
                self.end = Some(self.parser.finish());
                Ok(false)
            }
            n => self.block.filled(n).map(|()| true),
        }
    }
}

impl<R, D, M, B> EventReader<R, D, M, B>
where
    R: embedded_io::Read,
    D: Buffer,
    M: Buffer,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    /// Reads and parses up to the next item.
    ///
    /// It reads whenever the block is used up, so one call may read many
    /// times (or block while the source has nothing). `Ok(None)` is the end
    /// of the stream (a read of 0 bytes), and stays so; an event that no
    /// blank line finished is dropped, as the standard says, and
    /// [`end`](Self::end) says whether that happened.
    ///
    /// # Errors
    ///
    /// [`ReadError::Transport`] when reading fails, [`ReadError::Parse`]
    /// when an event does not fit the parser (it is skipped; call again to
    /// go on), [`ReadError::Overread`] when the source claims more bytes
    /// than the block holds (that read is dropped).
    ///
    /// ```
    /// use sse_wire::{embedded::EventReader, Item, Parser, ParseError, ReadError};
    /// let mut reader = EventReader::new(&b"data: 12345\n\ndata: 1\n\n"[..], Parser::<4>::new(), [0u8; 32]);
    /// assert!(matches!(reader.read_next(), Err(ReadError::Parse(ParseError::DataTooLong { .. }))));
    /// assert!(matches!(reader.read_next(), Ok(Some(Item::Event(e))) if e.data() == "1"));
    /// ```
    pub fn read_next(&mut self) -> Result<Option<BorrowedItem<'_>>, ReadError<R::Error>> {
        let found = loop {
            if let Some(found) = self.parse_block()? {
                break found;
            }
            if self.end.is_some() {
                return Ok(None);
            }
            let read = self.read.read(self.block.buf.as_mut());
            if !self.took(read)? {
                return Ok(None);
            }
        };
        Ok(Some(self.block.item(&self.parser, found)))
    }
}

#[cfg(feature = "embedded-io-async")]
impl<R, D, M, B> EventReader<R, D, M, B>
where
    R: embedded_io_async::Read,
    D: Buffer,
    M: Buffer,
    B: AsRef<[u8]> + AsMut<[u8]>,
{
    /// [`read_next`](Self::read_next) over an
    /// [`embedded_io_async::Read`] (feature `embedded-io-async`).
    ///
    /// # Errors
    ///
    /// As [`read_next`](Self::read_next).
    ///
    /// ```
    /// use sse_wire::{embedded::EventReader, Item, Parser};
    /// # use std::{future::Future, pin::pin, task::{Context, Poll, Waker}};
    /// # fn block_on<F: Future>(future: F) -> F::Output {
    /// #     let mut future = pin!(future);
    /// #     loop {
    /// #         if let Poll::Ready(out) = future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
    /// #             return out;
    /// #         }
    /// #     }
    /// # }
    /// let mut reader = EventReader::new(&b"data: on\n\n"[..], Parser::<16>::new(), [0u8; 4]);
    /// let data = block_on(async {
    ///     match reader.read_next_async().await {
    ///         Ok(Some(Item::Event(event))) => event.data().to_owned(),
    ///         other => panic!("{other:?}"),
    ///     }
    /// });
    /// assert_eq!(data, "on");
    /// ```
    pub async fn read_next_async(
        &mut self,
    ) -> Result<Option<BorrowedItem<'_>>, ReadError<R::Error>> {
        let found = loop {
            if let Some(found) = self.parse_block()? {
                break found;
            }
            if self.end.is_some() {
                return Ok(None);
            }
            let read = self.read.read(self.block.buf.as_mut()).await;
            if !self.took(read)? {
                return Ok(None);
            }
        };
        Ok(Some(self.block.item(&self.parser, found)))
    }
}
