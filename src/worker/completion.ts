/**
 * The {@link CompletionStream} behind `ctx.model.complete`: buffers `model/delta` notifications until the
 * plugin reads them and ends when the `model/complete` response arrives.
 *
 * @example
 * ```ts
 * const stream = new DeltaStream();
 * stream.push({ index: 0, text: 'Hi' });
 * stream.settle(Promise.resolve(final));
 * for await (const d of stream) console.log(d.text);
 * ```
 */
import type { ModelCompleteResult } from '../protocol/services.js';
import type { CompletionDelta, CompletionStream } from './plugin.js';

export class DeltaStream implements CompletionStream {
  #buffer: CompletionDelta[] = [];
  #wake: (() => void) | undefined;
  #done = false;
  #error: unknown;
  #failed = false;
  #result: Promise<ModelCompleteResult> | undefined;

  get result(): Promise<ModelCompleteResult> {
    if (this.#result === undefined) throw new Error('DeltaStream.result read before settle()');
    return this.#result;
  }

  /** Adds a delta (in arrival order). */
  push(delta: CompletionDelta): void {
    if (this.#done) return;
    this.#buffer.push(delta);
    this.#wakeUp();
  }

  /** Ties the stream to the request's outcome. */
  settle(result: Promise<ModelCompleteResult>): void {
    this.#result = result;
    result.then(
      () => {
        this.#done = true;
        this.#wakeUp();
      },
      (err: unknown) => {
        this.#done = true;
        this.#failed = true;
        this.#error = err;
        this.#wakeUp();
      },
    );
  }

  text(): Promise<string> {
    return this.result.then((r) => r.text);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CompletionDelta> {
    for (;;) {
      const next = this.#buffer.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#done) {
        if (this.#failed) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
