import { PassThrough, Writable } from 'node:stream';
import type { CliContext } from '../app/context';

export interface CapturingStream extends Writable {
  text(): string;
  isTTY?: boolean;
}

export function capturingStream(): CapturingStream {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  }) as CapturingStream;
  stream.text = () => text;
  return stream;
}

/** A context with captured output, no terminal and the given environment. */
export function fakeContext(env: Record<string, string> = {}): CliContext & {
  stdout: CapturingStream;
  stderr: CapturingStream;
} {
  return { env, stdin: new PassThrough(), stdout: capturingStream(), stderr: capturingStream() };
}
