import { PassThrough } from 'node:stream';
import { childEnv, readLines, runChild } from './child-process';

// Each test starts a real process; leave room for a busy machine.
jest.setTimeout(20_000);

/**
 * A real child that writes each hex piece to its fd, a few ms apart, so that the reader gets the pieces as
 * separate chunks (a character or a CRLF cut between pieces arrives cut).
 */
const WRITER = `
const pause = new Int32Array(new SharedArrayBuffer(4));
for (const [fd, hex] of JSON.parse(process.argv[1])) {
  require('node:fs').writeSync(fd, Buffer.from(hex, 'hex'));
  Atomics.wait(pause, 0, 0, 5);
}
`;

async function linesOf(pieces: [1 | 2, Buffer][]): Promise<{ stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const plan = JSON.stringify(pieces.map(([fd, bytes]) => [fd, bytes.toString('hex')]));
  const outcome = await runChild(
    { command: process.execPath, args: ['-e', WRITER, plan], env: childEnv() },
    { signal: new AbortController().signal, capacity: () => Promise.resolve() },
    (line) => stdout.push(line),
    (line) => stderr.push(line),
  );
  expect(outcome).toEqual({ exitCode: 0, signal: null, timedOut: false, aborted: false });
  return { stdout, stderr };
}

const bytes = (...values: number[]) => Buffer.from(values);
const text = (value: string) => Buffer.from(value, 'utf8');

describe('runChild output lines', () => {
  it('ends lines at LF, CRLF and lone CR, also when a CRLF is cut between reads, and keeps empty lines', async () => {
    const { stdout } = await linesOf([
      [1, text('lf\ncrlf\r\ncr\rcr-crlf\r\r\n\nsplit\r')],
      [1, text('\nlast')],
    ]);
    expect(stdout).toEqual(['lf', 'crlf', 'cr', 'cr-crlf', '', '', 'split', 'last']);
  });

  it('keeps NUL, a BOM, U+2028 and U+2029 inside a line', async () => {
    const { stdout, stderr } = await linesOf([
      [1, text('\uFEFFa\0b\u2028c\u2029d\uFEFF\n')],
      [2, text('\uFEFF')],
    ]);
    expect(stdout).toEqual(['\uFEFFa\0b\u2028c\u2029d\uFEFF']);
    expect(stderr).toEqual(['\uFEFF']);
  });

  it('joins a character cut between reads and turns invalid bytes into U+FFFD', async () => {
    const { stdout } = await linesOf([
      [1, bytes(0x61, 0xe2)],
      [1, bytes(0x82)],
      [1, bytes(0xac, 0x0a, 0xf0, 0x9f)],
      [1, bytes(0x98, 0x80, 0x0a, 0xff, 0xed, 0xa0, 0x80, 0x0a)],
    ]);
    expect(stdout).toEqual(['a€', '😀', '\uFFFD'.repeat(4)]);
  });

  it('keeps a character cut off by the end of the output, as U+FFFD', async () => {
    const { stdout, stderr } = await linesOf([
      [1, bytes(0x61, 0xe2, 0x82)],
      [2, bytes(0xc3)],
    ]);
    expect(stdout).toEqual(['a\uFFFD']);
    expect(stderr).toEqual(['\uFFFD']);
  });
});

describe('readLines', () => {
  async function linesOf(chunks: (string | Buffer)[]): Promise<string[]> {
    const stream = new PassThrough();
    const lines: string[] = [];
    const reading = readLines(stream, (line) => lines.push(line));
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
    await reading;
    return lines;
  }

  it('splits at LF, CRLF and lone CR, also when a CRLF or a character is cut between chunks', async () => {
    const euro = Buffer.from('€');
    expect(
      await linesOf(['a\r', '\nb\rc\n', 'd\r\n\r\n', euro.subarray(0, 1), euro.subarray(1), 'e\u2028f']),
    ).toEqual(['a', 'b', 'c', 'd', '', '€e\u2028f']);
  });

  it('ends the last line at the end of the stream, with or without a line break', async () => {
    expect(await linesOf(['x\ny'])).toEqual(['x', 'y']);
    expect(await linesOf(['x\n'])).toEqual(['x']);
    expect(await linesOf(['x\r'])).toEqual(['x']);
    expect(await linesOf([])).toEqual([]);
  });
});
