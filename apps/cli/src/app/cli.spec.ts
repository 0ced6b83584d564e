import { fakeContext } from '../testing/fake-context';
import { runCli } from './cli';
import { tokenName } from './commands/login';

describe('runCli', () => {
  it('exits 0 with the help', async () => {
    const context = fakeContext();
    await expect(runCli(['--help'], context)).resolves.toBe(0);
    expect(context.stdout.text()).toContain('Usage: flowcast');
  });

  it.each([
    [['bogus'], 'unknown command'],
    [[], 'Usage: flowcast'],
    [['watch'], "missing required argument 'id'"],
    [['watch', '42'], 'not a workflow id'],
    [['watch', 'wf_AAAAAAAAAAAAAAAA', '--retries', 'many'], 'not a whole number'],
    [['ls', '--bogus'], "unknown option '--bogus'"],
  ])('exits 3 on bad usage: %j', async (args, message) => {
    const context = fakeContext();
    await expect(runCli(args, context)).resolves.toBe(3);
    expect(context.stderr.text()).toContain(message);
  });

  it('exits 3 without a token, saying how to get one', async () => {
    const context = fakeContext({ XDG_CONFIG_HOME: '/nonexistent' });
    await expect(runCli(['ls'], context)).resolves.toBe(3);
    expect(context.stderr.text()).toContain('not logged in: run `flowcast login`');
  });

  it('exits 3 on a server that is not a URL, and on a definition file that is missing', async () => {
    const context = fakeContext({ FLOWCAST_TOKEN: 't' });
    await expect(runCli(['ls', '--server', 'nope'], context)).resolves.toBe(3);
    await expect(runCli(['run', '/nonexistent/definition.json'], context)).resolves.toBe(3);
    expect(context.stderr.text()).toContain('not a server URL: nope');
    expect(context.stderr.text()).toContain('cannot read /nonexistent/definition.json: ENOENT');
  });

  it('will not ask for a password without a terminal', async () => {
    const context = fakeContext({ XDG_CONFIG_HOME: '/nonexistent' });
    await expect(runCli(['login'], context)).resolves.toBe(3);
    expect(context.stderr.text()).toContain('pass --username and --password-stdin');
  });

  it('names the token after the machine', () => {
    expect(tokenName('build-7')).toBe('flowcast-cli@build-7');
    expect(tokenName('h'.repeat(200))).toHaveLength(100);
  });
});
