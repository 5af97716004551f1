/**
 * Read-only repository facts a worker asks the supervisor for: workers cannot run git themselves, so
 * `repo/diff` returns the changed files and the unified diff of a commit range in the task's worktree.
 *
 * @example
 * ```ts
 * import type { RepoDiffParams } from './repo.js';
 * const p: RepoDiffParams = { range: 'HEAD~1..HEAD' };
 * ```
 */
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes } from './error-codes.js';
import { defineRequest } from './method.js';

export const RepoDiffParamsSchema = Type.Object(
  {
    range: Type.String({
      minLength: 1,
      maxLength: 512,
      description:
        'A commit range (`A..B`, `A...B`) or a single revision (its changes against its first parent), ' +
        'resolved in the task\'s worktree; `HEAD` is the task\'s branch. Options (a leading `-`) are refused.',
    }),
    task_id: Type.Optional(
      Type.String({ minLength: 1, description: 'The task whose worktree to read; default the worker\'s current task.' }),
    ),
  },
  { additionalProperties: false, title: 'repo/diff params' },
);
export type RepoDiffParams = Static<typeof RepoDiffParamsSchema>;

export const RepoDiffFileSchema = Type.Object(
  {
    path: Type.String({ description: 'Path relative to the repository root (the new path for a rename).' }),
    status: Type.Union(
      [
        Type.Literal('added'),
        Type.Literal('modified'),
        Type.Literal('deleted'),
        Type.Literal('renamed'),
        Type.Literal('copied'),
        Type.Literal('type-changed'),
      ],
      { description: 'What happened to the file.' },
    ),
    old_path: Type.Optional(Type.String({ description: 'The path before a rename or copy.' })),
  },
  { additionalProperties: false, title: 'Changed file' },
);
export type RepoDiffFile = Static<typeof RepoDiffFileSchema>;

export const RepoDiffResultSchema = Type.Object(
  {
    files: Type.Array(RepoDiffFileSchema, { description: 'Changed files, in git\'s order.' }),
    diff: Type.String({ description: 'The unified diff (`git diff` text, no colour, no external diff drivers).' }),
    truncated: Type.Boolean({ description: 'True when `diff` was cut at the supervisor\'s size limit.' }),
  },
  { additionalProperties: false, title: 'repo/diff result' },
);
export type RepoDiffResult = Static<typeof RepoDiffResultSchema>;

/** Asks the supervisor for the changes of a commit range in the task's worktree. */
export const RepoDiff = defineRequest({
  method: 'repo/diff',
  direction: 'worker-to-supervisor',
  description:
    'The changed files and the unified diff of a commit range in the task\'s worktree, read by the supervisor ' +
    'with hardened git (workers cannot run git). Read-only.',
  params: RepoDiffParamsSchema,
  result: RepoDiffResultSchema,
  errors: [ErrorCodes.RepoError, ErrorCodes.RequestCancelled],
});
