/**
 * `p2c`: operate prospect-to-cash runs on Temporal. Every command prints one line `p2c: <reason>` and exits 1 for a
 * usage or configuration problem; run outcomes exit 0 (Completed), 2 (CompletedWithWarnings) or 3 (Failed).
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../../common/config';
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

export function buildProgram(ctx: CliContext, run: CommandRunner): Command {
  const program = new Command('p2c')
    .description('Prospect-to-cash sync between Dynamics 365 Sales and Finance and Operations, on Temporal')
    .showHelpAfterError('(p2c --help lists the commands)')
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
      // Help and version exit 0; commander already printed its message for the rest.
      exitCode = error.exitCode === 0 ? EXIT.completed : EXIT.usage;
    } else {
      const message = error instanceof ConfigError ? `configuration: ${error.message}` : (error as Error).message;
      ctx.err.write(`p2c: ${message}\n`);
      if (env.P2C_DEBUG && error instanceof Error && error.stack) ctx.err.write(`${error.stack}\n`);
      exitCode = EXIT.usage;
    }
  } finally {
    await ctx.close();
  }
  return exitCode;
}
