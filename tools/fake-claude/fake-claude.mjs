#!/usr/bin/env node
// A stand-in for the Claude Code CLI in print mode with `--output-format stream-json`, for tests and
// demos: it takes the same arguments, picks a scenario from the prompt (`scenario:<name>`, default
// `success`) and replays that scenario's recorded stream-json lines with small delays. Plain Node, no
// dependencies. See README.md.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const DEFAULT_DELAY_MS = 20;

/**
 * name → how to play it. `fixture`: a .jsonl file under fixtures/, one stdout line per file line, written
 * as is (malformed lines included); `delayMs` before each line; `stderr` lines written after the stdout
 * lines; `exitCode` at the end. `generate` instead writes the stream itself. A fixtures/<name>.jsonl that
 * is not listed here plays with the defaults.
 */
const SCENARIOS = {
  success: { fixture: 'success.jsonl' },
  error: { fixture: 'error.jsonl', exitCode: 1 },
  malformed: {
    fixture: 'malformed.jsonl',
    stderr: ['(node:4242) Warning: a stray warning on stderr (fake-claude malformed scenario)'],
  },
  expensive: { fixture: 'expensive.jsonl', delayMs: 200 },
  overshoot: { fixture: 'overshoot.jsonl' },
  exit: {
    fixture: 'exit.jsonl',
    stderr: ['fake-claude: lost the connection to the API (simulated crash)'],
    exitCode: 3,
  },
  slow: { generate: slow },
};

const VALUE_OPTIONS = new Set([
  '--output-format',
  '--input-format',
  '--model',
  '--fallback-model',
  '--max-turns',
  '--allowedTools',
  '--allowed-tools',
  '--disallowedTools',
  '--disallowed-tools',
  '--permission-mode',
  '--append-system-prompt',
  '--session-id',
]);
const FLAG_OPTIONS = new Set(['-p', '--print', '--verbose', '--include-partial-messages']);

function fail(message, code = 1) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const options = {};
  const positionals = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    if (FLAG_OPTIONS.has(name)) options[name] = true;
    else if (VALUE_OPTIONS.has(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) fail(`error: option '${name}' argument missing`);
      options[name] = value;
    } else if (arg.startsWith('-')) fail(`error: unknown option '${arg}'`);
    else positionals.push(arg);
  }
  return { options, prompt: positionals.join(' ') };
}

const argv = process.argv.slice(2);
const { options, prompt } = parseArgs(argv);
if (!options['-p'] && !options['--print']) fail('fake-claude: only print mode (-p) is supported', 2);
if (prompt.trim() === '') {
  fail('Error: Input must be provided either through stdin or as a prompt argument when using --print');
}
if (options['--output-format'] !== 'stream-json') {
  fail('fake-claude: only --output-format stream-json is supported', 2);
}
if (!options['--verbose']) fail('Error: When using --print, --output-format=stream-json requires --verbose');
const maxTurnsText = options['--max-turns'];
if (maxTurnsText !== undefined && !/^[1-9]\d*$/.test(maxTurnsText)) {
  fail(`error: --max-turns must be a positive integer, got '${maxTurnsText}'`);
}
const maxTurns = maxTurnsText === undefined ? undefined : Number(maxTurnsText);
const model = options['--model'];
const allowedToolsText = options['--allowedTools'] ?? options['--allowed-tools'];
const allowedTools = allowedToolsText
  ?.split(/[,\s]+/)
  .map((tool) => tool.trim())
  .filter((tool) => tool !== '');

const scenarioName = /scenario:([\w-]+)/.exec(prompt)?.[1] ?? 'success';
const scenario =
  SCENARIOS[scenarioName] ??
  (existsSync(join(FIXTURES, `${scenarioName}.jsonl`)) ? { fixture: `${scenarioName}.jsonl` } : undefined);
if (scenario === undefined) fail(`fake-claude: unknown scenario '${scenarioName}'`, 2);

let exitCode = scenario.exitCode ?? 0;

function write(line) {
  return new Promise((resolve) => process.stdout.write(`${line}\n`, () => resolve()));
}

/** Makes a recorded line answer to this invocation: init reflects the flags; --max-turns is enforced. */
function adapt(line) {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return line;
  }
  if (message?.type === 'system' && message.subtype === 'init') {
    return JSON.stringify({
      ...message,
      cwd: process.cwd(),
      ...(model !== undefined ? { model } : {}),
      ...(allowedTools !== undefined ? { tools: allowedTools } : {}),
      fake_claude: { pid: process.pid, scenario: scenarioName, argv, max_turns: maxTurns ?? null },
    });
  }
  if (message?.type === 'result' && maxTurns !== undefined && (message.num_turns ?? 0) > maxTurns) {
    exitCode = 1;
    const { result: _result, ...rest } = message;
    return JSON.stringify({ ...rest, subtype: 'error_max_turns', is_error: true, num_turns: maxTurns });
  }
  return line;
}

async function replay(fixture, delayMs) {
  const lines = readFileSync(join(FIXTURES, fixture), 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    await sleep(delayMs);
    await write(adapt(line));
  }
}

/** An init line, then a short assistant message every 100 ms for 30 s, then a success result. */
async function slow() {
  const session = '00000000-0000-4000-8000-000000000510';
  await write(
    adapt(
      JSON.stringify({
        type: 'system',
        subtype: 'init',
        session_id: session,
        model: 'claude-sonnet-4-5-20250929',
        tools: ['Bash', 'Read'],
        permissionMode: 'default',
        apiKeySource: 'none',
      }),
    ),
  );
  const ticks = 300;
  for (let tick = 1; tick <= ticks; tick++) {
    await sleep(100);
    await write(
      JSON.stringify({
        type: 'assistant',
        message: {
          id: `msg_slow_${tick}`,
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5-20250929',
          content: [{ type: 'text', text: `tick ${tick} (pid ${process.pid})` }],
          stop_reason: null,
          usage: {
            input_tokens: 10,
            output_tokens: 10,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        },
        parent_tool_use_id: null,
        session_id: session,
      }),
    );
  }
  await write(
    JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      duration_ms: ticks * 100,
      duration_api_ms: ticks * 90,
      num_turns: ticks,
      result: `finished ${ticks} ticks`,
      session_id: session,
      total_cost_usd: 0.05,
    }),
  );
}

if (scenario.generate) await scenario.generate();
else await replay(scenario.fixture, scenario.delayMs ?? DEFAULT_DELAY_MS);
for (const line of scenario.stderr ?? []) process.stderr.write(`${line}\n`);
process.exitCode = exitCode;
