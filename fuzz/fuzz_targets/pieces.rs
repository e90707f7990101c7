//! The piece parser on arbitrary bytes and an arbitrary chunk plan: no
//! panic, and what it reports (each event's data pieces joined, retries,
//! errors, the last event ID and the end-of-stream verdict) is what the
//! reference model says for data of any size, whole, chunked and one byte
//! per call.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sse_wire::PieceParser;
use sse_wire_fuzz::common::{drive_pieces, reference, Limits};
use sse_wire_fuzz::{chunks, plan_and_stream};

/// Type and ID buffers small enough that realistic input overflows them.
type Pieces = PieceParser<heapless::Vec<u8, 8>>;

/// The longest input read: the one-byte-per-call pass costs time in
/// proportion to the length, and 4 KiB holds data lines long enough to be
/// cut by every plan.
const MAX_INPUT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let data = data.get(..MAX_INPUT).unwrap_or(data);
    let (cuts, stream) = plan_and_stream(data);
    let limits = Limits {
        data: usize::MAX,
        meta: 8,
        comments: false,
    };
    let model = reference::parse(stream, limits);
    assert_eq!(drive_pieces(&mut Pieces::new(), [stream]), model);
    assert_eq!(
        drive_pieces(&mut Pieces::new(), chunks(stream, &cuts)),
        model
    );
    assert_eq!(drive_pieces(&mut Pieces::new(), stream.chunks(1)), model);
});
