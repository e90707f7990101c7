// The spec cases: one named case per rule of the HTML Standard's event-stream
// algorithm and per trap that real parsers fall into. Each case is an input,
// what the parser reports for it in order, and the final last event ID.
//
// This file is a single macro call, and holds no code of its own: whoever
// includes it defines `spec_cases!` and the item constructors `event`,
// `retry` and `comment`. The host tests (`tests/spec.rs`) turn every case into
// a `#[test]` run whole, byte by byte and at every split point.
//
// Comments are reported (as by a parser with comments on); a runner without
// them drops the `comment` items.

spec_cases! {
    // --- Line endings -----------------------------------------------------
    lf_ends_lines: b"data: a\n\n" => [event("message", "a", "")], "";
    cr_alone_ends_lines: b"data: a\r\r" => [event("message", "a", "")], "";
    crlf_ends_lines: b"data: a\r\n\r\n" => [event("message", "a", "")], "";
    mixed_line_endings_in_one_event: b"data: a\rdata: b\ndata: c\r\n\n" => [event("message", "a\nb\nc", "")], "";
    crlf_counts_as_one_line_end: b"data: a\r\ndata: b\r\n\r\n" => [event("message", "a\nb", "")], "";
    lf_after_crlf_is_a_blank_line: b"data: a\r\n\ndata: b\n\n" => [event("message", "a", ""), event("message", "b", "")], "";
    lf_then_cr_is_two_line_ends: b"data: a\n\rdata: b\n\n" => [event("message", "a", ""), event("message", "b", "")], "";
    cr_cr_is_a_blank_line: b"data: a\r\rdata: b\r\r" => [event("message", "a", ""), event("message", "b", "")], "";
    cr_crlf_is_a_blank_line: b"data: a\r\r\n" => [event("message", "a", "")], "";
    blank_lines_before_first_event: b"\n\r\n\rdata: a\n\n" => [event("message", "a", "")], "";
    only_blank_lines_dispatch_nothing: b"\r\n\r\n\n\r\r" => [], "";
    empty_stream_gives_nothing: b"" => [], "";
    crlf_between_events: b"data: a\r\n\r\ndata: b\r\n\r\n" => [event("message", "a", ""), event("message", "b", "")], "";
    cr_at_end_of_stream_still_ends_the_line: b"data: a\n\r" => [event("message", "a", "")], "";

    // --- Fields: colon, one space, names ----------------------------------
    no_space_after_colon: b"data:a\n\n" => [event("message", "a", "")], "";
    only_one_leading_space_is_stripped: b"data:  a\n\n" => [event("message", " a", "")], "";
    a_tab_is_not_stripped: b"data:\ta\n\n" => [event("message", "\ta", "")], "";
    trailing_spaces_are_kept: b"data: a  \n\n" => [event("message", "a  ", "")], "";
    later_colons_are_part_of_the_value: b"data: a:b: c\n\n" => [event("message", "a:b: c", "")], "";
    field_without_colon_has_empty_value: b"data\n\n" => [event("message", "", "")], "";
    empty_data_value_still_dispatches: b"data:\n\n" => [event("message", "", "")], "";
    data_with_only_a_space_is_empty: b"data: \n\n" => [event("message", "", "")], "";
    two_empty_data_lines_give_one_lf: b"data\ndata\n\n" => [event("message", "\n", "")], "";
    trailing_empty_data_line_keeps_its_lf: b"data: a\ndata:\n\n" => [event("message", "a\n", "")], "";
    leading_empty_data_line_keeps_its_lf: b"data:\ndata: a\n\n" => [event("message", "\na", "")], "";
    field_names_are_case_sensitive: b"Data: a\nDATA: b\n\n" => [], "";
    unknown_field_is_ignored: b"foo: bar\ndata: a\n\n" => [event("message", "a", "")], "";
    unknown_field_alone_dispatches_nothing: b"foo: bar\n\n" => [], "";
    prefix_of_a_name_is_unknown: b"dat: a\nd: b\nretr: 1\n\n" => [], "";
    name_with_extra_letters_is_unknown: b"datas: a\ndata2: b\nretry2: 3\nids: 4\n\n" => [], "";
    space_before_colon_makes_unknown_name: b"data : a\n\n" => [], "";
    leading_space_makes_unknown_name: b" data: a\n\n" => [], "";
    unknown_line_without_colon_is_ignored: b"xyz\ndata: a\n\n" => [event("message", "a", "")], "";
    long_unknown_name_is_ignored: b"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz: v\ndata: ok\n\n" => [event("message", "ok", "")], "";
    multi_line_data_is_joined_with_lf: b"data: YHOO\ndata: +2\ndata: 10\n\n" => [event("message", "YHOO\n+2\n10", "")], "";

    // --- Comments ---------------------------------------------------------
    comment_is_reported_and_ignored: b": hi\ndata: a\n\n" => [comment("hi"), event("message", "a", "")], "";
    comment_alone_dispatches_nothing: b": hi\n\n" => [comment("hi")], "";
    comment_between_data_lines: b"data: a\n: c\ndata: b\n\n" => [comment("c"), event("message", "a\nb", "")], "";
    empty_comment: b":\n" => [comment("")], "";
    comment_keeps_its_colons: b":a:b\n" => [comment("a:b")], "";
    comment_loses_one_space_only: b":  two\n" => [comment(" two")], "";
    comment_with_crlf: b": x\r\n" => [comment("x")], "";
    keep_alive_comments_between_events: b": ping\n\ndata: a\n\n: ping\n\n" => [comment("ping"), event("message", "a", ""), comment("ping")], "";
    unterminated_comment_is_discarded: b": tail" => [], "";

    // --- event ------------------------------------------------------------
    event_field_sets_the_type: b"event: add\ndata: 1\n\n" => [event("add", "1", "")], "";
    empty_event_type_means_message: b"event:\ndata: 1\n\n" => [event("message", "1", "")], "";
    last_event_line_wins: b"event: a\nevent: b\ndata\n\n" => [event("b", "", "")], "";
    type_resets_after_dispatch: b"event: a\ndata: 1\n\ndata: 2\n\n" => [event("a", "1", ""), event("message", "2", "")], "";
    type_resets_at_blank_line_without_event: b"event: a\n\ndata: 2\n\n" => [event("message", "2", "")], "";
    event_line_without_colon_means_message: b"event\ndata: x\n\n" => [event("message", "x", "")], "";
    event_line_after_data_still_counts: b"data: x\nevent: late\n\n" => [event("late", "x", "")], "";
    event_type_keeps_extra_spaces: b"event:  sp \ndata\n\n" => [event(" sp ", "", "")], "";
    event_type_alone_dispatches_nothing: b"event: x\n\n" => [], "";
    event_type_may_be_message_explicitly: b"event: message\ndata: m\n\n" => [event("message", "m", "")], "";

    // --- id ---------------------------------------------------------------
    id_sets_the_last_event_id: b"id: 1\ndata: a\n\n" => [event("message", "a", "1")], "1";
    id_carries_over_to_later_events: b"id: 1\ndata: a\n\ndata: b\n\n" => [event("message", "a", "1"), event("message", "b", "1")], "1";
    empty_id_resets_the_last_event_id: b"id: 1\ndata: a\n\nid\ndata: b\n\n" => [event("message", "a", "1"), event("message", "b", "")], "";
    id_with_colon_and_empty_value_resets: b"id: 1\n\nid:\n\n" => [], "";
    id_with_nul_is_ignored: b"id: 1\n\nid: a\x00b\ndata: x\n\n" => [event("message", "x", "1")], "1";
    id_ending_in_nul_is_ignored: b"id: abc\x00\n\n" => [], "";
    nul_id_after_valid_id_in_same_block: b"id: a\nid: b\x00\ndata\n\n" => [event("message", "", "a")], "a";
    id_only_block_updates_last_event_id: b"id: 5\n\n" => [], "5";
    id_of_unfinished_block_is_not_committed: b"id: 5\n\nid: 6\ndata: x\n" => [], "5";
    id_after_data_in_block_counts: b"data: a\nid: 7\n\n" => [event("message", "a", "7")], "7";
    last_id_line_in_block_wins: b"id: 1\nid: 2\ndata\n\n" => [event("message", "", "2")], "2";
    id_keeps_spaces: b"id:  x \n\n" => [], " x ";
    id_may_be_unicode: b"id: \xC3\xA9\xE2\x82\xAC\n\n" => [], "\u{e9}\u{20ac}";
    id_in_skipped_tail_is_ignored: b"id: 1\n\nid: 2" => [], "1";
    id_committed_even_when_type_only: b"event: e\nid: 3\n\ndata: d\n\n" => [event("message", "d", "3")], "3";

    // --- retry ------------------------------------------------------------
    retry_of_digits_is_reported: b"retry: 1000\n" => [retry(1000)], "";
    retry_zero: b"retry: 0\n" => [retry(0)], "";
    retry_leading_zeros: b"retry: 007\n" => [retry(7)], "";
    retry_without_space: b"retry:15\n" => [retry(15)], "";
    retry_with_plus_is_ignored: b"retry: +42\n" => [], "";
    retry_with_minus_is_ignored: b"retry: -1\n" => [], "";
    retry_with_extra_space_is_ignored: b"retry:  10\n" => [], "";
    retry_with_trailing_space_is_ignored: b"retry: 10 \n" => [], "";
    retry_decimal_is_ignored: b"retry: 1.5\n" => [], "";
    retry_empty_is_ignored: b"retry:\nretry\nretry: \n" => [], "";
    retry_with_letter_is_ignored: b"retry: 1x\nretry: x1\n" => [], "";
    retry_hex_is_ignored: b"retry: 0x10\n" => [], "";
    retry_non_ascii_digit_is_ignored: b"retry: \xEF\xBC\x91\n" => [], "";
    retry_u32_max_is_exact: b"retry: 4294967295\n" => [retry(4294967295)], "";
    retry_just_over_u32_is_exact: b"retry: 4294967296\n" => [retry(4294967296)], "";
    retry_u64_max_is_exact: b"retry: 18446744073709551615\n" => [retry(18446744073709551615)], "";
    retry_u64_max_with_leading_zeros_is_exact: b"retry: 000018446744073709551615\n" => [retry(18446744073709551615)], "";
    retry_just_over_u64_is_ignored: b"retry: 18446744073709551616\n" => [], "";
    retry_ten_to_the_thirty_is_ignored: b"retry: 1000000000000000000000000000000\n" => [], "";
    retry_too_big_then_valid: b"retry: 99999999999999999999999999\nretry: 7\n" => [retry(7)], "";
    retry_too_big_in_an_event_does_not_stop_it: b"data: a\nretry: 184467440737095516150\n\n" => [event("message", "a", "")], "";
    retry_does_not_dispatch: b"retry: 5\n\n" => [retry(5)], "";
    retry_inside_an_event: b"data: a\nretry: 5\n\n" => [retry(5), event("message", "a", "")], "";
    retry_in_unterminated_line_is_discarded: b"retry: 5" => [], "";
    retry_first_then_events: b"retry: 3000\n\nid: 1\ndata: x\n\n" => [retry(3000), event("message", "x", "1")], "1";

    // --- BOM --------------------------------------------------------------
    leading_bom_is_dropped: b"\xEF\xBB\xBFdata: a\n\n" => [event("message", "a", "")], "";
    second_bom_is_part_of_the_name: b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n" => [], "";
    bom_after_the_start_is_not_dropped: b"data: a\n\n\xEF\xBB\xBFdata: b\n\n" => [event("message", "a", "")], "";
    bom_then_comment: b"\xEF\xBB\xBF: hi\n" => [comment("hi")], "";
    bom_then_blank_line: b"\xEF\xBB\xBF\ndata: a\n\n" => [event("message", "a", "")], "";
    half_bom_makes_unknown_name: b"\xEF\xBBdata: a\n\n" => [], "";
    first_bom_byte_alone_makes_unknown_line: b"\xEF\n\ndata: a\n\n" => [event("message", "a", "")], "";
    bom_bytes_inside_data_are_kept: b"data: \xEF\xBB\xBFx\n\n" => [event("message", "\u{feff}x", "")], "";
    bom_only_stream: b"\xEF\xBB\xBF" => [], "";

    // --- UTF-8 decoding ---------------------------------------------------
    multibyte_text_is_kept: b"data: h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E\n\n" => [event("message", "h\u{e9}llo \u{20ac} \u{1d11e}", "")], "";
    invalid_byte_becomes_replacement: b"data: a\xFFb\n\n" => [event("message", "a\u{fffd}b", "")], "";
    truncated_sequence_at_line_end: b"data: \xE2\x82\n\n" => [event("message", "\u{fffd}", "")], "";
    maximal_subpart_is_one_replacement: b"data: \xF0\x90\x80x\n\n" => [event("message", "\u{fffd}x", "")], "";
    surrogate_bytes_are_three_replacements: b"data: \xED\xA0\x80\n\n" => [event("message", "\u{fffd}\u{fffd}\u{fffd}", "")], "";
    overlong_encoding_is_replaced: b"data: \xC0\xAF\n\n" => [event("message", "\u{fffd}\u{fffd}", "")], "";
    invalid_utf8_does_not_stall_the_stream: b"data: \xFF\n\ndata: next\n\n" => [event("message", "\u{fffd}", ""), event("message", "next", "")], "";
    invalid_utf8_in_event_type: b"event: \xFF\ndata\n\n" => [event("\u{fffd}", "", "")], "";
    invalid_utf8_in_id: b"id: \xFE\n\n" => [], "\u{fffd}";
    invalid_utf8_in_comment: b": \xC3\n" => [comment("\u{fffd}")], "";
    invalid_utf8_in_field_name_makes_it_unknown: b"data\xFF: x\n\n" => [], "";
    truncated_sequence_before_crlf: b"data: \xF0\x9F\x98\r\n\r\n" => [event("message", "\u{fffd}", "")], "";

    // --- Dispatch and end of stream --------------------------------------
    trailing_lf_is_removed_once: b"data: a\n\n" => [event("message", "a", "")], "";
    event_without_blank_line_is_discarded: b"data: a\n" => [], "";
    unterminated_line_is_discarded: b"data: a" => [], "";
    complete_event_then_incomplete_one: b"data: a\n\ndata: b\n" => [event("message", "a", "")], "";
    spec_example_stock_ticker: b"data: YHOO\ndata: +2\ndata: 10\n\n" => [event("message", "YHOO\n+2\n10", "")], "";
    spec_example_ids_and_spaces: b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n" => [comment("test stream"), event("message", "first event", "1"), event("message", "second event", ""), event("message", " third event", "")], "";
    spec_example_empty_data: b"data\n\ndata\ndata\n\ndata:" => [event("message", "", ""), event("message", "\n", "")], "";
    spec_example_two_identical_events: b"data:test\n\ndata: test\n\n" => [event("message", "test", ""), event("message", "test", "")], "";
    llm_token_stream: b"event: delta\ndata: {\"t\":\"Hel\"}\nid: 1\n\nevent: delta\ndata: {\"t\":\"lo\"}\nid: 2\n\nevent: done\ndata: [DONE]\n\n" => [event("delta", "{\"t\":\"Hel\"}", "1"), event("delta", "{\"t\":\"lo\"}", "2"), event("done", "[DONE]", "2")], "2";
    crlf_server_stream: b"retry: 100\r\nid: a\r\nevent: tick\r\ndata: 1\r\n\r\n: keep\r\n\r\nid: b\r\ndata: 2\r\n\r\n" => [retry(100), event("tick", "1", "a"), comment("keep"), event("message", "2", "b")], "b";
}
