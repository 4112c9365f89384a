/**
 * `p2c`: operate prospect-to-cash runs on Temporal. Every command prints one line `p2c: <reason>` and exits 1 for a
 * usage or configuration problem; run outcomes exit 0 (Completed), 2 (CompletedWithWarnings) or 3 (Failed).
 */
import { NamespaceNotFoundError } from '@temporalio/common';
import { Command, CommanderError } from 'commander';
import { ConfigError, ENV } from '../../common/config';
import { CliContext, type CommandRunner } from './context';
import { EXIT } from './errors';
import { registerCheck } from './check';
import { registerCodecServer } from './codec-server';
import { registerFailures } from './failures';
import { registerReplay } from './replay';
import { registerReset } from './reset';
import { registerRetryFailed } from './retry-failed';
import { registerSchedule } from './schedule';
import { registerStatus } from './status';
import { registerSync } from './sync';
import { registerTrace } from './trace';
import { registerWatch } from './watch';

/** `p2c schedule set` for the `set` subcommand of `schedule`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/**
 * Commander's own errors (`error: unknown option '--bogus'`, a suggestion on a second line) in the CLI's format: one
 * line `p2c: <reason>`, naming the help of the command that was given.
 */
function oneLineErrors(command: Command): void {
  const help = `${commandPath(command)} --help`;
  command.configureOutput({
    outputError: (text, write) => {
      const reason = text
        .replace(/^error: /, '')
        .replace(/\s*\n\s*/g, ' ')
        .trim()
        .replace(/\.$/, '');
      write(`p2c: ${reason}; see ${help}\n`);
    },
  });
  for (const subcommand of command.commands) oneLineErrors(subcommand);
}

export function buildProgram(ctx: CliContext, run: CommandRunner): Command {
  const program = new Command('p2c')
    .description('Prospect-to-cash sync between Dynamics 365 Sales and Finance and Operations, on Temporal')
    .configureOutput({ writeOut: (text) => ctx.out.write(text), writeErr: (text) => ctx.err.write(text) })
    .exitOverride();
  for (const register of [
    registerSync,
    registerWatch,
    registerStatus,
    registerFailures,
    registerRetryFailed,
    registerReplay,
    registerReset,
    registerSchedule,
    registerCheck,
    registerTrace,
    registerCodecServer,
  ])
    register(program, ctx, run);
  oneLineErrors(program);
  return program;
}

/** Parses argv, runs the command and returns the exit code; never throws. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const ctx = new CliContext(env, process.stdout, process.stderr);
  let exitCode: number = EXIT.completed;
  const run: CommandRunner = async (body) => {
    exitCode = await body();
  };
  try {
    await buildProgram(ctx, run).parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help exits 0; commander already printed its one-line message for the rest, which are usage problems.
      exitCode = error.exitCode === 0 ? EXIT.completed : EXIT.usage;
    } else {
      const message =
        error instanceof ConfigError
          ? `configuration: ${error.message}`
          : error instanceof NamespaceNotFoundError
            ? `namespace ${error.namespace} not found on Temporal at ${ctx.config.temporalAddress}; check ${ENV.namespace}`
            : (error as Error).message;
      ctx.err.write(`p2c: ${message}\n`);
      if (env.P2C_DEBUG && error instanceof Error && error.stack) ctx.err.write(`${error.stack}\n`);
      exitCode = EXIT.usage;
    }
  } finally {
    await ctx.close();
  }
  return exitCode;
}
