//! The worker's life (docs/protocol.md, section 4): the handshake, one task at a time, shutdown and
//! exit; and the dispatch of every message the read loop hands over.

use std::collections::{HashMap, HashSet};
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::calls::{Calls, Event};
use crate::envelope::{classify, Id, Incoming};
use crate::errors::*;
use crate::output::Output;
use crate::params::{self, InitializeParams, TaskRunParams};
use crate::task::{TaskContext, TaskError};
use crate::tasks;

pub const PROTOCOL_VERSION: &str = "1.0";
/// How long shutdown and the end of input wait for cancelled tasks to answer.
const CANCEL_GRACE: Duration = Duration::from_secs(4);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    New,
    Ready,
    ShuttingDown,
    ShutDown,
}

struct State {
    phase: Phase,
    workspace: PathBuf,
    /// Running tasks by the id of their `task/run` request: where to send `Cancel`.
    tasks: HashMap<Id, Sender<Event>>,
    /// Ids of requests still being handled (tasks and shutdown): a second request with one is refused.
    in_flight: HashSet<Id>,
    /// Tasks whose response is not written yet; the worker does not exit on end of input before they are.
    unanswered: usize,
}

/// Where a response computed later goes: straight to stdout, or into its batch's reply.
type Deliver = Box<dyn FnOnce(Value) + Send>;

/// The answer to a message: none (notifications, responses), one now, or one `Deliver` will get later.
enum Reply {
    None,
    Now(Value),
    Later,
}

pub struct Worker {
    pub out: Output,
    pub calls: Calls,
    state: Mutex<State>,
    /// Signalled whenever a task's response has been written.
    task_answered: Condvar,
}

impl Worker {
    pub fn new() -> Arc<Worker> {
        Arc::new(Worker {
            out: Output::new(),
            calls: Calls::new(),
            state: Mutex::new(State {
                phase: Phase::New,
                workspace: PathBuf::new(),
                tasks: HashMap::new(),
                in_flight: HashSet::new(),
                unanswered: 0,
            }),
            task_answered: Condvar::new(),
        })
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn send(&self, message: &Value) {
        let _ = self.out.send(message);
    }

    /// Handles one line: a message or a batch.
    pub fn handle_line(self: &Arc<Self>, line: &[u8]) {
        let message: Value = match serde_json::from_slice(line) {
            Ok(message) => message,
            Err(e) => {
                let error = RpcError::new(PARSE_ERROR, "Parse error").with_data(json!({ "message": e.to_string() }));
                return self.send(&error.response(Value::Null));
            }
        };
        match message {
            Value::Array(batch) if batch.is_empty() => {
                let error =
                    RpcError::new(INVALID_REQUEST, "Invalid Request: empty batch").with_data(json!({ "path": "" }));
                self.send(&error.response(Value::Null));
            }
            Value::Array(batch) => {
                // Responses to the batch's requests go out together, in one array, once all are ready:
                // the ones ready now, and those that threads (a task, shutdown) send over a channel.
                let (later, results) = mpsc::channel();
                let mut responses = Vec::new();
                let mut waiting = 0;
                for message in batch {
                    let later = later.clone();
                    match self.handle_message(message, Box::new(move |response| drop(later.send(response)))) {
                        Reply::None => {}
                        Reply::Now(response) => responses.push(response),
                        Reply::Later => waiting += 1,
                    }
                }
                let worker = Arc::clone(self);
                let answer = move || {
                    responses.extend(results.iter().take(waiting));
                    if !responses.is_empty() {
                        worker.send(&Value::Array(responses));
                    }
                };
                if waiting == 0 {
                    answer();
                } else {
                    thread::spawn(answer);
                }
            }
            message => {
                let worker = Arc::clone(self);
                if let Reply::Now(response) = self.handle_message(message, Box::new(move |r| worker.send(&r))) {
                    self.send(&response);
                }
            }
        }
    }

    fn handle_message(self: &Arc<Self>, message: Value, deliver: Deliver) -> Reply {
        match classify(message) {
            Err(Some(error)) => Reply::Now(error),
            Err(None) => Reply::None,
            Ok(Incoming::Response { id, outcome }) => {
                self.calls.answer(id, outcome);
                Reply::None
            }
            Ok(Incoming::Notification { method, params }) => {
                self.handle_notification(&method, params.unwrap_or(Value::Null));
                Reply::None
            }
            Ok(Incoming::Request { id, method, params }) => match self.handle_request(&id, &method, params, deliver) {
                Ok(reply) => reply,
                Err(error) => Reply::Now(error.response(id.to_json())),
            },
        }
    }

    fn handle_request(
        self: &Arc<Self>,
        id: &Id,
        method: &str,
        params: Option<Value>,
        deliver: Deliver,
    ) -> Result<Reply, RpcError> {
        let ok = |result: Value| Ok(Reply::Now(json!({ "jsonrpc": "2.0", "id": id.to_json(), "result": result })));
        match method {
            "ping" => {
                params::parse::<Map<String, Value>>(method, params)?;
                return ok(json!({}));
            }
            "initialize" => return ok(self.initialize(params::parse(method, params)?)?),
            "task/run" | "shutdown" => {}
            _ => {
                return Err(RpcError::new(METHOD_NOT_FOUND, format!("Method not found: \"{method}\""))
                    .with_data(json!({ "method": method })))
            }
        }
        let task = if method == "task/run" {
            Some(params::parse::<TaskRunParams>(method, params)?.task)
        } else {
            params::parse::<Map<String, Value>>(method, params)?;
            None
        };
        let mut state = self.state();
        match state.phase {
            Phase::New => return Err(RpcError::new(NOT_INITIALIZED, "Not initialized: send \"initialize\" first")),
            Phase::ShuttingDown | Phase::ShutDown => {
                return Err(RpcError::new(SHUTTING_DOWN, "The worker is shutting down"))
            }
            Phase::Ready => {}
        }
        if state.in_flight.contains(id) {
            return Err(RpcError::new(
                INVALID_REQUEST,
                format!("Invalid Request: id {} is already in use", id.to_json()),
            )
            .with_data(json!({ "path": "/id" })));
        }
        if task.is_some() && !state.tasks.is_empty() {
            return Err(RpcError::new(BUSY, "Busy: this worker runs one task at a time"));
        }
        state.in_flight.insert(id.clone());
        let worker = Arc::clone(self);
        let id = id.clone();
        match task {
            Some(task) => {
                let inbox = mpsc::channel();
                state.tasks.insert(id.clone(), inbox.0.clone());
                state.unanswered += 1;
                let workspace = state.workspace.clone();
                thread::spawn(move || {
                    let ctx = TaskContext::new(task, workspace, id.clone(), &worker.out, &worker.calls, inbox);
                    let response = task_response(&id, run_task(&ctx));
                    // Free the slot before answering: the supervisor may send the next task at once.
                    let mut state = worker.state();
                    state.tasks.remove(&id);
                    state.in_flight.remove(&id);
                    drop(state);
                    deliver(response);
                    worker.state().unanswered -= 1;
                    worker.task_answered.notify_all();
                });
            }
            None => {
                state.phase = Phase::ShuttingDown;
                thread::spawn(move || {
                    worker.cancel_tasks_and_wait();
                    let mut state = worker.state();
                    state.phase = Phase::ShutDown;
                    state.in_flight.remove(&id);
                    drop(state);
                    deliver(json!({ "jsonrpc": "2.0", "id": id.to_json(), "result": null }));
                });
            }
        }
        Ok(Reply::Later)
    }

    fn initialize(&self, params: InitializeParams) -> Result<Value, RpcError> {
        let mut state = self.state();
        if state.phase != Phase::New {
            return Err(RpcError::new(INVALID_REQUEST, "Invalid Request: \"initialize\" was already received"));
        }
        let major = |version: &str| version.split('.').next().map(str::to_owned);
        if major(&params.protocol_version) != major(PROTOCOL_VERSION) {
            return Err(RpcError::new(
                UNSUPPORTED_PROTOCOL_VERSION,
                format!(
                    "Unsupported protocol version \"{}\": this worker speaks {PROTOCOL_VERSION}",
                    params.protocol_version
                ),
            )
            .with_data(json!({ "supported": [PROTOCOL_VERSION] })));
        }
        state.phase = Phase::Ready;
        state.workspace = PathBuf::from(&params.workspace);
        crate::diag(&format!(
            "serving agent \"{}\" (max_tokens {}) in {}",
            params.agent.name, params.agent.max_tokens, params.workspace
        ));
        Ok(json!({
            "protocol_version": PROTOCOL_VERSION,
            "worker": { "name": "rust-worker", "version": env!("CARGO_PKG_VERSION"), "language": "rust" },
            "capabilities": { "concurrency": 1, "cancellation": true, "conformance": true },
        }))
    }

    fn handle_notification(&self, method: &str, params: Value) {
        match method {
            "exit" => {
                let status = if self.state().phase == Phase::ShutDown { 0 } else { 1 };
                self.out.exit(status);
            }
            "$/cancelRequest" => {
                let Some(id) = params.get("id").and_then(Id::from_json) else { return };
                if let Some(inbox) = self.state().tasks.get(&id) {
                    let _ = inbox.send(Event::Cancel);
                }
            }
            "model/delta" => self.calls.delta(&params),
            _ => {} // notifications are never answered, not even unknown ones
        }
    }

    /// Cancels every running task and waits (a bounded time) until their responses are written.
    fn cancel_tasks_and_wait(&self) {
        let deadline = Instant::now() + CANCEL_GRACE;
        let mut state = self.state();
        for inbox in state.tasks.values() {
            let _ = inbox.send(Event::Cancel);
        }
        while state.unanswered > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                crate::diag("tasks did not stop in time after cancellation");
                break;
            }
            state = self.task_answered.wait_timeout(state, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// The supervisor closed our input: stop the tasks, answer what we can, and leave.
    pub fn end_of_input(&self) -> ! {
        self.cancel_tasks_and_wait();
        let status = if self.state().phase == Phase::ShutDown { 0 } else { 1 };
        self.out.exit(status)
    }
}

/// Runs the task; a panic in it fails the task instead of the worker.
fn run_task(ctx: &TaskContext) -> Result<Value, TaskError> {
    panic::catch_unwind(AssertUnwindSafe(|| tasks::run(ctx))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the task panicked".into());
        Err(TaskError::Failed(format!("panic: {message}")))
    })
}

fn task_response(id: &Id, outcome: Result<Value, TaskError>) -> Value {
    let error = match outcome {
        Ok(output) => return json!({ "jsonrpc": "2.0", "id": id.to_json(), "result": { "output": output } }),
        Err(TaskError::Cancelled) => RpcError::new(REQUEST_CANCELLED, "Request cancelled"),
        Err(TaskError::Service(error)) if error.is_protocol_code() => error,
        Err(TaskError::Service(error)) => failed(&format!("a service refused a call: {error}")),
        Err(TaskError::Failed(message)) => failed(&message),
    };
    error.response(id.to_json())
}

fn failed(message: &str) -> RpcError {
    RpcError::new(TASK_FAILED, format!("Task failed: {message}")).with_data(json!({ "message": message }))
}
