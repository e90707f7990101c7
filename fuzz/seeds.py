#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ from realistic streams.

Run from anywhere: python3 fuzz/seeds.py. The files are committed; rerun this
after changing the streams below or an input format (see fuzz/src/lib.rs).
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent

def llm(n, crlf=False):
    out = b""
    for i in range(n):
        tok = ["Hel", "lo", ", w\xc3\xb6", "rld", " \xe2\x82\xac", "!"][i % 6].encode("latin1")
        out += b"id: %d\nevent: delta\ndata: {\"choices\":[{\"delta\":{\"content\":\"" % i + tok + b"\"}}]}\n\n"
    out += b"data: [DONE]\n\n"
    return out.replace(b"\n", b"\r\n") if crlf else out

STREAMS = {
    "llm_tokens": llm(12),
    "llm_tokens_crlf": llm(6, crlf=True),
    "keep_alive": b": keep-alive\n\n" * 3 + b"data: tick\n\n: \n\n:ping\r\n\r\n",
    "crlf_server": b"retry: 100\r\nid: a\r\nevent: tick\r\ndata: 1\r\n\r\n: keep\r\n\r\nid: b\r\ndata: 2\r\ndata: 3\r\n\r\n",
    "bom": b"\xef\xbb\xbfdata: after bom\n\n\xef\xbb\xbfdata: second bom is text\n\n",
    "retry_first": b"retry: 3000\n\nretry: +42\nretry:  10\nretry: 99999999999999\n\nid: 1\ndata: hi\n\n",
    "huge_line": b"data: " + b"x" * 20000 + b"\n\nevent: " + b"e" * 300 + b"\ndata: y\n\nid: " + b"9" * 300 + b"\n\n",
    "invalid_utf8": b"data: \xff\xfe\n\nevent: \xe2\x82\ndata: \xf0\x9f\x98\n\nid: \xc0\xaf\n\ndata\xff: x\n\n: \xed\xa0\x80\n",
    "multi_line": b"data: line one\ndata:\ndata:  two\rdata: three\r\n\n",
    "ids": b"id: 1\n\nid: a\x00b\ndata: x\n\nid\ndata: y\n\nid: 7\n\nid: 8\ndata: tail",
    "cr_only": b"data: a\rdata: b\r\revent: c\rdata: d\r\r",
}

def write(target, name, data):
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)

def text(s):
    b = s.encode("utf-8") if isinstance(s, str) else s
    return struct.pack("<H", len(b)) + b

def event(event_type=None, id=None, data=None):
    flags = (event_type is not None) | (id is not None) << 1 | (data is not None) << 2
    out = bytes([0, flags])
    for value in (event_type, id, data):
        if value is not None:
            out += text(value)
    return out

def comment(s):
    return bytes([1]) + text(s)

def retry(ms):
    return bytes([2]) + struct.pack("<I", ms)

def plan(stream):
    """Three cuts spread over the stream."""
    n = len(stream)
    return bytes([3]) + struct.pack("<HHH", n // 4, n // 2, (3 * n) // 4)

# parse_chunked reads at most the first MAX_INPUT bytes of an input (see its
# source), so its huge line is short: still long enough to overflow the small
# parser's data and the roomy parser's type and ID (256 bytes each), with a
# long run of invalid UTF-8 in the data. The roomy parser's 4096 bytes of data
# are beyond its reach; the differential target's huge line overflows them.
MAX_INPUT = 1024
CHUNKED = dict(STREAMS, huge_line=(
    b"data: " + b"x" * 200 + b"\xff" * 200 + b"\n\nevent: " + b"e" * 257 + b"\ndata: y\n\nid: " + b"9" * 257 + b"\n\n"
))

for name, stream in STREAMS.items():
    write("differential", name, stream)
    write("lexer", name, plan(stream) + stream)
    # The piece parser's target takes the same plan and stream, and the
    # full huge line: large data is what it is for.
    for suffix, seed in (("", bytes([0]) + stream), ("_cut", plan(stream) + stream)):
        write("pieces", name + suffix, seed)
for name, stream in CHUNKED.items():
    # No cuts, then three cuts.
    for suffix, seed in (("", bytes([0]) + stream), ("_cut", plan(stream) + stream)):
        assert len(seed) <= MAX_INPUT, name + suffix
        write("parse_chunked", name + suffix, seed)

FRAMES = {
    "llm": [retry(3000)] + [event("delta", str(i), '{"content":"tok"}') for i in range(5)] + [event(data="[DONE]")],
    "keep_alive": [comment("keep-alive"), event(data="tick"), comment(""), comment("multi\nline\r\ncomment")],
    "line_breaks": [event(data="a\nb\rc\r\nd"), event(data=""), event(data="\n"), event(data=" leading space")],
    "ids": [event(id="1", data="x"), event(id=""), event(id="2"), event("only-type")],
    "unicode": [event("t\u00e9", "\u20ac", "\U0001f600 \ufeff data")],
    "retry_values": [retry(0), retry(7), retry(4294967295)],
}
for name, frames in FRAMES.items():
    write("roundtrip", name, bytes([15]) + b"".join(frames))

UNTRUSTED = {
    "plain": ["delta", "17", '{"x":1}', "keep-alive"],
    "inject_type": ["a\ndata: evil", "1", "x", "c"],
    "inject_id": ["t", "1\rretry: 1", "x", "c"],
    "nul_id": ["t", "a\0b", "x", "c"],
    "data_breaks": ["t", "1", "x\rid: injected\r\n\nevent: y", "line\rbreaks"],
    "empty": ["", "", "", ""],
}
for name, values in UNTRUSTED.items():
    write("encode_untrusted", name, b"".join(text(v) for v in values))
