#!/usr/bin/env node
// `codex-fleet X` is `codex fleet X`, for users who also have another `codex` installed.
import { main } from '../main.js';

const [node = 'node', script = 'codex-fleet', ...rest] = process.argv;
await main([node, script, 'fleet', ...rest]);
