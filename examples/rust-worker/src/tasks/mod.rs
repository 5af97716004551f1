//! The task kinds this worker runs: `summarise` (a file or text, through a streamed model reply),
//! `count` (lines, words and characters, no model needed) and the conformance kit's `conformance.*`.

mod conformance;
mod count;
mod source;
mod summarise;

use serde::Deserialize;

use crate::task::{TaskContext, TaskError, TaskResult};

pub fn run(ctx: &TaskContext) -> TaskResult {
    match ctx.task.kind.as_str() {
        "summarise" => summarise::run(ctx),
        "count" => count::run(ctx),
        "conformance.echo" => Ok(ctx.task.input.clone()),
        "conformance.services" => conformance::services(ctx),
        "conformance.errors" => conformance::errors(ctx),
        "conformance.block" => Err(ctx.wait_for_cancel()),
        other => Err(TaskError::Failed(format!(
            "unknown task kind \"{other}\": this worker runs \"summarise\", \"count\" and the conformance.* kinds"
        ))),
    }
}

/// Reads the task's input as `T`, or fails the task saying what is wrong with it.
fn input<T: for<'de> Deserialize<'de>>(ctx: &TaskContext) -> TaskResult<T> {
    T::deserialize(&ctx.task.input)
        .map_err(|e| TaskError::Failed(format!("bad input for a \"{}\" task: {e}", ctx.task.kind)))
}
