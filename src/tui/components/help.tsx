/** The `?` screen: every key. */
import { Box, Text } from 'ink';

export function keyLines(mode: 'start' | 'watch'): [string, string][] {
  return [
    ['↑/↓', 'select an agent'],
    ['p', 'pause the selected agent (running tasks finish)'],
    ['r', 'resume it'],
    ['b', 'raise its budget by an amount you type (= resume --add)'],
    ['k', 'kill its workers (tasks go back to the queue)'],
    mode === 'start' ? ['q', 'stop the fleet: let running tasks finish'] : ['q', 'detach (the fleet keeps running)'],
    mode === 'start' ? ['Q', 'stop the fleet now: kill workers, queue their tasks again'] : ['Q', 'detach'],
    ['?', 'this help (any key closes it)'],
  ];
}

export function Help({ mode }: { mode: 'start' | 'watch' }) {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>Keys</Text>
      {keyLines(mode).map(([key, what]) => (
        <Text key={key} wrap="truncate-end">
          <Text bold>{key.padEnd(4)}</Text> {what}
        </Text>
      ))}
    </Box>
  );
}
