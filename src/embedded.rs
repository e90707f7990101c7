//! With the `embedded-io` feature: the parser reading from an
//! [`embedded_io::Read`] (a UART, a TCP socket of an embedded stack) and
//! frames written to an [`embedded_io::Write`]; with `embedded-io-async`,
//! the same over the async traits.
//!
//! Nothing here allocates. [`EventReader`] reads into a block of memory the
//! caller gives it and hands out the parser's [`Status`] borrowed from there,
//! exactly as [`EventParser::next`] does.

use core::fmt;

use crate::buffer::Buffer;
use crate::parser::{EventParser, ParseError, Status};

pub use crate::encoder::WriteError;

/// A parser reading its input from an [`embedded_io::Read`].
///
/// `B` is the block the reader reads into: an array (`[u8; 256]`) or a
/// borrowed slice (`&mut [u8]`). Each [`read_next`](Self::read_next) either
/// reads once (when the block is used up) or goes on with what was read.
///
/// ```
/// use sse_wire::{embedded::EventReader, Parser, Status};
///
/// // A `&[u8]` is an `embedded_io::Read`; a UART driver would be here.
/// let uart: &[u8] = b"retry: 100\ndata: 21.5\n\ndata: 21.6\n\n";
/// let mut reader = EventReader::new(uart, Parser::<64>::new(), [0u8; 16]);
/// let mut readings = Vec::new();
/// while let Some(status) = reader.read_next()? {
///     match status {
///         Status::Event(event) => readings.push(event.data().parse::<f32>().unwrap()),
///         Status::Retry(ms) => assert_eq!(ms, 100),
///         Status::NeedInput | Status::Comment(_) => {}
///     }
/// }
/// assert_eq!(readings, [21.5, 21.6]);
/// # Ok::<(), sse_wire::embedded::ReadError<core::convert::Infallible>>(())
/// ```
#[derive(Clone, Debug)]
pub struct EventReader<R, D, M, B> {
    read: R,
    parser: EventParser<D, M>,
    block: B,
    /// The bytes of `block` read and not yet parsed: `pos..end`.
    pos: usize,
    end: usize,
}

impl<R, D: Buffer, M: Buffer, B: AsMut<[u8]>> EventReader<R, D, M, B> {
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
            block,
            pos: 0,
            end: 0,
        }
    }

    /// The parser, for its last event ID.
    ///
    /// ```
    /// use sse_wire::{embedded::EventReader, Parser};
    /// let mut reader = EventReader::new(&b"id: 4\n\n"[..], Parser::<16>::new(), [0u8; 8]);
    /// while reader.read_next()?.is_some() {}
    /// assert_eq!(reader.parser().last_event_id(), "4");
    /// # Ok::<(), sse_wire::embedded::ReadError<core::convert::Infallible>>(())
    /// ```
    pub fn parser(&self) -> &EventParser<D, M> {
        &self.parser
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
        (self.read, self.parser, self.block)
    }

    /// Parses what is left in the block.
    fn parse_block(&mut self) -> Result<Status<'_>, ParseError> {
        let bytes = self.block.as_mut().get(..self.end).unwrap_or_default();
        let mut input = bytes.get(self.pos..).unwrap_or_default();
        let status = self.parser.next(&mut input);
        self.pos = self.end - input.len();
        status
    }

    /// Whether the block is used up and must be read into.
    fn needs_read(&self) -> bool {
        self.pos == self.end
    }

    /// Notes that `n` bytes were read into the block.
    fn filled(&mut self, n: usize) {
        self.pos = 0;
        self.end = n;
    }
}

impl<R, D, M, B> EventReader<R, D, M, B>
where
    R: embedded_io::Read,
    D: Buffer,
    M: Buffer,
    B: AsMut<[u8]>,
{
    /// Reads if the block is used up, then parses up to the next thing to
    /// report.
    ///
    /// `Ok(Some(Status::NeedInput))` means the bytes read so far are used
    /// up: call again, and it reads. `Ok(None)` is the end of the stream (a
    /// read of 0 bytes); an event that no blank line finished is dropped, as
    /// the standard says.
    ///
    /// # Errors
    ///
    /// [`ReadError::Read`] when reading fails, [`ReadError::Parse`] when an
    /// event does not fit the parser (it is skipped; call again to go on).
    ///
    /// ```
    /// use sse_wire::{embedded::{EventReader, ReadError}, Parser, ParseError, Status};
    /// let mut reader = EventReader::new(&b"data: 12345\n\ndata: 1\n\n"[..], Parser::<4>::new(), [0u8; 32]);
    /// assert!(matches!(reader.read_next(), Err(ReadError::Parse(ParseError::DataTooLong { .. }))));
    /// assert!(matches!(reader.read_next(), Ok(Some(Status::Event(e))) if e.data() == "1"));
    /// ```
    pub fn read_next(&mut self) -> Result<Option<Status<'_>>, ReadError<R::Error>> {
        if self.needs_read() {
            match self
                .read
                .read(self.block.as_mut())
                .map_err(ReadError::Read)?
            {
                0 => return Ok(None),
                n => self.filled(n),
            }
        }
        self.parse_block().map(Some).map_err(ReadError::Parse)
    }
}

#[cfg(feature = "embedded-io-async")]
impl<R, D, M, B> EventReader<R, D, M, B>
where
    R: embedded_io_async::Read,
    D: Buffer,
    M: Buffer,
    B: AsMut<[u8]>,
{
    /// [`read_next`](Self::read_next) over an
    /// [`embedded_io_async::Read`] (feature `embedded-io-async`).
    ///
    /// # Errors
    ///
    /// As [`read_next`](Self::read_next).
    ///
    /// ```
    /// use sse_wire::{embedded::EventReader, Parser, Status};
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
    ///     loop {
    ///         match reader.read_next_async().await {
    ///             Ok(Some(Status::Event(event))) => break event.data().to_owned(),
    ///             Ok(Some(_)) => {}
    ///             other => panic!("{other:?}"),
    ///         }
    ///     }
    /// });
    /// assert_eq!(data, "on");
    /// ```
    pub async fn read_next_async(&mut self) -> Result<Option<Status<'_>>, ReadError<R::Error>> {
        if self.needs_read() {
            match self
                .read
                .read(self.block.as_mut())
                .await
                .map_err(ReadError::Read)?
            {
                0 => return Ok(None),
                n => self.filled(n),
            }
        }
        self.parse_block().map(Some).map_err(ReadError::Parse)
    }
}

/// Why [`EventReader`] reported no status.
///
/// ```
/// use sse_wire::{embedded::ReadError, ParseError};
/// let error: ReadError<()> = ReadError::Parse(ParseError::DataTooLong { capacity: 8 });
/// assert!(error.to_string().starts_with("event data longer"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError<E> {
    /// Reading failed.
    Read(E),
    /// An event did not fit the parser's storage and was skipped; the
    /// stream goes on.
    Parse(ParseError),
}

impl<E: fmt::Debug> fmt::Display for ReadError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Read(error) => write!(f, "reading the event stream failed: {error:?}"),
            ReadError::Parse(error) => error.fmt(f),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for ReadError<E> {}
