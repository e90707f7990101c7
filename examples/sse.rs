//! `sse`: decode an event stream to JSON lines, or encode JSON lines to an
//! event stream.
//!
//! ```text
//! sse decode [--chunk N]   event stream on stdin -> one JSON object per line
//! sse encode               JSON lines on stdin -> event stream
//! ```
//!
//! `decode` feeds the parser at most `N` bytes per call (default 8192), as
//! they arrive, and prints `{"type":…,"data":…,"id":…}` for each event,
//! `{"retry":N}` for each valid retry field, and, at the end of input,
//! `{"last_event_id":…}`: the ID a reconnecting client would send. An event
//! too large for the parser (1 MiB of data, 4 KiB of type or ID) is reported
//! on standard error and skipped, and the exit status is then 1.
//!
//! `encode` reads objects with the optional keys `type`, `data`, `id`
//! (strings), `retry` (integer) and `comment` (string), and writes, in that
//! order, the comment, the retry line and the event (an object with `data` is
//! an event; one with only `id` or `type` writes those lines and the blank
//! line, which sets the last event ID without an event). A bad line stops it
//! with a message naming the line and exit status 1; the lines before it are
//! written.

use std::io::{self, BufRead, BufWriter, Read, Write};
use std::process::ExitCode;

use serde_json::Value;
use sse_wire::{Frame, Parser, Status};

const USAGE: &str = "usage: sse decode [--chunk N] | sse encode";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("decode") => match chunk_size(&args[1..]) {
            Ok(chunk) => decode(chunk),
            Err(message) => return usage_error(&message),
        },
        Some("encode") if args.len() == 1 => encode(),
        _ => return usage_error("expected `decode` or `encode`"),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("sse: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("sse: {message}\n{USAGE}");
    ExitCode::from(2)
}

/// Reads `[--chunk N]` (also `--chunk=N`).
fn chunk_size(args: &[String]) -> Result<usize, String> {
    let value = match args {
        [] => return Ok(8192),
        [flag, value] if flag == "--chunk" => value.as_str(),
        [flag] if flag.starts_with("--chunk=") => &flag["--chunk=".len()..],
        _ => return Err(format!("unexpected arguments: {}", args.join(" "))),
    };
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "--chunk takes a whole number above 0, not `{value}`"
        )),
    }
}

/// A JSON string literal.
fn json(text: &str) -> String {
    Value::from(text).to_string()
}

fn decode(chunk: usize) -> Result<ExitCode, String> {
    // 1 MiB of event data; boxed to keep it off the stack.
    let mut parser = Box::new(Parser::<{ 1 << 20 }, 4096>::new());
    let mut stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut buf = vec![0u8; chunk];
    let mut skipped = false;
    let write_error = |e: io::Error| format!("writing standard output: {e}");
    loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(format!("reading standard input: {e}")),
        };
        let mut input = &buf[..n];
        loop {
            match parser.next(&mut input) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Event(event)) => writeln!(
                    out,
                    "{{\"type\":{},\"data\":{},\"id\":{}}}",
                    json(event.event_type()),
                    json(event.data()),
                    json(event.last_event_id())
                )
                .map_err(write_error)?,
                Ok(Status::Retry(ms)) => {
                    writeln!(out, "{{\"retry\":{ms}}}").map_err(write_error)?
                }
                Ok(_) => {}
                Err(error) => {
                    eprintln!("sse: {error}");
                    skipped = true;
                }
            }
        }
        out.flush().map_err(write_error)?;
    }
    writeln!(
        out,
        "{{\"last_event_id\":{}}}",
        json(parser.last_event_id())
    )
    .map_err(write_error)?;
    out.flush().map_err(write_error)?;
    Ok(if skipped {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The frames one input line asks for: comment, retry, event, in that order.
fn frames(object: &serde_json::Map<String, Value>) -> Result<Vec<Frame<'_>>, String> {
    for key in object.keys() {
        if !["type", "data", "id", "retry", "comment"].contains(&key.as_str()) {
            return Err(format!(
                "unknown key `{key}` (expected type, data, id, retry, comment)"
            ));
        }
    }
    let text = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(other) => Err(format!("`{key}` must be a string, not {other}")),
    };
    let mut frames = Vec::new();
    if let Some(comment) = text("comment")? {
        frames.push(Frame::Comment(comment));
    }
    match object.get("retry") {
        None | Some(Value::Null) => {}
        Some(value) => {
            let ms = value.as_u64().ok_or_else(|| {
                format!(
                    "`retry` must be an integer from 0 to {}, not {value}",
                    u64::MAX
                )
            })?;
            frames.push(Frame::Retry(ms));
        }
    }
    let (event_type, id, data) = (text("type")?, text("id")?, text("data")?);
    if event_type.is_some() || id.is_some() || data.is_some() {
        frames.push(Frame::Event {
            event_type,
            id,
            data,
        });
    }
    for frame in &frames {
        frame.validate().map_err(|e| e.to_string())?;
    }
    Ok(frames)
}

fn encode() -> Result<ExitCode, String> {
    let stdin = io::stdin().lock();
    let mut out = BufWriter::new(io::stdout().lock());
    let mut text = String::new();
    let write_error = |e: io::Error| format!("writing standard output: {e}");
    for (index, line) in stdin.lines().enumerate() {
        let number = index + 1;
        let line = line.map_err(|e| format!("line {number}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(&line).map_err(|e| format!("line {number}: invalid JSON: {e}"))?;
        let Value::Object(object) = value else {
            return Err(format!(
                "line {number}: expected a JSON object, got {value}"
            ));
        };
        let frames = match frames(&object) {
            Ok(frames) => frames,
            Err(message) => {
                out.flush().map_err(write_error)?;
                return Err(format!("line {number}: {message}"));
            }
        };
        text.clear();
        for frame in &frames {
            frame
                .encode_fmt(&mut text)
                .map_err(|e| format!("line {number}: {e}"))?;
        }
        out.write_all(text.as_bytes()).map_err(write_error)?;
        out.flush().map_err(write_error)?;
    }
    Ok(ExitCode::SUCCESS)
}
