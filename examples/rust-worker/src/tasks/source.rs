//! The text a task works on: a file inside the workspace, or text given in the task's input.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::task::{TaskContext, TaskError, TaskResult};

/// At most this much of a file is read (1 MiB).
pub const MAX_SOURCE_BYTES: u64 = 1024 * 1024;

pub struct Source {
    /// The path as the task gave it, or "(text)".
    pub name: String,
    pub text: String,
    /// The file was longer than `MAX_SOURCE_BYTES` and was cut.
    pub truncated: bool,
}

/// `path` is relative to the task's workdir (or the workspace when the task has none) and must stay
/// inside the workspace; exactly one of `path` and `text` is given.
pub fn load(ctx: &TaskContext, path: Option<&str>, text: Option<&str>) -> TaskResult<Source> {
    match (path, text) {
        (Some(path), None) => read_file(ctx, path),
        (None, Some(text)) => Ok(Source { name: "(text)".into(), text: text.to_string(), truncated: false }),
        _ => Err(TaskError::Failed(r#"give exactly one of "path" (a file in the workspace) and "text""#.into())),
    }
}

fn read_file(ctx: &TaskContext, path: &str) -> TaskResult<Source> {
    let cannot = |what: &str, e: std::io::Error| TaskError::Failed(format!("cannot {what} \"{path}\": {e}"));
    let base = ctx.task.workdir.as_deref().map_or(ctx.workspace.as_path(), Path::new);
    let workspace = ctx.workspace.canonicalize().map_err(|e| cannot("resolve the workspace for", e))?;
    let full = base.join(path).canonicalize().map_err(|e| cannot("find", e))?;
    if !full.starts_with(&workspace) {
        return Err(TaskError::Failed(format!(
            "\"{path}\" is outside the workspace {}: a worker reads only its own workspace",
            workspace.display()
        )));
    }
    let mut bytes = Vec::new();
    File::open(&full)
        .and_then(|file| file.take(MAX_SOURCE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| cannot("read", e))?;
    let truncated = bytes.len() as u64 > MAX_SOURCE_BYTES;
    bytes.truncate(MAX_SOURCE_BYTES as usize);
    Ok(Source { name: path.to_string(), text: String::from_utf8_lossy(&bytes).into_owned(), truncated })
}
