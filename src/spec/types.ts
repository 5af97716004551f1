/** The agent spec after loading: validated, defaults applied, paths resolved, frozen. */

/** How a worker program is started. */
export type WorkerProgram =
  /** The Node runner (`scripts/agent-worker.ts`) loading a role plugin. */
  | { readonly kind: 'plugin'; readonly plugin: string; readonly pluginPath: string }
  /** Any executable speaking docs/protocol.md; `argv[0]` is an absolute, resolved path. */
  | { readonly kind: 'command'; readonly argv: readonly string[] };

export interface ExecRule {
  readonly command: readonly string[];
  readonly allow_extra_args: boolean;
  readonly timeout_s: number;
}

export interface AgentLimits {
  readonly max_turns: number;
  readonly wall_time_s: number;
  readonly retries: number;
  readonly memory_mb: number;
}

export interface RestartPolicy {
  readonly max_restarts: number;
  readonly window_s: number;
}

export interface AgentSpec {
  readonly name: string;
  readonly role: string;
  readonly model: string;
  readonly max_tokens: number;
  /** US dollars. */
  readonly cost_budget: number;
  /** As written: syscall names and @groups, on top of the base set. */
  readonly allowed_syscalls: readonly string[];
  readonly worker: WorkerProgram;
  /** Extra read-only paths for the sandbox: absolute, real, validated (see src/spec/read-paths.ts). */
  readonly read_paths: readonly string[];
  readonly concurrency: number;
  readonly provider?: string;
  readonly limits: AgentLimits;
  readonly exec: readonly ExecRule[];
  readonly restart: RestartPolicy;
  /** Where the spec came from: absolute path of its file. */
  readonly file: string;
}
