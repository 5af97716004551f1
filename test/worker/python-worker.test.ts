/** The Python example worker's handling of a malformed response, as a real process (docs/protocol.md §3). */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { initializeParams } from '../../src/conformance/checks.js';
import { ErrorCodes } from '../../src/protocol/error-codes.js';
import { ROOT } from '../rpc/child.js';

const children = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
});

/** The Python worker as a child; `next` waits for the first line `match` accepts; `send` writes one message. */
function startPython(): {
  child: ReturnType<typeof spawn>;
  next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  send(m: unknown): void;
  sendLine(text: string): void;
} {
  const child = spawn('python3', ['examples/python-worker/worker.py'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
      lines.push(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
      buffered = buffered.slice(nl + 1);
    }
  });
  const next = async (match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    for (;;) {
      const i = lines.findIndex(match);
      if (i !== -1) return lines.splice(i, 1)[0]!;
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const sendLine = (text: string): void => void child.stdin!.write(text);
  return { child, next, send: (m) => sendLine(`${JSON.stringify(m)}\n`), sendLine };
}

describe('examples/python-worker/worker.py', () => {
  it('fails the call a malformed response names, instead of taking it for a null result', async () => {
    const { child, next, send } = startPython();
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initializeParams('/tmp') });
    expect(await next((m) => m['id'] === 1)).toHaveProperty('result');
    send({ jsonrpc: '2.0', id: 2, method: 'task/run', params: { task: { id: 't', kind: 'conformance.errors', input: { argv: ['echo', 'x'] } } } });
    const exec = await next((m) => m['method'] === 'exec/run');
    send({ jsonrpc: '2.0', id: exec['id'], error: 'not an error object' });
    const answer = await next((m) => m['id'] === 2);
    expect((answer['result'] as { output: { code: unknown } }).output.code).toBe(ErrorCodes.InvalidRequest);
    child.stdin!.end();
  });

  it('refuses messages nested deeper than 256 levels with -32600, even 100,000 deep, and reads on', async () => {
    const { child, next, sendLine } = startPython();
    const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    sendLine(`{"jsonrpc":"2.0","id":"deep","method":"ping","params":${nested(256)}}\n`);
    expect(await next((m) => m['id'] === 'deep')).toMatchObject({ error: { code: ErrorCodes.InvalidRequest, data: { path: `/params${'/0'.repeat(255)}` } } });
    sendLine(`{"jsonrpc":"2.0","id":"deeper","method":"ping","params":${nested(100_000)}}\n`);
    expect(await next((m) => m['id'] === null)).toMatchObject({ error: { code: ErrorCodes.InvalidRequest, data: { path: '' } } });
    sendLine('{"jsonrpc":"2.0","id":"after","method":"ping"}\n');
    expect(await next((m) => m['id'] === 'after')).toEqual({ jsonrpc: '2.0', id: 'after', result: {} });
    child.stdin!.end();
  });
});
