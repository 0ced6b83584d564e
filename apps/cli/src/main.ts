import { runCli } from './app/cli';

runCli(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then((code) => {
  // Exit once stdout has taken everything: a pooled keep-alive socket must not hold the process open.
  process.stdout.write('', () => process.exit(code));
});
