//! Storage for the standard's buffers (data, event type, last event ID).
//!
//! The event parser is generic over where its text lives. [`Buffer`] is the
//! one thing it needs from a store: bytes it can append to until a limit,
//! clear and cut back. `heapless::Vec<u8, N>` is the fixed-capacity store
//! that [`Parser`](crate::Parser) uses.
//!
//! The store holds bytes, not a `str`, so that the parser can append a value
//! it has checked to be ASCII without checking it again as UTF-8, and check
//! the whole text once, when it hands it out. The parser only ever appends
//! valid UTF-8 (invalid input has become U+FFFD by then), so what a store
//! holds is always valid UTF-8 as long as the store keeps what it is given.
//!
//! With the `alloc` feature, [`CappedBytes`] is the growable store: it takes
//! memory only as text arrives, up to a cap.

/// A byte store with a capacity limit, as the event parser needs it.
///
/// Implemented for [`heapless::Vec<u8, N>`] (and, with the `alloc` feature,
/// for [`CappedBytes`](crate::CappedBytes)). A custom implementation must
/// keep exactly the bytes appended (the parser appends UTF-8 text, possibly
/// in several calls, and cuts back only to lengths it read from
/// [`len`](Buffer::len)), and must leave its contents unchanged when
/// [`try_extend`](Buffer::try_extend) fails.
///
/// ```
/// use sse_wire::Buffer;
/// let mut buf: heapless::Vec<u8, 4> = heapless::Vec::new();
/// assert!(buf.try_extend(b"abc").is_ok());
/// assert!(buf.try_extend(b"de").is_err()); // would need 5 bytes
/// assert_eq!(Buffer::as_bytes(&buf), b"abc");
/// assert_eq!(buf.bytes_from(1), b"bc");
/// assert_eq!((Buffer::len(&buf), Buffer::capacity(&buf)), (3, 4));
/// assert!(!Buffer::is_empty(&buf));
/// ```
pub trait Buffer {
    /// The bytes stored so far.
    fn as_bytes(&self) -> &[u8];
    /// The bytes after the first `start` (`start` is always a length this
    /// buffer had before); empty if there are none. The parser uses it to
    /// hand out a comment kept after the data, without touching the data.
    fn bytes_from(&self, start: usize) -> &[u8] {
        self.as_bytes().get(start..).unwrap_or_default()
    }
    /// How many bytes are stored, without looking at them.
    fn len(&self) -> usize {
        self.as_bytes().len()
    }
    /// Whether nothing is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Appends `bytes` whole, or fails and changes nothing when the result
    /// would be longer than [`capacity`](Buffer::capacity).
    ///
    /// # Errors
    ///
    /// [`Full`] when `bytes` do not fit; the buffer is then unchanged.
    fn try_extend(&mut self, bytes: &[u8]) -> Result<(), Full>;
    /// Cuts the contents back to their first `len` bytes (`len` is always a
    /// length this buffer had before).
    fn truncate(&mut self, len: usize);
    /// Empties the buffer.
    fn clear(&mut self);
    /// The most bytes the buffer will hold.
    fn capacity(&self) -> usize;
}

/// The error of [`Buffer::try_extend`]: the bytes did not fit.
///
/// ```
/// use sse_wire::{Buffer, Full};
/// let mut buf: heapless::Vec<u8, 1> = heapless::Vec::new();
/// assert_eq!(buf.try_extend(b"ab"), Err(Full));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

impl<const N: usize> Buffer for heapless::Vec<u8, N> {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        self
    }

    #[inline]
    fn len(&self) -> usize {
        self.as_slice().len()
    }

    #[inline]
    fn try_extend(&mut self, bytes: &[u8]) -> Result<(), Full> {
        self.extend_from_slice(bytes).map_err(|_| Full)
    }

    #[inline]
    fn truncate(&mut self, len: usize) {
        heapless::Vec::truncate(self, len);
    }

    #[inline]
    fn clear(&mut self) {
        heapless::Vec::clear(self);
    }

    #[inline]
    fn capacity(&self) -> usize {
        N
    }
}

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

#[cfg(feature = "alloc")]
/// Bytes that grow on demand up to a fixed cap: the [`Buffer`] of
/// [`GrowableParser`](crate::GrowableParser).
///
/// It starts empty and allocates only as text arrives, so a parser with a
/// generous cap costs little until a large event comes. Its allocation is
/// kept between events, and never exceeds the cap: it doubles as it grows,
/// and the last step stops at the cap.
///
/// ```
/// use sse_wire::{Buffer, CappedBytes, Full};
///
/// let mut bytes = CappedBytes::new(5);
/// assert_eq!(bytes.try_extend(b"hello"), Ok(()));
/// assert_eq!(bytes.try_extend(b"!"), Err(Full)); // the cap is 5 bytes
/// assert_eq!(bytes.as_bytes(), b"hello");
/// assert_eq!(bytes.capacity(), 5);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CappedBytes {
    bytes: Vec<u8>,
    cap: usize,
}

#[cfg(feature = "alloc")]
impl CappedBytes {
    /// An empty store that will hold at most `cap` bytes. Allocates
    /// nothing yet.
    ///
    /// ```
    /// let bytes = sse_wire::CappedBytes::new(1 << 20);
    /// assert_eq!(bytes.into_vec(), b"");
    /// ```
    pub const fn new(cap: usize) -> Self {
        CappedBytes {
            bytes: Vec::new(),
            cap,
        }
    }

    /// The bytes, giving up the cap.
    ///
    /// ```
    /// use sse_wire::{Buffer, CappedBytes};
    /// let mut bytes = CappedBytes::new(8);
    /// bytes.try_extend(b"abc").unwrap();
    /// assert_eq!(bytes.into_vec(), b"abc".to_vec());
    /// ```
    pub fn into_vec(self) -> Vec<u8> {
        self.bytes
    }

    /// Makes room for at least `needed` bytes (at most the cap): doubling,
    /// so that appends stay linear, but never past the cap, which a `Vec`
    /// left to itself would overshoot by up to half again.
    #[cold]
    fn grow(&mut self, needed: usize) {
        let doubled = self.bytes.capacity().saturating_mul(2).max(64);
        let target = doubled.max(needed).min(self.cap);
        self.bytes.reserve_exact(target - self.bytes.len());
    }
}

#[cfg(feature = "alloc")]
impl Buffer for CappedBytes {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    #[inline]
    fn len(&self) -> usize {
        self.bytes.len()
    }

    #[inline]
    fn try_extend(&mut self, bytes: &[u8]) -> Result<(), Full> {
        // `self.bytes.len() <= self.cap` always holds, so this cannot wrap.
        let len = self.bytes.len();
        if bytes.len() > self.cap - len {
            return Err(Full);
        }
        if bytes.len() > self.bytes.capacity() - len {
            self.grow(len + bytes.len());
        }
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }

    #[inline]
    fn truncate(&mut self, len: usize) {
        self.bytes.truncate(len);
    }

    #[inline]
    fn clear(&mut self) {
        self.bytes.clear();
    }

    #[inline]
    fn capacity(&self) -> usize {
        self.cap
    }
}

/// The text a buffer holds. The parser only appends UTF-8, so this is all
/// of it; were a custom [`Buffer`] to change its bytes, the text ends where
/// they stop being valid UTF-8.
#[inline]
pub(crate) fn text(bytes: &[u8]) -> &str {
    if bytes.is_empty() {
        return "";
    }
    match core::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
            core::str::from_utf8(valid).unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heapless_buffer_reports_its_length() {
        // `len` once resolved to itself and looped forever.
        let mut buf = heapless::Vec::<u8, 8>::new();
        assert_eq!((Buffer::len(&buf), Buffer::is_empty(&buf)), (0, true));
        buf.try_extend(b"abc").unwrap();
        assert_eq!(
            (Buffer::len(&buf), Buffer::as_bytes(&buf)),
            (3, &b"abc"[..])
        );
        Buffer::truncate(&mut buf, 1);
        assert_eq!(Buffer::as_bytes(&buf), b"a");
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn capped_bytes_refuse_past_their_cap_and_keep_their_contents() {
        let mut bytes = CappedBytes::new(3);
        assert_eq!(bytes.try_extend(b"ab"), Ok(()));
        assert_eq!(bytes.try_extend(b"cd"), Err(Full));
        assert_eq!(bytes.try_extend(b"c"), Ok(()));
        assert_eq!(bytes.try_extend(b""), Ok(()));
        assert_eq!(bytes.try_extend(b"d"), Err(Full));
        assert_eq!(bytes.as_bytes(), b"abc");
        bytes.truncate(1);
        assert_eq!(bytes.as_bytes(), b"a");
        bytes.clear();
        assert!(Buffer::is_empty(&bytes));
    }

    #[cfg(feature = "alloc")]
    #[test]
    // Node's WASI runner dies (SIGSEGV) after this test's 16 MiB of
    // reallocations; the property does not depend on the target.
    #[cfg_attr(
        any(miri, target_family = "wasm"),
        ignore = "megabytes of reallocation for an interpreter or Node's WASI; runs natively"
    )]
    fn capped_bytes_never_allocate_past_their_cap() {
        // Fed in pieces, a `Vec` doubles past the cap; the store stops at it.
        for cap in [1, 63, 64, 100, 1000, 4096, 5000] {
            let mut bytes = CappedBytes::new(cap);
            let mut fed = 0;
            for piece in [&[b'x'; 7][..], &[b'y'; 30], &[b'z'; 1]].iter().cycle() {
                if bytes.try_extend(piece).is_err() {
                    break;
                }
                fed += piece.len();
                assert!(
                    bytes.bytes.capacity() <= cap,
                    "cap {cap}: {}",
                    bytes.bytes.capacity()
                );
            }
            assert_eq!(bytes.len(), fed);
        }
        // A cap of 16 MiB fed 8 KiB at a time holds exactly 16 MiB at most.
        let mut bytes = CappedBytes::new(16 << 20);
        while bytes.try_extend(&[0; 8192]).is_ok() {}
        assert_eq!((bytes.len(), bytes.bytes.capacity()), (16 << 20, 16 << 20));
    }

    #[test]
    fn text_stops_where_bytes_stop_being_utf8() {
        assert_eq!(text("h\u{e9}".as_bytes()), "h\u{e9}");
        assert_eq!(text(b"ok\xFFno"), "ok");
        assert_eq!(text(b"ab\xC3"), "ab");
    }
}
