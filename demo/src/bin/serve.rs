//! `serve`: the live demo server. See the `serve` module of
//! `sse_wire_demo` for what it serves and its limits.
//!
//! ```text
//! cargo run --release -p sse-wire-demo --bin serve -- [--port N] [--interval-ms MS]
//!     [--retry-ms MS] [--keep-alive-ms MS] [--drop-after N] [--max-clients N]
//!     [--request-timeout-ms MS]
//! ```

use std::io::Write;
use std::process::ExitCode;

use sse_wire_demo::serve::{self, Command, USAGE};

fn main() -> ExitCode {
    match serve::parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Command::Serve(options)) => serve::run(options),
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "serve: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
