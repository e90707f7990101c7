//! Code-size probe, without sse-wire: the same firmware as `size_full` minus
//! the parser and encoder (it reads the same input and zeroes the same
//! transmit buffer). `.ci/run` compares the two `.text` sizes.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;

#[path = "../probe.rs"]
mod probe;

#[entry]
fn main() -> ! {
    loop {
        black_box(black_box(probe::STREAM).len());
        // The caller's transmit buffer, as in `size_full`: user code, not
        // the library's.
        let mut tx = [0u8; 32];
        black_box(&mut tx);
    }
}
