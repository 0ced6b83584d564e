import type { CliContext } from '../context';
import { JsonRenderer } from './json-renderer';
import { PlainRenderer } from './plain-renderer';
import type { Renderer } from './renderer';
import { TtyRenderer } from './tty-renderer';

/** `--json` for scripts; bars only when stdout is a terminal; plain lines otherwise. */
export function chooseRenderer(json: boolean, context: CliContext): Renderer {
  if (json) return new JsonRenderer(context.stdout, context.stderr);
  if (context.stdout.isTTY) return new TtyRenderer(context.stdout);
  return new PlainRenderer(context.stdout, context.stderr);
}
