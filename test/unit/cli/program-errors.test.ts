import { CommanderError } from 'commander';
import { CliContext } from '../../../client/cli/context';
import { buildProgram } from '../../../client/cli/main';

function program() {
  const out = { text: '', isTTY: false, write: (text: string) => void (out.text += text) };
  const err = { text: '', isTTY: false, write: (text: string) => void (err.text += text) };
  const parse = async (...argv: string[]) => {
    try {
      await buildProgram(new CliContext({}, out, err), async () => undefined).parseAsync(argv, { from: 'user' });
      return undefined;
    } catch (error) {
      if (error instanceof CommanderError) return error.exitCode;
      throw error;
    }
  };
  return { out, err, parse };
}

describe("commander's messages in the CLI's format", () => {
  test.each([
    [['--bogus'], "p2c: unknown option '--bogus'; see p2c --help"],
    [['sync', '--bogus'], "p2c: unknown option '--bogus'; see p2c sync --help"],
    [['sycn'], "p2c: unknown command 'sycn' (Did you mean sync?); see p2c --help"],
    [['schedule', 'set'], "p2c: required option '--every <interval>' not specified; see p2c schedule set --help"],
    [['watch', 'a', 'b'], "p2c: too many arguments for 'watch'. Expected 1 argument but got 2; see p2c watch --help"],
    [
      ['schedule', 'set', '--every', '15m', '--id', 'eu/nightly'],
      'p2c: option \'--id <name>\' argument \'eu/nightly\' is invalid. "eu/nightly" cannot name a schedule: it has "/". Give a name of letters, digits, dashes and underscores, e.g. master-data; see p2c schedule set --help',
    ],
    [
      ['schedule', 'trigger', '--id', '-nightly'],
      'p2c: option \'--id <name>\' argument \'-nightly\' is invalid. "-nightly" cannot name a schedule: it starts with "-"; start it with a letter or digit; see p2c schedule trigger --help',
    ],
    [
      ['schedule', 'pause', '--id', ''],
      "p2c: option '--id <name>' argument '' is invalid. name the schedule; \"default\" is the project's own schedule p2c/<project>; see p2c schedule pause --help",
    ],
    [
      ['schedule', 'resume', '--id', 'DEFAULT'],
      "p2c: option '--id <name>' argument 'DEFAULT' is invalid. \"DEFAULT\" is not the project's own schedule: names are case-sensitive; write \"default\" for p2c/<project>; see p2c schedule resume --help",
    ],
  ])('p2c %j is one line on stderr, exit 1', async (argv, line) => {
    const { out, err, parse } = program();
    expect(await parse(...argv)).toBe(1);
    expect(err.text).toBe(`${line}\n`);
    expect(out.text).toBe('');
  });

  test('--help still prints the commands on stdout and exits 0', async () => {
    const { out, err, parse } = program();
    expect(await parse('--help')).toBe(0);
    expect(out.text).toMatch(/^Usage: p2c \[options\] \[command\]/);
    expect(out.text).toContain('retry-failed');
    expect(err.text).toBe('');

    const sync = program();
    expect(await sync.parse('sync', '--help')).toBe(0);
    expect(sync.out.text).toMatch(/^Usage: p2c sync \[options\]/);
  });
});
