/** `codex fleet init`: creates agents/ with the sample specs, never overwriting a file. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { BUILTIN_PLUGINS } from '../../spec/builtins.js';

const packageRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const SCHEMA_COMMENT = /^# yaml-language-server: \$schema=.*$/m;

export function registerInitCommand(fleet: Command): void {
  fleet
    .command('init')
    .description('Create agents/ with the sample specs (patch-bot, test-writer-bot, doc-bot) where absent.')
    .option('--dir <dir>', 'where to create the specs', 'agents')
    .addHelpText('after', '\nExisting files are left as they are.\n\nExamples:\n  $ codex fleet init\n  $ codex fleet init --dir fleet-agents')
    .action(async (options: { dir: string }) => {
      const dir = resolve(options.dir);
      await mkdir(dir, { recursive: true });
      const schema = join(packageRoot, 'docs', 'agent-spec.schema.json');
      for (const name of BUILTIN_PLUGINS) {
        const target = join(dir, `${name}.yaml`);
        const shown = relative(process.cwd(), target) || target;
        if (existsSync(target)) {
          process.stdout.write(`kept ${shown} (already exists)\n`);
          continue;
        }
        const sample = await readFile(join(packageRoot, 'agents', `${name}.yaml`), 'utf8');
        const text = sample.replace(SCHEMA_COMMENT, `# yaml-language-server: $schema=${relative(dir, schema)}`);
        await writeFile(target, text, { flag: 'wx' });
        process.stdout.write(`created ${shown}\n`);
      }
      process.stdout.write(`Next: edit the specs, then run "codex fleet validate ${relative(process.cwd(), dir) || '.'}"\n`);
    });
}
