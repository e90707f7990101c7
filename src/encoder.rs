//! Layer 3: the encoder, from frames (events, comments, retry hints) to bytes.
//!
//! Every output path is driven by one piece generator ([`Pieces`]): it yields
//! the encoded frame as a sequence of string slices, borrowed from the frame
//! or from static text, so nothing is formatted into a buffer first. The
//! exact length ([`Frame::encoded_len`]), the slice writer
//! ([`Frame::encode_to_slice`]), the `fmt::Write` writer
//! ([`Frame::encode_fmt`]) and the resumable [`Encoder`] all walk the same
//! pieces, so they cannot disagree.
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

use memchr::memchr2;

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
    Retry(u32),
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
        Ok(Pieces::new(self).map(str::len).sum())
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
        let mut pieces = Pieces::new(self);
        let mut written = 0;
        for piece in pieces.by_ref() {
            match buf.get_mut(written..written + piece.len()) {
                Some(out) => out.copy_from_slice(piece.as_bytes()),
                None => {
                    let rest: usize = pieces.map(str::len).sum();
                    return Err(EncodeError::BufferTooSmall {
                        needed: written + piece.len() + rest,
                    });
                }
            }
            written += piece.len();
        }
        Ok(written)
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
        for piece in Pieces::new(self) {
            out.write_str(piece).map_err(|_| EncodeError::Fmt)?;
        }
        Ok(())
    }
}

impl<'a> Frame<'a> {
    /// The encoding's pieces, for the I/O adaptors. The frame must have
    /// passed [`validate`](Self::validate).
    #[cfg(feature = "alloc")]
    pub(crate) fn pieces(&self) -> impl Iterator<Item = &'a str> {
        Pieces::new(self)
    }

    /// Validates the frame and returns its bytes as a few large writes (see
    /// [`Gather`]).
    #[cfg(any(
        feature = "std",
        feature = "embedded-io",
        feature = "embedded-io-async"
    ))]
    pub(crate) fn gather<const STAGE: usize>(&self) -> Result<Gather<'a, STAGE>, EncodeError> {
        self.validate()?;
        Ok(Gather {
            pieces: Pieces::new(self),
            held: None,
            stage: [0; STAGE],
        })
    }
}

/// A frame's bytes cut into few, large writes for the I/O adaptors: short
/// pieces are gathered in a `STAGE`-byte buffer, pieces longer than that
/// (long data lines) are passed through as they are. This keeps an
/// unbuffered socket or UART from seeing one write per `data: ` prefix.
#[cfg(any(
    feature = "std",
    feature = "embedded-io",
    feature = "embedded-io-async"
))]
pub(crate) struct Gather<'a, const STAGE: usize> {
    pieces: Pieces<'a>,
    /// A piece that did not fit after the staged ones: it goes next.
    held: Option<&'a str>,
    stage: [u8; STAGE],
}

#[cfg(any(
    feature = "std",
    feature = "embedded-io",
    feature = "embedded-io-async"
))]
impl<const STAGE: usize> Gather<'_, STAGE> {
    /// The next bytes to write, or `None` when the frame is all out.
    pub(crate) fn next_write(&mut self) -> Option<&[u8]> {
        let mut staged = 0;
        while let Some(piece) = self.held.take().or_else(|| self.pieces.next()) {
            let bytes = piece.as_bytes();
            if let Some(room) = self.stage.get_mut(staged..staged + bytes.len()) {
                room.copy_from_slice(bytes);
                staged += bytes.len();
            } else if staged > 0 {
                self.held = Some(piece);
                break;
            } else {
                return Some(bytes);
            }
        }
        (staged > 0).then(|| &self.stage[..staged])
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
}

impl<'a> Encoder<'a> {
    /// Starts encoding `frame`, checking it first.
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
            written += n;
        }
    }

    /// How many bytes are still to be written.
    ///
    /// ```
    /// use sse_wire::{Encoder, Frame};
    /// let mut encoder = Encoder::new(&Frame::Comment("")).unwrap();
    /// assert_eq!(encoder.remaining_len(), 2);
    /// let _ = encoder.encode(&mut [0u8; 1]);
    /// assert_eq!(encoder.remaining_len(), 1);
    /// ```
    pub fn remaining_len(&self) -> usize {
        self.current.len() + self.pieces.clone().map(str::len).sum::<usize>()
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
    /// The retry value's digit for `divisor`.
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
    /// The retry value.
    retry: u32,
    /// The power of ten of the retry value's next digit.
    divisor: u32,
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
            divisor: 1,
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
                while pieces.divisor <= value / 10 {
                    pieces.divisor *= 10;
                }
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
                    let digit = (self.retry / self.divisor % 10) as usize;
                    self.divisor /= 10;
                    let next = match self.divisor {
                        0 => Stage::RetryEnd,
                        _ => Stage::Digits,
                    };
                    break (DIGITS.get(digit).copied().unwrap_or_default(), next);
                }
                Stage::RetryEnd => break ("\n", Stage::Done),
                Stage::Done => return None,
            }
        };
        self.stage = next;
        Some(piece)
    }
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
