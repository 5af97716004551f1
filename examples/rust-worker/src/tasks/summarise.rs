//! `summarise`: a file of the workspace (or text) summarised by the model, whose reply is streamed
//! back piece by piece (`model/complete` with `model/delta`), reported as progress while it arrives,
//! and held to the word limit the task asked for.

use serde::Deserialize;
use serde_json::json;

use super::{input, source};
use crate::task::{Message, TaskContext, TaskError, TaskResult};

/// Of a long file, only the start goes into the prompt (32 KiB), to keep a call cheap.
const MAX_PROMPT_BYTES: usize = 32 * 1024;
const DEFAULT_WORDS: usize = 60;
const MAX_WORDS: usize = 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SummariseInput {
    path: Option<String>,
    text: Option<String>,
    /// The most words the summary may have (default 60).
    words: Option<usize>,
}

pub fn run(ctx: &TaskContext) -> TaskResult {
    let request: SummariseInput = input(ctx)?;
    let words = request.words.unwrap_or(DEFAULT_WORDS);
    if words == 0 || words > MAX_WORDS {
        return Err(TaskError::Failed(format!("\"words\" must be from 1 to {MAX_WORDS}, got {words}")));
    }
    let source = source::load(ctx, request.path.as_deref(), request.text.as_deref())?;
    let excerpt = prefix(&source.text, MAX_PROMPT_BYTES);
    let cut = source.truncated || excerpt.len() < source.text.len();
    ctx.log(
        "info",
        &format!("summarising {} ({} bytes{})", source.name, source.text.len(), if cut { ", cut" } else { "" }),
    );
    ctx.progress(&format!("asking the model to summarise {}", source.name), Some(0.1));

    let system = format!(
        "You summarise files for a software developer. Answer with plain prose of at most {words} words: \
         what the file is for and what stands out. No preamble."
    );
    let user =
        format!("Summarise {}{}:\n\n{excerpt}", source.name, if cut { " (only its beginning is shown)" } else { "" });
    // Tokens are not words, but about 4/3 of a token per word plus room is enough for the summary.
    let max_tokens = (words as u64 * 2).max(32);
    let mut streamed = String::new();
    let mut pieces = 0usize;
    let reply = ctx.complete(
        &[Message { role: "system", content: &system }, Message { role: "user", content: &user }],
        Some(max_tokens),
        |text| {
            streamed.push_str(text);
            pieces += 1;
            if pieces == 1 {
                ctx.progress("the model is replying", Some(0.5));
            }
        },
    )?;
    if streamed != reply.text {
        ctx.log("warn", "the streamed pieces differ from the final reply; using the final reply");
    }
    let (summary, shortened) = at_most_words(reply.text.trim(), words);
    ctx.progress("summary ready", Some(1.0));
    Ok(json!({
        "source": source.name,
        "summary": summary,
        "words": summary.split_whitespace().count(),
        "complete": reply.finish_reason == "stop" && !shortened,
        "input_cut": cut,
        "model": reply.model,
        "usage": reply.usage,
        "cost_usd": reply.cost_usd,
    }))
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let end = (0..=max).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    &text[..end]
}

/// The text cut to `max` words (with "…" when cut), and whether it was cut.
fn at_most_words(text: &str, max: usize) -> (String, bool) {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max {
        return (words.join(" "), false);
    }
    (format!("{}…", words[..max].join(" ")), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_on_a_character_boundary() {
        assert_eq!(prefix("héllo", 2), "h");
        assert_eq!(prefix("héllo", 3), "hé");
    }

    #[test]
    fn holds_a_reply_to_the_word_limit() {
        assert_eq!(at_most_words("one  two\nthree", 3), ("one two three".to_string(), false));
        assert_eq!(at_most_words("one two three four", 2), ("one two…".to_string(), true));
    }
}
