/**
 * The MCP server: the tools of `tools.ts` over the SDK's low-level server (we hand the SDK our own
 * JSON Schemas and check arguments against them, so a bad argument is answered with its path).
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { Status } from '../control/methods.js';
import { checkerFor } from '../protocol/validate.js';
import { describeControlError } from './errors.js';
import type { FleetLink } from './fleet-link.js';
import { ToolHandlers, type CallContext, type HandlerOptions } from './handlers.js';
import type { ProgressSink } from './progress.js';
import * as Tools from './tools.js';

export interface McpServerOptions extends HandlerOptions {
  readonly link: FleetLink;
  readonly version: string;
}

type Handler = (args: never, context: CallContext) => Promise<string>;

function text(message: string, isError = false): CallToolResult {
  return { content: [{ type: 'text', text: message }], ...(isError ? { isError: true } : {}) };
}

/** The server with its tools registered; connect it to a transport to serve. */
export function createFleetMcpServer(options: McpServerOptions): Server {
  const server = new Server(
    { name: 'codex-fleet', title: 'codex fleet', version: options.version },
    {
      capabilities: { tools: {} },
      instructions:
        'codex fleet runs cheap, sandboxed specialist coding agents beside you, each with a dollar budget. Call ' +
        'list_agents to see them, submit_task to hand one a task (wait: true to get its result), get_task to follow it.',
    },
  );
  const handlers = new ToolHandlers(options.link, options);
  const byName = new Map<string, { tool: Tools.ToolDefinition; run: Handler }>([
    [Tools.ListAgents.name, { tool: Tools.ListAgents, run: () => handlers.listAgents() }],
    [Tools.SubmitTask.name, { tool: Tools.SubmitTask, run: (a: Tools.SubmitTaskArgs, c) => handlers.submitTask(a, c) }],
    [Tools.GetTask.name, { tool: Tools.GetTask, run: (a: Tools.GetTaskArgs, c) => handlers.getTask(a, c) }],
    [Tools.CancelTask.name, { tool: Tools.CancelTask, run: (a: Tools.CancelTaskArgs) => handlers.cancelTask(a) }],
    [Tools.FleetStatus.name, { tool: Tools.FleetStatus, run: (a: Tools.FleetStatusArgs) => handlers.fleetStatus(a) }],
    [Tools.PauseAgent.name, { tool: Tools.PauseAgent, run: (a: Tools.AgentArgs) => handlers.pauseAgent(a) }],
    [Tools.ResumeAgent.name, { tool: Tools.ResumeAgent, run: (a: Tools.ResumeAgentArgs) => handlers.resumeAgent(a) }],
  ] as [string, { tool: Tools.ToolDefinition; run: Handler }][]);

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: Tools.TOOLS.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      // A plain JSON copy: TypeBox's symbol keys are not part of the schema.
      inputSchema: JSON.parse(JSON.stringify(tool.input)) as { type: 'object' },
      annotations: { title: tool.title, readOnlyHint: tool.readOnly, openWorldHint: false },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const entry = byName.get(request.params.name);
    if (!entry) {
      return text(`No tool "${request.params.name}". Tools: ${Tools.TOOLS.map((t) => t.name).join(', ')}.`, true);
    }
    const args = request.params.arguments ?? {};
    const issue = checkerFor(entry.tool.input).firstIssue(args);
    if (issue) {
      return text(`Invalid arguments for ${entry.tool.name} at ${issue.path || '/'}: ${issue.message}. Fix that value and call the tool again.`, true);
    }
    const token = request.params._meta?.progressToken;
    const progress: ProgressSink | undefined =
      token === undefined
        ? undefined
        : (step, message) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, message } });
    try {
      return text(await entry.run(args as never, { signal: extra.signal, ...(progress ? { progress } : {}) }));
    } catch (error) {
      let agents: string[] | undefined;
      try {
        agents = (await options.link.request(Status, {})).agents.map((a) => a.name);
      } catch {
        agents = undefined;
      }
      return text(describeControlError(error, { stateDir: options.link.paths.dir, ...(agents ? { agents } : {}) }), true);
    }
  });
  return server;
}

/** Serves `server` on `transport` until the client goes away; resolves then. */
export async function serve(server: Server, transport: Transport, input: NodeJS.ReadableStream): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    input.once('end', () => resolve());
    input.once('close', () => resolve());
  });
  await server.connect(transport);
  await ended;
  await server.close().catch(() => undefined);
}
