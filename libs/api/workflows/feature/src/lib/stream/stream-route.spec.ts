import { BadRequestException } from '@nestjs/common';
import { decodeSegment, matchStreamRoute, parseStreamQuery } from './stream-route';

const ID = 'wf_AAAAAAAAAAAAAAAA';

describe('matchStreamRoute', () => {
  it.each([
    [`/api/workflows/${ID}/stream`, ''],
    [`/api/workflows/${ID}/stream/`, ''],
    [`/API/Workflows/${ID}/Stream`, ''],
    [`/api/workflows/${ID}/stream?types=log:*&lastEventId=4`, 'types=log%3A*&lastEventId=4'],
    [`http://example.com:3000/api/workflows/${ID}/stream?types=log:*`, 'types=log%3A*'],
  ])('takes GET %s', (url, query) => {
    const match = matchStreamRoute('GET', url);
    expect(match?.rawId).toBe(ID);
    expect(match?.query.toString()).toBe(query);
  });

  it.each([
    ['POST', `/api/workflows/${ID}/stream`],
    ['HEAD', `/api/workflows/${ID}/stream`],
    ['GET', `/api/workflows/${ID}`],
    ['GET', `/api/workflows//stream`],
    ['GET', `/api/workflows/${ID}/streams`],
    ['GET', `/api/workflows/${ID}/stream/more`],
    ['GET', `/x/api/workflows/${ID}/stream`],
    ['GET', `http://example.com/x/api/workflows/${ID}/stream`],
    ['GET', '*'],
  ])('leaves %s %s to Express', (method, url) => {
    expect(matchStreamRoute(method, url)).toBeNull();
  });

  it('keeps the id segment encoded for the caller to decode (and a bad escape undecoded)', () => {
    expect(matchStreamRoute('GET', '/api/workflows/wf_%41AAAAAAAAAAAAAAA/stream')?.rawId).toBe(
      'wf_%41AAAAAAAAAAAAAAA',
    );
    expect(decodeSegment('wf_%41AAAAAAAAAAAAAAA')).toBe(ID);
    expect(decodeSegment('wf_%E0%A4%A')).toBe('wf_%E0%A4%A');
  });
});

describe('parseStreamQuery', () => {
  const parse = (query: string) => parseStreamQuery(new URLSearchParams(query));
  const fieldsOf = (query: string) => {
    try {
      parse(query);
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestException);
      return (error as BadRequestException).getResponse();
    }
    throw new Error(`no error for ${query}`);
  };

  it('reads the two options, empty values included', () => {
    expect(parse('')).toEqual({});
    expect(parse('lastEventId=12&types=log:*,workflow:*')).toEqual({
      lastEventId: '12',
      types: 'log:*,workflow:*',
    });
    expect(parse('lastEventId=')).toEqual({ lastEventId: '' });
  });

  it('refuses unknown, repeated and over-long options, naming each field', () => {
    expect(fieldsOf('since=3&lastEventId=1&lastEventId=2&types=' + 'x'.repeat(1_001))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message:
        'since is not an allowed field; lastEventId must be a string; types must be shorter than or equal to 1000 characters',
      fields: [
        { field: 'since', errors: ['since is not an allowed field'] },
        { field: 'lastEventId', errors: ['lastEventId must be a string'] },
        { field: 'types', errors: ['types must be shorter than or equal to 1000 characters'] },
      ],
    });
    expect(fieldsOf('lastEventId=' + '1'.repeat(101))).toMatchObject({
      fields: [
        { field: 'lastEventId', errors: ['lastEventId must be shorter than or equal to 100 characters'] },
      ],
    });
  });
});
