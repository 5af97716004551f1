import { describe, expect, test } from 'vitest';
import {
  costMicroUsd,
  costPicoUsd,
  costUsd,
  formatMicroUsd,
  picoPerToken,
  resolvePrice,
  usdToMicro,
  worstCaseMicroUsd,
  type ModelPrice,
} from '../../src/pricing/index.js';

function price(model: string): ModelPrice {
  const found = resolvePrice(model);
  if (!found) throw new Error(`no price for ${model}`);
  return found;
}

describe('prices from the catalog', () => {
  test('gpt-4.1-mini is priced per million tokens, with its cached-input price', () => {
    expect(price('gpt-4.1-mini')).toMatchObject({
      model: 'gpt-4.1-mini',
      source: 'catalog',
      catalog: { provider: 'openai', model: 'gpt-4.1-mini' },
      input: 0.4,
      cached_input: 0.1,
      output: 1.6,
      tiers: [],
    });
  });

  test('a dated snapshot finds its model', () => {
    expect(price('gpt-4.1-mini-2025-04-14')).toMatchObject({ input: 0.4, cached_input: 0.1, output: 1.6, catalog: { model: 'gpt-4.1-mini' } });
  });

  test('a model the catalog does not know has no price', () => {
    expect(resolvePrice('llama3.1:8b')).toBeUndefined();
    expect(resolvePrice('my-local-model', { 'my-local-model': { input: 1 } })).toBeUndefined(); // no output price
  });
});

describe('overrides', () => {
  test('a local model priced in config', () => {
    const local = resolvePrice('qwen2.5-coder:7b', { 'qwen2.5-coder:7b': { input: 0, output: 0 } });
    expect(local).toMatchObject({ source: 'override', input: 0, cached_input: 0, output: 0 });
    expect(costMicroUsd({ input_tokens: 50_000, output_tokens: 9_000 }, local as ModelPrice)).toBe(0);
  });

  test('an override lays over the catalog price and makes it flat', () => {
    const p = resolvePrice('gpt-4.1-mini', { 'gpt-4.1-mini': { output: 2 } });
    expect(p).toMatchObject({ source: 'catalog+override', input: 0.4, cached_input: 0.1, output: 2, tiers: [] });
    // An override for another model changes nothing.
    expect(resolvePrice('gpt-4.1-mini', { 'gpt-4.1': { output: 2 } })?.source).toBe('catalog');
  });
});

describe('exact costs', () => {
  test('known usage on gpt-4.1-mini costs exact dollars', () => {
    const p = price('gpt-4.1-mini');
    // 1000 × $0.40/M + 500 × $1.60/M = $0.0004 + $0.0008
    expect(costMicroUsd({ input_tokens: 1000, output_tokens: 500 }, p)).toBe(1200);
    expect(costUsd({ input_tokens: 1000, output_tokens: 500 }, p)).toBe(0.0012);
    expect(formatMicroUsd(1200)).toBe('$0.001200');
  });

  test('cached input tokens are charged at the cached price', () => {
    const p = price('gpt-4.1-mini');
    // 800 uncached × 0.40 + 200 cached × 0.10 + 500 × 1.60 = 320 + 20 + 800 µ$
    expect(costMicroUsd({ input_tokens: 1000, cached_input_tokens: 200, output_tokens: 500 }, p)).toBe(1140);
    const full = costMicroUsd({ input_tokens: 10_000, output_tokens: 0 }, p);
    const cached = costMicroUsd({ input_tokens: 10_000, cached_input_tokens: 8_000, output_tokens: 0 }, p);
    expect(full - cached).toBe(2400); // 8000 cached tokens × ($0.40 − $0.10) per million
  });

  test('reasoning tokens are output tokens, and fractional micro-dollars are exact until charged', () => {
    const p = price('o4-mini'); // $1.10 in, $0.275 cached, $4.40 out
    const usage = { input_tokens: 2000, cached_input_tokens: 1536, output_tokens: 420, reasoning_tokens: 256 };
    // 464 × 1.1 + 1536 × 0.275 + 420 × 4.4 = 510.4 + 422.4 + 1848 = 2780.8 µ$, charged as 2781
    expect(costPicoUsd(usage, p)).toBe(2_780_800_000n);
    expect(costMicroUsd(usage, p)).toBe(2781);
  });

  test('a reasoning price, where a model has one, applies to the reasoning share of output', () => {
    const p = resolvePrice('m', { m: { input: 1, output: 2, reasoning: 10 } }) as ModelPrice;
    expect(costMicroUsd({ input_tokens: 100, output_tokens: 50, reasoning_tokens: 20 }, p)).toBe(100 + 30 * 2 + 20 * 10);
  });

  test('sums of costs do not drift the way dollar floats do', () => {
    const p = price('gpt-4.1-nano'); // $0.10 per million input tokens
    const each = costMicroUsd({ input_tokens: 100, output_tokens: 0 }, p);
    expect(each).toBe(10);
    expect(0.00001 + 0.00001 + 0.00001).not.toBe(0.00003); // what floats would have done
    expect(each + each + each).toBe(30);
    expect(formatMicroUsd(each * 3)).toBe('$0.000030');
  });

  test('input-size tiers price the whole call at the tier its input reaches', () => {
    const tiered: ModelPrice = {
      model: 't',
      source: 'override',
      input: 1,
      cached_input: 0.5,
      output: 4,
      tiers: [{ above_input_tokens: 200_000, input: 2, cached_input: 1, output: 8 }],
    };
    expect(costMicroUsd({ input_tokens: 200_000, output_tokens: 1000 }, tiered)).toBe(200_000 + 4000);
    expect(costMicroUsd({ input_tokens: 200_001, output_tokens: 1000 }, tiered)).toBe(400_002 + 8000);
    expect(worstCaseMicroUsd(tiered, { inputTokens: 300_000, outputTokens: 1000 })).toBe(600_000 + 8000);
  });

  test('the worst case of a call: no cache discount, all output at the dearest rate', () => {
    // 10000 × 0.40 + 4096 × 1.60 = 4000 + 6553.6 µ$ → 10554
    expect(worstCaseMicroUsd(price('gpt-4.1-mini'), { inputTokens: 10_000, outputTokens: 4096 })).toBe(10_554);
    expect(worstCaseMicroUsd(resolvePrice('m', { m: { input: 1, output: 2, reasoning: 10 } }) as ModelPrice, { inputTokens: 0, outputTokens: 10 })).toBe(100);
  });

  test('prices become whole pico-dollars per token, rounding up only what has more precision', () => {
    expect(picoPerToken(0.275)).toBe(275_000n); // 0.275 × 1e6 is 275000.00000000006 as a float
    expect(picoPerToken(0.4)).toBe(400_000n);
    expect(picoPerToken(1 / 12)).toBe(83_334n);
    expect(() => picoPerToken(-1)).toThrow('A price must be a finite number of dollars >= 0, got -1');
    expect(usdToMicro(0.5)).toBe(500_000);
    expect(usdToMicro(0.07)).toBe(70_000); // 0.07 × 1e6 = 70000.00000000001
  });

  test('bad usage is refused with the field named', () => {
    expect(() => costMicroUsd({ input_tokens: -1, output_tokens: 0 }, price('gpt-4.1-mini'))).toThrow(
      '"input_tokens" must be a whole number of tokens >= 0, got -1',
    );
  });
});
