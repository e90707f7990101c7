//! The programs of sse-wire that really speak HTTP, and what they share.
//!
//! [`http`] is a blocking HTTP/1.1 client for plain `http://` URLs, strict
//! and bounded in time and memory whatever the server sends: the transport
//! under the `tail` client. [`serve`] is the demo server, on the crate's
//! server kit, bounded and held to its limits whatever clients send.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod http;
pub mod serve;
