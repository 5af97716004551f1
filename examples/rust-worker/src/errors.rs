//! The protocol's error codes (docs/protocol.md, section 6) and the error value that travels on the wire.

use serde_json::{json, Value};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
pub const REQUEST_CANCELLED: i64 = -32001;
pub const NOT_INITIALIZED: i64 = -32002;
pub const MESSAGE_TOO_LARGE: i64 = -32003;
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32004;
pub const SHUTTING_DOWN: i64 = -32005;
pub const TASK_FAILED: i64 = -32010;
pub const BUSY: i64 = -32011;

/// A JSON-RPC error: one we answer a request with, or one the supervisor answered ours with.
#[derive(Debug, Clone)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        RpcError { code, message: message.into(), data: None }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// Reads the `error` member of a response; a malformed one becomes an InternalError.
    pub fn from_json(error: &Value) -> Self {
        let code = error.get("code").and_then(Value::as_i64).unwrap_or(INTERNAL_ERROR);
        let message = error.get("message").and_then(Value::as_str).unwrap_or("(no message)");
        RpcError { code, message: message.to_string(), data: error.get("data").cloned() }
    }

    /// True for the codes this protocol defines (-32000 to -32099), which a task passes on unchanged.
    pub fn is_protocol_code(&self) -> bool {
        (-32099..=-32000).contains(&self.code)
    }

    pub fn to_json(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        error
    }

    /// The error response to the request `id` (`Value::Null` when the id could not be read).
    pub fn response(&self, id: Value) -> Value {
        json!({ "jsonrpc": "2.0", "id": id, "error": self.to_json() })
    }
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}
