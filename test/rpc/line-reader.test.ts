import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineTooLongError, MessageParseError } from '../../src/rpc/errors.js';
import { LineReader } from '../../src/rpc/line-reader.js';
import { StreamTransport } from '../../src/rpc/stream-transport.js';

function reader(max = 16): { lines: string[]; oversize: number[]; r: LineReader } {
  const lines: string[] = [];
  const oversize: number[] = [];
  return { lines, oversize, r: new LineReader(max, (l) => lines.push(l), (n) => oversize.push(n)) };
}

describe('LineReader', () => {
  it('joins lines split across chunks and strips CR', () => {
    const { lines, r } = reader();
    r.push(Buffer.from('ab'));
    r.push(Buffer.from('c\r\nde\n\nf'));
    r.push(Buffer.from('g\n'));
    expect(lines).toEqual(['abc', 'de', 'fg']);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const { lines, r } = reader();
    const bytes = Buffer.from('é€\n');
    r.push(bytes.subarray(0, 1));
    r.push(bytes.subarray(1, 3));
    r.push(bytes.subarray(3));
    expect(lines).toEqual(['é€']);
  });

  it('reports an over-long line once, drops it up to its newline, and reads on', () => {
    const { lines, oversize, r } = reader(8);
    r.push(Buffer.from('12345'));
    r.push(Buffer.from('67890'));
    expect(r.buffered).toBe(0);
    r.push(Buffer.from('abcdefghijklmnop'));
    r.push(Buffer.from('qrs\nok\n'));
    expect(oversize).toEqual([10]);
    expect(lines).toEqual(['ok']);
  });

  it('delivers a last line without newline at end of input', () => {
    const { lines, r } = reader();
    r.push(Buffer.from('a\nlast'));
    r.end();
    expect(lines).toEqual(['a', 'last']);
  });
});

describe('StreamTransport', () => {
  it('reports bad JSON and over-long lines as recoverable errors', async () => {
    const input = new PassThrough();
    const t = new StreamTransport(input, new PassThrough(), { maxLineBytes: 32 });
    const messages: unknown[] = [];
    const errors: Error[] = [];
    t.onmessage = (m) => messages.push(m);
    t.onerror = (e) => errors.push(e);
    const closed = new Promise<void>((r) => (t.onclose = r));
    await t.start();
    input.end(`nope\n${'x'.repeat(100)}\n{"a":1}\n`);
    await closed;
    expect(messages).toEqual([{ a: 1 }]);
    expect(errors[0]).toBeInstanceOf(MessageParseError);
    expect(errors[1]).toBeInstanceOf(LineTooLongError);
  });

  it('holds a send until the writer drains (backpressure)', async () => {
    const chunks: string[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 8,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk.toString());
        release = () => cb();
      },
    });
    const t = new StreamTransport(new PassThrough(), slow);
    await t.start();
    let firstDone = false;
    let secondDone = false;
    const first = t.send({ n: 1 }).then(() => (firstDone = true));
    const second = t.send({ n: 2 }).then(() => (secondDone = true));
    await new Promise((r) => setImmediate(r));
    expect(firstDone).toBe(false); // the writer is over its high-water mark and has not drained
    expect(secondDone).toBe(false);
    expect(chunks).toEqual(['{"n":1}\n']); // the second line waits in the transport, not in the stream
    release?.();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(chunks).toEqual(['{"n":1}\n', '{"n":2}\n']);
    release?.();
    await second;
    expect(secondDone).toBe(true);
  });
});
