//! The spec cases of `tests/shared/spec_cases.rs` on a Cortex-M4, with no
//! allocator: each case whole, byte by byte and in small chunks, with and
//! without comments; then an encoder round trip through a 16-byte output
//! buffer; then the memory figures. Exits 0 through semihosting only when
//! everything passed.
//!
//! `cargo run --release --bin spec` (from `embedded/`, under qemu).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;
use sse_wire::{Encoder, Frame, Lexer, Parser, Progress, Status};

/// One expected report, as the shared case table writes it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Event(&'static str, &'static str, &'static str),
    Retry(u64),
    Comment(&'static str),
}

const fn event(event_type: &'static str, data: &'static str, id: &'static str) -> Expect {
    Expect::Event(event_type, data, id)
}

const fn retry(ms: u64) -> Expect {
    Expect::Retry(ms)
}

const fn comment(text: &'static str) -> Expect {
    Expect::Comment(text)
}

struct Case {
    name: &'static str,
    input: &'static [u8],
    expect: &'static [Expect],
    last_event_id: &'static str,
}

macro_rules! spec_cases {
    ($($name:ident: $input:expr => [$($item:expr),* $(,)?], $last:expr;)*) => {
        const CASES: &[Case] = &[$(Case {
            name: stringify!($name),
            input: $input,
            expect: &[$($item),*],
            last_event_id: $last,
        }),*];
    };
}

include!("../../../tests/shared/spec_cases.rs");

/// The parser under test: room for every case.
type Under = Parser<1024, 64>;

/// Checks one report against the next expected one (comments are skipped
/// in the expectations when the parser does not report them).
struct Checker<'c> {
    expect: core::slice::Iter<'c, Expect>,
    comments: bool,
}

impl Checker<'_> {
    fn next_expected(&mut self) -> Option<Expect> {
        self.expect
            .by_ref()
            .copied()
            .find(|e| self.comments || !matches!(e, Expect::Comment(_)))
    }

    fn check(&mut self, got: Status<'_>) -> bool {
        let want = self.next_expected();
        match (got, want) {
            (Status::Event(e), Some(Expect::Event(t, d, id))) => {
                e.event_type() == t && e.data() == d && e.last_event_id() == id
            }
            (Status::Retry(ms), Some(Expect::Retry(want))) => ms == want,
            (Status::Comment(text), Some(Expect::Comment(want))) => text == want,
            _ => false,
        }
    }
}

/// Runs one case in `chunk`-byte chunks; returns whether it passed.
#[inline(never)]
fn run_case(case: &Case, chunk: usize, comments: bool) -> bool {
    let mut parser = Under::new().with_comments(comments);
    let mut checker = Checker {
        expect: case.expect.iter(),
        comments,
    };
    for piece in case.input.chunks(chunk.max(1)) {
        let mut input = piece;
        loop {
            match parser.next(&mut input) {
                Ok(Status::NeedInput) => break,
                Ok(status) => {
                    if !checker.check(status) {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        }
    }
    checker.next_expected().is_none() && parser.last_event_id() == case.last_event_id
}

/// Frames for the encoder round trip, and the events they must give.
const FRAMES: &[Frame<'static>] = &[
    Frame::Retry(2500),
    Frame::Comment("keep-alive"),
    Frame::Event {
        event_type: Some("reading"),
        id: Some("41"),
        data: Some("{\"t\":21.5,\"unit\":\"\u{b0}C\"}"),
    },
    Frame::Event {
        event_type: None,
        id: None,
        data: Some("line one\r\nline two\rline three\n"),
    },
    Frame::Event {
        event_type: None,
        id: Some("42"),
        data: None,
    },
    Frame::Event {
        event_type: Some("note"),
        id: None,
        data: Some(" leading space, a long enough line to take several 16-byte buffers"),
    },
];

const ROUND_TRIP: &[Expect] = &[
    Expect::Retry(2500),
    Expect::Comment("keep-alive"),
    Expect::Event("reading", "{\"t\":21.5,\"unit\":\"\u{b0}C\"}", "41"),
    Expect::Event("message", "line one\nline two\nline three\n", "41"),
    Expect::Event(
        "note",
        " leading space, a long enough line to take several 16-byte buffers",
        "42",
    ),
];

/// Encodes every frame through a 16-byte transmit buffer, feeding each
/// filled buffer straight to a parser, and checks what it reports. Also
/// checks the bytes against the one-shot slice encoder.
fn encoder_round_trip() -> bool {
    let mut parser = Under::new().with_comments(true);
    let mut checker = Checker {
        expect: ROUND_TRIP.iter(),
        comments: true,
    };
    let mut ok = true;
    for frame in FRAMES {
        let mut whole = [0u8; 256];
        let Ok(len) = frame.encode_to_slice(&mut whole) else {
            return false;
        };
        let Ok(mut encoder) = Encoder::new(frame) else {
            return false;
        };
        let mut sent = 0;
        loop {
            let mut tx = [0u8; 16];
            let (progress, n) = encoder.encode(&mut tx);
            ok &= whole.get(sent..sent + n) == Some(&tx[..n]);
            sent += n;
            let mut input = &tx[..n];
            loop {
                match parser.next(&mut input) {
                    Ok(Status::NeedInput) => break,
                    Ok(status) => ok &= checker.check(status),
                    Err(_) => ok = false,
                }
            }
            if progress == Progress::Done {
                break;
            }
        }
        ok &= sent == len;
    }
    ok && checker.next_expected().is_none() && parser.last_event_id() == "42"
}

/// The stack below the caller is painted with this word; the deepest word
/// that changed shows how far a call reached.
const PAINT: u32 = 0xA5A5_5A5A;
/// How much stack below the caller is painted and watched.
const WINDOW: usize = 8 * 1024;
/// Room left unpainted for `paint`'s own frame.
const GAP: usize = 256;

/// Paints the window below the caller's stack pointer `top`.
#[inline(never)]
fn paint(top: usize) {
    let mut addr = (top - WINDOW) & !3;
    while addr < top - GAP {
        // SAFETY: the window lies inside the 4 MiB RAM region, below every
        // live frame (the stack grows down from `top`, and this function's
        // own frame sits in the unpainted gap); nothing else uses it.
        unsafe { (addr as *mut u32).write_volatile(PAINT) };
        addr += 4;
    }
}

/// How many bytes below `top` the painted window was written to.
fn deepest(top: usize) -> usize {
    let mut addr = (top - WINDOW) & !3;
    while addr < top - GAP {
        // SAFETY: as in `paint`: an aligned word of RAM below live frames.
        if unsafe { (addr as *const u32).read_volatile() } != PAINT {
            return top - addr;
        }
        addr += 4;
    }
    0
}

/// Parses `input` in `chunk`-byte chunks, kept out of line so that the
/// stack it uses is its own frame plus the `next` calls it makes.
#[inline(never)]
fn parse_all(parser: &mut Under, input: &[u8], chunk: usize) {
    for piece in input.chunks(chunk.max(1)) {
        let mut rest = piece;
        while !matches!(parser.next(&mut rest), Ok(Status::NeedInput)) {}
    }
}

/// Paints below its own small frame, parses, and returns how deep the
/// parsing reached. The parser lives in the caller's frame, above the paint.
#[inline(never)]
fn measure(parser: &mut Under, input: &[u8], chunk: usize) -> usize {
    let marker = 0u8;
    let top = core::hint::black_box(&marker) as *const u8 as usize;
    paint(top);
    parse_all(parser, input, chunk);
    deepest(top)
}

/// The deepest stack parsing reached (`parse_all`'s small frame and one
/// `next` call at a time), over every case and chunking.
fn stack_per_call() -> usize {
    let mut worst = 0;
    for case in CASES {
        for chunk in [case.input.len(), 1, 3] {
            let mut parser = Under::new().with_comments(true);
            worst = worst.max(measure(&mut parser, case.input, chunk));
        }
    }
    worst
}

#[entry]
fn main() -> ! {
    let mut failed = 0;
    let mut runs = 0;
    for case in CASES {
        for chunk in [case.input.len(), 1, 2, 3, 7] {
            for comments in [true, false] {
                runs += 1;
                if !run_case(case, chunk, comments) {
                    failed += 1;
                    hprintln!(
                        "FAIL {} (chunk {}, comments {})",
                        case.name,
                        chunk,
                        comments
                    );
                }
            }
        }
    }
    hprintln!(
        "spec cases: {} cases, {} runs, {} failed",
        CASES.len(),
        runs,
        failed
    );

    if encoder_round_trip() {
        hprintln!("encoder round trip through a 16-byte buffer: ok");
    } else {
        failed += 1;
        hprintln!("FAIL encoder round trip through a 16-byte buffer");
    }

    let lexer = core::mem::size_of::<Lexer>();
    let parser = core::mem::size_of::<Under>();
    // Five heapless strings: each its bytes and a 4-byte length.
    let fixed = parser - (1024 + 4) - 4 * (64 + 4);
    let stack = stack_per_call();
    hprintln!(
        "lexer: {} bytes; parser beyond its buffers: {} bytes",
        lexer,
        fixed
    );
    hprintln!("deepest stack while parsing: {} bytes", stack);
    // Targets: lexer <= 16 bytes, parser beyond buffers <= 64 bytes; the
    // stack ceiling sits just over the measured figure (about 310 bytes).
    if lexer > 16 || fixed > 64 || stack == 0 || stack > 512 {
        failed += 1;
        hprintln!("FAIL memory budget");
    }

    if failed == 0 {
        hprintln!("all passed");
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {
        core::hint::spin_loop();
    }
}
