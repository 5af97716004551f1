/** One agent: name, state, workers busy/total, current task, done/failed/queued, spend vs budget, tokens. */
import { Box, Text } from 'ink';
import { bar, safe, tokens, usd } from '../format.js';
import type { Columns } from '../layout.js';
import type { AgentRow as Row } from '../view-model.js';

const STATE_COLOR: Record<Row['state'], string> = {
  starting: 'yellow',
  running: 'green',
  paused: 'yellow',
  errored: 'red',
  stopped: 'gray',
};

function Cell({ width, children, color, bold }: { width: number; children: string; color?: string | undefined; bold?: boolean }) {
  if (width <= 0) return null;
  return (
    <Box width={width} marginRight={1} flexShrink={0}>
      <Text wrap="truncate-end" {...(color ? { color } : {})} {...(bold ? { bold } : {})}>
        {children}
      </Text>
    </Box>
  );
}

export function AgentRowView({ row, cols, selected }: { row: Row; cols: Columns; selected: boolean }) {
  const spent = row.spentUsd;
  const fraction = spent === undefined || row.budgetUsd <= 0 ? 0 : spent / row.budgetUsd;
  const money = spent === undefined ? `- / ${usd(row.budgetUsd)}` : `${usd(spent)}/${usd(row.budgetUsd)}`;
  const barColor = fraction >= 1 ? 'red' : fraction >= 0.8 ? 'yellow' : 'green';
  return (
    <Box flexDirection="column">
      <Box>
        <Cell width={1}>{selected ? '›' : ' '}</Cell>
        <Cell width={cols.name} bold={selected}>{row.name}</Cell>
        <Cell width={cols.state} color={STATE_COLOR[row.state]}>{row.state}</Cell>
        <Cell width={cols.workers}>{`${row.busy}/${row.concurrency}`}</Cell>
        <Cell width={cols.task}>{row.task === null ? '-' : safe(row.task)}</Cell>
        <Cell width={cols.counts}>{`${row.done}/${row.failed}/${row.queued}`}</Cell>
        <Cell width={cols.bar} color={barColor}>{bar(fraction, cols.bar)}</Cell>
        <Cell width={cols.money}>{money}</Cell>
        <Cell width={cols.tokens}>{row.tokens === undefined ? '-' : tokens(row.tokens)}</Cell>
      </Box>
      {row.reason !== null && (row.state === 'paused' || row.state === 'errored' || row.state === 'stopped') ? (
        <Box paddingLeft={2}>
          <Text wrap="truncate-end" color={STATE_COLOR[row.state]}>
            {safe(row.reason)}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

export function HeaderRow({ cols }: { cols: Columns }) {
  return (
    <Box>
      <Cell width={1}> </Cell>
      <Cell width={cols.name} bold>AGENT</Cell>
      <Cell width={cols.state} bold>STATE</Cell>
      <Cell width={cols.workers} bold>WRK</Cell>
      <Cell width={cols.task} bold>TASK</Cell>
      <Cell width={cols.counts} bold>D/F/Q</Cell>
      <Cell width={cols.bar} bold>BUDGET</Cell>
      <Cell width={cols.money} bold>SPENT/BUDGET</Cell>
      <Cell width={cols.tokens} bold>TOK</Cell>
    </Box>
  );
}
