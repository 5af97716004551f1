/** The generated JSON Schemas are valid draft 2020-12 and agree with the runtime checks. */
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { protocolSchemaFiles } from '../../src/protocol/schemas.js';

const files = protocolSchemaFiles();
const ajv = new Ajv2020.default({ strict: false, allErrors: false });
const validators = new Map(Object.entries(files).map(([name, schema]) => [name, ajv.compile(schema)]));
const check = (file: string, message: unknown): boolean => {
  const v = validators.get(file);
  if (v === undefined) throw new Error(`no schema ${file}`);
  return v(message);
};

describe('docs/protocol/*.schema.json', () => {
  it('has one schema per method plus the envelope', () => {
    expect(Object.keys(files).sort()).toEqual([
      'cancelRequest.schema.json',
      'commit.request.schema.json',
      'exec.run.schema.json',
      'exit.schema.json',
      'initialize.schema.json',
      'jsonrpc.schema.json',
      'log.schema.json',
      'model.complete.schema.json',
      'model.delta.schema.json',
      'ping.schema.json',
      'shutdown.schema.json',
      'task.deadline.schema.json',
      'task.progress.schema.json',
      'task.run.schema.json',
    ]);
  });

  it('takes the 1.1 shapes of model/complete: tools, tool calls, tool results, structured output', () => {
    const params = {
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'weather', arguments: '{}' }] },
        { role: 'tool', tool_call_id: 'c1', content: '4 degrees' },
      ],
      tools: [{ type: 'function', name: 'weather', parameters: { type: 'object' } }],
      tool_choice: { type: 'function', name: 'weather' },
      response_format: { type: 'json_schema', name: 'w', schema: { type: 'object' } },
    };
    expect(check('model.complete.schema.json', { jsonrpc: '2.0', id: 1, method: 'model/complete', params })).toBe(true);
    const noId = { ...params, messages: [{ role: 'tool', content: 'lost' }] };
    expect(check('model.complete.schema.json', { jsonrpc: '2.0', id: 1, method: 'model/complete', params: noId })).toBe(false);
  });

  it('accepts valid messages and refuses invalid ones', () => {
    expect(check('task.run.schema.json', { jsonrpc: '2.0', id: 1, method: 'task/run', params: { task: { id: 't', kind: 'k', input: [1] } } })).toBe(true);
    expect(check('task.run.schema.json', { jsonrpc: '2.0', id: 1, method: 'task/run', params: { task: { id: 7, kind: 'k', input: 1 } } })).toBe(false);
    expect(check('exec.run.schema.json', { jsonrpc: '2.0', id: 'a', method: 'exec/run', params: { argv: [] } })).toBe(false);
    expect(check('shutdown.schema.json', { jsonrpc: '2.0', id: 2, method: 'shutdown' })).toBe(true);
    expect(check('model.delta.schema.json', { jsonrpc: '2.0', method: 'model/delta', params: { request_id: 3, index: 0, text: 'x' } })).toBe(true);
    expect(check('jsonrpc.schema.json', [])).toBe(false);
    expect(check('jsonrpc.schema.json', { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })).toBe(true);
    expect(check('jsonrpc.schema.json', { jsonrpc: '2.0', method: 1 })).toBe(false);
  });
});
