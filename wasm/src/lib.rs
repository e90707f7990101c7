//! sse-wire as a WebAssembly module with no imports, the engine of the npm
//! package in this folder (`index.js` is its JavaScript side; a browser,
//! Node or an edge worker loads the module with
//! `WebAssembly.instantiate(bytes, {})`).
//!
//! The module holds any number of parsers, each an sse-wire
//! [`GrowableParser`] whose buffers grow up to caps chosen when it is made,
//! in a table indexed by a handle (a bad handle is refused, never
//! dereferenced). JavaScript writes each chunk into one shared input buffer
//! and calls `sse_feed`, which runs the parser over the whole chunk and
//! leaves the results in two shared output buffers, read before the next
//! call:
//!
//! - the *text*: the UTF-8 of every string the results carry, back to back,
//!   so that JavaScript decodes it with one `TextDecoder` call per chunk;
//! - the *records*: three `u32`s per result, `[kind, a, b]`. For the kinds
//!   that carry text, `a..b` is its range in the decoded text counted in
//!   UTF-16 code units (JavaScript string indices), so that each string is
//!   one `slice` of the decoded text:
//!   - [`EVENT`]: an event with data `a..b`, of the type and ID last sent;
//!   - [`TYPE`], [`ID`]: the next event's type or last event ID, sent only
//!     when it differs from the previous event's;
//!   - [`RETRY`]: a retry hint, `a` its low and `b` its high 32 bits;
//!   - [`COMMENT`]: a comment's text `a..b` (parsers made with comments on);
//!   - [`ERROR`]: an event skipped because a value outgrew its cap: `a` is
//!     0 for the data, 1 for the type, 2 for the ID, and `b` the cap.
//!
//! `sse_feed` returns the address of four `u32`s: the records' address and
//! count of `u32`s, the text's address and length in bytes. Memory may grow
//! during any call, so JavaScript makes its views of it again after one.
//!
//! Exports: `sse_new`, `sse_free`, `sse_reset`, `sse_input`, `sse_feed`,
//! `sse_last_event_id`, `sse_encode` and `sse_text`, documented below.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::cell::UnsafeCell;

use sse_wire::{EncodeError, Frame, GrowableParser, ParseError, Status};

#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// Record kind: an event.
pub const EVENT: u32 = 0;
/// Record kind: the event type of the events that follow.
pub const TYPE: u32 = 1;
/// Record kind: the last event ID of the events that follow.
pub const ID: u32 = 2;
/// Record kind: a retry hint.
pub const RETRY: u32 = 3;
/// Record kind: a comment.
pub const COMMENT: u32 = 4;
/// Record kind: an event skipped because a value outgrew its cap.
pub const ERROR: u32 = 5;

/// One parser and what it last told JavaScript.
struct Slot {
    parser: GrowableParser,
    /// The type of the last event reported, as JavaScript holds it.
    event_type: Vec<u8>,
    /// The last event ID of the last event reported, as JavaScript holds it.
    id: Vec<u8>,
    /// Whether an event was reported yet (before, both must be sent).
    reported: bool,
}

/// The module's state: the parsers and the shared buffers.
struct State {
    /// The parsers; `None` where one was freed (reused by the next).
    slots: Vec<Option<Slot>>,
    /// The input of the next `sse_feed` (or `sse_encode`).
    input: Vec<u8>,
    /// The results' text, and its length in UTF-16 code units.
    text: Vec<u8>,
    units: u32,
    /// The results' records.
    records: Vec<u32>,
    /// What `sse_feed` returns the address of.
    summary: [u32; 4],
}

/// The state, shared by the exports.
struct Shared(UnsafeCell<State>);

// SAFETY: wasm32-unknown-unknown without the atomics feature has one thread.
unsafe impl Sync for Shared {}

static STATE: Shared = Shared(UnsafeCell::new(State {
    slots: Vec::new(),
    input: Vec::new(),
    text: Vec::new(),
    units: 0,
    records: Vec::new(),
    summary: [0; 4],
}));

fn state() -> &'static mut State {
    // SAFETY: one thread, and every export takes this reference once and
    // drops it before it returns: no export calls another, and the module
    // calls nothing outside itself, so no two of them are ever live.
    unsafe { &mut *STATE.0.get() }
}

/// The number of UTF-16 code units of `text`, valid UTF-8: one per
/// character, two for those of four bytes. Counted eight bytes at a time:
/// every byte that is not a continuation byte (`10xxxxxx`) starts a
/// character, and those of `11110xxx` start four-byte ones.
fn utf16_len(text: &[u8]) -> u32 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut continuation = 0;
    let mut four = 0;
    let mut words = text.chunks_exact(8);
    for word in &mut words {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        if w & HIGH == 0 {
            continue;
        }
        // Within each byte: bit 7 set and bit 6 clear; bits 7 to 4 set.
        continuation += (w & !(w << 1) & HIGH).count_ones();
        four += (w & (w << 1) & (w << 2) & (w << 3) & HIGH).count_ones();
    }
    for &byte in words.remainder() {
        continuation += u32::from(byte & 0xC0 == 0x80);
        four += u32::from(byte >= 0xF0);
    }
    text.len() as u32 - continuation + four
}

impl State {
    /// Appends `text` to the results' text; returns its range in UTF-16
    /// code units.
    fn push_text(&mut self, text: &[u8]) -> (u32, u32) {
        let start = self.units;
        self.text.extend_from_slice(text);
        self.units += utf16_len(text);
        (start, self.units)
    }

    fn record(&mut self, kind: u32, (a, b): (u32, u32)) {
        self.records.extend_from_slice(&[kind, a, b]);
    }

    /// Empties the shared output before a call fills it.
    fn clear_output(&mut self) {
        self.text.clear();
        self.units = 0;
        self.records.clear();
    }

    /// Fills the summary and returns its address.
    fn summary(&mut self) -> *const u32 {
        self.summary = [
            self.records.as_ptr() as u32,
            self.records.len() as u32,
            self.text.as_ptr() as u32,
            self.text.len() as u32,
        ];
        self.summary.as_ptr()
    }
}

/// Makes a parser whose event data may grow to `data_cap` bytes and whose
/// event type and ID may each grow to `meta_cap` bytes; with `comments`
/// non-zero it reports comments. Returns its handle (never 0).
#[no_mangle]
pub extern "C" fn sse_new(data_cap: usize, meta_cap: usize, comments: u32) -> u32 {
    let state = state();
    let slot = Slot {
        parser: GrowableParser::with_caps(data_cap, meta_cap).with_comments(comments != 0),
        event_type: Vec::new(),
        id: Vec::new(),
        reported: false,
    };
    let index = match state.slots.iter().position(Option::is_none) {
        Some(index) => {
            state.slots[index] = Some(slot);
            index
        }
        None => {
            state.slots.push(Some(slot));
            state.slots.len() - 1
        }
    };
    index as u32 + 1
}

/// The slot of a handle, if it names a live parser.
fn slot(slots: &mut [Option<Slot>], handle: u32) -> Option<&mut Slot> {
    let index = usize::try_from(handle).ok()?.checked_sub(1)?;
    slots.get_mut(index)?.as_mut()
}

/// Frees a parser and its buffers; its handle may be given to a new one.
/// Freeing a handle twice, or one never made, does nothing.
#[no_mangle]
pub extern "C" fn sse_free(handle: u32) {
    let state = state();
    if let Some(index) = (handle as usize).checked_sub(1) {
        if let Some(slot) = state.slots.get_mut(index) {
            *slot = None;
        }
    }
    while let Some(None) = state.slots.last() {
        state.slots.pop();
    }
}

/// A new stream from the same source: the event in progress is dropped,
/// the last event ID kept. Returns 0 for a bad handle, 1 otherwise.
#[no_mangle]
pub extern "C" fn sse_reset(handle: u32) -> u32 {
    match slot(&mut state().slots, handle) {
        Some(slot) => {
            slot.parser.reset();
            1
        }
        None => 0,
    }
}

/// Makes the input buffer hold at least `len` bytes and returns its
/// address, where JavaScript writes the next chunk.
#[no_mangle]
pub extern "C" fn sse_input(len: usize) -> *mut u8 {
    let input = &mut state().input;
    // Grown (and zeroed) only when too short: JavaScript writes over it.
    if input.len() < len {
        input.resize(len, 0);
    }
    input.as_mut_ptr()
}

/// Parses the first `len` bytes of the input buffer, a chunk of the stream
/// (cut anywhere), to its end. Returns the address of the summary (see the
/// top of this file), or 0 for a bad handle.
#[no_mangle]
pub extern "C" fn sse_feed(handle: u32, len: usize) -> *const u32 {
    let state = state();
    state.clear_output();
    let State {
        slots,
        input,
        text,
        units,
        records,
        ..
    } = state;
    let Some(slot) = slot(slots, handle) else {
        return core::ptr::null();
    };
    let mut out = Output {
        text,
        units,
        records,
    };
    let mut rest = input.get(..len).unwrap_or(input);
    loop {
        match slot.parser.next(&mut rest) {
            Ok(Status::NeedInput) => break,
            Ok(Status::Event(event)) => {
                let (event_type, id) = (event.event_type().as_bytes(), event.last_event_id());
                if !slot.reported || slot.event_type != event_type {
                    slot.event_type.clear();
                    slot.event_type.extend_from_slice(event_type);
                    out.field(TYPE, event_type);
                }
                if !slot.reported || slot.id != id.as_bytes() {
                    slot.id.clear();
                    slot.id.extend_from_slice(id.as_bytes());
                    out.field(ID, id.as_bytes());
                }
                slot.reported = true;
                out.field(EVENT, event.data_bytes());
            }
            Ok(Status::Retry(ms)) => {
                out.records
                    .extend_from_slice(&[RETRY, ms as u32, (ms >> 32) as u32]);
            }
            Ok(Status::Comment(comment)) => out.field(COMMENT, comment.as_bytes()),
            Ok(_) => {}
            Err(error) => {
                let (what, cap) = match error {
                    ParseError::DataTooLong { capacity } => (0, capacity),
                    ParseError::EventTypeTooLong { capacity } => (1, capacity),
                    ParseError::IdTooLong { capacity } => (2, capacity),
                    _ => (3, 0),
                };
                out.records.extend_from_slice(&[ERROR, what, cap as u32]);
            }
        }
    }
    state.summary()
}

/// The shared output, borrowed apart from the parser being run.
struct Output<'a> {
    text: &'a mut Vec<u8>,
    units: &'a mut u32,
    records: &'a mut Vec<u32>,
}

impl Output<'_> {
    /// A record of a kind that carries `text`.
    fn field(&mut self, kind: u32, text: &[u8]) {
        let start = *self.units;
        self.text.extend_from_slice(text);
        *self.units += utf16_len(text);
        self.records.extend_from_slice(&[kind, start, *self.units]);
    }
}

/// Puts the parser's last event ID (the one a reconnecting client sends) in
/// the output text and returns the summary's address (one [`ID`] record),
/// or 0 for a bad handle.
#[no_mangle]
pub extern "C" fn sse_last_event_id(handle: u32) -> *const u32 {
    let state = state();
    state.clear_output();
    let Some(slot) = slot(&mut state.slots, handle) else {
        return core::ptr::null();
    };
    let id = slot.parser.last_event_id().as_bytes();
    // The text buffer is not the parser's: copy the ID out first.
    let id: Vec<u8> = id.to_vec();
    let id = id.as_slice();
    let range = state.push_text(id);
    state.record(ID, range);
    state.summary()
}

/// Encodes a frame whose strings are in the input buffer back to back:
/// `kind` 0 is an event (type, ID and data; a length of -1 means absent),
/// 1 a comment (its text in the data's place), 2 a retry hint (`retry`
/// milliseconds). The encoded text goes to the output text; returns its
/// length, or a negative error: -1 CR/LF in the type, -2 CR/LF in the ID,
/// -3 NUL in the ID, -5 not UTF-8.
#[no_mangle]
pub extern "C" fn sse_encode(
    kind: u32,
    type_len: isize,
    id_len: isize,
    data_len: isize,
    retry: f64,
) -> isize {
    let state = state();
    state.clear_output();
    let input = &state.input;
    let mut at = 0;
    let mut take = |len: isize| -> Result<Option<&str>, isize> {
        let Ok(len) = usize::try_from(len) else {
            return Ok(None);
        };
        let bytes = input.get(at..at + len).ok_or(-5isize)?;
        at += len;
        core::str::from_utf8(bytes).map(Some).map_err(|_| -5)
    };
    let (Ok(event_type), Ok(id), Ok(data)) = (take(type_len), take(id_len), take(data_len)) else {
        return -5;
    };
    let frame = match kind {
        0 => Frame::Event {
            event_type,
            id,
            data,
        },
        1 => Frame::Comment(data.unwrap_or("")),
        // JavaScript checked that it is a whole number from 0 to 2^53.
        _ => Frame::Retry(retry as u64),
    };
    let len = match frame.encoded_len() {
        Ok(len) => len,
        Err(EncodeError::LineBreakInEventType) => return -1,
        Err(EncodeError::LineBreakInId) => return -2,
        Err(EncodeError::NulInId) => return -3,
        Err(_) => return -4,
    };
    state.text.resize(len, 0);
    match frame.encode_to_slice(&mut state.text) {
        Ok(n) => n as isize,
        Err(_) => -4,
    }
}

/// The address of the output text (after `sse_encode`).
#[no_mangle]
pub extern "C" fn sse_text() -> *const u8 {
    state().text.as_ptr()
}
