//! Incremental, lossy UTF-8 decoding whose output does not depend on chunking.
//!
//! The standard decodes the stream with the Encoding Standard's UTF-8 decoder:
//! each maximal subpart of an ill-formed sequence becomes one U+FFFD, the rule
//! `String::from_utf8_lossy` follows too. A value may reach the parser in
//! pieces cut anywhere, also inside a multi-byte sequence, so this decoder
//! keeps the (at most three) bytes of an unfinished sequence between pieces
//! and finishes or rejects it when the next piece arrives.
//!
//! Decoding is per value: the lexer cuts lines at ASCII bytes, which are never
//! part of a multi-byte sequence, so a sequence unfinished at a line end is
//! ill-formed in the whole stream too and becomes U+FFFD there ([`Utf8::finish`]).

use core::str;

/// The replacement character, U+FFFD.
pub(crate) const REPLACEMENT: &str = "\u{FFFD}";

/// The decoder's state: the bytes of a sequence cut by a piece boundary.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Utf8 {
    /// The unfinished sequence's first bytes; only `pending[..len]` counts.
    pending: [u8; 3],
    /// How many bytes of `pending` are in use (0 to 3).
    len: u8,
}

/// How many bytes a sequence starting with `lead` has (1 for anything that
/// cannot start a multi-byte sequence).
const fn sequence_len(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

/// Whether `byte` can stand at position `at` (1, 2 or 3) of a sequence led
/// by `lead`. The second byte's range depends on the lead, which rules out
/// overlong forms, surrogates and code points above U+10FFFF (Unicode,
/// table 3-7, "Well-Formed UTF-8 Byte Sequences").
const fn continues(lead: u8, at: usize, byte: u8) -> bool {
    let (low, high) = match (at, lead) {
        (1, 0xE0) => (0xA0, 0xBF),
        (1, 0xED) => (0x80, 0x9F),
        (1, 0xF0) => (0x90, 0xBF),
        (1, 0xF4) => (0x80, 0x8F),
        _ => (0x80, 0xBF),
    };
    low <= byte && byte <= high
}

impl Utf8 {
    /// A decoder with nothing pending.
    pub(crate) const fn new() -> Self {
        Utf8 {
            pending: [0; 3],
            len: 0,
        }
    }

    /// Decodes `piece`, handing each decoded run of text to `sink` in order,
    /// as the bytes of valid UTF-8. Bytes of a sequence that `piece` leaves
    /// unfinished are kept for the next call. Stops at the first `Err` from
    /// `sink` and returns it; the decoder must then be
    /// [`reset`](Self::reset) before it is used for another value.
    #[inline]
    pub(crate) fn decode<E>(
        &mut self,
        mut piece: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.len > 0 {
            piece = self.resume(piece, sink)?;
        }
        loop {
            // On invalid input `from_utf8` vouches for the prefix before the
            // error, which goes out as it is: each byte is checked once.
            let error = match str::from_utf8(piece) {
                Ok(text) => {
                    if !text.is_empty() {
                        sink(text.as_bytes())?;
                    }
                    return Ok(());
                }
                Err(error) => error,
            };
            let (valid, rest) = piece.split_at(error.valid_up_to());
            if !valid.is_empty() {
                sink(valid)?;
            }
            match error.error_len() {
                Some(bad) => {
                    sink(REPLACEMENT.as_bytes())?;
                    piece = rest.get(bad..).unwrap_or_default();
                }
                None => {
                    // A sequence cut off by the end of the piece: keep it.
                    let keep = rest.len().min(3);
                    self.pending[..keep].copy_from_slice(&rest[..keep]);
                    self.len = keep as u8;
                    return Ok(());
                }
            }
        }
    }

    /// Tries to finish the pending sequence with the first bytes of `piece`;
    /// returns the rest of `piece`. A byte that cannot continue the sequence
    /// ends its maximal subpart (one U+FFFD) and is left for fresh decoding.
    pub(crate) fn resume<'a, E>(
        &mut self,
        mut piece: &'a [u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<&'a [u8], E> {
        let lead = self.pending[0];
        let need = sequence_len(lead);
        loop {
            let have = usize::from(self.len);
            let Some((&byte, rest)) = piece.split_first() else {
                return Ok(piece);
            };
            if !continues(lead, have, byte) {
                self.len = 0;
                sink(REPLACEMENT.as_bytes())?;
                return Ok(piece);
            }
            piece = rest;
            if have + 1 < need {
                if let Some(slot) = self.pending.get_mut(have) {
                    *slot = byte;
                }
                self.len += 1;
                continue;
            }
            let mut whole = [self.pending[0], self.pending[1], self.pending[2], 0];
            if let Some(slot) = whole.get_mut(have) {
                *slot = byte;
            }
            self.len = 0;
            // `whole[..need]` is one well-formed sequence.
            let sequence = whole.get(..need).unwrap_or_default();
            sink(str::from_utf8(sequence).unwrap_or(REPLACEMENT).as_bytes())?;
            return Ok(piece);
        }
    }

    /// Decodes one piece of a value as [`decode`](Self::decode) does, and
    /// at the value's `end` also [`finish`](Self::finish)es it.
    #[inline]
    pub(crate) fn decode_piece<E>(
        &mut self,
        piece: &[u8],
        end: bool,
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.decode(piece, sink)?;
        if end {
            self.finish(sink)?;
        }
        Ok(())
    }

    /// Ends the value: an unfinished sequence becomes one U+FFFD.
    #[inline]
    pub(crate) fn finish<E>(
        &mut self,
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.len == 0 {
            return Ok(());
        }
        self.len = 0;
        sink(REPLACEMENT.as_bytes())
    }

    /// Splits off the end of `piece` that starts a sequence `piece` does
    /// not finish, keeps it as pending, and returns the rest, which decodes
    /// the same on its own as in the whole stream (valid or not). Only for a
    /// decoder with nothing pending.
    pub(crate) fn keep_unfinished<'a>(&mut self, piece: &'a [u8]) -> &'a [u8] {
        // An unfinished sequence is a lead byte and fewer continuation
        // bytes than it needs: at most three bytes, starting at the last
        // byte that is not a continuation byte.
        let len = piece.len();
        let mut lead = len;
        while lead > 0 && len - lead < 3 && piece[lead - 1] & 0xC0 == 0x80 {
            lead -= 1;
        }
        let Some(start) = lead.checked_sub(1) else {
            return piece;
        };
        let tail = &piece[start..];
        match str::from_utf8(tail) {
            Err(error) if error.valid_up_to() == 0 && error.error_len().is_none() => {
                let keep = tail.len().min(3);
                self.pending[..keep].copy_from_slice(&tail[..keep]);
                self.len = keep as u8;
                &piece[..start]
            }
            _ => piece,
        }
    }

    /// Whether no bytes of an unfinished sequence are pending.
    #[inline]
    pub(crate) fn is_idle(&self) -> bool {
        self.len == 0
    }

    /// Forgets any pending bytes.
    pub(crate) fn reset(&mut self) {
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn decode_split(bytes: &[u8], cuts: &[usize]) -> String {
        let mut out = String::new();
        let mut utf8 = Utf8::new();
        let mut sink = |s: &[u8]| -> Result<(), ()> {
            out.push_str(str::from_utf8(s).unwrap());
            Ok(())
        };
        let mut start = 0;
        for &cut in cuts.iter().chain(core::iter::once(&bytes.len())) {
            utf8.decode(&bytes[start..cut], &mut sink).unwrap();
            start = cut;
        }
        utf8.finish(&mut sink).unwrap();
        out
    }

    fn assert_lossy_at_every_split(bytes: &[u8]) {
        let expected = String::from_utf8_lossy(bytes);
        assert_eq!(decode_split(bytes, &[]), expected, "whole {bytes:x?}");
        for a in 0..=bytes.len() {
            assert_eq!(decode_split(bytes, &[a]), expected, "{bytes:x?} cut at {a}");
            for b in a..=bytes.len() {
                assert_eq!(
                    decode_split(bytes, &[a, b]),
                    expected,
                    "{bytes:x?} cut at {a}, {b}"
                );
            }
        }
        let every: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(decode_split(bytes, &every), expected, "{bytes:x?} bytewise");
    }

    #[test]
    fn matches_from_utf8_lossy_at_every_split() {
        let samples: &[&[u8]] = &[
            "héllo €uro 𝄞 clef".as_bytes(),
            b"\xE2\x82",
            b"\xE2\x82x",
            b"\xF0\x90\x80",
            b"\xF0\x90\x80\xF0\x9F\x98\x80",
            b"\xF4\x90\x80\x80",
            b"\xED\xA0\x80",
            b"\xE0\x80\x80",
            b"\xC0\xAF",
            b"\x80\x80\xBF",
            b"\xFF\xFE",
            b"a\xF0\x9Fb\xE2\x82\xACc\xE2",
            b"\xF0\x9F\x98\xF0\x9F\x98\x80",
            b"\xEF\xBB\xBF",
        ];
        for sample in samples {
            assert_lossy_at_every_split(sample);
        }
    }

    /// The bytes where UTF-8's rules change: ASCII, continuation ranges,
    /// the leads whose second byte is restricted, and the never-valid bytes.
    const EDGES: [u8; 23] = [
        0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1,
        0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF,
    ];

    /// Checks one sequence whole and cut once at every point.
    fn assert_lossy_at_every_cut(bytes: &[u8]) {
        let expected = String::from_utf8_lossy(bytes);
        for cut in 0..=bytes.len() {
            assert_eq!(
                decode_split(bytes, &[cut]),
                expected,
                "{bytes:x?} cut at {cut}"
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "too many cases for an interpreter; runs natively")]
    fn every_two_byte_sequence() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                assert_lossy_at_every_cut(&[a, b]);
            }
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "too many cases for an interpreter; runs natively")]
    fn every_three_and_four_byte_sequence_of_edge_bytes() {
        for &a in &EDGES {
            for &b in &EDGES {
                for &c in &EDGES {
                    assert_lossy_at_every_cut(&[a, b, c]);
                    for &d in &EDGES {
                        assert_lossy_at_every_cut(&[a, b, c, d]);
                    }
                }
            }
        }
    }

    #[test]
    fn sink_errors_stop_decoding() {
        let mut utf8 = Utf8::new();
        let mut calls = 0;
        let result = utf8.decode(b"a\xFFb", &mut |_| {
            calls += 1;
            if calls == 2 {
                Err("full")
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err("full"));
        assert_eq!(calls, 2);
    }
}
