//! What the broadcast's events carry, shared by the server that writes them
//! and the load test that checks them.
//!
//! The data of event number `n` is `"{n} {sent_us} {padding}"`: the event's
//! own sequence number (equal to its ID), the producer's wall clock in
//! microseconds since the Unix epoch when it appended the event (the server
//! and the load test are separate processes on one machine, so they share
//! that clock), and `payload` bytes of padding that depend on `n`, so that a
//! client can tell the data arrived exactly as sent.

use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch by the system clock (0 if the clock is
/// set before 1970).
pub fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_micros()).unwrap_or(u64::MAX))
}

/// The padding byte at `index` of event `n`: a letter that shifts with both.
fn pad_byte(n: u64, index: usize) -> u8 {
    b'a' + ((n.wrapping_add(index as u64)) % 26) as u8
}

/// The data of event `n`, sent at `sent_us`, with `payload` bytes of padding.
pub fn event_data(n: u64, sent_us: u64, payload: usize) -> String {
    let mut data = format!("{n} {sent_us} ");
    data.extend((0..payload).map(|index| char::from(pad_byte(n, index))));
    data
}

/// What is wrong with an event's data, found by [`check_data`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadData {
    /// Not three fields separated by spaces, or a field that is no number.
    Malformed,
    /// The sequence number in the data is not the event's ID.
    WrongNumber,
    /// The padding is not the one event `n` was sent with (or not as long).
    WrongPadding,
}

/// Checks the data of the event with ID `id`, sent with `payload` bytes of
/// padding; returns when it was sent, in microseconds since the Unix epoch.
pub fn check_data(id: u64, data: &str, payload: usize) -> Result<u64, BadData> {
    let mut fields = data.splitn(3, ' ');
    let (Some(n), Some(sent), Some(padding)) = (fields.next(), fields.next(), fields.next()) else {
        return Err(BadData::Malformed);
    };
    let n: u64 = n.parse().map_err(|_| BadData::Malformed)?;
    let sent_us: u64 = sent.parse().map_err(|_| BadData::Malformed)?;
    if n != id {
        return Err(BadData::WrongNumber);
    }
    let expected = padding.len() == payload
        && padding.bytes().enumerate().all(|(index, byte)| byte == pad_byte(n, index));
    if !expected {
        return Err(BadData::WrongPadding);
    }
    Ok(sent_us)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_written_for_an_event_checks_out_with_its_send_time() {
        let data = event_data(41, 1_700_000_000_123_456, 30);
        assert_eq!(data.len(), "41 1700000000123456 ".len() + 30);
        assert_eq!(check_data(41, &data, 30), Ok(1_700_000_000_123_456));
    }

    #[test]
    fn data_of_another_event_or_changed_data_is_caught() {
        let data = event_data(7, 99, 12);
        assert_eq!(check_data(8, &data, 12), Err(BadData::WrongNumber));
        let mut changed = data.clone().into_bytes();
        let last = changed.len() - 1;
        changed[last] = b'#';
        let changed = String::from_utf8(changed).unwrap();
        assert_eq!(check_data(7, &changed, 12), Err(BadData::WrongPadding));
        assert_eq!(check_data(7, &data[..data.len() - 1], 12), Err(BadData::WrongPadding));
        assert_eq!(check_data(7, "7 x abc", 3), Err(BadData::Malformed));
        assert_eq!(check_data(7, "7", 0), Err(BadData::Malformed));
    }
}
