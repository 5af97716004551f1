/**
 * Column widths for a terminal width: everything at 80 columns and more; below that the tokens, the
 * bar and then the task column go first, so name, state and dollars stay readable down to 40 columns.
 */
export interface Columns {
  readonly name: number;
  readonly state: number;
  readonly workers: number;
  readonly task: number;
  readonly counts: number;
  readonly bar: number;
  readonly money: number;
  readonly tokens: number;
}

const NAME = 12;
const STATE = 8;
const WORKERS = 3;
const COUNTS = 8;
const BAR = 8;
const MONEY = 15;
const TOKENS = 5;
const MIN_TASK = 8;

/** Each column is followed by one space; the first cell is the selection marker. */
export function columnsFor(width: number): Columns {
  const w = Math.max(20, width);
  const fixed = (cols: readonly number[]): number => 2 + cols.filter((c) => c > 0).reduce((s, c) => s + c + 1, 0);
  let cols = { name: NAME, state: STATE, workers: WORKERS, task: 0, counts: COUNTS, bar: BAR, money: MONEY, tokens: TOKENS };
  const used = (): number => fixed([cols.name, cols.state, cols.workers, cols.counts, cols.bar, cols.money, cols.tokens]);
  if (w - used() - 1 < MIN_TASK) cols = { ...cols, tokens: 0 };
  if (w - used() - 1 < MIN_TASK) cols = { ...cols, bar: 0 };
  if (w - used() - 1 < MIN_TASK) cols = { ...cols, counts: 0 };
  const task = w - used() - 1;
  if (task >= MIN_TASK) return { ...cols, task };
  // Very narrow: name, state and dollars only; the name gives way first.
  const name = Math.max(6, w - 2 - (STATE + 1) - (MONEY + 1) - 1);
  return { name, state: STATE, workers: 0, task: 0, counts: 0, bar: 0, money: MONEY, tokens: 0 };
}
