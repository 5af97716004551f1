/**
 * The floor for bench/ipc.ts: a child that echoes newline-delimited JSON with no protocol at all.
 * A line `{"stream":N,...}` makes it write N small JSON lines and then echo the line.
 */
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const text = pending === '' ? chunk : pending + chunk;
  let start = 0;
  let nl: number;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    const msg = JSON.parse(text.slice(start, nl)) as { stream?: number };
    start = nl + 1;
    if (typeof msg.stream === 'number') {
      for (let i = 0; i < msg.stream; i++) {
        process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'task/progress', params: { request_id: 1, task_id: 's', message: 'tick', fraction: 0.5 } })}\n`);
      }
    }
    process.stdout.write(`${JSON.stringify(msg)}\n`);
  }
  pending = text.slice(start);
});
process.stdin.on('end', () => process.exit(0));
