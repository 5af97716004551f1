//! `count`: lines, words, characters and bytes of a workspace file or of text, like `wc`. It needs no
//! model, so it runs in a fleet whose supervisor serves no model calls.

use serde::Deserialize;
use serde_json::json;

use super::{input, source};
use crate::task::{TaskContext, TaskResult};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CountInput {
    path: Option<String>,
    text: Option<String>,
}

pub fn run(ctx: &TaskContext) -> TaskResult {
    let request: CountInput = input(ctx)?;
    let source = source::load(ctx, request.path.as_deref(), request.text.as_deref())?;
    ctx.progress(&format!("counting {}", source.name), Some(0.5));
    let text = &source.text;
    Ok(json!({
        "source": source.name,
        "lines": text.lines().count(),
        "words": text.split_whitespace().count(),
        "chars": text.chars().count(),
        "bytes": text.len(),
        "truncated": source.truncated,
    }))
}
