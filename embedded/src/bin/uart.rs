//! sse-wire on a device: a thermostat that follows a server's event stream.
//!
//! Bytes arrive from a UART a few at a time; the parser turns them into
//! events as they complete; each `setpoint` event is answered with an `ack`
//! event, encoded through a 32-byte transmit buffer. No allocator, no heap,
//! fixed memory: a 128-byte data buffer and 16-byte type and ID buffers.
//!
//! `cargo run --release --bin uart` (from `embedded/`, under qemu).
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprint, hprintln};
use panic_semihosting as _;
use sse_wire::{Encoder, Frame, Parser, Progress, Status};

/// What the server sends (CRLF line ends, a keep-alive, a retry hint).
const STREAM: &[u8] = b"retry: 5000\r\n\r\n\
id: 1\r\nevent: setpoint\r\ndata: 21.5\r\n\r\n\
: keep-alive\r\n\r\n\
id: 2\r\nevent: setpoint\r\ndata: 19.0\r\n\r\n\
id: 3\r\nevent: display\r\ndata: Bonjour \xE2\x98\x80\r\n\r\n\
id: 4\r\nevent: setpoint\r\ndata: hot\r\n\r\n";

/// A UART receiver stand-in: hands out the stream 1 to 7 bytes at a time.
struct Uart {
    rest: &'static [u8],
    turn: usize,
}

impl Uart {
    fn read(&mut self, buf: &mut [u8]) -> usize {
        self.turn += 1;
        let n = (self.turn * 5 % 7 + 1).min(buf.len()).min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        n
    }
}

/// A UART transmitter stand-in: counts and echoes what it sends.
struct Tx {
    sent: usize,
    bursts: usize,
}

impl Tx {
    fn send(&mut self, burst: &[u8]) {
        self.sent += burst.len();
        self.bursts += 1;
        if let Ok(text) = core::str::from_utf8(burst) {
            hprint!("{}", text);
        }
    }
}

/// Encodes `frame` through the 32-byte transmit buffer.
fn transmit(tx: &mut Tx, frame: &Frame<'_>) -> bool {
    let Ok(mut encoder) = Encoder::new(frame) else {
        return false;
    };
    let mut buffer = [0u8; 32];
    loop {
        let (progress, n) = encoder.encode(&mut buffer);
        tx.send(&buffer[..n]);
        if progress == Progress::Done {
            return true;
        }
    }
}

#[entry]
fn main() -> ! {
    let mut uart = Uart {
        rest: STREAM,
        turn: 0,
    };
    let mut tx = Tx { sent: 0, bursts: 0 };
    let mut parser = Parser::<128, 16>::new();
    let mut rx = [0u8; 8];
    let (mut acks, mut rejected, mut retry) = (0, 0, 0);

    loop {
        let n = uart.read(&mut rx);
        if n == 0 {
            break;
        }
        let mut input = &rx[..n];
        loop {
            match parser.next(&mut input) {
                Ok(Status::NeedInput) => break,
                Ok(Status::Retry(ms)) => retry = ms,
                Ok(Status::Event(event)) if event.event_type() == "setpoint" => {
                    let valid = event.data().parse::<f32>().is_ok();
                    let reply = Frame::Event {
                        event_type: Some(if valid { "ack" } else { "nack" }),
                        id: Some(event.last_event_id()),
                        data: Some(event.data()),
                    };
                    if transmit(&mut tx, &reply) {
                        if valid {
                            acks += 1;
                        } else {
                            rejected += 1;
                        }
                    }
                }
                Ok(Status::Event(event)) => {
                    hprintln!("[{}] {}", event.event_type(), event.data());
                }
                Ok(_) => {}
                Err(error) => hprintln!("skipped: {}", error),
            }
        }
    }

    hprintln!(
        "acks {}, rejected {}, retry {} ms, {} bytes sent in {} bursts, last id {}",
        acks,
        rejected,
        retry,
        tx.sent,
        tx.bursts,
        parser.last_event_id()
    );
    let ok = (acks, rejected, retry, parser.last_event_id()) == (2, 1, 5000, "4");
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        core::hint::spin_loop();
    }
}
