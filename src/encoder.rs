//! Layer 3: the encoder, from frames (events, comments, retry hints) to bytes.
//!
//! Two writers make the bytes, and the unit tests hold them equal on every
//! arrangement of line breaks:
//! - a piece generator ([`Pieces`]) yields the encoded frame as a sequence
//!   of string slices, borrowed from the frame or from static text, so
//!   nothing is formatted into a buffer first. The resumable [`Encoder`]
//!   walks the pieces itself; the streaming outputs (a [`fmt::Write`], and
//!   with their features a `std::io::Write` and an `embedded_io::Write`)
//!   are each a [`Sink`], and one loop ([`Frame::put_all`]) hands the
//!   pieces to it, gathered into larger writes where the target wants that
//!   ([`Gather`]);
//! - a line writer ([`write_lines`]) fills the outputs that hold the whole
//!   frame (a slice, and with `alloc` a `Vec`), a line at a time: the fixed
//!   text of a line is a few stores and its value one copy, where the
//!   pieces would be three copies of unknown length.
//!
//! The exact length ([`Frame::encoded_len`], [`Encoder::remaining_len`]) is
//! counted by [`measure`], a faster scan the unit tests hold to the pieces.
//!
//! What the encoder writes, and why:
//! - each line of data (cut at LF, CR or CRLF, since a parser reads any of
//!   them as a line end) becomes its own `data: ` line, with the space, so data
//!   that itself starts with a space survives the one-space rule; an empty
//!   line is `data:`;
//! - an event ends with a blank line; a comment is `: ` and its text, one
//!   line each (`:` alone when empty); a retry hint is a `retry:` line;
//! - an event type or ID with a CR or LF would start a new field, and an ID
//!   with a NUL is ignored by every parser: those are refused with an
//!   [`EncodeError`] before anything is written.

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::vec::Vec;
use memchr::{memchr2, memchr2_iter};

// The unit tests' work counter is a thread-local.
#[cfg(test)]
extern crate std;

/// One thing to write to an event stream.
///
/// ```
/// use sse_wire::Frame;
///
/// let frame = Frame::Event { event_type: Some("update"), id: Some("17"), data: Some("a\nb") };
/// let mut buf = [0u8; 64];
/// let n = frame.encode_to_slice(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"event: update\nid: 17\ndata: a\ndata: b\n\n");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frame<'a> {
    /// An event block, ended by a blank line.
    ///
    /// With `data: None` no event fires, but the block still sets the event
    /// ID: `Frame::Event { id: Some("5"), event_type: None, data: None }`
    /// moves a client's last event ID to `5` without an event.
    Event {
        /// The event type (`event:` line); `None` for the default,
        /// `message`. Must not contain CR or LF.
        event_type: Option<&'a str>,
        /// The event ID (`id:` line); `Some("")` resets the client's last
        /// event ID. Must not contain CR, LF or NUL.
        id: Option<&'a str>,
        /// The data; any text. Its line breaks (LF, CR, CRLF) become
        /// separate `data:` lines, which a parser joins with LF.
        data: Option<&'a str>,
    },
    /// A comment: ignored by clients, useful as a keep-alive. Line breaks in
    /// it make several comment lines.
    Comment(&'a str),
    /// A `retry:` line: the client's new reconnection time, in milliseconds.
    /// Any `u64` can be written, so every value a parser reports as
    /// [`Status::Retry`](crate::Status::Retry) can be sent on.
    ///
    /// ```
    /// use sse_wire::Frame;
    /// let mut out = String::new();
    /// Frame::Retry(u64::MAX).encode_fmt(&mut out).unwrap();
    /// assert_eq!(out, "retry: 18446744073709551615\n");
    /// ```
    Retry(u64),
}

impl<'a> Frame<'a> {
    /// An event of the default type with the given data and no ID.
    ///
    /// ```
    /// use sse_wire::Frame;
    /// let mut out = String::new();
    /// Frame::data("hi").encode_fmt(&mut out).unwrap();
    /// assert_eq!(out, "data: hi\n\n");
    /// ```
    pub const fn data(data: &'a str) -> Self {
        Frame::Event {
            event_type: None,
            id: None,
            data: Some(data),
        }
    }

    /// Checks that the frame can be written, without writing it.
    ///
    /// # Errors
    ///
    /// [`EncodeError::LineBreakInEventType`], [`EncodeError::LineBreakInId`]
    /// or [`EncodeError::NulInId`].
    ///
    /// ```
    /// use sse_wire::{EncodeError, Frame};
    /// let bad = Frame::Event { event_type: Some("a\ndata: injected"), id: None, data: Some("x") };
    /// assert_eq!(bad.validate(), Err(EncodeError::LineBreakInEventType));
    /// assert_eq!(Frame::Comment("any\ntext").validate(), Ok(()));
    /// ```
    pub fn validate(&self) -> Result<(), EncodeError> {
        // Types and IDs are short: one plain pass over each is smaller code
        // than `memchr` and as fast at these lengths.
        let has_line_break = |text: &str| text.bytes().any(|b| b == b'\r' || b == b'\n');
        if let Frame::Event { event_type, id, .. } = *self {
            if event_type.is_some_and(has_line_break) {
                return Err(EncodeError::LineBreakInEventType);
            }
            if let Some(id) = id {
                if has_line_break(id) {
                    return Err(EncodeError::LineBreakInId);
                }
                if id.bytes().any(|b| b == 0) {
                    return Err(EncodeError::NulInId);
                }
            }
        }
        Ok(())
    }

    /// The exact number of bytes the frame encodes to.
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate).
    ///
    /// ```
    /// use sse_wire::Frame;
    /// assert_eq!(Frame::Retry(2500).encoded_len(), Ok("retry: 2500\n".len()));
    /// ```
    pub fn encoded_len(&self) -> Result<usize, EncodeError> {
        self.validate()?;
        Ok(measure(self))
    }

    /// Writes the frame at the start of `buf` and returns how many bytes it
    /// wrote.
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate), before anything is written; or
    /// [`EncodeError::BufferTooSmall`] with the length needed, in which case
    /// `buf` may have been written to but nothing counts as written.
    ///
    /// ```
    /// use sse_wire::{EncodeError, Frame};
    /// let mut small = [0u8; 4];
    /// assert_eq!(
    ///     Frame::data("hello").encode_to_slice(&mut small),
    ///     Err(EncodeError::BufferTooSmall { needed: 13 })
    /// );
    /// ```
    pub fn encode_to_slice(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.validate()?;
        let mut sink = SliceSink { buf, written: 0 };
        match write_lines(self, &mut sink) {
            Ok(()) => Ok(sink.written),
            Err(Overflow) => Err(EncodeError::BufferTooSmall {
                needed: measure(self),
            }),
        }
    }

    /// Writes the frame to a [`fmt::Write`] (a `String`, a `heapless::String`,
    /// a formatter).
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate), before anything is written; or
    /// [`EncodeError::Fmt`] if the writer fails.
    ///
    /// ```
    /// use sse_wire::Frame;
    /// let mut out: heapless::String<32> = heapless::String::new();
    /// Frame::Comment("keep-alive").encode_fmt(&mut out).unwrap();
    /// assert_eq!(out.as_str(), ": keep-alive\n");
    /// ```
    pub fn encode_fmt<W: fmt::Write + ?Sized>(&self, out: &mut W) -> Result<(), EncodeError> {
        self.validate()?;
        self.put_all::<0, _>(&mut FmtSink(out))
            .map_err(|fmt::Error| EncodeError::Fmt)
    }

    /// Appends the frame to `out` (feature `alloc`) and returns how many
    /// bytes it added.
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate); `out` is then unchanged.
    ///
    /// ```
    /// use sse_wire::Frame;
    /// let mut out = b"retry: 10\n".to_vec();
    /// assert_eq!(Frame::data("hi").append_to_vec(&mut out), Ok(10));
    /// assert_eq!(out, b"retry: 10\ndata: hi\n\n");
    /// ```
    #[cfg(feature = "alloc")]
    pub fn append_to_vec(&self, out: &mut Vec<u8>) -> Result<usize, EncodeError> {
        self.validate()?;
        // Exact when the data or comment is one line, the usual case; more
        // lines grow the `Vec` as they are written, so the text is scanned
        // once, not measured first.
        out.reserve(one_line_len(self));
        let before = out.len();
        match write_lines(self, out) {
            Ok(()) => Ok(out.len() - before),
            Err(never) => match never {},
        }
    }

    /// The frame's bytes in a new `Vec` (feature `alloc`).
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate).
    ///
    /// ```
    /// use sse_wire::Frame;
    /// assert_eq!(Frame::Comment("ping").encode_to_vec().unwrap(), b": ping\n");
    /// ```
    #[cfg(feature = "alloc")]
    pub fn encode_to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        self.append_to_vec(&mut out)?;
        Ok(out)
    }

    /// Writes the frame to an [`std::io::Write`] (feature `std`), in a few
    /// large writes: short lines are gathered on the stack, long data lines
    /// go straight through. It does not flush.
    ///
    /// # Errors
    ///
    /// An invalid frame is refused before anything is written, as an
    /// [`std::io::ErrorKind::InvalidInput`] error whose inner error is the
    /// [`EncodeError`]; a failed write is returned as it is.
    ///
    /// ```
    /// use sse_wire::{EncodeError, Frame};
    ///
    /// let mut out = Vec::new();
    /// Frame::Retry(1000).encode_io(&mut out)?;
    /// Frame::data("hi").encode_io(&mut out)?;
    /// assert_eq!(out, b"retry: 1000\ndata: hi\n\n");
    ///
    /// let bad = Frame::Event { event_type: Some("a\nb"), id: None, data: None };
    /// let error = bad.encode_io(&mut out).unwrap_err();
    /// assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    /// assert_eq!(error.get_ref().unwrap().downcast_ref(), Some(&EncodeError::LineBreakInEventType));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[cfg(feature = "std")]
    pub fn encode_io<W: std::io::Write + ?Sized>(&self, out: &mut W) -> std::io::Result<()> {
        self.validate()
            .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidInput, error))?;
        self.put_all::<IO_STAGE, _>(&mut IoSink(out))
    }

    /// Writes the frame to an [`embedded_io::Write`] (feature
    /// `embedded-io`), in a few large writes: short lines are gathered in 64
    /// bytes of stack, long data lines go straight through. It does not
    /// flush.
    ///
    /// # Errors
    ///
    /// [`WriteError::Encode`] for an invalid frame, before anything is
    /// written; [`WriteError::Write`] when the writer fails.
    ///
    /// ```
    /// use sse_wire::Frame;
    /// let mut buf = [0u8; 32];
    /// let mut out = &mut buf[..]; // a `&mut [u8]` is an `embedded_io::Write`
    /// Frame::data("21.5").encode_embedded(&mut out)?;
    /// let unused = out.len();
    /// assert_eq!(&buf[..32 - unused], b"data: 21.5\n\n");
    /// # Ok::<(), sse_wire::embedded::WriteError<embedded_io::SliceWriteError>>(())
    /// ```
    #[cfg(feature = "embedded-io")]
    pub fn encode_embedded<W: embedded_io::Write + ?Sized>(
        &self,
        out: &mut W,
    ) -> Result<(), WriteError<W::Error>> {
        self.validate().map_err(WriteError::Encode)?;
        self.put_all::<STAGE, _>(&mut EmbeddedSink(out))
            .map_err(WriteError::Write)
    }

    /// [`encode_embedded`](Self::encode_embedded) to an
    /// [`embedded_io_async::Write`] (feature `embedded-io-async`).
    ///
    /// # Errors
    ///
    /// As [`encode_embedded`](Self::encode_embedded).
    ///
    /// ```
    /// use sse_wire::Frame;
    /// # use std::{future::Future, pin::pin, task::{Context, Poll, Waker}};
    /// # fn block_on<F: Future>(future: F) -> F::Output {
    /// #     let mut future = pin!(future);
    /// #     loop {
    /// #         if let Poll::Ready(out) = future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
    /// #             return out;
    /// #         }
    /// #     }
    /// # }
    /// let mut buf = [0u8; 16];
    /// let mut out = &mut buf[..];
    /// block_on(Frame::Comment("ping").encode_embedded_async(&mut out)).unwrap();
    /// assert_eq!(&buf[..7], b": ping\n");
    /// ```
    #[cfg(feature = "embedded-io-async")]
    pub async fn encode_embedded_async<W: embedded_io_async::Write + ?Sized>(
        &self,
        out: &mut W,
    ) -> Result<(), WriteError<W::Error>> {
        self.validate().map_err(WriteError::Encode)?;
        // The one loop that is not `put_all`: a `Sink` is synchronous, and an
        // async sink would need an async trait method (a boxed or
        // `impl Future` return) for this one caller. It walks the same
        // `Gather`, so it writes the same bytes in the same writes as
        // `encode_embedded`.
        let mut gather = Gather::<STAGE>::new(self);
        while let Some(text) = gather.next_write() {
            out.write_all(text.as_bytes())
                .await
                .map_err(WriteError::Write)?;
        }
        Ok(())
    }

    /// Hands the frame's pieces to `sink`, gathered into writes of up to
    /// `STAGE` bytes (`0`: each piece as it is): the one write loop of the
    /// synchronous outputs. The frame must have passed
    /// [`validate`](Self::validate).
    fn put_all<const STAGE: usize, S: Sink + ?Sized>(&self, sink: &mut S) -> Result<(), S::Error> {
        let mut gather = Gather::<STAGE>::new(self);
        while let Some(text) = gather.next_write() {
            sink.put(text)?;
        }
        Ok(())
    }
}

/// Where an encoded frame goes, piece by piece: each streaming output of
/// [`Frame`] is one of these, fed by [`Frame::put_all`].
trait Sink {
    /// Why a write failed.
    type Error;

    /// Writes all of `text`, or fails.
    fn put(&mut self, text: &str) -> Result<(), Self::Error>;
}

/// Where [`write_lines`] writes: an output that takes a whole line at a
/// time, its fixed parts as arrays (so they compile to a few stores) and its
/// value in one copy. The slice and `Vec` outputs are these.
trait LineSink {
    /// Why a write failed.
    type Error;

    /// Writes `prefix`, `value` and LF.
    fn line<const P: usize>(&mut self, prefix: &[u8; P], value: &[u8]) -> Result<(), Self::Error>;

    /// Writes `text`.
    fn text<const N: usize>(&mut self, text: &[u8; N]) -> Result<(), Self::Error>;

    /// Writes `bytes`, a part of a long line.
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), Self::Error>;
}

/// Writes a valid frame to `sink` line by line: the same bytes as
/// [`Pieces`] (the unit tests hold them equal), with one copy per value and
/// one scan of the data or comment for its line breaks.
fn write_lines<S: LineSink + ?Sized>(frame: &Frame<'_>, sink: &mut S) -> Result<(), S::Error> {
    match *frame {
        Frame::Event {
            event_type,
            id,
            data,
        } => {
            if let Some(event_type) = event_type {
                sink.line(b"event: ", event_type.as_bytes())?;
            }
            if let Some(id) = id {
                sink.line(b"id: ", id.as_bytes())?;
            }
            if let Some(data) = data {
                write_text(sink, b"data: ", b"data:\n", data)?;
            }
            sink.text(b"\n")
        }
        Frame::Comment(text) => write_text(sink, b": ", b":\n", text),
        Frame::Retry(value) => {
            let mut digits = [0u8; U64_DIGITS];
            sink.line(b"retry: ", decimal(value, &mut digits))
        }
    }
}

/// The most decimal digits a `u64` has.
pub(crate) const U64_DIGITS: usize = 20;

/// `value` in decimal, right-aligned in `digits`: a retry hint's value, and
/// the server kit's assigned event IDs.
pub(crate) fn decimal(mut value: u64, digits: &mut [u8; U64_DIGITS]) -> &[u8] {
    let mut start = digits.len();
    while let Some(slot) = start.checked_sub(1).and_then(|at| digits.get_mut(at)) {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
        start -= 1;
        if value == 0 {
            break;
        }
    }
    digits.get(start..).unwrap_or_default()
}

/// How much of a line [`write_text`] searches for a line break before it
/// copies what it searched: small enough that the copy reads it from the
/// L1 cache, so a long line is read from memory once, not once to search
/// and once more to copy.
const WINDOW: usize = 4 * 1024;

/// Writes `text` as lines cut at LF, CR or CRLF (as [`split_line`] cuts
/// them), each as `prefix`, the line and LF, or as `empty` when the line is
/// empty. Each search for a line break starts where the last one stopped,
/// so the text is scanned once; a line longer than [`WINDOW`] is copied a
/// window at a time, each window right after it was searched.
#[inline]
fn write_text<S: LineSink + ?Sized, const P: usize, const E: usize>(
    sink: &mut S,
    prefix: &[u8; P],
    empty: &[u8; E],
    text: &str,
) -> Result<(), S::Error> {
    let mut rest = text.as_bytes();
    // Whether the current line's prefix and first windows are written.
    let mut started = false;
    loop {
        let window = rest.get(..WINDOW).unwrap_or(rest);
        let Some(at) = memchr2(b'\n', b'\r', window) else {
            if window.len() < rest.len() {
                // A long line, with no break in this window.
                if !started {
                    sink.text(prefix)?;
                    started = true;
                }
                sink.bytes(window)?;
                rest = rest.get(window.len()..).unwrap_or_default();
                continue;
            }
            // The last line.
            return end_line(sink, prefix, empty, started, rest);
        };
        end_line(
            sink,
            prefix,
            empty,
            started,
            rest.get(..at).unwrap_or_default(),
        )?;
        started = false;
        let after = match rest.get(at..at + 2) {
            Some(b"\r\n") => at + 2,
            _ => at + 1,
        };
        rest = rest.get(after..).unwrap_or_default();
    }
}

/// Writes the end of a line whose last (or only) part is `tail`, and LF:
/// as one line if nothing of it is written yet.
#[inline]
fn end_line<S: LineSink + ?Sized, const P: usize, const E: usize>(
    sink: &mut S,
    prefix: &[u8; P],
    empty: &[u8; E],
    started: bool,
    tail: &[u8],
) -> Result<(), S::Error> {
    match (started, tail.is_empty()) {
        (true, _) => {
            sink.bytes(tail)?;
            sink.text(b"\n")
        }
        (false, true) => sink.text(empty),
        (false, false) => sink.line(prefix, tail),
    }
}

/// The length of a valid frame's encoding if its data or comment is one
/// line (its exact length then), found without a scan: for sizing a `Vec`
/// that more lines then grow.
#[cfg(feature = "alloc")]
fn one_line_len(frame: &Frame<'_>) -> usize {
    // `prefix`, the text and LF; an empty text drops the prefix's space.
    let line = |prefix: usize, text: &str| match text.len() {
        0 => prefix,
        len => prefix + len + 1,
    };
    let field = |prefix: usize, value: Option<&str>| value.map_or(0, |v| prefix + v.len() + 1);
    match *frame {
        Frame::Event {
            event_type,
            id,
            data,
        } => {
            let data = data.map_or(0, |data| line("data: ".len(), data));
            field("event: ".len(), event_type) + field("id: ".len(), id) + data + "\n".len()
        }
        Frame::Comment(text) => line(": ".len(), text),
        Frame::Retry(value) => "retry: ".len() + leading_exponent(value) as usize + 2,
    }
}

/// The slice ran out before the frame did.
struct Overflow;

/// A slice filled from its start.
struct SliceSink<'b> {
    buf: &'b mut [u8],
    /// How many bytes of `buf` are written.
    written: usize,
}

impl LineSink for SliceSink<'_> {
    type Error = Overflow;

    #[inline]
    fn line<const P: usize>(&mut self, prefix: &[u8; P], value: &[u8]) -> Result<(), Overflow> {
        let end = self
            .written
            .saturating_add(P + 1)
            .saturating_add(value.len());
        let room = self.buf.get_mut(self.written..end).ok_or(Overflow)?;
        let (head, room) = room.split_first_chunk_mut::<P>().ok_or(Overflow)?;
        let (last, room) = room.split_last_mut().ok_or(Overflow)?;
        *head = *prefix;
        room.copy_from_slice(value);
        *last = b'\n';
        self.written = end;
        Ok(())
    }

    #[inline]
    fn text<const N: usize>(&mut self, text: &[u8; N]) -> Result<(), Overflow> {
        let end = self.written.saturating_add(N);
        let room = self.buf.get_mut(self.written..end).ok_or(Overflow)?;
        let room: &mut [u8; N] = room.try_into().map_err(|_| Overflow)?;
        *room = *text;
        self.written = end;
        Ok(())
    }

    #[inline]
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), Overflow> {
        let end = self.written.saturating_add(bytes.len());
        let room = self.buf.get_mut(self.written..end).ok_or(Overflow)?;
        room.copy_from_slice(bytes);
        self.written = end;
        Ok(())
    }
}

/// A [`fmt::Write`].
struct FmtSink<'w, W: fmt::Write + ?Sized>(&'w mut W);

impl<W: fmt::Write + ?Sized> Sink for FmtSink<'_, W> {
    type Error = fmt::Error;

    fn put(&mut self, text: &str) -> fmt::Result {
        self.0.write_str(text)
    }
}

#[cfg(feature = "alloc")]
impl LineSink for Vec<u8> {
    type Error = core::convert::Infallible;

    #[inline]
    fn line<const P: usize>(&mut self, prefix: &[u8; P], value: &[u8]) -> Result<(), Self::Error> {
        self.reserve(P + value.len() + 1);
        self.extend_from_slice(prefix);
        self.extend_from_slice(value);
        self.push(b'\n');
        Ok(())
    }

    #[inline]
    fn text<const N: usize>(&mut self, text: &[u8; N]) -> Result<(), Self::Error> {
        self.extend_from_slice(text);
        Ok(())
    }

    #[inline]
    fn bytes(&mut self, bytes: &[u8]) -> Result<(), Self::Error> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// One field of an event, appended to `out` as its own line(s): how the
/// server kit's [`Message`](crate::server::Message) writes an event while it
/// is built. `event` and `id` values are checked as [`Frame::validate`]
/// checks them; on an error `out` is unchanged.
#[cfg(feature = "alloc")]
pub(crate) fn append_field(out: &mut Vec<u8>, field: FieldValue<'_>) -> Result<(), EncodeError> {
    let written = match field {
        FieldValue::EventType(value) => {
            Frame::Event {
                event_type: Some(value),
                id: None,
                data: None,
            }
            .validate()?;
            out.line(b"event: ", value.as_bytes())
        }
        FieldValue::Id(value) => {
            Frame::Event {
                event_type: None,
                id: Some(value),
                data: None,
            }
            .validate()?;
            out.line(b"id: ", value.as_bytes())
        }
        FieldValue::Data(value) => write_text(out, b"data: ", b"data:\n", value),
    };
    match written {
        Ok(()) => Ok(()),
        Err(never) => match never {},
    }
}

/// A field for [`append_field`].
#[cfg(feature = "alloc")]
#[derive(Clone, Copy)]
pub(crate) enum FieldValue<'a> {
    /// An `event:` line.
    EventType(&'a str),
    /// An `id:` line.
    Id(&'a str),
    /// `data:` lines, one per line of the text.
    Data(&'a str),
}

/// How many bytes of short lines [`Frame::encode_io`] gathers on the stack
/// before writing.
#[cfg(feature = "std")]
const IO_STAGE: usize = 256;

/// A [`std::io::Write`].
#[cfg(feature = "std")]
struct IoSink<'w, W: std::io::Write + ?Sized>(&'w mut W);

#[cfg(feature = "std")]
impl<W: std::io::Write + ?Sized> Sink for IoSink<'_, W> {
    type Error = std::io::Error;

    fn put(&mut self, text: &str) -> std::io::Result<()> {
        self.0.write_all(text.as_bytes())
    }
}

/// How many bytes of short lines the embedded writers gather on the stack
/// before writing: small enough for a microcontroller's stack, large enough
/// that a short event is one write.
#[cfg(feature = "embedded-io")]
const STAGE: usize = 64;

/// An [`embedded_io::Write`].
#[cfg(feature = "embedded-io")]
struct EmbeddedSink<'w, W: embedded_io::Write + ?Sized>(&'w mut W);

#[cfg(feature = "embedded-io")]
impl<W: embedded_io::Write + ?Sized> Sink for EmbeddedSink<'_, W> {
    type Error = W::Error;

    fn put(&mut self, text: &str) -> Result<(), W::Error> {
        self.0.write_all(text.as_bytes())
    }
}

/// Why a frame was not written to an embedded writer.
///
/// ```
/// use sse_wire::{embedded::WriteError, EncodeError, Frame};
/// let bad = Frame::Event { event_type: None, id: Some("a\nb"), data: None };
/// let mut out = [0u8; 32];
/// let error = bad.encode_embedded(&mut &mut out[..]).unwrap_err();
/// assert_eq!(error, WriteError::Encode(EncodeError::LineBreakInId));
/// ```
#[cfg(feature = "embedded-io")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteError<E> {
    /// The frame is invalid; nothing was written.
    Encode(EncodeError),
    /// The writer failed; part of the frame may have been written.
    Write(E),
}

#[cfg(feature = "embedded-io")]
impl<E: fmt::Debug> fmt::Display for WriteError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Encode(error) => error.fmt(f),
            WriteError::Write(error) => write!(f, "writing the event stream failed: {error:?}"),
        }
    }
}

#[cfg(feature = "embedded-io")]
impl<E: fmt::Debug> core::error::Error for WriteError<E> {}

/// A frame's pieces cut into few, large writes: short pieces are gathered
/// in a `STAGE`-byte buffer, pieces longer than that (long data lines) are
/// passed through as they are. This keeps an unbuffered socket or UART from
/// seeing one write per `data: ` prefix. With `STAGE` 0 each piece is its
/// own write (empty pieces are skipped).
///
/// The stage is a `heapless::String`, so a gathered write is still a `&str`
/// and the same loop can feed a [`fmt::Write`].
struct Gather<'a, const STAGE: usize> {
    pieces: Pieces<'a>,
    /// A piece that did not fit after the staged ones: it goes next.
    held: Option<&'a str>,
    stage: heapless::String<STAGE>,
}

impl<'a, const STAGE: usize> Gather<'a, STAGE> {
    /// Gathers the pieces of `frame`, which must be valid.
    fn new(frame: &Frame<'a>) -> Self {
        Gather {
            pieces: Pieces::new(frame),
            held: None,
            stage: heapless::String::new(),
        }
    }

    /// The next text to write, or `None` when the frame is all out.
    fn next_write(&mut self) -> Option<&str> {
        self.stage.clear();
        while let Some(piece) = self.held.take().or_else(|| self.pieces.next()) {
            if self.stage.push_str(piece).is_ok() {
                continue;
            }
            if self.stage.is_empty() {
                return Some(piece);
            }
            self.held = Some(piece);
            break;
        }
        (!self.stage.is_empty()).then(|| self.stage.as_str())
    }
}

/// Why a frame could not be written.
///
/// ```
/// use sse_wire::{EncodeError, Frame};
/// let frame = Frame::Event { event_type: None, id: Some("1\u{0}"), data: None };
/// let error = frame.encoded_len().unwrap_err();
/// assert_eq!(error, EncodeError::NulInId);
/// assert_eq!(error.to_string(), "event id contains NUL, which clients ignore");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The event type contains CR or LF, which would start a new field.
    LineBreakInEventType,
    /// The event ID contains CR or LF, which would start a new field.
    LineBreakInId,
    /// The event ID contains NUL: every client would ignore the `id` line.
    NulInId,
    /// The output slice is too short; `needed` bytes would fit the frame.
    BufferTooSmall {
        /// The frame's encoded length.
        needed: usize,
    },
    /// The [`fmt::Write`] target returned an error.
    Fmt,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::LineBreakInEventType => f.write_str(
                "event type contains a line break (CR or LF), which would inject a field",
            ),
            EncodeError::LineBreakInId => {
                f.write_str("event id contains a line break (CR or LF), which would inject a field")
            }
            EncodeError::NulInId => f.write_str("event id contains NUL, which clients ignore"),
            EncodeError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: the frame needs {needed} bytes")
            }
            EncodeError::Fmt => f.write_str("the fmt::Write target failed"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Whether [`Encoder::encode`] finished the frame.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The whole frame has been written.
    Done,
    /// The output buffer is full and more of the frame remains: send what was
    /// written, then call again with a buffer that has room.
    OutputFull,
}

/// A resumable encoder: writes one frame into output buffers of any size,
/// down to one byte, picking up where it stopped.
///
/// It is for a device that streams a large event through a small transmit
/// buffer. It holds the frame's borrowed text and a cursor; it never copies
/// the frame.
///
/// ```
/// use sse_wire::{Encoder, Frame, Progress};
///
/// let frame = Frame::Event { event_type: Some("reading"), id: Some("9"), data: Some("21.5") };
/// let mut encoder = Encoder::new(&frame).unwrap();
/// let mut wire = Vec::new();
/// let mut tx = [0u8; 8];
/// loop {
///     let (progress, n) = encoder.encode(&mut tx);
///     wire.extend_from_slice(&tx[..n]);
///     if progress == Progress::Done {
///         break;
///     }
/// }
/// assert_eq!(wire, b"event: reading\nid: 9\ndata: 21.5\n\n");
/// ```
#[derive(Clone, Debug)]
pub struct Encoder<'a> {
    /// The pieces not started yet.
    pieces: Pieces<'a>,
    /// What is left of the piece being written.
    current: &'a [u8],
    /// How many bytes are still to be written: the frame's length, counted
    /// once by [`new`](Self::new), less what [`encode`](Self::encode) wrote.
    remaining: usize,
}

impl<'a> Encoder<'a> {
    /// Starts encoding `frame`, checking it first. It also measures the
    /// frame (one scan of its text for line breaks), so that
    /// [`remaining_len`](Self::remaining_len) costs nothing later.
    ///
    /// # Errors
    ///
    /// As [`Frame::validate`].
    ///
    /// ```
    /// use sse_wire::{EncodeError, Encoder, Frame};
    /// let frame = Frame::Event { event_type: None, id: Some("a\rb"), data: None };
    /// assert_eq!(Encoder::new(&frame).err(), Some(EncodeError::LineBreakInId));
    /// ```
    pub fn new(frame: &Frame<'a>) -> Result<Self, EncodeError> {
        frame.validate()?;
        Ok(Encoder {
            pieces: Pieces::new(frame),
            current: b"",
            remaining: measure(frame),
        })
    }

    /// Writes as much of the frame as fits into `out`; returns whether the
    /// frame is finished and how many bytes of `out` were written.
    ///
    /// # Termination
    ///
    /// [`Progress::Done`] once the last byte has been written (also when it
    /// filled `out` exactly); after that, calls write nothing and return
    /// `(Done, 0)`. [`Progress::OutputFull`] when `out` is full and more
    /// remains. An empty `out` makes no progress.
    ///
    /// ```
    /// use sse_wire::{Encoder, Frame, Progress};
    /// let mut encoder = Encoder::new(&Frame::Retry(5)).unwrap();
    /// let mut out = [0u8; 9];
    /// assert_eq!(encoder.encode(&mut out), (Progress::Done, 9));
    /// assert_eq!(&out, b"retry: 5\n");
    /// ```
    pub fn encode(&mut self, out: &mut [u8]) -> (Progress, usize) {
        let mut written = 0;
        loop {
            while self.current.is_empty() {
                match self.pieces.next() {
                    Some(piece) => self.current = piece.as_bytes(),
                    None => return (Progress::Done, written),
                }
            }
            let room = &mut out[written..];
            if room.is_empty() {
                return (Progress::OutputFull, written);
            }
            let n = room.len().min(self.current.len());
            let (now, later) = self.current.split_at(n);
            room[..n].copy_from_slice(now);
            self.current = later;
            self.remaining = self.remaining.saturating_sub(n);
            written += n;
        }
    }

    /// How many bytes are still to be written. A constant-time read of a
    /// count kept up to date by [`encode`](Self::encode), so it can be asked
    /// after every write.
    ///
    /// ```
    /// use sse_wire::{Encoder, Frame};
    /// let mut encoder = Encoder::new(&Frame::Comment("")).unwrap();
    /// assert_eq!(encoder.remaining_len(), 2);
    /// let _ = encoder.encode(&mut [0u8; 1]);
    /// assert_eq!(encoder.remaining_len(), 1);
    /// ```
    pub fn remaining_len(&self) -> usize {
        self.remaining
    }
}

/// The ten digits, so that a retry value can be written one borrowed
/// one-character piece at a time with no scratch buffer.
const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/// Where the piece generator is in the frame: the stage names the next
/// piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// `event: `, if there is an event type (else on to `IdName`).
    TypeName,
    /// The event type.
    TypeValue,
    /// The LF after the event type.
    TypeEnd,
    /// `id: `, if there is an ID (else on to `Data`).
    IdName,
    /// The ID.
    IdValue,
    /// The LF after the ID.
    IdEnd,
    /// The prefix of the line at the front of `text`.
    LineStart,
    /// The current line's text.
    LineText,
    /// The LF that ends the current line.
    LineEnd,
    /// The blank line that ends an event.
    Blank,
    /// `retry: `.
    RetryName,
    /// The retry value's digit for `exponent`.
    Digits,
    /// The LF after a retry value.
    RetryEnd,
    /// Nothing left.
    Done,
}

/// The frame's encoding as a sequence of string slices. Assumes the frame
/// is valid.
#[derive(Clone, Debug)]
struct Pieces<'a> {
    stage: Stage,
    event_type: Option<&'a str>,
    id: Option<&'a str>,
    /// The text still to be cut into lines (data or comment); `None` once
    /// the last line has been taken from it.
    text: Option<&'a str>,
    /// The current line's text.
    line: &'a str,
    /// Write comment lines (`: `), not data lines (`data: `).
    comment: bool,
    /// What is left of the retry value: its digits not yet written.
    retry: u64,
    /// The power of ten of the retry value's next digit.
    exponent: u32,
}

impl<'a> Pieces<'a> {
    fn new(frame: &Frame<'a>) -> Self {
        let mut pieces = Pieces {
            stage: Stage::Done,
            event_type: None,
            id: None,
            text: None,
            line: "",
            comment: false,
            retry: 0,
            exponent: 0,
        };
        match *frame {
            Frame::Event {
                event_type,
                id,
                data,
            } => {
                pieces.stage = Stage::TypeName;
                pieces.event_type = event_type;
                pieces.id = id;
                pieces.text = data;
            }
            Frame::Comment(text) => {
                pieces.stage = Stage::LineStart;
                pieces.text = Some(text);
                pieces.comment = true;
            }
            Frame::Retry(value) => {
                pieces.stage = Stage::RetryName;
                pieces.retry = value;
                pieces.exponent = leading_exponent(value);
            }
        }
        pieces
    }

    /// The stage after an event's `event` and `id` lines.
    fn data_or_blank(&self) -> Stage {
        match self.text {
            Some(_) => Stage::LineStart,
            None => Stage::Blank,
        }
    }

    /// The stage after a data or comment line.
    fn after_line(&self) -> Stage {
        match (self.text.is_some(), self.comment) {
            (true, _) => Stage::LineStart,
            (false, false) => Stage::Blank,
            (false, true) => Stage::Done,
        }
    }
}

#[cfg(test)]
std::thread_local! {
    /// The work done on this thread, for the unit tests: the bytes of the
    /// pieces made and the bytes of text scanned by [`measure`].
    static WORK: core::cell::Cell<usize> = const { core::cell::Cell::new(0) };
}

/// Adds `bytes` to the unit tests' work count; nothing outside the tests.
#[inline(always)]
fn charge(bytes: usize) {
    #[cfg(test)]
    WORK.with(|work| work.set(work.get() + bytes));
    #[cfg(not(test))]
    let _ = bytes;
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let (piece, next) = loop {
            match self.stage {
                Stage::TypeName => match self.event_type {
                    Some(_) => break ("event: ", Stage::TypeValue),
                    None => self.stage = Stage::IdName,
                },
                Stage::TypeValue => break (self.event_type.unwrap_or_default(), Stage::TypeEnd),
                Stage::TypeEnd => break ("\n", Stage::IdName),
                Stage::IdName => match self.id {
                    Some(_) => break ("id: ", Stage::IdValue),
                    None => self.stage = self.data_or_blank(),
                },
                Stage::IdValue => break (self.id.unwrap_or_default(), Stage::IdEnd),
                Stage::IdEnd => break ("\n", self.data_or_blank()),
                Stage::LineStart => {
                    let (line, rest) = split_line(self.text.unwrap_or_default());
                    self.text = rest;
                    self.line = line;
                    break match (self.comment, line.is_empty()) {
                        (false, false) => ("data: ", Stage::LineText),
                        (true, false) => (": ", Stage::LineText),
                        (false, true) => ("data:\n", self.after_line()),
                        (true, true) => (":\n", self.after_line()),
                    };
                }
                Stage::LineText => break (self.line, Stage::LineEnd),
                Stage::LineEnd => break ("\n", self.after_line()),
                Stage::Blank => break ("\n", Stage::Done),
                Stage::RetryName => break ("retry: ", Stage::Digits),
                Stage::Digits => {
                    // The digit by subtraction (at most nine): a 64-bit
                    // division is a library routine on a 32-bit
                    // microcontroller, and would be most of the encoder's
                    // code there.
                    let power = 10u64.pow(self.exponent);
                    let mut digit = 0;
                    while self.retry >= power {
                        self.retry -= power;
                        digit += 1;
                    }
                    let next = match self.exponent.checked_sub(1) {
                        Some(exponent) => {
                            self.exponent = exponent;
                            Stage::Digits
                        }
                        None => Stage::RetryEnd,
                    };
                    break (DIGITS.get(digit).copied().unwrap_or_default(), next);
                }
                Stage::RetryEnd => break ("\n", Stage::Done),
                Stage::Done => return None,
            }
        };
        self.stage = next;
        charge(piece.len());
        Some(piece)
    }
}

/// The exact length of a valid frame's encoding, counted without making its
/// pieces: one `memchr2` scan over the data or comment finds the line breaks,
/// about twice as fast on short lines as walking [`Pieces`] (three pieces and
/// a search per line). The unit tests hold it to the pieces' total.
fn measure(frame: &Frame<'_>) -> usize {
    /// An `event` or `id` line: its name, value and LF.
    fn field(name: &str, value: Option<&str>) -> usize {
        value.map_or(0, |value| name.len() + value.len() + 1)
    }
    match *frame {
        Frame::Event {
            event_type,
            id,
            data,
        } => {
            let data = data.map_or(0, |data| lines_len(data, "data: ".len()));
            field("event: ", event_type) + field("id: ", id) + data + "\n".len()
        }
        Frame::Comment(text) => lines_len(text, ": ".len()),
        Frame::Retry(value) => {
            let digits = leading_exponent(value) as usize + 1;
            "retry: ".len() + digits + "\n".len()
        }
    }
}

/// The power of ten of `value`'s first digit: 0 for 0 to 9, 19 (the most a
/// `u64` has) from 10^19 up. Found by multiplying, not dividing (see
/// [`Stage::Digits`]).
fn leading_exponent(value: u64) -> u32 {
    let mut exponent = 0;
    while exponent < 19 && 10u64.pow(exponent + 1) <= value {
        exponent += 1;
    }
    exponent
}

/// The length of `text` written as lines cut at LF, CR or CRLF (as
/// [`split_line`] cuts them), each as `prefix`, the line and LF, where
/// `prefix` ends in a space; an empty line drops that space (`data:` LF), so
/// it is `prefix` bytes long in all.
fn lines_len(text: &str, prefix: usize) -> usize {
    let line = |len: usize| match len {
        0 => prefix,
        _ => prefix + len + 1,
    };
    let bytes = text.as_bytes();
    charge(bytes.len());
    let mut total = 0;
    // Where the current line starts.
    let mut start = 0;
    for at in memchr2_iter(b'\n', b'\r', bytes) {
        // The LF of a CRLF, already counted with its CR.
        if at < start {
            continue;
        }
        total += line(at - start);
        start = match bytes.get(at..at + 2) {
            Some(b"\r\n") => at + 2,
            _ => at + 1,
        };
    }
    total + line(bytes.len() - start)
}

/// Cuts the first line off `text`, at LF, CR or CRLF. Returns the line and
/// the text after its line break, `None` if it had none.
fn split_line(text: &str) -> (&str, Option<&str>) {
    let Some(at) = memchr2(b'\n', b'\r', text.as_bytes()) else {
        return (text, None);
    };
    // A line break is ASCII, so `at` is a character boundary and `get` never
    // fails; it keeps the panicking slice code out of small firmware.
    let line = text.get(..at).unwrap_or_default();
    let rest = text.get(at..).unwrap_or_default();
    let rest = rest
        .strip_prefix("\r\n")
        .or_else(|| rest.get(1..))
        .unwrap_or_default();
    (line, Some(rest))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;

    /// The total length of the pieces, which is what is written.
    fn pieces_len(frame: &Frame<'_>) -> usize {
        Pieces::new(frame).map(str::len).sum()
    }

    /// The frame's bytes as the pieces make them.
    fn pieces_bytes(frame: &Frame<'_>) -> std::vec::Vec<u8> {
        Pieces::new(frame).flat_map(str::bytes).collect()
    }

    /// The frame's bytes as [`write_lines`] writes them, to a `Vec` and to a
    /// slice of exactly their length, which must agree.
    fn lines_bytes(frame: &Frame<'_>) -> std::vec::Vec<u8> {
        let mut out = std::vec::Vec::new();
        let Ok(()) = write_lines(frame, &mut out);
        let mut buf = std::vec![0; out.len()];
        let mut sink = SliceSink {
            buf: &mut buf,
            written: 0,
        };
        assert!(write_lines(frame, &mut sink).is_ok());
        assert_eq!(sink.written, out.len());
        assert_eq!(buf, out);
        out
    }

    /// The counted length is the written length, and the line writer writes
    /// the pieces' bytes, for every text of up to
    /// six characters from `a`, CR, LF and `é` (so every arrangement of line
    /// breaks, empty lines and CRLF, at the start, middle and end) as data
    /// and as a comment, with and without a type and ID; and for retry
    /// values around every power of ten.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for an interpreter; runs natively")]
    fn measure_is_the_length_of_the_pieces() {
        let alphabet = ["a", "\r", "\n", "é"];
        let mut texts = std::vec![String::new()];
        let mut last = texts.clone();
        for _ in 0..6 {
            last = last
                .iter()
                .flat_map(|text| alphabet.iter().map(move |c| std::format!("{text}{c}")))
                .collect();
            texts.extend(last.iter().cloned());
        }
        for text in &texts {
            for frame in [
                Frame::data(text),
                Frame::Comment(text),
                Frame::Event {
                    event_type: Some("t"),
                    id: Some(""),
                    data: Some(text),
                },
                Frame::Event {
                    event_type: Some(text.as_str()).filter(|t| !t.contains(['\r', '\n'])),
                    id: Some(text.as_str()).filter(|t| !t.contains(['\r', '\n', '\0'])),
                    data: None,
                },
            ] {
                assert_eq!(measure(&frame), pieces_len(&frame), "{frame:?}");
                assert_eq!(lines_bytes(&frame), pieces_bytes(&frame), "{frame:?}");
                if !text.contains(['\r', '\n']) {
                    assert_eq!(one_line_len(&frame), measure(&frame), "{frame:?}");
                }
            }
        }
        let mut power = 1u64;
        loop {
            for value in [power - 1, power, power + 1, u64::MAX] {
                let frame = Frame::Retry(value);
                assert_eq!(measure(&frame), pieces_len(&frame), "{value}");
                assert_eq!(lines_bytes(&frame), pieces_bytes(&frame), "{value}");
                assert_eq!(one_line_len(&frame), measure(&frame), "{value}");
            }
            match power.checked_mul(10) {
                Some(next) => power = next,
                None => break,
            }
        }
    }

    /// Lines longer than the search window, and line breaks on both sides
    /// of its edges (a CRLF cut by an edge too), are written as the pieces
    /// write them.
    #[test]
    #[cfg_attr(miri, ignore = "megabytes of text for an interpreter; runs natively")]
    fn long_lines_are_written_as_the_pieces_write_them() {
        for len in [WINDOW - 1, WINDOW, WINDOW + 1, 2 * WINDOW, 3 * WINDOW + 5] {
            for at in [0, 1, WINDOW - 2, WINDOW - 1, WINDOW, WINDOW + 1, len - 1] {
                for line_break in ["\n", "\r", "\r\n", "\n\n"] {
                    let mut text = "x".repeat(len);
                    text.insert_str(at.min(len), line_break);
                    for text in [text.as_str(), text.trim_end_matches('x')] {
                        for frame in [Frame::data(text), Frame::Comment(text)] {
                            let (ours, theirs) = (lines_bytes(&frame), pieces_bytes(&frame));
                            assert!(ours == theirs, "{len} {at} {line_break:?}");
                        }
                    }
                }
            }
        }
    }

    /// The work counted on this thread so far.
    fn work() -> usize {
        WORK.with(core::cell::Cell::get)
    }

    /// Asking for the remaining length after every write of a resumable
    /// encode costs no walk over the frame: the work in all (the frame
    /// measured once, its pieces made once) stays within twice the frame's
    /// length, where a walk or a scan per call would be about half the
    /// frame per call.
    #[test]
    #[cfg_attr(miri, ignore = "too many cases for an interpreter; runs natively")]
    fn remaining_len_after_every_write_does_not_walk_the_frame() {
        let data: String = (0..2000).map(|i| std::format!("line {i}\n")).collect();
        let frame = Frame::data(&data);
        let len = pieces_len(&frame);
        // The counter sees a walk over the pieces, and a measure.
        let before = work();
        assert_eq!(pieces_len(&frame), len);
        assert_eq!(work() - before, len);
        assert_eq!(measure(&frame), len);
        assert_eq!(work() - before, len + data.len());

        for step in [1, 64] {
            let before = work();
            let mut encoder = Encoder::new(&frame).unwrap();
            let mut out = [0u8; 64];
            let mut calls = 0;
            while let (Progress::OutputFull, _) = encoder.encode(&mut out[..step]) {
                assert_eq!(encoder.remaining_len(), len - (calls + 1) * step);
                calls += 1;
            }
            assert_eq!(calls, len.div_ceil(step) - 1);
            let work = work() - before;
            assert!(work <= 2 * len, "work {work} for a frame of {len} bytes");
        }
    }
}
