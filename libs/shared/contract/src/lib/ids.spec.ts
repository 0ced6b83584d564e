import { isWorkflowId, parseEventId, WORKFLOW_ID_PATTERN } from './ids';

describe('isWorkflowId', () => {
  it.each(['wf_AbCdEfGhIjKlMnOp', 'wf_0123456789abcdef', 'wf_----____--__--__', 'wf_ZZZZZZZZZZZZZZZZ'])(
    'accepts %p: wf_ and 16 base64url characters',
    (value) => {
      expect(isWorkflowId(value)).toBe(true);
    },
  );

  it.each([
    ['empty', ''],
    ['a sequential number', '12345678'],
    ['no prefix', 'AbCdEfGhIjKlMnOp'],
    ['a wrong prefix', 'wx_AbCdEfGhIjKlMnOp'],
    ['an upper-case prefix', 'WF_AbCdEfGhIjKlMnOp'],
    ['15 characters', 'wf_AbCdEfGhIjKlMnO'],
    ['17 characters', 'wf_AbCdEfGhIjKlMnOpQ'],
    ['base64 + and /', 'wf_AbCdEfGhIjKl+/Op'],
    ['padding', 'wf_AbCdEfGhIjKlMn=='],
    ['a dot', 'wf_AbCdEfGhIjKl.nOp'],
    ['a trailing newline', 'wf_AbCdEfGhIjKlMnOp\n'],
    ['a leading space', ' wf_AbCdEfGhIjKlMnOp'],
    ['a path', 'wf_AbCdEfGhIjKlMnOp/../x'],
    ['a non-ASCII letter', 'wf_AbCdEfGhIjKlMnÖp'],
  ])('rejects %s', (_what, value) => {
    expect(isWorkflowId(value)).toBe(false);
  });

  it('keeps no state between calls (the pattern is not global)', () => {
    expect(WORKFLOW_ID_PATTERN.global).toBe(false);
    expect(isWorkflowId('wf_AbCdEfGhIjKlMnOp')).toBe(true);
    expect(isWorkflowId('wf_AbCdEfGhIjKlMnOp')).toBe(true);
  });
});

describe('parseEventId', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['10', 10],
    ['4294967296', 4294967296],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('reads %p as %p', (value, id) => {
    expect(parseEventId(value)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['leading zeros', '007'],
    ['a zero with a leading zero', '00'],
    ['negative', '-1'],
    ['negative zero', '-0'],
    ['a plus sign', '+1'],
    ['a fraction', '1.5'],
    ['a trailing .0', '1.0'],
    ['an exponent', '1e3'],
    ['hex', '0x10'],
    ['a binary literal', '0b1'],
    ['surrounding spaces', ' 1 '],
    ['a trailing newline', '1\n'],
    ['letters', 'abc'],
    ['digits then letters', '12abc'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['a timestamp-like date', '2026-11-28'],
    ['non-ASCII digits', '١٢٣'],
    ['full-width digits', '１２'],
    ['one past the largest safe integer', '9007199254740992'],
    ['17 digits', '12345678901234567'],
    ['a huge number', '9'.repeat(400)],
  ])('rejects %s', (_what, value) => {
    expect(parseEventId(value)).toBeNull();
  });

  it('round-trips every id it accepts', () => {
    for (const id of [0, 1, 2, 99, 1_000_000, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(parseEventId(String(id))).toBe(id);
    }
  });
});
