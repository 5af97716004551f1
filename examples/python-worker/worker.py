#!/usr/bin/env python3
"""A codex fleet worker in Python 3, standard library only, written from docs/protocol.md.

It speaks JSON-RPC 2.0, one message per line, on stdin/stdout, and logs to stderr. It uses nothing a
worker sandbox refuses: no subprocess, no sockets (so no asyncio, whose event loop opens a socket pair),
only plain threads. Tasks run on their own threads so the read loop keeps serving ping, cancellation and
the answers to the worker's own requests.

Its own task kind, "reverse", returns its text input reversed after asking the model for a comment;
the "conformance.*" kinds are the ones docs/protocol.md, section 7, asks for.

    codex fleet conformance -- /usr/bin/python3 examples/python-worker/worker.py
"""

import json
import os
import re
import sys
import threading

PROTOCOL_VERSION = "1.1"
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 256  # levels of arrays and objects in one message
READ_CHUNK = 1 << 16
GRACE_S = 5.0

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
REQUEST_CANCELLED = -32001
NOT_INITIALIZED = -32002
MESSAGE_TOO_LARGE = -32003
UNSUPPORTED_VERSION = -32004
SHUTTING_DOWN = -32005
TASK_FAILED = -32010
BUSY = -32011


def log_stderr(text):
    sys.stderr.write("python-worker: %s\n" % text)
    sys.stderr.flush()


class RpcError(Exception):
    """An error to answer a request with (or one the supervisor answered ours with)."""

    def __init__(self, code, message, data=None):
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self):
        error = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class Cancelled(Exception):
    pass


# ---- output --------------------------------------------------------------------------------------

_out_lock = threading.Lock()
_stdout = sys.stdout.buffer


def send(message):
    """Writes one message as one line (threads share stdout, hence the lock)."""
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_LINE_BYTES:
        if "id" in message and ("result" in message or "error" in message):
            data = json.dumps({"jsonrpc": "2.0", "id": message["id"],
                               "error": {"code": MESSAGE_TOO_LARGE, "message": "Message too large"}}).encode()
        else:
            raise RpcError(MESSAGE_TOO_LARGE, "Message too large")
    with _out_lock:
        _stdout.write(data + b"\n")
        _stdout.flush()


def error_response(msg_id, code, message, data=None):
    return {"jsonrpc": "2.0", "id": msg_id, "error": RpcError(code, message, data).to_json()}


# ---- requests to the supervisor ------------------------------------------------------------------

class Outgoing(object):
    def __init__(self, on_stream=None):
        self.done = threading.Event()
        self.result = None
        self.error = None
        self.on_stream = on_stream


_next_id = [0]
_outgoing = {}
_outgoing_lock = threading.Lock()


def call(method, params, on_stream=None, cancel=None):
    """Sends a request and waits for its response; raises RpcError for an error response."""
    with _outgoing_lock:
        _next_id[0] += 1
        req_id = _next_id[0]
        pending = Outgoing(on_stream)
        _outgoing[req_id] = pending
    send({"jsonrpc": "2.0", "id": req_id, "method": method, "params": params})
    while not pending.done.wait(0.05):
        if cancel is not None and cancel.is_set():
            with _outgoing_lock:
                _outgoing.pop(req_id, None)
            send({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": req_id}})
            raise Cancelled()
    if pending.error is not None:
        e = pending.error
        raise RpcError(e.get("code", INTERNAL_ERROR), e.get("message", ""), e.get("data"))
    return pending.result


def notify(method, params):
    send({"jsonrpc": "2.0", "method": method, "params": params})


# ---- tasks ---------------------------------------------------------------------------------------

class TaskContext(object):
    def __init__(self, request_id, task):
        self.request_id = request_id
        self.task = task
        self.cancel = threading.Event()
        # Moved later by "task/deadline" (protocol 1.1) when the task waited for budget.
        self.deadline_ms = task.get("deadline_ms")

    def log(self, message, level="info"):
        notify("log", {"level": level, "message": message, "task_id": self.task["id"]})

    def progress(self, message, fraction=None):
        params = {"request_id": self.request_id, "task_id": self.task["id"], "message": message}
        if fraction is not None:
            params["fraction"] = fraction
        notify("task/progress", params)

    def complete(self, prompt, messages=None, tools=None, tool_choice=None, response_format=None):
        """Streams a model reply; returns (deltas, final result).

        Protocol 1.1: `tools` (function definitions), `tool_choice`, `response_format` (a JSON Schema),
        and `messages` with assistant `tool_calls` and `role: "tool"` results. A reply that asks for tool
        calls has finish_reason "tool_calls" and a "tool_calls" list of {id, name, arguments}. A call the
        agent cannot afford yet simply takes longer: the agent is paused until it is resumed.
        """
        deltas = []
        params = {"messages": messages or [{"role": "user", "content": prompt}], "stream": True,
                  "task_id": self.task["id"]}
        if tools is not None:
            params["tools"] = tools
        if tool_choice is not None:
            params["tool_choice"] = tool_choice
        if response_format is not None:
            params["response_format"] = response_format
        result = call("model/complete", params, on_stream=lambda p: deltas.append(p["text"]), cancel=self.cancel)
        return deltas, result

    def exec(self, argv):
        return call("exec/run", {"argv": argv, "task_id": self.task["id"]}, cancel=self.cancel)

    def commit(self, message, paths):
        return call("commit/request", {"message": message, "paths": paths, "task_id": self.task["id"]},
                    cancel=self.cancel)


def run_task(ctx):
    task = ctx.task
    kind = task["kind"]
    data = task.get("input")
    if kind == "conformance.echo":
        return data
    if kind == "conformance.services":
        ctx.log("conformance: services task started")
        ctx.progress("started", 0)
        deltas, final = ctx.complete(data["prompt"])
        ctx.progress("model replied", 0.5)
        ran = ctx.exec(data["argv"])
        committed = ctx.commit(data["commit"]["message"], data["commit"]["paths"])
        ctx.progress("done", 1)
        return {"deltas": deltas, "text": final["text"], "usage": final["usage"], "cost_usd": final["cost_usd"],
                "exec": {"exit_code": ran["exit_code"], "stdout": ran["stdout"]}, "sha": committed["sha"]}
    if kind == "conformance.errors":
        try:
            ctx.exec(data["argv"])
            return {"code": None}
        except RpcError as e:
            return {"code": e.code, "message": e.message}
    if kind == "conformance.block":
        ctx.cancel.wait()
        raise Cancelled()
    if kind == "reverse":
        text = data if isinstance(data, str) else json.dumps(data)
        _, final = ctx.complete("Comment in one line on reversing: " + text)
        ctx.progress("reversed", 1)
        return {"reversed": text[::-1], "comment": final["text"]}
    raise RpcError(TASK_FAILED, 'Task failed: unknown task kind "%s"' % kind, {"message": "unknown task kind"})


# ---- the worker's state --------------------------------------------------------------------------

_state = {"phase": "new"}  # new -> ready -> shut-down
_tasks = {}  # request id -> TaskContext
_tasks_lock = threading.Lock()
_inflight = {}  # request ids of incoming requests being handled


def _spawn(target, *args):
    t = threading.Thread(target=target, args=args)
    t.daemon = True
    t.start()
    return t


class Deferred(object):
    """A response computed on another thread."""

    def __init__(self):
        self.done = threading.Event()
        self.response = None

    def set(self, response):
        self.response = response
        self.done.set()


def handle_task(req_id, params, deferred):
    task = params["task"]
    ctx = TaskContext(req_id, task)
    with _tasks_lock:
        if _tasks:
            _inflight.pop(req_id, None)
            deferred.set(error_response(req_id, BUSY, "Busy: already running a task"))
            return
        _tasks[req_id] = ctx
    try:
        output = run_task(ctx)
        response = {"jsonrpc": "2.0", "id": req_id, "result": {"output": output}}
    except Cancelled:
        response = error_response(req_id, REQUEST_CANCELLED, "Request cancelled")
    except RpcError as e:
        if -32099 <= e.code <= -32000:
            response = {"jsonrpc": "2.0", "id": req_id, "error": e.to_json()}
        else:
            response = error_response(req_id, TASK_FAILED, "Task failed: " + e.message, {"message": e.message})
    except Exception as e:  # the task's own bug
        response = error_response(req_id, TASK_FAILED, "Task failed: %s" % e,
                                  {"message": str(e), "name": type(e).__name__})
    with _tasks_lock:
        _tasks.pop(req_id, None)
        _inflight.pop(req_id, None)
    deferred.set(response)


def cancel_all_and_wait():
    with _tasks_lock:
        running = list(_tasks.values())
    for ctx in running:
        ctx.cancel.set()
    deadline = GRACE_S
    while deadline > 0:
        with _tasks_lock:
            if not _tasks:
                return
        threading.Event().wait(0.02)
        deadline -= 0.02


def handle_shutdown(req_id, deferred):
    _state["phase"] = "shutting-down"
    cancel_all_and_wait()
    _state["phase"] = "shut-down"
    _inflight.pop(req_id, None)
    deferred.set({"jsonrpc": "2.0", "id": req_id, "result": None})


# ---- validation ----------------------------------------------------------------------------------

VERSION_RE = re.compile(r"^\d+\.\d+$")


def is_id(value):
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def check_object(value, path, required, optional=()):
    """Returns (path, message) of the first problem, or None."""
    if not isinstance(value, dict):
        return path, "Expected object"
    for key in required:
        if key not in value:
            return "%s/%s" % (path, key), "Expected required property"
    for key in value:
        if key not in required and key not in optional:
            return "%s/%s" % (path, key), "Unexpected property"
    return None


def check_initialize(p):
    problem = check_object(p, "/params", ["protocol_version", "supervisor", "agent", "workspace", "limits", "capabilities"],
                           ["plugin"])
    if problem:
        return problem
    if not isinstance(p["protocol_version"], str) or not VERSION_RE.match(p["protocol_version"]):
        return "/params/protocol_version", 'Expected a string "MAJOR.MINOR"'
    for key in ("supervisor", "agent", "limits", "capabilities"):
        if not isinstance(p[key], dict):
            return "/params/" + key, "Expected object"
    if not isinstance(p["workspace"], str) or not p["workspace"]:
        return "/params/workspace", "Expected a non-empty string"
    return None


def check_task_run(p):
    problem = check_object(p, "/params", ["task"])
    if problem:
        return problem
    task = p["task"]
    problem = check_object(task, "/params/task", ["id", "kind", "input"], ["title", "workdir", "deadline_ms"])
    if problem:
        return problem
    for key in ("id", "kind"):
        if not isinstance(task[key], str) or not task[key]:
            return "/params/task/" + key, "Expected a non-empty string"
    return None


def check_empty(p):
    if not isinstance(p, dict):
        return "/params", "Expected object"
    for key in p:
        return "/params/" + key, "Unexpected property"
    return None


# ---- dispatch ------------------------------------------------------------------------------------

def handle_request(req_id, method, params):
    """Returns a response, a Deferred, or None."""
    if params is None:
        params = {}
    if method == "ping":
        return {"jsonrpc": "2.0", "id": req_id, "result": {}}
    if method not in ("initialize", "task/run", "shutdown"):
        return error_response(req_id, METHOD_NOT_FOUND, 'Method not found: "%s"' % method, {"method": method})
    checker = {"initialize": check_initialize, "task/run": check_task_run, "shutdown": check_empty}[method]
    problem = checker(params)
    if problem:
        path, message = problem
        return error_response(req_id, INVALID_PARAMS, "Invalid params for \"%s\": %s: %s" % (method, path, message),
                              {"path": path, "message": message})
    phase = _state["phase"]
    if method == "initialize":
        if phase != "new":
            return error_response(req_id, INVALID_REQUEST, '"initialize" was already received')
        version = params["protocol_version"]
        if version.split(".")[0] != PROTOCOL_VERSION.split(".")[0]:
            return error_response(req_id, UNSUPPORTED_VERSION,
                                  'Unsupported protocol version "%s": this worker speaks %s' % (version, PROTOCOL_VERSION),
                                  {"supported": [PROTOCOL_VERSION]})
        _state["phase"] = "ready"
        _state["agent"] = params["agent"]
        return {"jsonrpc": "2.0", "id": req_id, "result": {
            "protocol_version": PROTOCOL_VERSION,
            "worker": {"name": "python-worker", "version": "1.0.0", "language": "python"},
            "capabilities": {"concurrency": 1, "cancellation": True, "conformance": True}}}
    if phase == "new":
        return error_response(req_id, NOT_INITIALIZED, 'Not initialized: send "initialize" first')
    if phase != "ready":
        return error_response(req_id, SHUTTING_DOWN, "The worker is shutting down")
    if req_id in _inflight:
        return error_response(req_id, INVALID_REQUEST, "Invalid Request: id %s is already in use" % json.dumps(req_id),
                              {"path": "/id"})
    deferred = Deferred()
    _inflight[req_id] = deferred
    if method == "task/run":
        _spawn(handle_task, req_id, params, deferred)
    else:
        _spawn(handle_shutdown, req_id, deferred)
    return deferred


def handle_notification(method, params):
    if method == "exit":
        with _out_lock:
            _stdout.flush()
        os._exit(0 if _state["phase"] == "shut-down" else 1)
    if method == "$/cancelRequest" and isinstance(params, dict):
        with _tasks_lock:
            ctx = _tasks.get(params.get("id"))
        if ctx is not None:
            ctx.cancel.set()
    if method == "task/deadline" and isinstance(params, dict):
        with _tasks_lock:
            for ctx in _tasks.values():
                if ctx.task["id"] == params.get("task_id") and isinstance(params.get("deadline_ms"), int):
                    ctx.deadline_ms = params["deadline_ms"]
    if method == "model/delta" and isinstance(params, dict):
        with _outgoing_lock:
            pending = _outgoing.get(params.get("request_id"))
        if pending is not None and pending.on_stream is not None and isinstance(params.get("text"), str):
            pending.on_stream(params)
    # anything else: notifications are never answered


def handle_response(msg):
    msg_id = msg.get("id")
    if not is_id(msg_id):
        return  # an error about one of our lines (id null) or garbage: never answer a response
    with _outgoing_lock:
        pending = _outgoing.pop(msg_id, None)
    if pending is None:
        return  # unknown or cancelled id: ignore
    error = msg.get("error")
    well_formed = msg.get("jsonrpc") == "2.0" and (("result" in msg) != ("error" in msg)) and (
        "error" not in msg or (isinstance(error, dict) and isinstance(error.get("code"), int)
                               and not isinstance(error.get("code"), bool) and isinstance(error.get("message"), str)))
    if not well_formed:
        # A malformed response still ends the call it names: as a failure, never as a result.
        pending.error = {"code": INVALID_REQUEST, "message": "Invalid response from the supervisor"}
    elif "error" in msg:
        pending.error = error
    else:
        pending.result = msg["result"]
    pending.done.set()


def handle_one(msg):
    """Handles one message; returns a response, a Deferred, or None."""
    if not isinstance(msg, dict):
        return error_response(None, INVALID_REQUEST, "Invalid Request: a message must be an object", {"path": ""})
    if "method" not in msg:
        if "result" in msg or "error" in msg:
            handle_response(msg)
            return None
        return error_response(msg.get("id") if is_id(msg.get("id")) else None, INVALID_REQUEST,
                              "Invalid Request: neither a request nor a response", {"path": ""})
    has_id = "id" in msg
    reply_id = msg["id"] if has_id and is_id(msg["id"]) else None
    problem = None
    if msg.get("jsonrpc") != "2.0":
        problem = ("/jsonrpc", '"jsonrpc" must be "2.0"')
    elif not isinstance(msg["method"], str):
        problem = ("/method", '"method" must be a string')
    elif has_id and not is_id(msg["id"]):
        problem = ("/id", '"id" must be a string or an integer')
    elif "params" in msg and not isinstance(msg["params"], (dict, list)):
        problem = ("/params", '"params" must be an object or an array')
    else:
        for key in msg:
            if key not in ("jsonrpc", "method", "id", "params"):
                problem = ("/" + key, "unexpected member")
                break
    if problem:
        return error_response(reply_id, INVALID_REQUEST, "Invalid Request: " + problem[1], {"path": problem[0]})
    if has_id:
        return handle_request(msg["id"], msg["method"], msg.get("params"))
    handle_notification(msg["method"], msg.get("params"))
    return None


def too_deep_at(value, limit=MAX_DEPTH):
    """JSON Pointer of an array or object deeper than `limit` levels in `value`, or None. No recursion."""
    stack = [(value, 1, "")]
    while stack:
        node, level, path = stack.pop()
        if level > limit:
            return path
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, level + 1, "%s/%s" % (path, str(key).replace("~", "~0").replace("/", "~1"))))
    return None


def refuse_too_deep(msg, path):
    """A message past the depth limit: a request gets -32600; a response fails the call it names."""
    detail = "nested deeper than %d levels of arrays and objects" % MAX_DEPTH
    if isinstance(msg, dict) and "method" not in msg and ("result" in msg or "error" in msg):
        if is_id(msg.get("id")):
            with _outgoing_lock:
                pending = _outgoing.pop(msg["id"], None)
            if pending is not None:
                pending.error = {"code": INVALID_REQUEST, "message": "Invalid response from the supervisor: " + detail}
                pending.done.set()
        return None
    reply_id = msg["id"] if isinstance(msg, dict) and "method" in msg and is_id(msg.get("id")) else None
    return error_response(reply_id, INVALID_REQUEST, "Invalid Request: %s: %s" % (path, detail), {"path": path})


def handle_checked(msg):
    """handle_one, after the depth check."""
    path = too_deep_at(msg)
    return handle_one(msg) if path is None else refuse_too_deep(msg, path)


def finish_batch(items):
    responses = []
    for item in items:
        if isinstance(item, Deferred):
            item.done.wait()
            item = item.response
        if item is not None:
            responses.append(item)
    if responses:
        send(responses)


def finish_one(deferred):
    deferred.done.wait()
    send(deferred.response)


def handle_line(line):
    try:
        msg = json.loads(line.decode("utf-8"))
    except ValueError as e:  # also bad UTF-8
        send(error_response(None, PARSE_ERROR, "Parse error", {"message": str(e)[:200]}))
        return
    except RecursionError:  # far past the depth limit: nothing of it can be read
        send(error_response(None, INVALID_REQUEST, "Invalid Request: nested deeper than %d levels" % MAX_DEPTH, {"path": ""}))
        return
    if isinstance(msg, list):
        if not msg:
            send(error_response(None, INVALID_REQUEST, "Invalid Request: empty batch", {"path": ""}))
            return
        items = [handle_checked(m) for m in msg]
        if any(isinstance(i, Deferred) for i in items):
            _spawn(finish_batch, items)
        else:
            finish_batch(items)
        return
    result = handle_checked(msg)
    if isinstance(result, Deferred):
        _spawn(finish_one, result)
    elif result is not None:
        send(result)


# ---- the read loop -------------------------------------------------------------------------------

def read_loop():
    buf = bytearray()
    discarding = False
    while True:
        chunk = os.read(0, READ_CHUNK)
        if not chunk:
            break
        start = 0
        while True:
            nl = chunk.find(b"\n", start)
            if nl < 0:
                if not discarding:
                    buf += chunk[start:]
                    if len(buf) > MAX_LINE_BYTES:
                        buf = bytearray()
                        discarding = True
                        send(error_response(None, MESSAGE_TOO_LARGE,
                                            "Message too large: a line passed the limit of %d bytes and was discarded"
                                            % MAX_LINE_BYTES, {"limit": MAX_LINE_BYTES}))
                break
            if discarding:
                discarding = False
            else:
                buf += chunk[start:nl]
                if len(buf) > MAX_LINE_BYTES:
                    send(error_response(None, MESSAGE_TOO_LARGE, "Message too large", {"limit": MAX_LINE_BYTES}))
                else:
                    line = bytes(buf).rstrip(b"\r")
                    if line.strip():
                        handle_line(line)
                buf = bytearray()
            start = nl + 1
    if buf and not discarding and bytes(buf).strip():
        handle_line(bytes(buf))
    # The supervisor went away (or closed our input): stop the tasks, answer what we can, leave.
    cancel_all_and_wait()
    with _out_lock:
        _stdout.flush()
    os._exit(0 if _state["phase"] == "shut-down" else 1)


if __name__ == "__main__":
    try:
        read_loop()
    except BrokenPipeError:
        os._exit(1)
    except KeyboardInterrupt:
        os._exit(130)
