/**
 * Column widths for a terminal width: everything at 80 columns and more. Narrower, the tokens go
 * first, then the task, the task counts, the bar and the worker count, so name, state and dollars stay
 * readable down to 40 columns.
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

const FULL: Columns = { name: 12, state: 8, workers: 3, task: 0, counts: 8, bar: 8, money: 15, tokens: 5 };
const MIN_TASK = 8;
/** Given up in this order when the line is too short. */
const DROP_ORDER = ['counts', 'bar', 'workers'] as const;

/** Each column is followed by one space; the first two cells are the selection marker. */
function used(cols: Columns): number {
  return 2 + Object.values(cols).filter((c) => c > 0).reduce((s, c) => s + c + 1, 0);
}

export function columnsFor(width: number): Columns {
  const w = Math.max(20, width);
  let cols: Columns = FULL;
  if (w - used(cols) - 1 < MIN_TASK) cols = { ...cols, tokens: 0 };
  const room = w - used(cols) - 1;
  if (room >= MIN_TASK) return { ...cols, task: room };
  for (const drop of DROP_ORDER) {
    if (used(cols) <= w) break;
    cols = { ...cols, [drop]: 0 };
  }
  if (used(cols) > w) cols = { ...cols, name: Math.max(6, cols.name - (used(cols) - w)) };
  return cols;
}
