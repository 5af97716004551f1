//! A codex fleet worker in Rust, written from docs/protocol.md: JSON-RPC 2.0, one message per line,
//! on stdin/stdout; diagnostics on stderr. No async runtime: the main thread reads and dispatches,
//! each task runs on a thread of its own, and every thread writes whole lines under one lock.
//!
//! Task kinds: `summarise` (a workspace file or text, through a streamed model reply), `count` (no
//! model needed), and the conformance kit's `conformance.*` kinds.
//!
//!     cargo build --release
//!     codex fleet conformance -- examples/rust-worker/target/release/rust-worker

mod calls;
mod envelope;
mod errors;
mod framing;
mod output;
mod params;
mod task;
mod tasks;
mod worker;

use std::io::{self, Write};

use serde_json::json;

use crate::errors::{RpcError, MESSAGE_TOO_LARGE};
use crate::framing::{Frame, LineReader, MAX_LINE_BYTES};
use crate::worker::Worker;

/// A line on stderr, which the supervisor keeps for the user (stdout carries only messages).
pub fn diag(message: &str) {
    let _ = writeln!(io::stderr(), "rust-worker: {message}");
}

fn main() {
    let worker = Worker::new();
    let mut reader = LineReader::new(io::stdin().lock());
    loop {
        match reader.next_frame() {
            Ok(Some(Frame::Line(line))) => worker.handle_line(&line),
            Ok(Some(Frame::TooLong)) => {
                let error = RpcError::new(
                    MESSAGE_TOO_LARGE,
                    format!("Message too large: a line passed the limit of {MAX_LINE_BYTES} bytes and was discarded"),
                )
                .with_data(json!({ "limit": MAX_LINE_BYTES }));
                let _ = worker.out.send(&error.response(serde_json::Value::Null));
            }
            Ok(None) => break,
            Err(e) => {
                diag(&format!("cannot read stdin: {e}"));
                break;
            }
        }
    }
    worker.end_of_input()
}
