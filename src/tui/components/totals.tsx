/** The first line: the fleet's spend against its budget, calls and tokens. */
import { Box, Text } from 'ink';
import { tokens, usd } from '../format.js';
import type { FleetView } from '../view-model.js';

export function TotalsLine({ view, mode }: { view: FleetView; mode: 'start' | 'watch' }) {
  const t = view.totals;
  const state = view.stopped ? 'stopped' : view.stopping ? 'stopping' : view.connected ? `${view.agents.length} agents` : 'connecting';
  const spent = t.spentUsd === undefined ? 'spend not metered' : `spent ${usd(t.spentUsd)} of ${usd(t.budgetUsd)}${t.budgetIsFleet ? ' (fleet budget)' : ''}`;
  const calls = t.calls === undefined ? '' : `  calls ${t.calls}`;
  const tok = t.tokens === undefined ? '' : `  tokens ${tokens(t.tokens)}`;
  return (
    <Box>
      <Text wrap="truncate-end">
        <Text bold>codex fleet</Text>
        {mode === 'watch' ? ' (watch)' : ''} · {state} · {spent}
        {calls}
        {tok}
        {view.sandbox === 'disabled' ? <Text color="red"> SANDBOX DISABLED</Text> : ''}
      </Text>
    </Box>
  );
}
