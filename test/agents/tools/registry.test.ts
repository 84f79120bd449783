import {describe, expect, it} from 'vitest';
import {z} from 'zod';
import {agentTools, prepareCall, refusalResult, runTool, toolSpecs} from '../../../src/agents/tools/index.js';
import {TOOL_CLASSES} from '../../../src/agents/events.js';
import {constrainedTurnSchema, toolParametersSchema, validateToolCall} from '../../../src/runtime/embedded/tools.js';
import {context, tempWorkspace} from './helpers.js';

const CONTRACT: Record<string, {class: string; args: string[]}> = {
  list_dir: {class: 'read', args: ['path']},
  read_file: {class: 'read', args: ['path', 'offset', 'limit']},
  search: {class: 'read', args: ['pattern', 'path', 'glob']},
  write_file: {class: 'write', args: ['path', 'content']},
  edit_file: {class: 'write', args: ['path', 'old_text', 'new_text', 'replace_all']},
  run_python: {class: 'execute', args: ['code', 'file']},
  run_shell: {class: 'execute', args: ['command']},
  run_js: {class: 'execute', args: ['code']},
};

describe('tool registry', () => {
  it('has exactly the contract tools, names, arguments and classes', () => {
    const tools = agentTools();
    expect(tools.map((t) => t.name).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const t of tools) {
      expect(TOOL_CLASSES).toContain(t.class);
      expect(t.class, t.name).toBe(CONTRACT[t.name]!.class);
      const js = z.toJSONSchema(t.parameters) as {properties: Record<string, unknown>};
      expect(Object.keys(js.properties).sort(), t.name).toEqual([...CONTRACT[t.name]!.args].sort());
      expect(t.description.length).toBeGreaterThan(20);
      expect(t.description.length).toBeLessThan(300);
    }
  });

  it('every schema converts to a grammar schema, and a constrained turn over all of them builds', () => {
    const specs = toolSpecs(agentTools());
    for (const s of specs) {
      const g = toolParametersSchema(s);
      expect(g.type, s.name).toBe('object');
      expect(JSON.stringify(g)).not.toMatch(/allOf|"not"|"if"/);
    }
    const turn = constrainedTurnSchema(specs) as {oneOf: unknown[]};
    expect(turn.oneOf).toHaveLength(specs.length + 1);
    // the runtime's validation takes the specs as they are
    expect(validateToolCall(specs, 'read_file', {path: 'a.py', offset: 3}).arguments).toEqual({path: 'a.py', offset: 3});
  });

  it('runTool: a schema violation is invalid with the zod message; an unknown tool is invalid; a build refusal is refused', async () => {
    const ws = tempWorkspace();
    try {
      const ctx = context(ws.dir);
      const [list] = agentTools();
      expect(await runTool(list!, {path: 3}, ctx)).toEqual({status: 'invalid', message: expect.stringMatching(/^invalid arguments for list_dir: path: Invalid input: expected string, received number/)});
      expect(await runTool(list!, 'not an object', ctx)).toMatchObject({status: 'invalid'});
      // list_dir's path is optional: {} lists the workspace root
      expect(await runTool(list!, {}, ctx)).toMatchObject({status: 'ready'});
      expect(await prepareCall(agentTools(), 'rm_rf', {}, ctx)).toEqual({status: 'invalid', message: expect.stringMatching(/^there is no tool named "rm_rf"; the tools are list_dir, read_file/)});
      expect(await prepareCall(agentTools(), 'read_file', {path: '../x'}, ctx)).toMatchObject({status: 'refused', message: expect.stringMatching(/outside the workspace/)});
      const ok = await runTool(list!, {path: '.'}, ctx);
      expect(ok.status).toBe('ready');
      expect(refusalResult('no')).toEqual({ok: false, output: 'no', ms: 0, truncated: false});
    } finally {
      ws.cleanup();
    }
  });
});
