import { hashPassword, verifyPassword } from './passwords';

const B64URL = '[A-Za-z0-9_-]';
/** N = 2^15, r = 8, p = 1; a 16-byte salt and a 32-byte key, both base64url without padding. */
const HASH_FORMAT = new RegExp(`^scrypt\\$32768\\$8\\$1\\$${B64URL}{22}\\$${B64URL}{43}$`);

describe('password hashing', () => {
  let stored: string;

  beforeAll(async () => {
    stored = await hashPassword('correct horse battery staple');
  });

  it('stores scrypt$N$r$p$salt$hash with the parameters it used', () => {
    expect(stored).toMatch(HASH_FORMAT);
  });

  it('verifies the password it hashed', async () => {
    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
  });

  it.each([
    ['another password', 'incorrect horse battery staple'],
    ['a different case', 'Correct horse battery staple'],
    ['a trailing space', 'correct horse battery staple '],
    ['the empty password', ''],
  ])('refuses %s', async (_label, attempt) => {
    await expect(verifyPassword(attempt, stored)).resolves.toBe(false);
  });

  it('salts every hash afresh, so equal passwords get different hashes that both verify', async () => {
    const again = await hashPassword('correct horse battery staple');
    const [, , , , saltA, keyA] = stored.split('$');
    const [, , , , saltB, keyB] = again.split('$');
    expect(saltB).not.toBe(saltA);
    expect(keyB).not.toBe(keyA);
    await expect(verifyPassword('correct horse battery staple', again)).resolves.toBe(true);
  });

  describe('never matches a malformed or altered stored hash', () => {
    const parts = () => stored.split('$');
    const cases: [string, () => string][] = [
      ['the empty string', () => ''],
      ['a plain-text password', () => 'correct horse battery staple'],
      ['another scheme', () => ['bcrypt', ...parts().slice(1)].join('$')],
      ['a missing salt', () => [...parts().slice(0, 4), '', parts()[5]].join('$')],
      ['a missing key', () => [...parts().slice(0, 5), ''].join('$')],
      ['too few fields', () => parts().slice(0, 5).join('$')],
      ['a truncated key', () => [...parts().slice(0, 5), parts()[5].slice(0, 20)].join('$')],
      ['another salt', () => [...parts().slice(0, 4), 'AAAAAAAAAAAAAAAAAAAAAA', parts()[5]].join('$')],
      ['a tampered key', () => [...parts().slice(0, 5), flipFirst(parts()[5])].join('$')],
    ];

    it.each(cases)('%s', async (_label, makeStored) => {
      await expect(verifyPassword('correct horse battery staple', makeStored())).resolves.toBe(false);
    });
  });

  describe('normalises passwords to NFKC before hashing', () => {
    it.each([
      ['full-width letters and digits', 'ｐａｓｓｗｏｒｄ１', 'password1'],
      ['a decomposed accent', 'caf\u0065\u0301-au-lait', 'caf\u00e9-au-lait'],
      ['a ligature', 'o\ufb03ce-key', 'office-key'],
    ])(
      'typed with %s, a password verifies against its normal form and back',
      async (_label, typed, normal) => {
        const hash = await hashPassword(typed);
        await expect(verifyPassword(normal, hash)).resolves.toBe(true);
        const reverse = await hashPassword(normal);
        await expect(verifyPassword(typed, reverse)).resolves.toBe(true);
      },
    );

    it('still tells apart passwords that differ after normalisation', async () => {
      const hash = await hashPassword('ｐａｓｓｗｏｒｄ１');
      await expect(verifyPassword('password2', hash)).resolves.toBe(false);
    });
  });
});

function flipFirst(base64url: string): string {
  return (base64url[0] === 'A' ? 'B' : 'A') + base64url.slice(1);
}
