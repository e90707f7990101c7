//! Storage for the standard's buffers (data, event type, last event ID).
//!
//! The event parser is generic over where its text lives. [`Buffer`] is the
//! one thing it needs from a store: a string it can append to until a limit,
//! clear and cut back. `heapless::String<N>` is the fixed-capacity store that
//! [`Parser`](crate::Parser) uses.

/// A string with a capacity limit, as the event parser needs it.
///
/// Implemented for [`heapless::String<N>`]. A custom implementation must keep
/// its contents valid (the parser only ever appends whole `&str`s and cuts at
/// lengths it read from [`as_str`](Buffer::as_str)), and must leave its
/// contents unchanged when [`try_push_str`](Buffer::try_push_str) fails.
///
/// ```
/// use sse_wire::Buffer;
/// let mut buf: heapless::String<4> = heapless::String::new();
/// assert!(buf.try_push_str("abc").is_ok());
/// assert!(buf.try_push_str("de").is_err()); // would need 5 bytes
/// assert_eq!(buf.as_str(), "abc");
/// assert_eq!((Buffer::len(&buf), buf.capacity()), (3, 4));
/// assert_eq!(buf.str_from(1), "bc");
/// assert!(!Buffer::is_empty(&buf));
/// ```
pub trait Buffer {
    /// The text stored so far.
    fn as_str(&self) -> &str;
    /// The text after its first `start` bytes (`start` is always a length
    /// this buffer had before); `""` if there is no such text. The parser
    /// uses it to hand out a comment kept after the data, without touching
    /// the data.
    fn str_from(&self, start: usize) -> &str {
        self.as_str().get(start..).unwrap_or_default()
    }
    /// The length of the text in bytes, without looking at the text.
    fn len(&self) -> usize {
        self.as_str().len()
    }
    /// Whether the text is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Appends `text` whole, or fails and changes nothing when the result
    /// would be longer than [`capacity`](Buffer::capacity).
    ///
    /// # Errors
    ///
    /// [`Full`] when `text` does not fit; the buffer is then unchanged.
    fn try_push_str(&mut self, text: &str) -> Result<(), Full>;
    /// Cuts the text back to its first `len` bytes (`len` is always a length
    /// this buffer had before).
    fn truncate(&mut self, len: usize);
    /// Empties the buffer.
    fn clear(&mut self);
    /// The most bytes the buffer will hold.
    fn capacity(&self) -> usize;
}

/// The error of [`Buffer::try_push_str`]: the text did not fit.
///
/// ```
/// use sse_wire::{Buffer, Full};
/// let mut buf: heapless::String<1> = heapless::String::new();
/// assert_eq!(buf.try_push_str("ab"), Err(Full));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

impl<const N: usize> Buffer for heapless::String<N> {
    #[inline]
    fn as_str(&self) -> &str {
        heapless::String::as_str(self)
    }

    #[inline]
    fn len(&self) -> usize {
        heapless::String::as_str(self).len()
    }

    #[inline]
    fn try_push_str(&mut self, text: &str) -> Result<(), Full> {
        self.push_str(text).map_err(|_| Full)
    }

    #[inline]
    fn truncate(&mut self, len: usize) {
        heapless::String::truncate(self, len);
    }

    #[inline]
    fn clear(&mut self) {
        heapless::String::clear(self);
    }

    #[inline]
    fn capacity(&self) -> usize {
        N
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heapless_buffer_reports_its_length() {
        // `len` once resolved to itself and looped forever.
        let mut buf = heapless::String::<8>::new();
        assert_eq!((Buffer::len(&buf), Buffer::is_empty(&buf)), (0, true));
        buf.try_push_str("abc").unwrap();
        assert_eq!((Buffer::len(&buf), buf.str_from(1)), (3, "bc"));
        assert_eq!(buf.str_from(9), "");
    }
}
