/** The local OpenAI-compatible model server: answers from a script of recorded replies. */
export { startModelServer, type ModelServer, type ModelServerOptions } from './server.js';
export { loadModelScript, modelScriptFrom, ModelScriptError, type ModelScript, type CompiledReply } from './script.js';
export type { ModelScriptInput, ScriptReply, ScriptUsage, ScriptToolCall, ScriptMatch } from './script-schema.js';
export type { LoggedRequest, Outcome } from './log.js';
export type { Usage } from './usage.js';
