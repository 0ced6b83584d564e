/**
 * SSE wire format (CONTRACT §4). `data` is already one line of JSON (JSON.stringify never emits a raw
 * newline), so every frame is exactly one `data:` line.
 */
export function eventFrame(type: string, data: string, id?: number): string {
  return id === undefined
    ? `event: ${type}\ndata: ${data}\n\n`
    : `id: ${id}\nevent: ${type}\ndata: ${data}\n\n`;
}

export function commentFrame(text: string): string {
  return `: ${text}\n\n`;
}

export function retryFrame(ms: number): string {
  return `retry: ${ms}\n\n`;
}
