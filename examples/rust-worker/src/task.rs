//! What a running task can do: report progress and log lines, and call the supervisor's services
//! (a streamed model reply, a command, a commit). Each task runs on its own thread and waits on its
//! own inbox, so the read loop goes on serving `ping`, cancellation and the answers to its calls.

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::calls::{Calls, Event};
use crate::envelope::Id;
use crate::errors::RpcError;
use crate::output::Output;
use crate::params::Task;

/// Why a task did not produce an output.
#[derive(Debug)]
pub enum TaskError {
    /// The supervisor cancelled it.
    Cancelled,
    /// A service answered one of its calls with an error it did not handle.
    Service(RpcError),
    /// It failed on its own (bad input, a file it cannot read, …).
    Failed(String),
}

impl From<RpcError> for TaskError {
    fn from(error: RpcError) -> Self {
        TaskError::Service(error)
    }
}

pub type TaskResult<T = Value> = Result<T, TaskError>;

/// A chat message for `model/complete`.
#[derive(Debug, Serialize)]
pub struct Message<'a> {
    pub role: &'a str,
    pub content: &'a str,
}

/// The result of `model/complete`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ModelReply {
    pub text: String,
    pub finish_reason: String,
    pub model: String,
    pub usage: Usage,
    pub cost_usd: f64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// The result of `exec/run` (the fields this worker reads).
#[derive(Debug, Deserialize)]
pub struct ExecResult {
    pub exit_code: Option<i64>,
    pub stdout: String,
}

/// The result of `commit/request`.
#[derive(Debug, Deserialize)]
pub struct CommitResult {
    pub sha: String,
}

pub struct TaskContext<'a> {
    pub task: Task,
    /// The workspace the supervisor gave in `initialize`: the only place this worker may touch.
    pub workspace: PathBuf,
    request_id: Id,
    out: &'a Output,
    calls: &'a Calls,
    inbox: Receiver<Event>,
    inbox_sender: Sender<Event>,
    cancelled: Cell<bool>,
}

impl<'a> TaskContext<'a> {
    pub fn new(
        task: Task,
        workspace: PathBuf,
        request_id: Id,
        out: &'a Output,
        calls: &'a Calls,
        inbox: (Sender<Event>, Receiver<Event>),
    ) -> Self {
        let (inbox_sender, inbox) = inbox;
        TaskContext { task, workspace, request_id, out, calls, inbox, inbox_sender, cancelled: Cell::new(false) }
    }

    /// A `log` notification charged to this task.
    pub fn log(&self, level: &str, message: &str) {
        let _ = self.out.notify("log", json!({ "level": level, "message": message, "task_id": self.task.id }));
    }

    /// A `task/progress` notification: part of the stream of this task's `task/run`.
    pub fn progress(&self, message: &str, fraction: Option<f64>) {
        let mut params =
            json!({ "request_id": self.request_id.to_json(), "task_id": self.task.id, "message": message });
        if let Some(fraction) = fraction {
            params["fraction"] = json!(fraction.clamp(0.0, 1.0));
        }
        let _ = self.out.notify("task/progress", params);
    }

    /// Asks the model, streaming: `on_delta` sees each piece of the reply as it arrives.
    pub fn complete(
        &self,
        messages: &[Message],
        max_tokens: Option<u64>,
        on_delta: impl FnMut(&str),
    ) -> TaskResult<ModelReply> {
        let mut params = json!({ "messages": messages, "stream": true });
        if let Some(max_tokens) = max_tokens {
            params["max_tokens"] = json!(max_tokens);
        }
        self.call("model/complete", params, on_delta)
    }

    /// Asks the supervisor to run a command on the agent's exec allow-list.
    pub fn exec(&self, argv: &[String]) -> TaskResult<ExecResult> {
        self.call("exec/run", json!({ "argv": argv }), |_| ())
    }

    /// Asks the supervisor to commit `paths` of the task's worktree.
    pub fn commit(&self, message: &str, paths: &[String]) -> TaskResult<CommitResult> {
        self.call("commit/request", json!({ "message": message, "paths": paths }), |_| ())
    }

    /// Blocks until the supervisor cancels this task.
    pub fn wait_for_cancel(&self) -> TaskError {
        while !self.cancelled.get() {
            if matches!(self.inbox.recv(), Ok(Event::Cancel) | Err(_)) {
                self.cancelled.set(true);
            }
        }
        TaskError::Cancelled
    }

    /// Sends a request carrying this task's id and waits for its answer, handing stream pieces to
    /// `on_delta`. On cancellation it tells the supervisor (`$/cancelRequest`) and gives up at once.
    fn call<T: for<'de> Deserialize<'de>>(
        &self,
        method: &str,
        mut params: Value,
        mut on_delta: impl FnMut(&str),
    ) -> TaskResult<T> {
        if self.cancelled.get() {
            return Err(TaskError::Cancelled);
        }
        params["task_id"] = json!(self.task.id);
        let id = self.calls.register(self.inbox_sender.clone());
        if let Err(error) = self.out.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })) {
            self.calls.forget(id);
            return Err(TaskError::Failed(format!("cannot send {method}: {}", error.message)));
        }
        loop {
            match self.inbox.recv() {
                Ok(Event::Delta { call, text }) if call == id => on_delta(&text),
                Ok(Event::Answer { call, outcome }) if call == id => {
                    return serde_json::from_value(outcome?).map_err(|e| {
                        TaskError::Failed(format!(
                            "the supervisor's answer to {method} does not match the protocol: {e}"
                        ))
                    });
                }
                Ok(Event::Cancel) | Err(_) => {
                    self.calls.forget(id);
                    self.cancelled.set(true);
                    let _ = self.out.notify("$/cancelRequest", json!({ "id": id }));
                    return Err(TaskError::Cancelled);
                }
                Ok(_) => {} // a late piece of a call given up before: ignore
            }
        }
    }
}
