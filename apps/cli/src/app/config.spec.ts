import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  configPath,
  DEFAULT_SERVER,
  normalizeServer,
  readConfig,
  resolveConnection,
  writeConfig,
} from './config';
import { CliError } from './exit-codes';

describe('config', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'flowcast-cli-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/home/u' })).toBe('/x/flowcast/config.json');
    expect(configPath({ HOME: '/home/u' })).toBe('/home/u/.config/flowcast/config.json');
  });

  it('is written readable by its owner only, in a directory only its owner can enter', () => {
    const path = join(dir, 'flowcast', 'config.json');
    writeConfig(path, { server: 'http://h:1', token: 'secret' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'flowcast')).mode & 0o777).toBe(0o700);
    expect(readConfig(path)).toEqual({ server: 'http://h:1', token: 'secret' });
  });

  it('tightens the mode of a file that was readable by others', () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, '{}', { mode: 0o644 });
    writeConfig(path, { token: 't' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ token: 't' });
  });

  it('reads a missing file as empty and refuses a broken one', () => {
    expect(readConfig(join(dir, 'none.json'))).toEqual({});
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{');
    expect(() => readConfig(broken)).toThrow(CliError);
  });

  it('takes flags over the environment over the stored config', () => {
    const stored = { server: 'http://stored:1', token: 'stored' };
    const env = { FLOWCAST_SERVER: 'http://env:2', FLOWCAST_TOKEN: 'env' };
    expect(resolveConnection({ server: 'http://flag:3/', token: 'flag' }, env, stored)).toEqual({
      server: 'http://flag:3',
      token: 'flag',
    });
    expect(resolveConnection({}, env, stored)).toEqual({ server: 'http://env:2', token: 'env' });
    expect(resolveConnection({}, {}, stored)).toEqual({ server: 'http://stored:1', token: 'stored' });
    expect(resolveConnection({}, {}, {})).toEqual({ server: DEFAULT_SERVER, token: undefined });
  });

  it('refuses a server that is not an http(s) URL', () => {
    expect(() => normalizeServer('localhost:3000')).toThrow(CliError);
    expect(() => normalizeServer('nope')).toThrow('not a server URL: nope');
    expect(normalizeServer('https://flowcast.example/')).toBe('https://flowcast.example');
  });
});
