/**
 * `npm run bench:overlay-idle`: what the live overlay costs when nothing happens. Three processes run
 * in real terminals (tmux, 80×24) on the echo-bot example, all idle:
 *  - `codex fleet start` with the overlay (supervisor + overlay in one process),
 *  - `codex fleet start --no-tui` (the supervisor alone, for comparison),
 *  - `codex fleet watch` attached to the second (the overlay alone, over the control socket).
 * Each one's CPU time (utime + stime from /proc/<pid>/stat) is read at the start and the end of a
 * window of BENCH_SECONDS (default 30) after they settled, and reported as a share of one core.
 *
 * Needs tmux. Last line: JSON {seconds, start_tui_pct, start_plain_pct, watch_pct}.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 30);
const SETTLE_MS = 5000;
const root = fileURLToPath(new URL('../../', import.meta.url));
const codex = join(root, 'dist', 'src', 'cli', 'bin', 'codex.js');
const agents = join(root, 'examples', 'echo-bot', 'agents');
const socket = `cf-bench-${process.pid}`;
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

function tmux(args: readonly string[]): string {
  const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  if (r.error) throw new Error(`tmux is needed for this benchmark (apt-get install tmux): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const quote = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;

function open(name: string, argv: readonly string[]): void {
  const command = `cd ${quote(root)} && TERM=xterm-256color ${argv.map(quote).join(' ')}; sleep 600`;
  if (name === 'first') tmux(['new-session', '-d', '-s', 'bench', '-n', name, '-x', '80', '-y', '24', command]);
  else tmux(['new-window', '-d', '-t', 'bench', '-n', name, command]);
}

function screen(name: string): string {
  return tmux(['capture-pane', '-p', '-t', `bench:${name}`]);
}

/** The node process the window's shell started. */
function nodeOf(name: string): number {
  const shell = Number(tmux(['display-message', '-p', '-t', `bench:${name}`, '#{pane_pid}']).trim());
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === shell && stat.includes('(node)')) return Number(entry);
    } catch {
      // gone
    }
  }
  throw new Error(`No node process under window ${name}:\n${screen(name)}`);
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of stat)
}

async function until(name: string, text: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!screen(name).includes(text)) {
    if (Date.now() > end) throw new Error(`${name} never showed "${text}":\n${screen(name)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cf-bench-overlay-'));
try {
  open('first', [process.execPath, codex, 'fleet', 'start', agents, '--state-dir', join(dir, 'a')]);
  open('plain', [process.execPath, codex, 'fleet', 'start', agents, '--no-tui', '--state-dir', join(dir, 'b')]);
  await until('first', '? help');
  await until('plain', 'worker ready');
  open('watch', [process.execPath, codex, 'fleet', 'watch', '--state-dir', join(dir, 'b')]);
  await until('watch', '? help');
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const pids = { start_tui: nodeOf('first'), start_plain: nodeOf('plain'), watch: nodeOf('watch') };
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuTicks(pid)]));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const pct = (k: keyof typeof pids): number => Math.round(((cpuTicks(pids[k]) - before[k]!) / clockTicks / elapsed) * 100 * 1000) / 1000;
  const result = { seconds: Math.round(elapsed * 10) / 10, start_tui_pct: pct('start_tui'), start_plain_pct: pct('start_plain'), watch_pct: pct('watch') };
  console.log(`idle for ${result.seconds} s: start with the overlay ${result.start_tui_pct}% of a core, start --no-tui ${result.start_plain_pct}%, watch ${result.watch_pct}%`);
  console.log(JSON.stringify(result));
} finally {
  for (const d of ['a', 'b']) spawnSync(process.execPath, [codex, 'fleet', 'stop', '--now', '--state-dir', join(dir, d)], { encoding: 'utf8' });
  try {
    tmux(['kill-server']);
  } catch {
    // already gone
  }
  rmSync(dir, { recursive: true, force: true });
}
