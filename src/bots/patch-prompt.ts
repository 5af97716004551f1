/**
 * What patch-bot says to the model: the system prompt (it starts with "You are patch-bot", which
 * recorded scripts match on), the first request (the failing command, its output, the plan and the
 * files) and the feedback after an attempt (the new failing output, or why the edits did not apply).
 *
 * @example
 * ```ts
 * const messages = [{ role: 'system', content: PATCH_SYSTEM_PROMPT }, { role: 'user', content: firstRequest(facts) }];
 * ```
 */
import type { ExecRunResult } from '../worker/plugin.js';
import { clipMiddle } from './clip.js';
import { EDIT_FORMAT_INSTRUCTIONS } from './edit-blocks.js';
import { fenceFor, formatFile, type ContextFile } from './context-files.js';

/** Characters of a test run's output shown to the model (mostly its end, where failures are summarised). */
export const MAX_OUTPUT_CHARS = 8_000;

export const PATCH_SYSTEM_PROMPT = `You are patch-bot, a careful programmer who repairs code so that a failing test command passes.

You get the command, its output, the files it points at and sometimes a plan. Find the cause and make the
smallest change that fixes it. Fix the code under test. Edits to test files (files named like tests or named
in the test command) and to package.json are refused unless the user's plan or file list names them: never
make the command pass by weakening a test or changing the scripts that run it. Do not add dependencies. You cannot run commands: your edits are applied and the
command is run again for you, and you will see its new output.

${EDIT_FORMAT_INSTRUCTIONS}`;

/** A test run as the model sees it: the exit status and the output, cut to a bounded size. */
export function describeRun(argv: readonly string[], run: ExecRunResult): string {
  const status = run.timed_out
    ? 'timed out and was killed'
    : run.exit_code === null
      ? `was killed by ${run.signal ?? 'a signal'}`
      : `exited with code ${run.exit_code}`;
  const parts = [run.stdout.trimEnd(), run.stderr.trimEnd()].filter((p) => p !== '');
  let output = parts.join('\n');
  if (run.stdout_truncated || run.stderr_truncated) output += '\n[the output was cut by the fleet\'s output limit]';
  output = clipMiddle(output === '' ? '(no output)' : output, MAX_OUTPUT_CHARS, 0.25);
  const fence = fenceFor(output);
  return `\`${argv.join(' ')}\` ${status}:\n\n${fence}\n${output}\n${fence}`;
}

export interface FirstRequestFacts {
  readonly argv: readonly string[];
  readonly run: ExecRunResult;
  readonly plan: string | undefined;
  readonly files: readonly ContextFile[];
}

/** The first user message. */
export function firstRequest(facts: FirstRequestFacts): string {
  const sections = [`The test command fails. ${describeRun(facts.argv, facts.run)}`];
  if (facts.plan !== undefined) sections.push(`The user's plan for the fix:\n\n${clipMiddle(facts.plan.trim(), 4_000)}`);
  if (facts.files.length > 0) sections.push(`The files involved, as they are now:\n\n${facts.files.map(formatFile).join('\n')}`);
  else sections.push('The output names no file of the repository; say which file you need by editing it, or create one.');
  sections.push('Reply with search/replace blocks that make the test command pass.');
  return sections.join('\n\n');
}

/** Feedback after edits that applied but the command still fails. */
export function stillFailing(argv: readonly string[], run: ExecRunResult, changed: readonly ContextFile[]): string {
  const shown = changed.length > 0 ? `\n\nThe files you changed, as they are now:\n\n${changed.map(formatFile).join('\n')}` : '';
  return (
    `Your edits were applied, but the test command still fails. ${describeRun(argv, run)}${shown}\n\n` +
    'Reply with new search/replace blocks against the files as they are now.'
  );
}

/** Feedback after a reply whose edits could not be applied (nothing was changed). */
export function notApplied(problems: readonly string[], files: readonly ContextFile[]): string {
  const list = problems.map((p) => `- ${p}`).join('\n');
  const shown = files.length > 0 ? `\n\nThe files your blocks name, as they are now:\n\n${files.map(formatFile).join('\n')}` : '';
  return (
    `Your edits were not applied (no file was changed) because:\n${list}${shown}\n\n` +
    'Reply with corrected search/replace blocks; copy the SEARCH lines exactly from the files.'
  );
}
