import { STORED_EVENT_TYPES, type WorkflowEventType } from './events';
import { parseTypeFilter, TypeFilterError } from './type-filter';

const ALL_TYPES: WorkflowEventType[] = [
  ...STORED_EVENT_TYPES,
  'workflow:state',
  'agent:state',
  'stream:reset',
];

function matching(value: string): string[] {
  const filter = parseTypeFilter(value);
  if (filter === null) throw new Error(`expected a filter for "${value}", got "every type"`);
  return ALL_TYPES.filter(filter);
}

describe('parseTypeFilter', () => {
  it.each([undefined, '', '   ', '\t'])('lets every type through when the value is %p', (value) => {
    expect(parseTypeFilter(value)).toBeNull();
  });

  it('lets every type through for a lone *', () => {
    expect(parseTypeFilter('*')).toBeNull();
    expect(parseTypeFilter(' * ')).toBeNull();
  });

  it('lets every type through when * is one of several patterns', () => {
    expect(parseTypeFilter('agent:started,*')).toBeNull();
    expect(parseTypeFilter('*,agent:started')).toBeNull();
  });

  it('matches an exact type and nothing else', () => {
    expect(matching('workflow:completed')).toEqual(['workflow:completed']);
  });

  it('matches every type of a family with a trailing :*', () => {
    expect(matching('agent:*')).toEqual([
      'agent:started',
      'agent:progress',
      'agent:completed',
      'agent:failed',
      'agent:state',
    ]);
  });

  it('matches a prefix that ends inside a word', () => {
    expect(matching('workflow:c*')).toEqual(['workflow:completed', 'workflow:cancelled']);
    expect(matching('log*')).toEqual(['log:created', 'log:batch']);
  });

  it('does not treat a prefix without * as a prefix', () => {
    expect(matching('agent')).toEqual([]);
    expect(matching('agent:start')).toEqual([]);
  });

  it('combines exact types and prefixes, ignoring whitespace around each', () => {
    expect(matching(' agent:* ,  workflow:completed\t')).toEqual([
      'agent:started',
      'agent:progress',
      'agent:completed',
      'agent:failed',
      'workflow:completed',
      'agent:state',
    ]);
  });

  it('accepts a well-formed type it does not know, which then matches nothing', () => {
    expect(matching('user:created')).toEqual([]);
  });

  it.each([
    'Agent:started',
    'agent:Started',
    'agent:started:x',
    'agent:',
    ':started',
    '*agent',
    'agent:*x',
    'agent**',
    'agent :started',
    'agent-started',
    'agent_started',
    'log:batch2',
    'agent:started,',
    ',agent:started',
    'agent:started,,log:batch',
    'agent:started;log:batch',
    '**',
  ])('rejects %p with a TypeFilterError that quotes the bad pattern', (value) => {
    expect(() => parseTypeFilter(value)).toThrow(TypeFilterError);
    expect(() => parseTypeFilter(value)).toThrow(
      /^types: ".*" is not an event type or a prefix ending in \*$/,
    );
  });

  it('rejects a bad pattern wherever a * stands in the list', () => {
    expect(() => parseTypeFilter('Bad!,*')).toThrow(TypeFilterError);
    expect(() => parseTypeFilter('*,Bad!')).toThrow(TypeFilterError);
    expect(() => parseTypeFilter('agent:*,*,')).toThrow(TypeFilterError);
  });

  it('throws an Error subclass so that callers can tell it from other faults', () => {
    let caught: unknown;
    try {
      parseTypeFilter('nope!');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TypeFilterError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toContain('"nope!"');
  });
});
