#!/usr/bin/env node
// `codex fleet …`
import { main } from '../main.js';

await main(process.argv);
