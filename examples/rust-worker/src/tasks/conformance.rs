//! The task kinds the conformance kit runs (docs/protocol.md, section 7).

use serde::Deserialize;
use serde_json::json;

use super::input;
use crate::task::{Message, TaskContext, TaskError, TaskResult};

#[derive(Debug, Deserialize)]
struct ServicesInput {
    prompt: String,
    argv: Vec<String>,
    commit: CommitInput,
}

#[derive(Debug, Deserialize)]
struct CommitInput {
    message: String,
    paths: Vec<String>,
}

/// Every service once: log, progress, a streamed model reply, a command and a commit.
pub fn services(ctx: &TaskContext) -> TaskResult {
    let request: ServicesInput = input(ctx)?;
    ctx.log("info", "conformance: services task started");
    ctx.progress("started", Some(0.0));
    let mut deltas = Vec::new();
    let reply = ctx
        .complete(&[Message { role: "user", content: &request.prompt }], None, |text| deltas.push(text.to_string()))?;
    ctx.progress("the model replied", Some(0.5));
    let ran = ctx.exec(&request.argv)?;
    let committed = ctx.commit(&request.commit.message, &request.commit.paths)?;
    ctx.progress("done", Some(1.0));
    Ok(json!({
        "deltas": deltas,
        "text": reply.text,
        "usage": reply.usage,
        "cost_usd": reply.cost_usd,
        "exec": { "exit_code": ran.exit_code, "stdout": ran.stdout },
        "sha": committed.sha,
    }))
}

#[derive(Debug, Deserialize)]
struct ErrorsInput {
    argv: Vec<String>,
}

/// A command the supervisor refuses: the task reports the error it got instead of failing.
pub fn errors(ctx: &TaskContext) -> TaskResult {
    let request: ErrorsInput = input(ctx)?;
    match ctx.exec(&request.argv) {
        Ok(_) => Ok(json!({ "code": null })),
        Err(TaskError::Service(error)) => Ok(json!({ "code": error.code, "message": error.message })),
        Err(other) => Err(other),
    }
}
