/** The role plugin bench/ipc.ts runs in the Node runner: `echo` returns its input, `stream` sends N progress notifications. */
import { definePlugin } from '../src/worker/plugin.js';

export default definePlugin({
  name: 'bench',
  async onTask(task, ctx) {
    if (task.kind === 'stream') {
      const n = task.input as number;
      for (let i = 0; i < n; i++) await ctx.progress('tick', 0.5);
      return n;
    }
    return task.input;
  },
});
