// echo-bot: the smallest role plugin. It returns each task's input as the task's result.
//
// Run it by hand:
//   node dist/scripts/agent-worker.js --plugin examples/echo-bot/plugin.js
// then type (one line each):
//   {"jsonrpc":"2.0","id":1,"method":"initialize","params":{...}}      (see docs/protocol.md)
//   {"jsonrpc":"2.0","id":2,"method":"task/run","params":{"task":{"id":"t1","kind":"echo","input":"hi"}}}

/** @type {import('codex-fleet/plugin').WorkerPlugin} */
const plugin = {
  name: 'echo-bot',
  version: '1.0.0',

  init(ctx) {
    ctx.log(`echo-bot ready in ${ctx.workspace}`);
  },

  async onTask(task, ctx) {
    await ctx.progress('echoing', 1);
    ctx.setSummary(`echoed the input of task ${task.id}`);
    return task.input;
  },

  shutdown() {},
};

export default plugin;
