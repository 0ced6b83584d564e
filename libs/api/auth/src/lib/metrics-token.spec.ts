import type { Request } from 'express';
import { metricsTokenMatcher } from './metrics-token';

const TOKEN = 'metrics-token-0123456789';

function request(authorization?: string, query: Record<string, string> = {}): Request {
  return { headers: authorization === undefined ? {} : { authorization }, query } as unknown as Request;
}

describe('metricsTokenMatcher', () => {
  const matches = metricsTokenMatcher(TOKEN);

  it('accepts exactly `Bearer <METRICS_TOKEN>`', () => {
    expect(matches(request(`Bearer ${TOKEN}`))).toBe(true);
    expect(matches(request(`bearer ${TOKEN}`))).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['another token', 'Bearer metrics-token-0123456780'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token with more after it', `Bearer ${TOKEN}x`],
    ['another scheme', `Basic ${TOKEN}`],
    ['the bare token', TOKEN],
  ])('refuses %s', (_name, header) => {
    expect(matches(request(header))).toBe(false);
  });

  it('refuses the right token when the URL also carries a credential', () => {
    expect(matches(request(`Bearer ${TOKEN}`, { token: TOKEN }))).toBe(false);
    expect(matches(request(`Bearer ${TOKEN}`, { access_token: '' }))).toBe(false);
  });

  it('matches nothing when no token is configured', () => {
    const none = metricsTokenMatcher(undefined);
    expect(none(request('Bearer '))).toBe(false);
    expect(none(request('Bearer undefined'))).toBe(false);
  });
});
