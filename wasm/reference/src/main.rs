//! The native sse-wire parser over a batch of streams, printing what it
//! found as JSON lines: the results the wasm package's tests compare their
//! own with.
//!
//! Standard input holds streams back to back, each a header of four
//! little-endian `u32`s (the data cap, the type and ID cap, 1 to report
//! comments or 0, the stream's length) and then its bytes. Each stream gets
//! a new `GrowableParser` with those caps and is fed whole (the crate's own
//! tests show that chunking changes nothing). For each stream it prints, in
//! order:
//!
//! - `{"type":…,"data":…,"id":…}` per event (`id`: the last event ID);
//! - `{"retry":"N"}` per retry hint (a string, so that 64 bits stay exact);
//! - `{"comment":…}` per comment, when asked for;
//! - `{"error":K,"capacity":N}` per event skipped for its size: `K` is 0
//!   for the data, 1 for the type, 2 for the ID;
//! - at the end, `{"last_event_id":…}`.

use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

use sse_wire::{GrowableParser, ParseError, Status};

fn main() -> ExitCode {
    let mut input = Vec::new();
    if let Err(error) = io::stdin().lock().read_to_end(&mut input) {
        eprintln!("reference: cannot read standard input: {error}");
        return ExitCode::FAILURE;
    }
    let mut out = BufWriter::new(io::stdout().lock());
    match run(&input, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("reference: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Reads one header word.
fn word(input: &mut &[u8]) -> io::Result<usize> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "a stream header is cut off");
    let (head, rest) = input.split_first_chunk::<4>().ok_or_else(bad)?;
    *input = rest;
    Ok(u32::from_le_bytes(*head) as usize)
}

fn run(mut input: &[u8], out: &mut impl Write) -> io::Result<()> {
    while !input.is_empty() {
        let (data_cap, meta_cap, comments) =
            (word(&mut input)?, word(&mut input)?, word(&mut input)?);
        let len = word(&mut input)?;
        if len > input.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a stream is cut off",
            ));
        }
        let (mut stream, rest) = input.split_at(len);
        input = rest;
        let mut parser = GrowableParser::with_caps(data_cap, meta_cap).with_comments(comments != 0);
        loop {
            match parser.next(&mut stream) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(event)) => {
                    out.write_all(b"{\"type\":")?;
                    json(out, event.event_type())?;
                    out.write_all(b",\"data\":")?;
                    json(out, event.data())?;
                    out.write_all(b",\"id\":")?;
                    json(out, event.last_event_id())?;
                    out.write_all(b"}\n")?;
                }
                Ok(Status::Retry(ms)) => writeln!(out, "{{\"retry\":\"{ms}\"}}")?,
                Ok(Status::Comment(text)) => {
                    out.write_all(b"{\"comment\":")?;
                    json(out, text)?;
                    out.write_all(b"}\n")?;
                }
                Ok(_) => {}
                Err(error) => {
                    let (what, capacity) = match error {
                        ParseError::DataTooLong { capacity } => (0, capacity),
                        ParseError::EventTypeTooLong { capacity } => (1, capacity),
                        ParseError::IdTooLong { capacity } => (2, capacity),
                        _ => (3, 0),
                    };
                    writeln!(out, "{{\"error\":{what},\"capacity\":{capacity}}}")?;
                }
            }
        }
        out.write_all(b"{\"last_event_id\":")?;
        json(out, parser.last_event_id())?;
        out.write_all(b"}\n")?;
    }
    Ok(())
}

/// Writes `text` as a JSON string literal.
fn json(out: &mut impl Write, text: &str) -> io::Result<()> {
    out.write_all(b"\"")?;
    let bytes = text.as_bytes();
    let mut from = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        let escape: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1F => b"",
            _ => continue,
        };
        out.write_all(&bytes[from..at])?;
        if escape.is_empty() {
            write!(out, "\\u{byte:04x}")?;
        } else {
            out.write_all(escape)?;
        }
        from = at + 1;
    }
    out.write_all(&bytes[from..])?;
    out.write_all(b"\"")
}
