/**
 * Writes every generated file (JSON Schemas and the generated parts of the docs) from their TypeScript
 * source. `--check` writes nothing and fails if a committed file differs: `npm test` runs it.
 *
 *   npm run gen                      regenerate
 *   node dist/scripts/gen-schemas.js --check
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTROL_ERROR_MEANINGS, CONTROL_METHODS, ControlErrorCodes } from '../src/control/methods.js';
import { methodReference } from '../src/docs/method-reference.js';
import { fieldTable, syscallLists } from '../src/docs/spec-reference.js';
import { refusedSyscallsHeader } from '../src/docs/refused-syscalls-header.js';
import { ErrorCodes } from '../src/protocol/error-codes.js';
import { methodSchemaFiles, protocolSchemaFiles } from '../src/protocol/schemas.js';
import { FleetConfigSchema } from '../src/fleet-config/schema.js';
import { AgentSpecSchema } from '../src/spec/schema.js';
import { BOT_INPUT_SCHEMAS, botInputSchemaFile } from '../src/bots/input-schemas.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const check = process.argv.includes('--check');

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
function splice(text: string, name: string, body: string): string {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`missing markers ${start} … ${end}`);
  return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}

function outputs(): Map<string, string> {
  const files = new Map<string, string>();
  files.set('docs/agent-spec.schema.json', json(AgentSpecSchema));
  for (const [name, schema] of Object.entries(protocolSchemaFiles())) files.set(`docs/protocol/${name}`, json(schema));
  for (const [name, schema] of Object.entries(methodSchemaFiles(CONTROL_METHODS, 'urn:codex-fleet:control:1:'))) {
    files.set(`docs/control/${name}`, json(schema));
  }
  const specDoc = readFileSync(join(root, 'docs/agent-spec.md'), 'utf8');
  files.set('docs/agent-spec.md', splice(splice(specDoc, 'fields', fieldTable()), 'syscalls', syscallLists()));
  files.set('native/launcher/refused-syscalls.h', refusedSyscallsHeader());
  files.set('docs/fleet-config.schema.json', json(FleetConfigSchema));
  const configDoc = readFileSync(join(root, 'docs/fleet-config.md'), 'utf8');
  files.set('docs/fleet-config.md', splice(configDoc, 'fields', fieldTable(FleetConfigSchema)));

  let botsDoc = readFileSync(join(root, 'docs/bots.md'), 'utf8');
  for (const [bot, schema] of Object.entries(BOT_INPUT_SCHEMAS)) {
    files.set(botInputSchemaFile(bot as keyof typeof BOT_INPUT_SCHEMAS), json(schema));
    botsDoc = splice(botsDoc, `${bot}-input`, fieldTable(schema));
  }
  files.set('docs/bots.md', botsDoc);

  const errorNames = new Map<number, string>([
    ...Object.entries(ErrorCodes).map(([name, code]) => [code, name] as [number, string]),
    ...Object.entries(ControlErrorCodes).map(([name, code]) => [code, name] as [number, string]),
  ]);
  const controlErrors = [
    '| code | name | meaning |',
    '| --- | --- | --- |',
    ...Object.entries(ControlErrorCodes).map(
      ([name, code]) => `| \`${code}\` | ${name} | ${CONTROL_ERROR_MEANINGS[name as keyof typeof ControlErrorCodes]} |`,
    ),
    '',
    'The standard JSON-RPC codes (`-32700` … `-32603`) and the worker protocol\'s codes mean what docs/protocol.md says.',
  ].join('\n');
  const controlDoc = readFileSync(join(root, 'docs/control.md'), 'utf8');
  files.set(
    'docs/control.md',
    splice(splice(controlDoc, 'control-methods', methodReference(CONTROL_METHODS, (c) => errorNames.get(c) ?? '')), 'control-errors', controlErrors),
  );
  return files;
}

let stale = 0;
for (const [file, content] of outputs()) {
  const path = join(root, file);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === content) continue;
  if (check) {
    process.stderr.write(`${file} is out of date with its source: run "npm run gen" and commit the result\n`);
    stale++;
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    process.stdout.write(`wrote ${file}\n`);
  }
}
if (stale > 0) process.exitCode = 1;
else if (check) process.stdout.write('generated files are up to date\n');
