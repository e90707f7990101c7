//! Layer 1: the line lexer.
//!
//! This file owns everything the WHATWG algorithm says about *bytes and
//! lines*: the leading BOM, the three line endings (CR, LF, CRLF, including a
//! CRLF cut in two by a chunk boundary), the colon that separates a field name
//! from its value, and the one space stripped after it. It knows nothing about
//! events; it turns bytes into [`Token`]s whose values are slices of the
//! caller's input. It never copies and holds no buffer, so its state is a few
//! bytes whatever the input.
//!
//! # Advice for hackers
//!
//! The grammar, from the HTML Standard ("Parsing an event stream"):
//!
//! ```text
//! stream        = [ bom ] *event *line-in-progress
//! event         = *( comment / field ) end-of-line
//! comment       = colon *any-char end-of-line
//! field         = 1*name-char [ colon [ space ] *any-char ] end-of-line
//! end-of-line   = ( cr lf / cr / lf )
//! ```
//!
//! The state machine, one state per position in that grammar:
//!
//! | state        | where we are                                   | leaves on                   |
//! |--------------|------------------------------------------------|-----------------------------|
//! | `Bom(n)`     | stream start, `n` bytes of `EF BB BF` matched  | mismatch, or the whole BOM  |
//! | `LineStart`  | first byte of a line                           | any byte                    |
//! | `AfterCr`    | first byte of a line that follows a CR         | any byte (an LF is eaten)   |
//! | `Name`       | inside a field name, matching known names      | `:` or a line end           |
//! | `ValueStart` | just after the colon                           | any byte (a space is eaten) |
//! | `Value`      | inside a value                                 | a line end                  |
//!
//! If you add a state: give it a `///` line saying why it exists, handle it in
//! [`Lexer::next`], and add a case to `tests/shared/spec_cases.rs` that reaches it with
//! every chunking (the spec tests split each input at every byte).
//!
//! If you add a field: add its [`Field`] variant and its name in
//! [`Field::name`]; if its first letter is not one of `d`, `e`, `i`, `r`,
//! add it to `Field::candidate` (one byte decides the candidate, so a new
//! name that shares a first letter needs `Name` to track more than one);
//! add its name and colon to `known_name`, the one-comparison path; and add
//! spec cases that cut its name at every byte. The parser's side is listed
//! at the top of `parser.rs`.
//!
//! Bytes are matched, not characters: every byte the grammar looks at (CR,
//! LF, `:`, space, the BOM) is ASCII or the BOM itself, and an invalid UTF-8
//! sequence can never swallow an ASCII byte, so lexing bytes and then decoding
//! each value gives exactly what decoding the whole stream first would.

use memchr::{memchr2, memchr3};

const CR: u8 = b'\r';
const LF: u8 = b'\n';
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// What a line holds, decided by its field name.
///
/// Field names are case-sensitive: `Data` is [`Field::Unknown`].
///
/// ```
/// use sse_wire::Field;
/// assert_eq!(Field::Data.name(), Some("data"));
/// assert_eq!(Field::Comment.name(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `data`: appended to the event's data, one line each.
    Data,
    /// `event`: sets the event type.
    Event,
    /// `id`: sets the last event ID (ignored if it holds a NUL).
    Id,
    /// `retry`: the reconnection time in milliseconds, if all ASCII digits.
    Retry,
    /// A line starting with `:`. Browsers ignore it; servers send comments as
    /// keep-alives.
    Comment,
    /// Any other field name, which the standard says to ignore.
    Unknown,
}

impl Field {
    /// The field's name as it appears on the wire, for the four named fields.
    ///
    /// ```
    /// use sse_wire::Field;
    /// assert_eq!(Field::Retry.name(), Some("retry"));
    /// assert_eq!(Field::Unknown.name(), None);
    /// ```
    pub const fn name(self) -> Option<&'static str> {
        match self {
            Field::Data => Some("data"),
            Field::Event => Some("event"),
            Field::Id => Some("id"),
            Field::Retry => Some("retry"),
            Field::Comment | Field::Unknown => None,
        }
    }

    /// The known field whose name starts with `first`, if any. The four names
    /// start with four different letters, so one byte decides the candidate.
    const fn candidate(first: u8) -> Field {
        match first {
            b'd' => Field::Data,
            b'e' => Field::Event,
            b'i' => Field::Id,
            b'r' => Field::Retry,
            _ => Field::Unknown,
        }
    }

    /// The name's bytes, empty for the unnamed kinds.
    const fn name_bytes(self) -> &'static [u8] {
        match self.name() {
            Some(name) => name.as_bytes(),
            None => b"",
        }
    }
}

/// One step of lexer output. Values borrow from the input (`'i`).
///
/// A line's value comes as one or more [`Token::Value`]s, the last one with
/// `end: true`. It is cut into several pieces only where the input was cut
/// into chunks, and every piece but the last is non-empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Token<'i> {
    /// The input is used up. Call again with more bytes; the lexer remembers
    /// where it was, including a CR whose LF may start the next chunk.
    NeedInput,
    /// A piece of a line's value.
    Value {
        /// The line's field.
        field: Field,
        /// Bytes of the value, after the colon and its one optional space.
        /// Not decoded: it may hold invalid UTF-8 or a UTF-8 sequence cut by
        /// a chunk boundary.
        piece: &'i [u8],
        /// The line ended after this piece. When false, the piece took the
        /// rest of the input: only the end of the input cuts a line.
        end: bool,
        /// Every byte of `piece` is ASCII, so it is valid UTF-8 as it is.
        /// Found by the same scan that looked for the line end, so a caller
        /// that decodes values needs no pass of its own over an ASCII
        /// piece.
        ascii: bool,
    },
    /// An empty line: the point where the event in progress is dispatched.
    BlankLine,
}

/// Where the lexer is in the line grammar. See the table at the top of this
/// file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the very start of the stream, `n` bytes of a possible BOM seen and
    /// dropped. The standard strips exactly one leading BOM.
    Bom(u8),
    /// At the start of a line.
    LineStart,
    /// At the start of a line that follows a CR. An LF here is the second
    /// half of a CRLF (possibly cut by a chunk boundary), not an empty line.
    AfterCr,
    /// Inside a field name. `field` is the only known name the bytes so far
    /// could still be, `matched` how many of its bytes they matched;
    /// [`Field::Unknown`] once none can.
    Name { field: Field, matched: u8 },
    /// Just past the colon: one space may be dropped.
    ValueStart(Field),
    /// Inside a value.
    Value(Field),
}

/// The known field whose name and colon start `bytes`, and how many bytes
/// they take. `None` when `bytes` starts otherwise, or is too short to tell:
/// the byte-by-byte path then decides.
#[inline]
fn known_name(bytes: &[u8]) -> Option<(Field, usize)> {
    // Comparisons with constants, which compile to a few integer compares.
    let (field, used) = match bytes.first()? {
        b'd' if bytes.starts_with(b"data:") => (Field::Data, 5),
        b'e' if bytes.starts_with(b"event:") => (Field::Event, 6),
        b'i' if bytes.starts_with(b"id:") => (Field::Id, 3),
        b'r' if bytes.starts_with(b"retry:") => (Field::Retry, 6),
        _ => return None,
    };
    Some((field, used))
}

/// Where the first CR or LF in `bytes` is, if there is one, and whether
/// every byte before it (every byte, if there is none) is ASCII, which
/// makes those bytes valid UTF-8 without a further check.
///
/// One pass does both for ASCII lines: 16 bytes at a time for the first
/// 128 bytes, where most lines end, then 64 at a time, with vector compares
/// where the target has them (see `plain_prefix`), all without `unsafe`.
/// The block that stops the loop is searched a word at a time; a line that
/// turns out not to be ASCII is finished with `memchr2`.
#[inline(always)]
fn line_end(bytes: &[u8]) -> (Option<usize>, bool) {
    let mut at = plain_prefix(bytes);
    // Here `bytes[at..]` starts with 16 bytes at most that hold a line end
    // or a byte above 0x7F, or is shorter than 16 bytes.
    let mut ascii = true;
    for _ in 0..2 {
        let Some(word) = bytes.get(at..at + 8) else {
            break;
        };
        let (found, word_ascii) = word_line_end(word);
        if let Some(found) = found {
            return (Some(at + found), ascii && word_ascii);
        }
        ascii &= word_ascii;
        at += 8;
    }
    let rest = bytes.get(at..).unwrap_or_default();
    let found = if ascii {
        // Fewer than 8 bytes are left.
        rest.iter().position(|&byte| byte == LF || byte == CR)
    } else {
        // A byte above 0x7F was seen, so the answer is known to be false.
        memchr2(LF, CR, rest)
    };
    // Only the last few bytes of an ASCII line are left to check here.
    let before = rest.get(..found.unwrap_or(rest.len())).unwrap_or_default();
    (found.map(|found| at + found), ascii && before.is_ascii())
}

/// How many bytes at the start of `bytes` are ASCII other than CR and LF,
/// rounded down to a block: `bytes[at..]` then starts with a 16-byte block
/// that holds another byte, or is shorter than 16 bytes.
///
/// Where the target has vector registers: blocks of flags reduced to one
/// test, which compile to vector compares and one mask test per block.
#[cfg(any(
    target_feature = "sse2",
    target_feature = "neon",
    target_feature = "simd128"
))]
#[inline(always)]
fn plain_prefix(bytes: &[u8]) -> usize {
    /// Steps over the whole `N`-byte blocks from `at` that hold only ASCII
    /// bytes other than CR and LF, while `at` is below `limit`. Returns
    /// where it stopped: at a block that holds another byte, at `limit`, or
    /// where fewer than `N` bytes are left.
    #[inline(always)]
    fn blocks<const N: usize>(bytes: &[u8], mut at: usize, limit: usize) -> usize {
        while at < limit {
            let Some(Ok(block)) = bytes.get(at..at + N).map(<&[u8; N]>::try_from) else {
                break;
            };
            // Keep the flags `bool`: reduced as `u8`, they compile to
            // shuffles instead of one mask test.
            let mut stop = false;
            for &byte in block {
                stop |= (byte == LF) | (byte == CR) | (byte >= 0x80);
            }
            if stop {
                break;
            }
            at += N;
        }
        at
    }
    let at = blocks::<16>(bytes, 0, 128);
    if at < 128 {
        return at;
    }
    let at = blocks::<64>(bytes, at, usize::MAX);
    blocks::<16>(bytes, at, usize::MAX)
}

/// Elsewhere (a Cortex-M, say), a word at a time: smaller and faster there
/// than bytes one by one.
#[cfg(not(any(
    target_feature = "sse2",
    target_feature = "neon",
    target_feature = "simd128"
)))]
#[inline(always)]
fn plain_prefix(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(word) = bytes.get(at..at + 8) {
        let word = word_at(word);
        if line_end_flags(word) | word & HIGH != 0 {
            break;
        }
        at += 8;
    }
    at
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The first 8 bytes of `word` (zeros past its end) as a little-endian
/// number.
#[inline(always)]
fn word_at(word: &[u8]) -> u64 {
    let mut eight = [0; 8];
    if let Some(word) = word.get(..8) {
        eight.copy_from_slice(word);
    }
    u64::from_le_bytes(eight)
}

/// Flags (the high bit of a byte) at the CR and LF bytes of `word`, and
/// perhaps at bytes above (later than) a flagged one, never below: the
/// lowest flag marks the first line end, and there is a flag exactly when
/// there is a line end.
#[inline(always)]
fn line_end_flags(word: u64) -> u64 {
    // A byte of `lf` (`cr`) is zero where the word holds LF (CR); the
    // classic zero-byte test flags those.
    let lf = word ^ (ONES * u64::from(LF));
    let cr = word ^ (ONES * u64::from(CR));
    (lf.wrapping_sub(ONES) & !lf | cr.wrapping_sub(ONES) & !cr) & HIGH
}

/// Where the first CR or LF in an 8-byte `word` is, and whether the bytes
/// before it (all eight if there is none) are ASCII.
#[inline]
fn word_line_end(word: &[u8]) -> (Option<usize>, bool) {
    let word = word_at(word);
    let found = line_end_flags(word);
    if found == 0 {
        return (None, word & HIGH == 0);
    }
    let at = found.trailing_zeros() / 8;
    // The bytes below the line end: `at` is below 8, so the shift is too.
    let before = word & ((1u64 << (8 * at)) - 1);
    (Some(at as usize), before & HIGH == 0)
}

/// The zero-copy line lexer: bytes in, [`Token`]s out.
///
/// Feed it any chunking of a stream; the tokens describe the same lines
/// whatever the chunking, except that values may come in more pieces. Its
/// state is two bytes, it never allocates, and it never buffers, so it can
/// serve callers whose events have no size bound (a proxy, a streaming JSON
/// decoder). [`EventParser`](crate::EventParser) is built on it.
///
/// # Example
///
/// ```
/// use sse_wire::{Field, Lexer, Token};
///
/// let mut lexer = Lexer::new();
/// let mut input: &[u8] = b"event: ping\ndata: {\"n\":1}\n\n";
/// let mut data = Vec::new();
/// loop {
///     match lexer.next(&mut input) {
///         Token::Value { field: Field::Data, piece, .. } => data.extend_from_slice(piece),
///         Token::Value { .. } => {}
///         Token::BlankLine => break,
///         Token::NeedInput => unreachable!(),
///     }
/// }
/// assert_eq!(data, b"{\"n\":1}");
/// ```
#[derive(Clone, Debug)]
pub struct Lexer {
    state: State,
}

impl Default for Lexer {
    fn default() -> Self {
        Self::new()
    }
}

impl Lexer {
    /// A lexer at the start of a stream (a leading BOM will be dropped).
    ///
    /// ```
    /// let lexer = sse_wire::Lexer::new();
    /// # let _ = lexer;
    /// ```
    pub const fn new() -> Self {
        Lexer {
            state: State::Bom(0),
        }
    }

    /// Starts over, as for a new stream (a leading BOM will be dropped again).
    ///
    /// ```
    /// use sse_wire::{Lexer, Token};
    /// let mut lexer = Lexer::new();
    /// let mut input: &[u8] = b"dat";
    /// assert_eq!(lexer.next(&mut input), Token::NeedInput);
    /// lexer.reset();
    /// let mut input: &[u8] = b"\n";
    /// assert_eq!(lexer.next(&mut input), Token::BlankLine);
    /// ```
    pub fn reset(&mut self) {
        *self = Lexer::new();
    }

    /// Whether the lexer is inside a line: some of its bytes arrived, its
    /// line end has not. False at the stream's start and right after a line
    /// end. Bytes of a possible BOM at the stream's start count as a line
    /// begun, since without the rest of the BOM they are the first line's
    /// text.
    ///
    /// At the end of a stream this tells a line cut off (which the standard
    /// discards) from a stream that stopped between lines.
    ///
    /// ```
    /// use sse_wire::{Lexer, Token};
    /// let mut lexer = Lexer::new();
    /// let mut input: &[u8] = b"data: a\nda";
    /// assert!(matches!(lexer.next(&mut input), Token::Value { end: true, .. }));
    /// assert!(!lexer.in_line());
    /// assert_eq!(lexer.next(&mut input), Token::NeedInput);
    /// assert!(lexer.in_line());
    /// ```
    #[inline]
    pub fn in_line(&self) -> bool {
        !matches!(
            self.state,
            State::Bom(0) | State::LineStart | State::AfterCr
        )
    }

    /// Steps over the line end that starts `rest` (a CR, an LF or a CRLF),
    /// returning what follows. A CR that ends `rest` leaves the lexer
    /// waiting for a possible LF.
    #[inline(always)]
    fn end_line<'i>(&mut self, rest: &'i [u8]) -> &'i [u8] {
        self.state = State::LineStart;
        match rest {
            [CR, LF, after @ ..] => after,
            [CR] => {
                self.state = State::AfterCr;
                &[]
            }
            [_, after @ ..] => after,
            [] => rest,
        }
    }

    /// Reads the next token from `input`, advancing `input` past the bytes it
    /// used.
    ///
    /// # Termination
    ///
    /// Returns [`Token::NeedInput`] exactly when `*input` is empty and
    /// nothing is left to report; call again with the next chunk. There is no
    /// end-of-stream call: the standard discards a line that is cut off by
    /// the end of the stream, so the caller simply stops.
    ///
    /// # Cost
    ///
    /// Every byte is looked at once. A known field name and its colon are
    /// stepped over in one comparison, and a value is cut by one search for
    /// its line end, a block of bytes at a time; the only byte-at-a-time
    /// work is on the names of other fields and at line starts.
    ///
    /// ```
    /// use sse_wire::{Field, Lexer, Token};
    /// let mut lexer = Lexer::new();
    /// // A value cut by a chunk boundary comes in two pieces.
    /// let mut a: &[u8] = b"data: hel";
    /// assert_eq!(
    ///     lexer.next(&mut a),
    ///     Token::Value { field: Field::Data, piece: b"hel", end: false, ascii: true }
    /// );
    /// let mut b: &[u8] = b"lo\r";
    /// assert_eq!(
    ///     lexer.next(&mut b),
    ///     Token::Value { field: Field::Data, piece: b"lo", end: true, ascii: true }
    /// );
    /// // The LF of a CRLF cut in two is not an empty line.
    /// let mut c: &[u8] = b"\n\r\n";
    /// assert_eq!(lexer.next(&mut c), Token::BlankLine);
    /// assert_eq!(lexer.next(&mut c), Token::NeedInput);
    /// ```
    #[inline(always)]
    pub fn next<'i>(&mut self, input: &mut &'i [u8]) -> Token<'i> {
        loop {
            let bytes: &'i [u8] = input;
            let Some(&byte) = bytes.first() else {
                return Token::NeedInput;
            };
            match self.state {
                State::Value(field) => return self.value(field, input),
                State::LineStart => {
                    // The first byte decides: an empty line, a comment, or a
                    // name. A known name whose colon is here too is stepped
                    // over at once.
                    let (field, used) = match byte {
                        CR | LF => {
                            *input = self.end_line(bytes);
                            return Token::BlankLine;
                        }
                        b':' => (Field::Comment, 1),
                        _ => match known_name(bytes) {
                            Some(known) => known,
                            None => {
                                *input = &bytes[1..];
                                let field = Field::candidate(byte);
                                self.state = State::Name {
                                    field,
                                    matched: u8::from(field != Field::Unknown),
                                };
                                continue;
                            }
                        },
                    };
                    // Past the colon: drop one space, and read the value
                    // if some of it is here.
                    let mut rest = &bytes[used..];
                    self.state = match rest.first() {
                        None => State::ValueStart(field),
                        Some(&b' ') => {
                            rest = &rest[1..];
                            State::Value(field)
                        }
                        Some(_) => State::Value(field),
                    };
                    *input = rest;
                    if !rest.is_empty() {
                        return self.value(field, input);
                    }
                }
                State::AfterCr => {
                    if byte == LF {
                        *input = &bytes[1..];
                    }
                    self.state = State::LineStart;
                }
                State::ValueStart(field) => {
                    if byte == b' ' {
                        *input = &bytes[1..];
                    }
                    self.state = State::Value(field);
                }
                State::Name {
                    field: Field::Unknown,
                    ..
                } => {
                    // No known name can match any more: jump to the colon or
                    // the line end.
                    match memchr3(b':', CR, LF, bytes) {
                        Some(at) => {
                            *input = &bytes[at + 1..];
                            if let Some(token) = self.name_end(Field::Unknown, bytes[at]) {
                                return token;
                            }
                        }
                        None => *input = &[],
                    }
                }
                State::Name { field, matched } => {
                    *input = &bytes[1..];
                    let name = field.name_bytes();
                    let full = usize::from(matched) == name.len();
                    match byte {
                        b':' | CR | LF => {
                            let field = if full { field } else { Field::Unknown };
                            if let Some(token) = self.name_end(field, byte) {
                                return token;
                            }
                        }
                        _ if !full && name[usize::from(matched)] == byte => {
                            self.state = State::Name {
                                field,
                                matched: matched + 1,
                            };
                        }
                        _ => {
                            self.state = State::Name {
                                field: Field::Unknown,
                                matched: 0,
                            }
                        }
                    }
                }
                State::Bom(seen) => {
                    if byte == BOM[usize::from(seen)] {
                        *input = &bytes[1..];
                        self.state = if seen == 2 {
                            State::LineStart
                        } else {
                            State::Bom(seen + 1)
                        };
                    } else if seen == 0 {
                        self.state = State::LineStart;
                    } else {
                        // The line began with part of a BOM: its name holds
                        // bytes that no known name starts with.
                        self.state = State::Name {
                            field: Field::Unknown,
                            matched: 0,
                        };
                    }
                }
            }
        }
    }

    /// Handles the byte that ends a field name (already consumed): a colon
    /// starts the value, a line end makes a line with an empty value.
    #[inline]
    fn name_end(&mut self, field: Field, byte: u8) -> Option<Token<'static>> {
        if byte == b':' {
            self.state = State::ValueStart(field);
            return None;
        }
        self.state = if byte == CR {
            State::AfterCr
        } else {
            State::LineStart
        };
        Some(Token::Value {
            field,
            piece: b"",
            end: true,
            ascii: true,
        })
    }

    /// Reads (part of) a value. `input` is not empty.
    #[inline(always)]
    fn value<'i>(&mut self, field: Field, input: &mut &'i [u8]) -> Token<'i> {
        let bytes: &'i [u8] = input;
        let (found, ascii) = match *bytes {
            // One byte per call (a UART, say) is most often one byte of a
            // value: no search to set up.
            [byte] if byte != CR && byte != LF => (None, byte.is_ascii()),
            _ => line_end(bytes),
        };
        let (piece, end) = match found {
            Some(at) => {
                let (piece, rest) = bytes.split_at(at);
                *input = self.end_line(rest);
                (piece, true)
            }
            None => {
                *input = &[];
                (bytes, false)
            }
        };
        Token::Value {
            field,
            piece,
            end,
            ascii,
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;

    fn state_after(input: &[u8]) -> State {
        let mut lexer = Lexer::new();
        let mut rest = input;
        while lexer.next(&mut rest) != Token::NeedInput {}
        lexer.state
    }

    #[test]
    fn state_is_two_bytes() {
        assert!(core::mem::size_of::<Lexer>() <= 2);
    }

    #[test]
    fn bom_prefix_is_remembered_across_chunks() {
        assert_eq!(state_after(&[0xEF]), State::Bom(1));
        assert_eq!(state_after(&[0xEF, 0xBB]), State::Bom(2));
        assert_eq!(state_after(&BOM), State::LineStart);
    }

    #[test]
    fn cr_at_chunk_end_waits_for_a_possible_lf() {
        assert_eq!(state_after(b"data: x\r"), State::AfterCr);
        assert_eq!(state_after(b"data: x\r\n"), State::LineStart);
        assert_eq!(state_after(b"data\r"), State::AfterCr);
        assert_eq!(state_after(b"\r"), State::AfterCr);
    }

    #[test]
    #[cfg_attr(miri, ignore = "too many cases for an interpreter; runs natively")]
    fn line_end_finds_the_first_cr_or_lf_at_every_offset() {
        // Bytes next to CR and LF in value, whose borrows could fool a
        // word-at-a-time test, around the line end and after it.
        let fillers = [b'a', 0x0B, 0x0C, 0x0E, 0x09, 0x8A, 0x8D, 0xFF, 0x00];
        for len in 0..200 {
            for &filler in &fillers {
                for end in [None, Some(CR), Some(LF)] {
                    for at in 0..len {
                        let mut bytes = vec![filler; len];
                        if let Some(end) = end {
                            bytes[at] = end;
                            // A second line end later must not be the answer.
                            if at + 3 < len {
                                bytes[at + 3] = LF;
                            }
                        }
                        let found = bytes.iter().position(|&b| b == CR || b == LF);
                        let before = &bytes[..found.unwrap_or(len)];
                        assert_eq!(line_end(&bytes), (found, before.is_ascii()), "{bytes:x?}");
                    }
                }
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "too many cases for an interpreter; runs natively")]
    fn line_end_tells_whether_the_bytes_before_it_are_ascii() {
        // One byte above 0x7F before, at or after the line end, in every
        // block position the search uses; and the same without a line end.
        for len in 1..200 {
            let end = len - 1;
            for odd in 0..len {
                for high in [0x80, 0xC3, 0xFF] {
                    let mut bytes = vec![b'x'; len];
                    bytes[end] = LF;
                    bytes[odd] = high;
                    // A high byte put at the line end replaces it.
                    let found = (odd != end).then_some(end);
                    assert_eq!(line_end(&bytes), (found, odd > end), "{len} {odd} {high:x}");
                    bytes[end] = b'x';
                    bytes[odd] = high;
                    assert_eq!(line_end(&bytes), (None, false), "{len} {odd} {high:x}");
                }
            }
        }
    }

    #[test]
    fn the_ascii_flag_is_exact_at_every_split() {
        let inputs: [&[u8]; 14] = [
            "data: caf\u{e9}\nid: 1\r\n\n".as_bytes(),
            b"event: \xFF\r\ndata:x\r\nrest",
            b"data:  two spaces\r: comment\n:\r\n",
            b"data:\ndata: \rretry: 10\n",
            b"other: thing\xC3\xA9\nData: case\n",
            b"data\nid\r\nevent\r",
            "\u{feff}data: a longer line that crosses a few words \u{2603} here\n".as_bytes(),
            b"data: 0123456789abcdef0123456789abcdef0123456789abcdef\xE2\x98\x83\n",
            b"\xEF\xBBdata: x\n",
            b"\n\n\r\r\n",
            b"",
            b"data: \x80",
            b"id: \x00\n",
            b": \xF0\x9F\x98\x80 ok\n",
        ];
        for input in inputs {
            for cut in 0..=input.len() {
                let mut lexer = Lexer::new();
                for mut chunk in [&input[..cut], &input[cut..]] {
                    loop {
                        match lexer.next(&mut chunk) {
                            Token::NeedInput => break,
                            Token::Value { piece, ascii, .. } => {
                                assert_eq!(ascii, piece.is_ascii(), "{input:?} cut at {cut}");
                            }
                            Token::BlankLine => {}
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn names_are_matched_byte_by_byte() {
        assert_eq!(
            state_after(b"ret"),
            State::Name {
                field: Field::Retry,
                matched: 3
            }
        );
        assert_eq!(
            state_after(b"retries"),
            State::Name {
                field: Field::Unknown,
                matched: 0
            }
        );
        assert_eq!(state_after(b"retry:"), State::ValueStart(Field::Retry));
        assert_eq!(state_after(b"retry: "), State::Value(Field::Retry));
    }
}
