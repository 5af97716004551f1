//! The JSON-RPC 2.0 envelope (docs/protocol.md, section 3): what kind of message a value is, and
//! whether it is well formed.

use serde_json::{json, Map, Value};

use crate::errors::{RpcError, INVALID_REQUEST};

/// A request id: a string or an integer (`null` and fractions are refused).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Id {
    Int(i64),
    UInt(u64),
    Str(String),
}

impl Id {
    pub fn from_json(value: &Value) -> Option<Id> {
        match value {
            Value::String(s) => Some(Id::Str(s.clone())),
            Value::Number(n) => n.as_i64().map(Id::Int).or_else(|| n.as_u64().map(Id::UInt)),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Id::Int(n) => json!(n),
            Id::UInt(n) => json!(n),
            Id::Str(s) => json!(s),
        }
    }
}

/// One message, classified.
pub enum Incoming {
    Request {
        id: Id,
        method: String,
        params: Option<Value>,
    },
    Notification {
        method: String,
        params: Option<Value>,
    },
    /// The answer to one of our requests: its id and its result or error.
    Response {
        id: Option<Id>,
        outcome: Result<Value, RpcError>,
    },
}

/// Classifies a message; an invalid one gives the error response to send (never for a response).
pub fn classify(message: Value) -> Result<Incoming, Option<Value>> {
    let Value::Object(mut fields) = message else {
        return Err(Some(invalid(Value::Null, "", "a message must be an object")));
    };
    if !fields.contains_key("method") {
        if let Some(error) = fields.get("error") {
            let id = fields.get("id").and_then(Id::from_json);
            return Ok(Incoming::Response { id, outcome: Err(RpcError::from_json(error)) });
        }
        if let Some(result) = fields.remove("result") {
            let id = fields.get("id").and_then(Id::from_json);
            return Ok(Incoming::Response { id, outcome: Ok(result) });
        }
        let id = fields.get("id").and_then(Id::from_json).map_or(Value::Null, |id| id.to_json());
        return Err(Some(invalid(id, "", "neither a request nor a response")));
    }
    let reply_id = fields.get("id").and_then(Id::from_json).map_or(Value::Null, |id| id.to_json());
    if let Some((path, problem)) = envelope_problem(&fields) {
        return Err(Some(invalid(reply_id, &path, &problem)));
    }
    let Some(Value::String(method)) = fields.remove("method") else { unreachable!("checked above") };
    let params = fields.remove("params");
    Ok(match fields.get("id").and_then(Id::from_json) {
        Some(id) => Incoming::Request { id, method, params },
        None => Incoming::Notification { method, params },
    })
}

fn envelope_problem(fields: &Map<String, Value>) -> Option<(String, String)> {
    if fields.get("jsonrpc") != Some(&json!("2.0")) {
        return Some(("/jsonrpc".into(), r#""jsonrpc" must be "2.0""#.into()));
    }
    if !fields["method"].is_string() {
        return Some(("/method".into(), r#""method" must be a string"#.into()));
    }
    if let Some(id) = fields.get("id") {
        if Id::from_json(id).is_none() {
            return Some(("/id".into(), r#""id" must be a string or an integer"#.into()));
        }
    }
    if let Some(params) = fields.get("params") {
        if !params.is_object() && !params.is_array() {
            return Some(("/params".into(), r#""params" must be an object or an array"#.into()));
        }
    }
    fields
        .keys()
        .find(|key| !matches!(key.as_str(), "jsonrpc" | "method" | "id" | "params"))
        .map(|key| (format!("/{key}"), format!("unexpected member \"{key}\"")))
}

fn invalid(id: Value, path: &str, problem: &str) -> Value {
    RpcError::new(INVALID_REQUEST, format!("Invalid Request: {problem}"))
        .with_data(json!({ "path": path }))
        .response(id)
}
