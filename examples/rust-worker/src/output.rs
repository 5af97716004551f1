//! Writing messages: one JSON text and a `\n` per message, written whole and flushed under one lock,
//! because the read loop and every task thread write to the same stdout.

use std::io::{self, Write};
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::errors::{RpcError, MESSAGE_TOO_LARGE};
use crate::framing::MAX_LINE_BYTES;

pub struct Output {
    lock: Mutex<()>,
}

impl Output {
    pub fn new() -> Self {
        Output { lock: Mutex::new(()) }
    }

    /// Sends one message. A response too long for a line is replaced by a MessageTooLarge error for
    /// its request; any other message that long is not sent (the error says so).
    pub fn send(&self, message: &Value) -> Result<(), RpcError> {
        let mut line = serde_json::to_vec(message).expect("a serde_json::Value always serialises");
        if line.len() > MAX_LINE_BYTES {
            let id = message.get("id").filter(|_| message.get("method").is_none());
            match id {
                Some(id) => {
                    let error =
                        RpcError::new(MESSAGE_TOO_LARGE, "Message too large: the response passed the line limit")
                            .with_data(json!({ "limit": MAX_LINE_BYTES }));
                    line = serde_json::to_vec(&error.response(id.clone())).expect("serialises");
                }
                None => return Err(RpcError::new(MESSAGE_TOO_LARGE, "Message too large: not sent")),
            }
        }
        line.push(b'\n');
        let _guard = self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut stdout = io::stdout().lock();
        if stdout.write_all(&line).and_then(|()| stdout.flush()).is_err() {
            // stdout is the only way to the supervisor: when it is gone there is nothing left to do.
            crate::diag("cannot write to stdout: the supervisor is gone; exiting");
            std::process::exit(1);
        }
        Ok(())
    }

    /// Ends the process with `status`, after any line being written is complete.
    pub fn exit(&self, status: i32) -> ! {
        let _guard = self.lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = io::stdout().lock().flush();
        std::process::exit(status)
    }

    /// Sends a notification.
    pub fn notify(&self, method: &str, params: Value) -> Result<(), RpcError> {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }))
    }
}
