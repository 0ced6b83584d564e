import { commentFrame, eventFrame, httpChunk, retryFrame } from './sse-frame';

describe('SSE frames', () => {
  it('writes a stored event as id, event and one data line, ended by a blank line', () => {
    expect(eventFrame('agent:started', '{"a":1}', 7)).toBe('id: 7\nevent: agent:started\ndata: {"a":1}\n\n');
  });

  it('writes a snapshot event without an id line', () => {
    expect(eventFrame('workflow:state', '{}')).toBe('event: workflow:state\ndata: {}\n\n');
  });

  it('keeps id 0, which is a real id and not a missing one', () => {
    expect(eventFrame('agent:state', '{}', 0)).toBe('id: 0\nevent: agent:state\ndata: {}\n\n');
  });

  it('keeps JSON data on one line even when the payload holds newlines', () => {
    const data = JSON.stringify({ message: 'line one\nline two\r\n' });
    const frame = eventFrame('log:created', data, 1);
    expect(frame.split('\n')).toEqual(['id: 1', 'event: log:created', `data: ${data}`, '', '']);
  });

  it('writes comments and the retry interval', () => {
    expect(commentFrame('heartbeat 3')).toBe(': heartbeat 3\n\n');
    expect(retryFrame(3000)).toBe('retry: 3000\n\n');
  });
});

describe('httpChunk', () => {
  it('frames text as one HTTP/1.1 chunk: its UTF-8 size in hex, CRLF, the text, CRLF', () => {
    const text = 'data: {"message":"déjà vu ✓"}\n\n';
    const bytes = Buffer.byteLength(text);
    expect(bytes).toBe(35);
    expect(httpChunk(text, bytes)).toBe(`23\r\n${text}\r\n`);
  });
});
