import { isStreamRequest } from './stream-paths';

const ID = 'wf_AAAAAAAAAAAAAAAA';

describe('isStreamRequest', () => {
  it.each([
    `/api/workflows/${ID}/stream`,
    `/api/workflows/${ID}/stream/`,
    `/API/Workflows/${ID}/Stream`,
    `/api/workflows/${ID}/stream?types=log:*&lastEventId=4`,
    `/api/workflows/42/stream`,
    '/api/workflows/stream',
    '/api/workflows/stream?lastEventId=abc.4',
  ])('takes %s for a stream', (url) => {
    expect(isStreamRequest(url)).toBe(true);
  });

  it.each([
    undefined,
    `/api/workflows/${ID}`,
    `/api/workflows/${ID}/streams`,
    `/api/workflows/${ID}/stream/more`,
    `/api/workflows/${ID}/events?x=/stream`,
    `/x/api/workflows/${ID}/stream`,
    '/api/workflows',
    '/api/workflows/streams',
  ])('leaves %s alone', (url) => {
    expect(isStreamRequest(url)).toBe(false);
  });
});
