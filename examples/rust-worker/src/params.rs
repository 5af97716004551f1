//! The params of the requests the worker serves, checked against docs/protocol/*.schema.json before
//! use. A problem is reported as InvalidParams with `data.path`, the JSON Pointer of the bad field.

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::errors::{RpcError, INVALID_PARAMS};

/// `initialize` params: the fields this worker uses (the rest is checked, then ignored).
#[derive(Debug, Deserialize)]
pub struct InitializeParams {
    pub protocol_version: String,
    pub workspace: String,
    pub agent: Agent,
}

#[derive(Debug, Deserialize)]
pub struct Agent {
    pub name: String,
    pub max_tokens: u64,
}

/// `task/run` params.
#[derive(Debug, Deserialize)]
pub struct TaskRunParams {
    pub task: Task,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Task {
    pub id: String,
    pub kind: String,
    pub input: Value,
    pub workdir: Option<String>,
}

/// Checks `params` against the method's schema and reads them into `T`.
pub fn parse<T: for<'de> Deserialize<'de>>(method: &str, params: Option<Value>) -> Result<T, RpcError> {
    let params = params.unwrap_or_else(|| json!({}));
    let checked = match method {
        "initialize" => check_initialize(&params),
        "task/run" => check_task_run(&params),
        _ => object(&params, "/params", &[], Some(&[])).map(|_| ()),
    };
    checked.and_then(|()| serde_json::from_value(params).map_err(|e| Problem::new("/params", e.to_string()))).map_err(
        |p| {
            RpcError::new(INVALID_PARAMS, format!("Invalid params for \"{method}\": {}: {}", p.path, p.message))
                .with_data(json!({ "path": p.path, "message": p.message }))
        },
    )
}

struct Problem {
    path: String,
    message: String,
}

impl Problem {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { path: path.into(), message: message.into() }
    }
}

type Checked<T = ()> = Result<T, Problem>;

/// An object with these required members; `allowed` lists the only other members it may have (`None`:
/// any).
fn object<'a>(
    value: &'a Value,
    path: &str,
    required: &[&str],
    allowed: Option<&[&str]>,
) -> Checked<&'a Map<String, Value>> {
    let map = value.as_object().ok_or_else(|| Problem::new(path, "Expected object"))?;
    if let Some(missing) = required.iter().find(|key| !map.contains_key(**key)) {
        return Err(Problem::new(format!("{path}/{missing}"), "Expected required property"));
    }
    if let Some(allowed) = allowed {
        if let Some(extra) =
            map.keys().find(|key| !required.contains(&key.as_str()) && !allowed.contains(&key.as_str()))
        {
            return Err(Problem::new(format!("{path}/{extra}"), "Unexpected property"));
        }
    }
    Ok(map)
}

fn expect(ok: bool, path: &str, key: &str, what: &str) -> Checked {
    if ok {
        Ok(())
    } else {
        Err(Problem::new(format!("{path}/{key}"), format!("Expected {what}")))
    }
}

fn string(map: &Map<String, Value>, path: &str, key: &str, non_empty: bool) -> Checked {
    let ok = map[key].as_str().is_some_and(|s| !non_empty || !s.is_empty());
    expect(ok, path, key, if non_empty { "a non-empty string" } else { "a string" })
}

fn integer(map: &Map<String, Value>, path: &str, key: &str, min: i64) -> Checked {
    let ok = map[key].as_i64().is_some_and(|n| n >= min) || map[key].is_u64();
    expect(ok, path, key, &format!("an integer >= {min}"))
}

fn number(map: &Map<String, Value>, path: &str, key: &str) -> Checked {
    expect(map[key].is_number(), path, key, "a number")
}

fn boolean(map: &Map<String, Value>, path: &str, key: &str) -> Checked {
    expect(map[key].is_boolean(), path, key, "a boolean")
}

fn strings(value: &Value, path: &str, non_empty: bool) -> Checked {
    let list = value.as_array().ok_or_else(|| Problem::new(path, "Expected array"))?;
    if non_empty && list.is_empty() {
        return Err(Problem::new(path, "Expected at least one item"));
    }
    match list.iter().position(|item| !item.is_string()) {
        Some(i) => Err(Problem::new(format!("{path}/{i}"), "Expected a string")),
        None => Ok(()),
    }
}

fn check_initialize(params: &Value) -> Checked {
    let required = ["protocol_version", "supervisor", "agent", "workspace", "limits", "capabilities"];
    let p = object(params, "/params", &required, Some(&["plugin"]))?;
    let version_ok = p["protocol_version"].as_str().is_some_and(|v| {
        v.split_once('.').is_some_and(|(major, minor)| {
            [major, minor].iter().all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        })
    });
    expect(version_ok, "/params", "protocol_version", "a string \"MAJOR.MINOR\"")?;
    string(p, "/params", "workspace", true)?;
    if p.contains_key("plugin") {
        string(p, "/params", "plugin", true)?;
    }

    let supervisor = object(&p["supervisor"], "/params/supervisor", &["name", "version"], None)?;
    string(supervisor, "/params/supervisor", "name", true)?;
    string(supervisor, "/params/supervisor", "version", false)?;

    let at = "/params/agent";
    let agent = object(
        &p["agent"],
        at,
        &["name", "role", "model", "max_tokens", "cost_budget", "allowed_syscalls", "exec"],
        None,
    )?;
    string(agent, at, "name", true)?;
    string(agent, at, "role", false)?;
    string(agent, at, "model", false)?;
    integer(agent, at, "max_tokens", 1)?;
    expect(agent["cost_budget"].as_f64().is_some_and(|n| n >= 0.0), at, "cost_budget", "a number >= 0")?;
    strings(&agent["allowed_syscalls"], "/params/agent/allowed_syscalls", false)?;
    let rules = agent["exec"].as_array().ok_or_else(|| Problem::new("/params/agent/exec", "Expected array"))?;
    for (i, rule) in rules.iter().enumerate() {
        let at = format!("/params/agent/exec/{i}");
        let rule = object(rule, &at, &["command", "allow_extra_args", "timeout_s"], None)?;
        strings(&rule["command"], &format!("{at}/command"), true)?;
        boolean(rule, &at, "allow_extra_args")?;
        number(rule, &at, "timeout_s")?;
    }

    let at = "/params/limits";
    let limits = object(
        &p["limits"],
        at,
        &["max_line_bytes", "max_turns", "wall_time_s", "memory_mb", "exec_output_bytes"],
        None,
    )?;
    integer(limits, at, "max_line_bytes", 1)?;
    integer(limits, at, "max_turns", 1)?;
    expect(limits["wall_time_s"].as_f64().is_some_and(|n| n > 0.0), at, "wall_time_s", "a number > 0")?;
    integer(limits, at, "memory_mb", 1)?;
    integer(limits, at, "exec_output_bytes", 0)?;

    let at = "/params/capabilities";
    let capabilities = object(&p["capabilities"], at, &["model_streaming", "exec", "commit"], None)?;
    for key in ["model_streaming", "exec", "commit"] {
        boolean(capabilities, at, key)?;
    }
    Ok(())
}

fn check_task_run(params: &Value) -> Checked {
    object(params, "/params", &["task"], Some(&[]))?;
    let at = "/params/task";
    let task = object(&params["task"], at, &["id", "kind", "input"], Some(&["title", "workdir", "deadline_ms"]))?;
    string(task, at, "id", true)?;
    string(task, at, "kind", true)?;
    if task.contains_key("title") {
        string(task, at, "title", false)?;
    }
    if task.contains_key("workdir") {
        string(task, at, "workdir", true)?;
    }
    if task.contains_key("deadline_ms") {
        integer(task, at, "deadline_ms", 0)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_bad_field_of_a_task() {
        let err = parse::<TaskRunParams>("task/run", Some(json!({ "task": { "id": 7, "kind": "k", "input": 1 } })))
            .unwrap_err();
        assert_eq!(err.code, INVALID_PARAMS);
        assert_eq!(err.data.unwrap()["path"], "/params/task/id");
    }

    #[test]
    fn refuses_members_an_empty_params_object_may_not_have() {
        let err = parse::<Map<String, Value>>("shutdown", Some(json!({ "now": true }))).unwrap_err();
        assert_eq!(err.data.unwrap()["path"], "/params/now");
    }
}
