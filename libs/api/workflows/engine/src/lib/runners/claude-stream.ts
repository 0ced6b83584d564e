/**
 * Pure helpers for the claude-code runner: parsing Claude Code's `--output-format stream-json` lines,
 * summarising tool calls, and turning usage and cumulative totals into budget deltas. No I/O here.
 *
 * The message shapes are those the public Claude Code / Agent SDK documentation describes: a
 * `system`/`init` message, `assistant` and `user` messages wrapping Anthropic API messages, and one final
 * `result` message with `subtype`, `is_error`, `result`, `total_cost_usd`, `duration_ms` and `num_turns`.
 */

export interface TokenUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface ToolUse {
  name: string;
  input: unknown;
}

export type ClaudeStreamMessage =
  | { kind: 'init'; sessionId?: string; model?: string; cwd?: string; tools?: string[] }
  /** A system message other than init (compaction boundaries, hook output, …): informational only. */
  | { kind: 'system'; subtype?: string }
  | {
      kind: 'assistant';
      /** The API message id; Claude Code prints one line per content block, repeating id and usage. */
      messageId?: string;
      model?: string;
      texts: string[];
      toolUses: ToolUse[];
      usage?: TokenUsage;
      /** Not sent by Claude Code today on assistant lines; honoured when present (cumulative, USD). */
      totalCostUsd?: number;
    }
  | { kind: 'user'; toolErrors: string[] }
  | {
      kind: 'result';
      subtype: string;
      isError: boolean;
      result?: string;
      errors: string[];
      totalCostUsd?: number;
      durationMs?: number;
      numTurns?: number;
      sessionId?: string;
    }
  /** Not JSON, not an object, or a type this parser does not know. */
  | { kind: 'unparsable'; line: string };

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;

function usageOf(value: unknown): TokenUsage | undefined {
  if (!isRecord(value)) return undefined;
  return {
    input_tokens: num(value['input_tokens']),
    output_tokens: num(value['output_tokens']),
    cache_creation_input_tokens: num(value['cache_creation_input_tokens']),
    cache_read_input_tokens: num(value['cache_read_input_tokens']),
  };
}

/** A cumulative total in US dollars (`total_cost_usd`; `total_cost` in early CLI versions). */
function totalCostOf(message: Json): number | undefined {
  return num(message['total_cost_usd']) ?? num(message['total_cost']);
}

function contentBlocks(message: Json): Json[] {
  const inner = message['message'];
  if (!isRecord(inner)) return [];
  const content = inner['content'];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

/** Parses one stdout line. Returns undefined for a blank line, which carries nothing. */
export function parseStreamLine(line: string): ClaudeStreamMessage | undefined {
  const trimmed = line.trim();
  if (trimmed === '') return undefined;
  let message: unknown;
  try {
    message = JSON.parse(trimmed);
  } catch {
    return { kind: 'unparsable', line: trimmed };
  }
  if (!isRecord(message)) return { kind: 'unparsable', line: trimmed };
  switch (message['type']) {
    case 'system': {
      const subtype = str(message['subtype']);
      if (subtype !== 'init') return { kind: 'system', subtype };
      return {
        kind: 'init',
        sessionId: str(message['session_id']),
        model: str(message['model']),
        cwd: str(message['cwd']),
        tools: strings(message['tools']),
      };
    }
    case 'assistant': {
      const inner = message['message'];
      if (!isRecord(inner)) return { kind: 'unparsable', line: trimmed };
      const texts: string[] = [];
      const toolUses: ToolUse[] = [];
      for (const block of contentBlocks(message)) {
        const text = str(block['text']);
        if (block['type'] === 'text' && text !== undefined) texts.push(text);
        if (block['type'] === 'tool_use')
          toolUses.push({ name: str(block['name']) ?? '?', input: block['input'] });
      }
      return {
        kind: 'assistant',
        messageId: str(inner['id']),
        model: str(inner['model']),
        texts,
        toolUses,
        usage: usageOf(inner['usage']),
        totalCostUsd: totalCostOf(message),
      };
    }
    case 'user': {
      const toolErrors: string[] = [];
      for (const block of contentBlocks(message)) {
        if (block['type'] !== 'tool_result' || block['is_error'] !== true) continue;
        toolErrors.push(toolResultText(block['content']));
      }
      return { kind: 'user', toolErrors };
    }
    case 'result': {
      const subtype = str(message['subtype']) ?? 'unknown';
      return {
        kind: 'result',
        subtype,
        isError: message['is_error'] === true,
        result: str(message['result']),
        errors: strings(message['errors']) ?? [],
        totalCostUsd: totalCostOf(message),
        durationMs: num(message['duration_ms']),
        numTurns: num(message['num_turns']),
        sessionId: str(message['session_id']),
      };
    }
    default:
      return { kind: 'unparsable', line: trimmed };
  }
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (isRecord(part) ? (str(part['text']) ?? '') : ''))
      .filter((text) => text !== '')
      .join(' ');
  }
  return '';
}

/** Collapses whitespace and cuts to `max` characters, marking the cut with an ellipsis. */
export function shorten(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The field that says what a call of a well-known tool does; other tools show their whole input. */
const TOOL_SUMMARY_FIELDS = [
  'command',
  'file_path',
  'notebook_path',
  'pattern',
  'url',
  'query',
  'description',
  'prompt',
];

/** `tool Bash: npm test`: a short, one-line account of a tool call (at most about 200 characters). */
export function summarizeToolUse(tool: ToolUse, max = 200): string {
  const { input } = tool;
  let summary: string;
  if (isRecord(input)) {
    const field = TOOL_SUMMARY_FIELDS.find((name) => typeof input[name] === 'string');
    if (field !== undefined) {
      summary = input[field] as string;
      const path = str(input['path']);
      if (field === 'pattern' && path !== undefined) summary += ` in ${path}`;
    } else if (Array.isArray(input['todos'])) {
      summary = `${input['todos'].length} todos`;
    } else {
      summary = JSON.stringify(input);
    }
  } else {
    summary = input === undefined ? '' : JSON.stringify(input);
  }
  return shorten(`tool ${tool.name}: ${summary}`, max);
}

/** The non-empty lines of an assistant text, trimmed. */
export function textLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** US dollars per million tokens. */
export interface TokenPrices {
  input: number;
  output: number;
  /** Writing the prompt cache (5-minute cache: 1.25 × input). */
  cacheWrite: number;
  /** Reading the prompt cache (0.1 × input). */
  cacheRead: number;
}

/**
 * Anthropic's published list prices (US dollars per million tokens), matched against the model id of each
 * assistant message (`claude-opus-4-1-20250805`) or the `--model` alias (`opus`). The first match wins; a
 * model that matches nothing is priced as Sonnet. These prices only drive the running estimate that
 * charges the budget while the CLI works: its own `total_cost_usd` in the final result always tops the
 * total up to the real figure. Where a family had several prices, the unversioned pattern takes the higher
 * one, so that an unknown version errs towards stopping early rather than overspending.
 */
export const MODEL_PRICES: readonly { match: RegExp; prices: TokenPrices }[] = [
  // Opus 4.5 and later.
  { match: /opus-4-[5-9]|opus-[5-9]/, prices: { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 } },
  // Opus 3, 4, 4.1.
  { match: /opus/, prices: { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 } },
  // Haiku 4.5 and later.
  { match: /haiku-4|haiku-[5-9]/, prices: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 } },
  // Haiku 3.5 (Haiku 3 is cheaper; overestimating it is harmless).
  { match: /haiku/, prices: { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 } },
  // Sonnet 3.7, 4, 4.5.
  { match: /sonnet/, prices: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } },
];
export const DEFAULT_PRICES: TokenPrices = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 };

export function pricesFor(model: string | undefined): TokenPrices {
  if (model === undefined) return DEFAULT_PRICES;
  const id = model.toLowerCase();
  return MODEL_PRICES.find((entry) => entry.match.test(id))?.prices ?? DEFAULT_PRICES;
}

export function estimateCost(usage: TokenUsage, model: string | undefined): number {
  const prices = pricesFor(model);
  return (
    ((usage.input_tokens ?? 0) * prices.input +
      (usage.output_tokens ?? 0) * prices.output +
      (usage.cache_creation_input_tokens ?? 0) * prices.cacheWrite +
      (usage.cache_read_input_tokens ?? 0) * prices.cacheRead) /
    1_000_000
  );
}

/** Deltas below this are floating-point noise, not spend (the engine keeps costs to 1e-6 dollars). */
const EPSILON = 1e-9;

/**
 * Turns what the stream says about spend into deltas to charge at once:
 *
 * - a message with a cumulative `total_cost_usd` charges `total - reported` (when positive);
 * - an assistant message without one charges an estimate from its `usage` and the price table; Claude
 *   Code repeats one API message's usage on each of its content-block lines, so usage is counted once per
 *   message id (only growth is charged again);
 * - the final result's `total_cost_usd` tops the sum up to the CLI's own total. When the estimates
 *   overshot it, nothing negative is charged (a budget never gives money back): `overshoot` says by how
 *   much, so the runner can note it.
 */
export class CostMeter {
  private reportedUsd = 0;
  private readonly estimatedByMessage = new Map<string, number>();

  constructor(private readonly fallbackModel?: string) {}

  /** The sum of every delta returned so far. */
  get reported(): number {
    return this.reportedUsd;
  }

  /** The delta to charge for an assistant message (0 for none). */
  assistant(message: {
    messageId?: string;
    model?: string;
    usage?: TokenUsage;
    totalCostUsd?: number;
  }): number {
    if (message.totalCostUsd !== undefined) return this.cumulative(message.totalCostUsd).delta;
    if (message.usage === undefined) return 0;
    const estimate = estimateCost(message.usage, message.model ?? this.fallbackModel);
    if (message.messageId === undefined) return this.charge(estimate);
    const counted = this.estimatedByMessage.get(message.messageId) ?? 0;
    if (estimate <= counted) return 0;
    this.estimatedByMessage.set(message.messageId, estimate);
    return this.charge(estimate - counted);
  }

  /** The delta to charge for a cumulative total, and how far the charges so far already exceed it. */
  cumulative(totalUsd: number): { delta: number; overshoot: number } {
    const difference = totalUsd - this.reportedUsd;
    if (difference > EPSILON) return { delta: this.charge(difference), overshoot: 0 };
    return { delta: 0, overshoot: difference < -EPSILON ? -difference : 0 };
  }

  private charge(delta: number): number {
    if (!(delta > EPSILON)) return 0;
    this.reportedUsd += delta;
    return delta;
  }
}
