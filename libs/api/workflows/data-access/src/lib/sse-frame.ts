/**
 * SSE wire format (CONTRACT §4). `data` is already one line of JSON (JSON.stringify never emits a raw
 * newline), so every frame is exactly one `data:` line.
 */
export function eventFrame(type: string, data: string, id?: number | string): string {
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

/**
 * `text` as one HTTP/1.1 chunk (RFC 9112 §7.1): its size in hex, CRLF, the bytes, CRLF. Streams write to
 * their socket directly, so they frame chunks themselves; a batch's chunk is built once for every stream.
 * `bytes` is the UTF-8 length of `text`.
 */
export function httpChunk(text: string, bytes: number): string {
  return `${bytes.toString(16)}\r\n${text}\r\n`;
}
