//! The end-of-stream verdict (`finish`): one named case per way a stream
//! can stop, each checked whole, byte by byte and at every split, for the
//! event parser and the piece parser, and against the reference model.

mod common;

use common::{drive, drive_pieces, reference, Limits, Roomy, RoomyPieces};
use sse_wire::{End, Unfinished};

const NOTHING: Unfinished = Unfinished {
    data: false,
    event_type: false,
    id: false,
};
const DATA: Unfinished = Unfinished {
    data: true,
    ..NOTHING
};

fn check(input: &[u8], expected: End) {
    let model = reference::parse(input, Limits::UNBOUNDED).end;
    assert_eq!(model, expected, "reference model");
    let splits = (0..=input.len()).map(|at| {
        let (a, b) = input.split_at(at);
        vec![a, b]
    });
    for chunks in [vec![input], input.chunks(1).collect()]
        .into_iter()
        .chain(splits)
    {
        let parsed = drive(&mut Roomy::new(), chunks.iter().copied()).end;
        assert_eq!(parsed, expected, "event parser, chunks {chunks:?}");
        let pieces = drive_pieces(&mut RoomyPieces::new(), chunks.iter().copied()).end;
        assert_eq!(pieces, expected, "piece parser, chunks {chunks:?}");
    }
}

macro_rules! ends {
    ($($name:ident: $input:expr => $end:expr;)*) => {
        $(
            #[test]
            fn $name() {
                check($input, $end);
            }
        )*
    };
}

ends! {
    empty_stream_is_complete: b"" => End::Complete;
    bom_alone_is_complete: b"\xEF\xBB\xBF" => End::Complete;
    part_of_a_bom_is_a_cut_line: b"\xEF\xBB" => End::UnfinishedLine(NOTHING);
    after_a_blank_line_is_complete: b"data: a\n\n" => End::Complete;
    after_a_crlf_blank_line_is_complete: b"data: a\r\n\r\n" => End::Complete;
    a_cr_blank_line_at_the_end_is_complete: b"data: a\r\r" => End::Complete;
    trailing_comment_line_is_complete: b"data: a\n\n: keep-alive\n" => End::Complete;
    trailing_retry_line_is_complete: b"retry: 10\n" => End::Complete;
    trailing_unknown_field_is_complete: b"data: a\n\nfoo: bar\n" => End::Complete;
    data_line_without_blank_line: b"data: a\n" => End::UnfinishedEvent(DATA);
    empty_data_line_without_blank_line: b"data\n" => End::UnfinishedEvent(DATA);
    type_only: b"event: x\n" => End::UnfinishedEvent(Unfinished { event_type: true, ..NOTHING });
    empty_type_holds_nothing: b"event:\n" => End::Complete;
    id_only: b"id: 1\n" => End::UnfinishedEvent(Unfinished { id: true, ..NOTHING });
    id_with_nul_holds_nothing: b"id: 1\x002\n" => End::Complete;
    cut_inside_a_data_value: b"data: a\n\ndata: b" => End::UnfinishedLine(DATA);
    cut_after_the_colon: b"data:" => End::UnfinishedLine(NOTHING);
    cut_inside_a_field_name: b"data: a\n\nda" => End::UnfinishedLine(NOTHING);
    cut_inside_a_comment: b": keep" => End::UnfinishedLine(NOTHING);
    cut_inside_an_id: b"data: a\nid: 4" => End::UnfinishedLine(Unfinished { data: true, id: true, ..NOTHING });
    cut_inside_an_id_with_nul: b"id: 4\x00" => End::UnfinishedLine(NOTHING);
    cut_inside_a_type: b"event: up" => End::UnfinishedLine(Unfinished { event_type: true, ..NOTHING });
    cut_inside_a_multibyte_type: b"event: \xE2\x82" => End::UnfinishedLine(NOTHING);
    cut_after_every_field: b"event: t\nid: 1\ndata: a\nretry: 5" => End::UnfinishedLine(Unfinished { data: true, event_type: true, id: true });
}
