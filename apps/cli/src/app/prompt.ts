import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

export interface PromptIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Prompts go to stderr, so that stdout carries only a command's output. */
  stderr: NodeJS.WritableStream;
}

export async function promptLine(question: string, io: PromptIo): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Asks without echoing what is typed: readline writes its echo to an output that drops it. */
export async function promptHidden(question: string, io: PromptIo): Promise<string> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: io.stdin, output: silent, terminal: true });
  io.stderr.write(question);
  try {
    return await rl.question('');
  } finally {
    rl.close();
    io.stderr.write('\n');
  }
}

/** All of stdin, without the final line break (`echo "$PASSWORD" | flowcast login --password-stdin`). */
export async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
