// What both code-size probes (`size_base`, `size_full`) share, so that they
// differ only in the use of sse-wire: the panic handler and the input.

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The stream the probes read (through `black_box`, so nothing is folded).
pub const STREAM: &[u8] = b"id: 1\nevent: e\ndata: x\n\n";
