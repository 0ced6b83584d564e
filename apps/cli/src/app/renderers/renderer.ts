import type { StreamEvent, WorkflowDetail } from '@flowcast/shared-contract';

/** Where a watch's output goes: one implementation per output mode (bars, plain lines, JSON lines). */
export interface Renderer {
  /** An event just applied; `view` is the state it led to. */
  event(event: StreamEvent, view: WorkflowDetail): void;
  /** Connection trouble, kept apart from the workflow's own output. */
  notice(message: string): void;
  /** The watch is over (the workflow finished, or the watch gave up). */
  end(view: WorkflowDetail | undefined): void;
}

/** The part of a stream the renderers write to (a TTY or not). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}
