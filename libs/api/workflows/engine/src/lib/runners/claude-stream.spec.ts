import {
  CostMeter,
  DEFAULT_PRICES,
  estimateCost,
  parseStreamLine,
  pricesFor,
  shorten,
  summarizeToolUse,
  textLines,
} from './claude-stream';

describe('parseStreamLine', () => {
  it('reads the init message: session, model, cwd and tools', () => {
    const line = JSON.stringify({
      type: 'system',
      subtype: 'init',
      session_id: 's-1',
      model: 'claude-sonnet-4-5',
      cwd: '/repo',
      tools: ['Bash', 'Read'],
      mcp_servers: [],
    });
    expect(parseStreamLine(line)).toEqual({
      kind: 'init',
      sessionId: 's-1',
      model: 'claude-sonnet-4-5',
      cwd: '/repo',
      tools: ['Bash', 'Read'],
    });
  });

  it('reads other system messages as informational', () => {
    expect(parseStreamLine('{"type":"system","subtype":"compact_boundary"}')).toEqual({
      kind: 'system',
      subtype: 'compact_boundary',
    });
  });

  it('reads an assistant message: texts, tool calls, usage, id and model', () => {
    const line = JSON.stringify({
      type: 'assistant',
      message: {
        id: 'msg_1',
        model: 'claude-opus-4-1',
        content: [
          { type: 'text', text: 'Looking.' },
          { type: 'thinking', thinking: 'hmm' },
          { type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'ls' } },
        ],
        usage: {
          input_tokens: 1,
          output_tokens: 2,
          cache_creation_input_tokens: 3,
          cache_read_input_tokens: 4,
        },
      },
    });
    expect(parseStreamLine(line)).toEqual({
      kind: 'assistant',
      messageId: 'msg_1',
      model: 'claude-opus-4-1',
      texts: ['Looking.'],
      toolUses: [{ name: 'Bash', input: { command: 'ls' } }],
      usage: {
        input_tokens: 1,
        output_tokens: 2,
        cache_creation_input_tokens: 3,
        cache_read_input_tokens: 4,
      },
      totalCostUsd: undefined,
    });
  });

  it('reads the failed tool results of a user message, and nothing of the successful ones', () => {
    const line = JSON.stringify({
      type: 'user',
      message: {
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: 'fine' },
          { type: 'tool_result', tool_use_id: 't2', is_error: true, content: 'Permission denied' },
          {
            type: 'tool_result',
            tool_use_id: 't3',
            is_error: true,
            content: [{ type: 'text', text: 'boom' }],
          },
        ],
      },
    });
    expect(parseStreamLine(line)).toEqual({ kind: 'user', toolErrors: ['Permission denied', 'boom'] });
  });

  it('reads the result message', () => {
    const line = JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'done',
      total_cost_usd: 0.25,
      duration_ms: 1200,
      num_turns: 3,
      session_id: 's-1',
    });
    expect(parseStreamLine(line)).toEqual({
      kind: 'result',
      subtype: 'success',
      isError: false,
      result: 'done',
      errors: [],
      totalCostUsd: 0.25,
      durationMs: 1200,
      numTurns: 3,
      sessionId: 's-1',
    });
  });

  it('ignores blank lines', () => {
    expect(parseStreamLine('')).toBeUndefined();
    expect(parseStreamLine('   \t')).toBeUndefined();
  });

  it.each([
    ['plain text', 'Welcome to Claude Code'],
    ['truncated JSON', '{"type":"assistant","message":{"content":['],
    ['a JSON array', '[1,2]'],
    ['a JSON scalar', '42'],
    ['JSON null', 'null'],
    ['an unknown type', '{"type":"telemetry"}'],
    ['an object without a type', '{"hello":"world"}'],
    ['an assistant line without a message', '{"type":"assistant"}'],
  ])('calls %s unparsable', (_name, line) => {
    expect(parseStreamLine(line)).toEqual({ kind: 'unparsable', line });
  });
});

describe('summarizeToolUse', () => {
  it('shows the salient field of well-known tools', () => {
    expect(summarizeToolUse({ name: 'Bash', input: { command: 'npm test', description: 'Run tests' } })).toBe(
      'tool Bash: npm test',
    );
    expect(summarizeToolUse({ name: 'Edit', input: { file_path: 'src/a.ts', old_string: 'x' } })).toBe(
      'tool Edit: src/a.ts',
    );
    expect(summarizeToolUse({ name: 'Grep', input: { pattern: 'TODO', path: 'src' } })).toBe(
      'tool Grep: TODO in src',
    );
    expect(summarizeToolUse({ name: 'TodoWrite', input: { todos: [{}, {}] } })).toBe(
      'tool TodoWrite: 2 todos',
    );
  });

  it('shows the input as JSON for other tools', () => {
    expect(summarizeToolUse({ name: 'mcp__db__query', input: { sql: 'select 1' } })).toBe(
      'tool mcp__db__query: {"sql":"select 1"}',
    );
  });

  it('keeps the summary on one line of at most 200 characters', () => {
    const summary = summarizeToolUse({
      name: 'Bash',
      input: { command: `echo one\necho two && ${'x'.repeat(500)}` },
    });
    expect(summary).not.toContain('\n');
    expect(summary.length).toBeLessThanOrEqual(200);
    expect(summary.startsWith('tool Bash: echo one echo two')).toBe(true);
    expect(summary.endsWith('…')).toBe(true);
  });
});

describe('textLines and shorten', () => {
  it('splits text into trimmed, non-empty lines', () => {
    expect(textLines('  first\r\n\n  second  \n\n')).toEqual(['first', 'second']);
  });

  it('leaves short text alone and cuts long text with an ellipsis', () => {
    expect(shorten('a  b')).toBe('a b');
    expect(shorten('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('pricesFor and estimateCost', () => {
  it('prices each model family, and an unknown model as Sonnet', () => {
    expect(pricesFor('claude-opus-4-1-20250805').output).toBe(75);
    expect(pricesFor('claude-opus-4-5-20251101').output).toBe(25);
    expect(pricesFor('opus').output).toBe(75);
    expect(pricesFor('claude-sonnet-4-5-20250929').output).toBe(15);
    expect(pricesFor('claude-haiku-4-5-20251001').output).toBe(5);
    expect(pricesFor('claude-3-5-haiku-20241022').output).toBe(4);
    expect(pricesFor('some-new-model')).toBe(DEFAULT_PRICES);
    expect(pricesFor(undefined)).toBe(DEFAULT_PRICES);
  });

  it('charges input, output, cache writes and cache reads at their own rates', () => {
    const usage = {
      input_tokens: 5_000,
      output_tokens: 6_000,
      cache_creation_input_tokens: 10_000,
      cache_read_input_tokens: 50_000,
    };
    // Opus 4.1: 5k × $15 + 6k × $75 + 10k × $18.75 + 50k × $1.50 per million.
    expect(estimateCost(usage, 'claude-opus-4-1-20250805')).toBeCloseTo(0.7875, 10);
    expect(estimateCost({}, 'claude-opus-4-1-20250805')).toBe(0);
  });
});

describe('CostMeter', () => {
  const usage = { input_tokens: 1_000_000 }; // $3 at the Sonnet default

  it('charges an estimate per assistant message from its usage', () => {
    const meter = new CostMeter();
    expect(meter.assistant({ messageId: 'a', usage })).toBeCloseTo(3, 10);
    expect(meter.assistant({ messageId: 'b', usage })).toBeCloseTo(3, 10);
    expect(meter.reported).toBeCloseTo(6, 10);
  });

  it('counts the usage repeated on each content-block line of one message once, and only its growth again', () => {
    const meter = new CostMeter();
    expect(meter.assistant({ messageId: 'a', usage })).toBeCloseTo(3, 10);
    expect(meter.assistant({ messageId: 'a', usage })).toBe(0);
    expect(meter.assistant({ messageId: 'a', usage: { input_tokens: 2_000_000 } })).toBeCloseTo(3, 10);
    expect(meter.reported).toBeCloseTo(6, 10);
  });

  it('prices by the message model, else by the configured model', () => {
    expect(new CostMeter('claude-opus-4-1').assistant({ usage })).toBeCloseTo(15, 10);
    expect(new CostMeter('claude-opus-4-1').assistant({ usage, model: 'claude-haiku-4-5' })).toBeCloseTo(
      1,
      10,
    );
  });

  it('charges nothing for a message without usage or cost', () => {
    expect(new CostMeter().assistant({ messageId: 'a' })).toBe(0);
  });

  it('charges the difference to a cumulative total, in place of an estimate', () => {
    const meter = new CostMeter();
    expect(meter.assistant({ messageId: 'a', usage, totalCostUsd: 1 })).toBeCloseTo(1, 10);
    expect(meter.assistant({ messageId: 'b', usage, totalCostUsd: 2.5 })).toBeCloseTo(1.5, 10);
    expect(meter.reported).toBeCloseTo(2.5, 10);
  });

  it('tops estimates up to the final total when they fell short', () => {
    const meter = new CostMeter();
    meter.assistant({ messageId: 'a', usage });
    expect(meter.cumulative(4.2)).toEqual({ delta: expect.closeTo(1.2, 10), overshoot: 0 });
    expect(meter.reported).toBeCloseTo(4.2, 10);
  });

  it('never charges a negative amount when the estimates overshot, and says by how much', () => {
    const meter = new CostMeter();
    meter.assistant({ messageId: 'a', usage });
    expect(meter.cumulative(2)).toEqual({ delta: 0, overshoot: expect.closeTo(1, 10) });
    expect(meter.reported).toBeCloseTo(3, 10);
  });

  it('charges nothing and reports no overshoot when the total matches to floating-point noise', () => {
    const meter = new CostMeter();
    meter.assistant({ totalCostUsd: 0.1 + 0.2 });
    expect(meter.cumulative(0.3)).toEqual({ delta: 0, overshoot: 0 });
  });
});
