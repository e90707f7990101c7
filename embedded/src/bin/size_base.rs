//! Code-size probe, without sse-wire: the same firmware as `size_full` minus
//! the parser and encoder. `.ci/run` compares the two `.text` sizes.
#![no_std]
#![no_main]

use core::hint::black_box;
use cortex_m_rt::entry;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

#[entry]
fn main() -> ! {
    loop {
        black_box(black_box(sse_wire_embedded_input::STREAM).len());
    }
}

mod sse_wire_embedded_input {
    pub const STREAM: &[u8] = b"id: 1\nevent: e\ndata: x\n\n";
}
