/** The notification area: the newest notices that fit, a pause at the budget with its resume command. */
import { Box, Text } from 'ink';
import { safe } from '../format.js';
import type { Notice } from '../view-model.js';

const COLOR: Record<Notice['kind'], string> = { budget: 'yellow', error: 'red', commit: 'cyan', fleet: 'white' };

export function Notices({ notices, lines }: { notices: readonly Notice[]; lines: number }) {
  if (lines <= 0 || notices.length === 0) return null;
  // A budget notice takes two lines (what happened, then the command).
  const shown: Notice[] = [];
  let used = 0;
  for (let i = notices.length - 1; i >= 0; i--) {
    const n = notices[i]!;
    const cost = n.command ? 2 : 1;
    if (used + cost > lines) break;
    shown.unshift(n);
    used += cost;
  }
  return (
    <Box flexDirection="column">
      {shown.map((n) => (
        <Box key={n.id} flexDirection="column">
          <Text wrap="truncate-end" color={COLOR[n.kind]}>
            {n.kind === 'budget' ? '⏸ ' : n.kind === 'error' ? '✗ ' : n.kind === 'commit' ? '✓ ' : '· '}
            {safe(n.text)}
          </Text>
          {n.command ? (
            <Text wrap="truncate-end">
              {'  run: '}
              <Text bold>{safe(n.command)}</Text>
              {'  (or select it and press b)'}
            </Text>
          ) : null}
        </Box>
      ))}
    </Box>
  );
}
