//! `sse`: decode an event stream to JSON lines, or encode JSON lines to an
//! event stream.
//!
//! ```text
//! sse decode [--chunk N] [--max-field BYTES]
//!                          event stream on stdin -> one JSON object per line
//! sse encode               JSON lines on stdin -> event stream
//! sse --help               the usage, on standard output
//! ```
//!
//! `decode` reads standard input through the crate's `io::EventReader`, at
//! most `N` bytes per read (default 8192; from 1 to 16 MiB), so the parser
//! gets them as they arrive, and prints `{"type":…,"data":…,"id":…}` for
//! each event, `{"retry":N}` for each valid retry field, and, at the end of
//! input, `{"last_event_id":…}`: the ID a reconnecting client would send.
//! Like a browser it has no size limit per field of its own: its storage
//! grows as events need it, up to a cap that only bounds memory against
//! abuse, 256 MiB per field (data, type, ID) unless `--max-field` lowers it.
//! An event over the cap is reported on standard error and skipped,
//! decoding goes on, and the exit status is then 1.
//!
//! `encode` reads objects with the optional keys `type`, `data`, `id`
//! (strings), `retry` (an integer from 0 to 2^64 - 1) and `comment` (string),
//! and writes, in that order, the comment, the retry line and the event (an
//! object with `data` is an event; one with only `id` or `type` writes those
//! lines and the blank line, which sets the last event ID without an event).
//! A line is checked whole before any of it is written, so it is held whole:
//! lines are at most 128 MiB long. A bad line stops it with a message naming
//! the line and exit status 1; the lines before it are written. A message
//! quotes at most 60 characters of what the line holds, however long it is.
//!
//! Arguments it cannot use are a usage error: exit status 2.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::process::ExitCode;

use serde_json::Value;
use sse_wire::io::EventReader;
use sse_wire::{Encoder, Frame, GrowableParser, Item, Progress, ReadError};

const USAGE: &str = "\
usage: sse decode [--chunk N] [--max-field BYTES]
                                event stream on stdin -> JSON lines on stdout
       sse encode               JSON lines on stdin -> event stream on stdout
       sse --help               this text
--chunk N: the parser gets at most N bytes per call, 1 to 16777216 (16 MiB);
           8192 when not given
--max-field BYTES: the most bytes an event's data, type or ID may hold,
           1 to 268435456 (256 MiB, the default); a larger one is skipped";

/// The largest `--chunk`: 16 MiB, allocated up front as the read buffer
/// (the reader's own limit too).
const MAX_CHUNK: usize = EventReader::<io::Empty>::MAX_BLOCK_SIZE;

/// The default and largest `--max-field`: 256 MiB.
const MAX_FIELD: usize = 256 << 20;

/// The longest line `encode` reads, without its line end: 128 MiB.
const MAX_LINE: u64 = 128 << 20;

/// The most characters of the input that an error message quotes.
const EXCERPT: usize = 60;

fn main() -> ExitCode {
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(arg) => {
                let arg = excerpt(arg.as_encoded_bytes());
                return usage_error(&format!("an argument that is not UTF-8: `{arg}`"));
            }
        }
    }
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        return match writeln!(io::stdout(), "{USAGE}") {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::FAILURE,
        };
    }
    let result = match args.first().map(String::as_str) {
        Some("decode") => match decode_options(&args[1..]) {
            Ok((chunk, cap)) => decode(chunk, cap),
            Err(message) => return usage_error(&message),
        },
        Some("encode") if args.len() == 1 => encode(),
        _ => return usage_error("expected `decode` or `encode`"),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            // Nothing is left to tell if standard error is gone too.
            let _ = writeln!(io::stderr(), "sse: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    let _ = writeln!(io::stderr(), "sse: {message}\n{USAGE}");
    ExitCode::from(2)
}

/// Reads `[--chunk N] [--max-field BYTES]`, in any order (also `--flag=N`).
fn decode_options(args: &[String]) -> Result<(usize, usize), String> {
    let (mut chunk, mut cap) = (8192, MAX_FIELD);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value)),
            None => (arg.as_str(), None),
        };
        let (slot, max) = match flag {
            "--chunk" => (&mut chunk, MAX_CHUNK),
            "--max-field" => (&mut cap, MAX_FIELD),
            _ => return Err(format!("unexpected argument: {}", excerpt(arg.as_bytes()))),
        };
        let Some(value) = inline.or_else(|| rest.next().map(String::as_str)) else {
            return Err(format!("{flag} needs a value"));
        };
        *slot = match value.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                return Err(format!(
                    "{flag} takes a whole number from 1 to {max}, not `{}`",
                    excerpt(value.as_bytes())
                ))
            }
        };
    }
    Ok((chunk, cap))
}

/// At most [`EXCERPT`] characters of `text`, for a message: cut at a
/// character boundary and ended with `…` when cut, invalid UTF-8 shown as
/// U+FFFD and control characters escaped, so that it stays one short line.
fn excerpt(text: &[u8]) -> String {
    // Enough bytes for EXCERPT characters, without splitting the last one.
    let room = EXCERPT * 4;
    let mut end = text.len().min(room);
    while end < text.len() && end + 3 > room && text[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    let mut out = String::new();
    for (count, c) in String::from_utf8_lossy(&text[..end]).chars().enumerate() {
        if count == EXCERPT {
            out.push('…');
            return out;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if end < text.len() {
        out.push('…');
    }
    out
}

/// A JSON string literal.
fn json(text: &str) -> String {
    Value::from(text).to_string()
}

/// Standard input that flushes standard output before each read, so that
/// what was decoded is out before the program waits for more.
struct FlushFirst<'a> {
    input: io::StdinLock<'static>,
    out: &'a RefCell<BufWriter<io::StdoutLock<'static>>>,
}

impl Read for FlushFirst<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let said = |what: &str, e: io::Error| io::Error::new(e.kind(), format!("{what}: {e}"));
        self.out
            .borrow_mut()
            .flush()
            .map_err(|e| said("writing standard output", e))?;
        self.input
            .read(buf)
            .map_err(|e| said("reading standard input", e))
    }
}

fn decode(chunk: usize, cap: usize) -> Result<ExitCode, String> {
    let out = RefCell::new(BufWriter::new(io::stdout().lock()));
    let input = FlushFirst {
        input: io::stdin().lock(),
        out: &out,
    };
    let parser = GrowableParser::with_caps(cap, cap);
    let mut items = EventReader::with_parser(input, parser).with_block_size(chunk);
    let mut skipped = false;
    let write_error = |e: io::Error| format!("writing standard output: {e}");
    for item in items.by_ref() {
        let mut out = out.borrow_mut();
        match item {
            Ok(Item::Event(event)) => writeln!(
                out,
                "{{\"type\":{},\"data\":{},\"id\":{}}}",
                json(event.event_type()),
                json(event.data()),
                json(event.last_event_id())
            )
            .map_err(write_error)?,
            Ok(Item::Retry(ms)) => writeln!(out, "{{\"retry\":{ms}}}").map_err(write_error)?,
            Ok(_) => {}
            Err(ReadError::Parse(error)) => {
                // Standard error may be gone; decoding goes on regardless.
                let _ = writeln!(io::stderr(), "sse: {error}");
                skipped = true;
            }
            Err(ReadError::Transport(error)) => return Err(error.to_string()),
            Err(error) => return Err(error.to_string()),
        }
    }
    let mut out = out.borrow_mut();
    writeln!(out, "{{\"last_event_id\":{}}}", json(items.last_event_id())).map_err(write_error)?;
    out.flush().map_err(write_error)?;
    Ok(if skipped {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn encode() -> Result<ExitCode, String> {
    let mut stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut line = Vec::new();
    let write_error = |e: io::Error| format!("writing standard output: {e}");
    let mut number = 0u64;
    loop {
        number += 1;
        line.clear();
        // A long line's room is not kept for the lines after it.
        line.shrink_to(1 << 16);
        let n = (&mut stdin)
            .take(MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("line {number}: {e}"))?;
        if n == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if line.len() as u64 > MAX_LINE {
            return Err(format!("line {number}: longer than {} MiB", MAX_LINE >> 20));
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        let request = Request::parse(&line).map_err(|e| format!("line {number}: {e}"))?;
        let frames = request.frames();
        for frame in &frames {
            frame
                .validate()
                .map_err(|e| format!("line {number}: {e}"))?;
        }
        for frame in &frames {
            write_frame(&mut out, frame).map_err(write_error)?;
        }
        out.flush().map_err(write_error)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a checked frame through a small buffer, so that its text is never
/// copied whole.
fn write_frame(out: &mut impl Write, frame: &Frame<'_>) -> io::Result<()> {
    let mut encoder = Encoder::new(frame).map_err(io::Error::other)?;
    let mut buf = [0; 4096];
    loop {
        let (progress, n) = encoder.encode(&mut buf);
        out.write_all(&buf[..n])?;
        if progress == Progress::Done {
            return Ok(());
        }
    }
}

/// What one `encode` line asks for; `None` where a key is absent or `null`.
/// Strings without escapes are borrowed from the line, so a large `data`
/// value is not copied.
#[derive(Debug, Default)]
struct Request<'a> {
    comment: Option<Cow<'a, str>>,
    retry: Option<u64>,
    event_type: Option<Cow<'a, str>>,
    id: Option<Cow<'a, str>>,
    data: Option<Cow<'a, str>>,
}

impl<'a> Request<'a> {
    /// Reads a line holding one JSON object. Only the values of the known
    /// keys are read; anything else stops it with an error.
    fn parse(line: &'a [u8]) -> Result<Self, String> {
        let mut json = Json { text: line, pos: 0 };
        if json.skip_space() != Some(b'{') {
            return Err(format!(
                "expected a JSON object, got {}",
                excerpt(line.trim_ascii())
            ));
        }
        json.pos += 1;
        let mut request = Request::default();
        if json.skip_space() == Some(b'}') {
            json.pos += 1;
        } else {
            loop {
                if json.skip_space() != Some(b'"') {
                    return Err(json.syntax("expected a key in double quotes"));
                }
                let key = json.string()?;
                if json.skip_space() != Some(b':') {
                    return Err(json.syntax("expected `:`"));
                }
                json.pos += 1;
                json.skip_space();
                match &*key {
                    "type" => request.event_type = json.text("type")?,
                    "data" => request.data = json.text("data")?,
                    "id" => request.id = json.text("id")?,
                    "comment" => request.comment = json.text("comment")?,
                    "retry" => request.retry = json.retry()?,
                    other => {
                        return Err(format!(
                            "unknown key `{}` (expected type, data, id, retry, comment)",
                            excerpt(other.as_bytes())
                        ))
                    }
                }
                match json.skip_space() {
                    Some(b',') => json.pos += 1,
                    Some(b'}') => {
                        json.pos += 1;
                        break;
                    }
                    _ => return Err(json.syntax("expected `,` or `}`")),
                }
            }
        }
        if json.skip_space().is_some() {
            return Err(json.syntax("unexpected text after the object"));
        }
        Ok(request)
    }

    /// The frames, in the order they are written: comment, retry, event.
    fn frames(&self) -> Vec<Frame<'_>> {
        let mut frames = Vec::new();
        if let Some(comment) = &self.comment {
            frames.push(Frame::Comment(comment));
        }
        if let Some(ms) = self.retry {
            frames.push(Frame::Retry(ms));
        }
        let (event_type, id, data) = (
            self.event_type.as_deref(),
            self.id.as_deref(),
            self.data.as_deref(),
        );
        if event_type.is_some() || id.is_some() || data.is_some() {
            frames.push(Frame::Event {
                event_type,
                id,
                data,
            });
        }
        frames
    }
}

/// A cursor in a line of JSON. Its own code reads the object's structure;
/// serde_json reads the strings and the `retry` number.
struct Json<'a> {
    text: &'a [u8],
    pos: usize,
}

/// The start of a JSON value, as far as a message needs it.
enum Token<'a> {
    Null,
    Text(Cow<'a, str>),
    /// A number, `true` or `false`, as written.
    Plain(&'a [u8]),
    /// Only its first byte read.
    Array,
    /// Only its first byte read.
    Object,
}

impl Token<'_> {
    /// The value, for a message that refuses it.
    fn describe(&self) -> String {
        match self {
            Token::Null => "null".to_owned(),
            Token::Text(text) => format!("the string \"{}\"", excerpt(text.as_bytes())),
            Token::Plain(raw) => excerpt(raw),
            Token::Array => "an array".to_owned(),
            Token::Object => "an object".to_owned(),
        }
    }
}

impl<'a> Json<'a> {
    /// Skips whitespace; the next byte, if any.
    fn skip_space(&mut self) -> Option<u8> {
        while let Some(&byte) = self.text.get(self.pos) {
            if !matches!(byte, b' ' | b'\t' | b'\r' | b'\n') {
                return Some(byte);
            }
            self.pos += 1;
        }
        None
    }

    /// A syntax error at the cursor.
    fn syntax(&self, what: &str) -> String {
        if self.pos < self.text.len() {
            format!("invalid JSON: {what} at column {}", self.pos + 1)
        } else {
            format!("invalid JSON: {what} at the end of the line")
        }
    }

    /// The string whose opening quote is at the cursor: borrowed from the
    /// line when it has no escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        let start = self.pos;
        let mut end = start + 1;
        let mut escaped = false;
        loop {
            let rest = self.text.get(end..).unwrap_or_default();
            match rest.iter().position(|&b| b == b'"' || b == b'\\') {
                Some(i) if rest[i] == b'"' => {
                    end += i + 1;
                    break;
                }
                Some(i) => {
                    // A backslash and the byte it escapes.
                    escaped = true;
                    end += i + 2;
                }
                None => {
                    return Err(format!(
                        "invalid JSON: the string at column {} has no closing quote",
                        start + 1
                    ))
                }
            }
        }
        let raw = &self.text[start..end];
        let text = if escaped {
            serde_json::from_slice::<String>(raw).map(Cow::Owned)
        } else {
            serde_json::from_slice::<&str>(raw).map(Cow::Borrowed)
        };
        self.pos = end;
        text.map_err(|e| json_error(&e, start))
    }

    /// The value at the cursor. Arrays and objects are not read: no key
    /// takes one.
    fn value(&mut self) -> Result<Token<'a>, String> {
        let rest = &self.text[self.pos..];
        let plain = |len: usize| {
            let raw = &rest[..len];
            (Token::Plain(raw), len)
        };
        let (token, len) = match rest.first() {
            Some(b'"') => return self.string().map(Token::Text),
            Some(b'[') => return Ok(Token::Array),
            Some(b'{') => return Ok(Token::Object),
            _ if rest.starts_with(b"null") => (Token::Null, 4),
            _ if rest.starts_with(b"true") => plain(4),
            _ if rest.starts_with(b"false") => plain(5),
            Some(b'-' | b'0'..=b'9') => plain(
                rest.iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(rest.len()),
            ),
            _ => return Err(self.syntax("expected a value")),
        };
        self.pos += len;
        Ok(token)
    }

    /// The value of a string key.
    fn text(&mut self, key: &str) -> Result<Option<Cow<'a, str>>, String> {
        match self.value()? {
            Token::Null => Ok(None),
            Token::Text(text) => Ok(Some(text)),
            other => Err(format!(
                "`{key}` must be a string, not {}",
                other.describe()
            )),
        }
    }

    /// The value of `retry`.
    fn retry(&mut self) -> Result<Option<u64>, String> {
        let token = self.value()?;
        match token {
            Token::Null => return Ok(None),
            // u64::MAX has 20 digits: longer text is not worth parsing.
            Token::Plain(raw) if raw.len() <= 20 => {
                if let Ok(ms) = serde_json::from_slice::<u64>(raw) {
                    return Ok(Some(ms));
                }
            }
            _ => {}
        }
        Err(format!(
            "`retry` must be an integer from 0 to {}, not {}",
            u64::MAX,
            token.describe()
        ))
    }
}

/// A message for serde_json's `error` in a value that starts at byte `start`
/// of the line, with the column counted in the whole line.
fn json_error(error: &serde_json::Error, start: usize) -> String {
    let text = error.to_string();
    // serde_json ends its message with the position in the text it was given.
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(message, _)| message);
    format!(
        "invalid JSON: {message} at column {}",
        start + error.column()
    )
}
