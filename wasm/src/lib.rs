//! sse-wire as a WebAssembly module with no imports: a browser, Node or an
//! edge worker loads it with `WebAssembly.instantiate(bytes, {})`.
//!
//! The module owns one stream parser (16 KiB of event data) and two fixed
//! buffers in its memory.
//! JavaScript copies bytes into the input buffer and calls an export; the
//! result is written to the output buffer:
//!
//! - `input_ptr()`, `input_capacity()`, `output_ptr()`: where the buffers are;
//! - `feed(len)`: parses the next `len` bytes of the stream (any chunking) and
//!   writes one JSON object per line for what completed: `{"type","data","id"}`
//!   per event, `{"retry":N}` per retry hint, `{"error":…}` per skipped event.
//!   Returns the output length, or -1 if the output buffer filled up;
//! - `last_event_id()`: writes the last event ID to the output buffer and
//!   returns its length;
//! - `reset()`: a new stream from the same source (keeps the last event ID);
//! - `encode(type_len, id_len, data_len)`: the input buffer holds the event
//!   type, ID and data back to back (a length of -1 means "absent"); writes
//!   the encoded event and returns its length, or a negative error: -1 CR/LF
//!   in the type, -2 CR/LF in the ID, -3 NUL in the ID, -4 output too small,
//!   -5 not UTF-8.
//!
//! `wasm/test.mjs` checks all of this from Node.
#![no_std]

use core::cell::UnsafeCell;
use core::fmt::Write;

use sse_wire::{EncodeError, Frame, Parser, Status};

const INPUT: usize = 64 * 1024;
const OUTPUT: usize = 256 * 1024;

/// A static the exports share. WebAssembly here is single-threaded and each
/// export runs to completion without calling another, so at most one `&mut`
/// to each exists at a time.
struct Shared<T>(UnsafeCell<T>);

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
unsafe impl<T> Sync for Shared<T> {}

impl<T> Shared<T> {
    #[allow(clippy::mut_from_ref)]
    fn get(&self) -> &mut T {
        // SAFETY: single-threaded, and no export holds on to the reference
        // or calls another export, so this is the only live `&mut`.
        unsafe { &mut *self.0.get() }
    }
}

// Separate statics: the all-zero buffers cost nothing in the module file;
// the parser (whose state is not all zero) is kept small.
static PARSER: Shared<Parser<{ 16 * 1024 }, 256>> = Shared(UnsafeCell::new(Parser::new()));
static INPUT_BUF: Shared<[u8; INPUT]> = Shared(UnsafeCell::new([0; INPUT]));
static OUTPUT_BUF: Shared<[u8; OUTPUT]> = Shared(UnsafeCell::new([0; OUTPUT]));

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// A `fmt::Write` into a byte slice that fails when full.
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        let dest = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dest.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes `text` as a JSON string literal.
fn json(out: &mut Out<'_>, text: &str) -> core::fmt::Result {
    out.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

#[no_mangle]
pub extern "C" fn input_ptr() -> *mut u8 {
    INPUT_BUF.get().as_mut_ptr()
}

#[no_mangle]
pub extern "C" fn input_capacity() -> usize {
    INPUT
}

#[no_mangle]
pub extern "C" fn output_ptr() -> *const u8 {
    OUTPUT_BUF.get().as_ptr()
}

#[no_mangle]
pub extern "C" fn feed(len: usize) -> isize {
    let (parser, input, output) = (PARSER.get(), INPUT_BUF.get(), OUTPUT_BUF.get());
    let mut out = Out {
        buf: output,
        len: 0,
    };
    let mut rest = &input[..len.min(INPUT)];
    loop {
        let written = match parser.next(&mut rest) {
            Ok(Status::NeedInput) => return out.len as isize,
            Ok(Status::Event(event)) => (|| {
                out.write_str("{\"type\":")?;
                json(&mut out, event.event_type())?;
                out.write_str(",\"data\":")?;
                json(&mut out, event.data())?;
                out.write_str(",\"id\":")?;
                json(&mut out, event.last_event_id())?;
                out.write_str("}\n")
            })(),
            Ok(Status::Retry(ms)) => writeln!(out, "{{\"retry\":{ms}}}"),
            Ok(_) => Ok(()),
            Err(error) => writeln!(out, "{{\"error\":\"{error}\"}}"),
        };
        if written.is_err() {
            return -1;
        }
    }
}

#[no_mangle]
pub extern "C" fn last_event_id() -> usize {
    let (parser, output) = (PARSER.get(), OUTPUT_BUF.get());
    let id = parser.last_event_id().as_bytes();
    output[..id.len()].copy_from_slice(id);
    id.len()
}

#[no_mangle]
pub extern "C" fn reset() {
    PARSER.get().reset();
}

#[no_mangle]
pub extern "C" fn encode(type_len: isize, id_len: isize, data_len: isize) -> isize {
    let (input, output) = (INPUT_BUF.get(), OUTPUT_BUF.get());
    let mut at = 0;
    let mut take = |len: isize| -> Result<Option<&str>, isize> {
        let Ok(len) = usize::try_from(len) else {
            return Ok(None);
        };
        let bytes = input.get(at..at + len).ok_or(-5isize)?;
        at += len;
        core::str::from_utf8(bytes).map(Some).map_err(|_| -5)
    };
    let fields = (take(type_len), take(id_len), take(data_len));
    let (Ok(event_type), Ok(id), Ok(data)) = fields else {
        return -5;
    };
    let frame = Frame::Event {
        event_type,
        id,
        data,
    };
    match frame.encode_to_slice(output) {
        Ok(n) => n as isize,
        Err(EncodeError::LineBreakInEventType) => -1,
        Err(EncodeError::LineBreakInId) => -2,
        Err(EncodeError::NulInId) => -3,
        Err(_) => -4,
    }
}
