/**
 * Nothing sandboxed reaches the supervisor. From inside a worker (which has no socket
 * syscall at all) and from inside the command policy (socketpairs only, no socket()), a program tries to
 * read the control token and the state directory (EACCES) and to drive the control socket without the
 * token (refused: Unauthorized). The state directory lies outside every policy's readable paths.
 */
import { mkdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Submit, WaitTask } from '../../src/control/methods.js';
import { compilePolicy } from '../../src/sandbox/policy.js';
import {
  connect,
  loadAgents,
  runFleetAsync,
  startFleet,
  writeAgent,
  useFleetTest,
} from './helpers.js';

const t = useFleetTest((d) => writeAgent(d, 'probe', 'probe'));

/** True when `path` is `granted` or lies beneath it. */
const within = (path: string, granted: string): boolean => path === granted || path.startsWith(granted.endsWith(sep) ? granted : granted + sep);

describe('nothing sandboxed reaches the supervisor', () => {
  it('grants no policy a path that holds the state directory (not /tmp, not the state dir)', async () => {
    const [agent] = await loadAgents(t.dir);
    const workspace = join(t.dir.root, 'workspace');
    for (const policy of [
      compilePolicy(agent!, { kind: 'worker', slotDir: t.dir.paths.slot('probe', 0) }),
      compilePolicy(agent!, { kind: 'command', slotDir: workspace, program: [process.execPath] }),
    ]) {
      const granted = [...policy.read, ...policy.exec, ...policy.write];
      expect(granted).not.toContain('/tmp');
      for (const secret of [t.dir.stateDir, t.dir.paths.token, t.dir.paths.socket, t.dir.paths.journal, t.dir.paths.lock]) {
        expect({ kind: policy.kind, secret, grantedBy: granted.filter((p) => within(secret, p)) }).toEqual({ kind: policy.kind, secret, grantedBy: [] });
      }
    }
  });

  it('from inside a worker: the token, the journal and the state dir are EACCES, and there is no socket at all (EPERM)', async () => {
    t.fleet = await startFleet(t.dir);
    t.client = await connect(t.dir);
    const { task } = await t.client.request(Submit, {
      agent: 'probe',
      input: { token: t.dir.paths.token, journal: t.dir.paths.journal, stateDir: t.dir.stateDir, socket: t.dir.paths.socket },
    });
    const done = await t.client.request(WaitTask, { id: task.id, timeout_s: 30 });
    expect(done.task).toMatchObject({ state: 'done', result: { output: { token: 'EACCES', journal: 'EACCES', list: 'EACCES', connect: 'EPERM' } } });
  });

  it('from inside the command policy: the token is EACCES, and the control socket cannot even be reached (EPERM)', async () => {
    t.fleet = await startFleet(t.dir);
    const workspace = join(t.dir.root, 'workspace');
    mkdirSync(workspace);
    const script = `
      const fs = require('fs');
      const net = require('net');
      const out = {};
      try { fs.readFileSync(${JSON.stringify(t.dir.paths.token)}); out.token = 'ok'; } catch (e) { out.token = e.code; }
      try { fs.readdirSync(${JSON.stringify(t.dir.stateDir)}); out.list = 'ok'; } catch (e) { out.list = e.code; }
      const socket = net.connect(${JSON.stringify(t.dir.paths.socket)});
      socket.on('error', (e) => { out.connect = e.code; console.log(JSON.stringify(out)); });
      socket.on('connect', () => {
        out.connect = 'ok';
        out.replies = [];
        socket.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'fleet/status', params: {} }) + '\\n');
        socket.write(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'fleet/hello', params: { token: 'guessed' } }) + '\\n');
        socket.write(JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tasks/submit', params: { agent: 'probe', input: 1 } }) + '\\n');
        let buffer = '';
        socket.on('data', (d) => {
          buffer += d;
          const lines = buffer.split('\\n');
          buffer = lines.pop();
          for (const line of lines) out.replies.push(JSON.parse(line));
          if (out.replies.length === 3) { console.log(JSON.stringify(out)); socket.destroy(); }
        });
      });
    `;
    const r = await runFleetAsync(['sandbox', '--agent', 'probe', '--agents-dir', t.dir.agentsDir, '--command-policy', '--workspace', workspace, '--', process.execPath, '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // Landlock cannot stop connect() to a pathname socket, so the command policy gives no socket() at all.
    expect(JSON.parse(r.stdout)).toEqual({ token: 'EACCES', list: 'EACCES', connect: 'EPERM' });
    expect(t.fleet.supervisor.status().agents[0]).toMatchObject({ queued: 0, running: 0, done: 0 });
  });
});
