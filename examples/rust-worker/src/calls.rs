//! The worker's own requests to the supervisor (`model/complete`, `exec/run`, `commit/request`): ids,
//! the table of calls waiting for an answer, and routing of answers and `model/delta` notifications to
//! the task thread that made the call.
//!
//! Every task thread owns an inbox (a channel). The read loop delivers the answers to its calls there,
//! and so does `$/cancelRequest`, so a task waits on exactly one thing whatever happens next.

use std::collections::HashMap;
use std::sync::mpsc::Sender;
use std::sync::Mutex;

use serde_json::Value;

use crate::envelope::Id;
use crate::errors::RpcError;

/// What a task thread can be told while it waits.
#[derive(Debug)]
pub enum Event {
    /// A piece of the streamed reply to the call `call` (its `model/delta` text).
    Delta { call: u64, text: String },
    /// The answer to the call `call`.
    Answer { call: u64, outcome: Result<Value, RpcError> },
    /// The supervisor cancelled the task (or is shutting the worker down).
    Cancel,
}

pub struct Calls {
    pending: Mutex<(u64, HashMap<u64, Sender<Event>>)>,
}

impl Calls {
    pub fn new() -> Self {
        Calls { pending: Mutex::new((0, HashMap::new())) }
    }

    /// Reserves the next id for a call whose answer goes to `inbox`.
    pub fn register(&self, inbox: Sender<Event>) -> u64 {
        let mut pending = self.pending.lock().unwrap();
        pending.0 += 1;
        let id = pending.0;
        pending.1.insert(id, inbox);
        id
    }

    /// Forgets a call (answered or abandoned); whatever still comes for it is ignored.
    pub fn forget(&self, id: u64) {
        self.pending.lock().unwrap().1.remove(&id);
    }

    /// Routes a response. Responses to ids we are not waiting for are ignored, never answered.
    pub fn answer(&self, id: Option<Id>, outcome: Result<Value, RpcError>) {
        let Some(call) = our_id(id) else { return };
        let inbox = self.pending.lock().unwrap().1.remove(&call);
        if let Some(inbox) = inbox {
            let _ = inbox.send(Event::Answer { call, outcome });
        }
    }

    /// Routes a `model/delta` notification to the call it belongs to; others are ignored.
    pub fn delta(&self, params: &Value) {
        let Some(call) = our_id(params.get("request_id").and_then(Id::from_json)) else { return };
        let Some(text) = params.get("text").and_then(Value::as_str) else { return };
        let pending = self.pending.lock().unwrap();
        if let Some(inbox) = pending.1.get(&call) {
            let _ = inbox.send(Event::Delta { call, text: text.to_string() });
        }
    }
}

fn our_id(id: Option<Id>) -> Option<u64> {
    match id? {
        Id::Int(n) => u64::try_from(n).ok(),
        Id::UInt(n) => Some(n),
        Id::Str(_) => None,
    }
}
