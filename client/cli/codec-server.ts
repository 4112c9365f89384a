/**
 * `p2c codec-server`: serves the payload codec to the Temporal Web UI (POST /encode and /decode) so authorised
 * users see decrypted payloads. Keys and settings come from the environment (see docs/security.md).
 */
import type { Command } from 'commander';
import { codecServerOptionsFromEnv, startCodecServer } from '../codec-server';
import type { CliContext, CommandRunner } from './context';
import { EXIT } from './errors';

export async function codecServer(ctx: CliContext): Promise<number> {
  const options = codecServerOptionsFromEnv(ctx.environment);
  const server = await startCodecServer(options);
  ctx.print(`codec server on ${server.url} for ${options.allowedOrigins.join(', ')}`);
  ctx.print(`set the Web UI's codec endpoint to ${server.url} (TEMPORAL_CODEC_ENDPOINT); Ctrl-C stops it`);
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await server.close();
  return EXIT.completed;
}

export function registerCodecServer(program: Command, ctx: CliContext, run: CommandRunner): void {
  program
    .command('codec-server')
    .description('serve the payload codec to the Temporal Web UI (keys from P2C_CODEC_KEYS or P2C_CODEC_KEYS_FILE)')
    .addHelpText('after', '\nExample:\n  P2C_CODEC_KEYS="k1:$(openssl rand -base64 32)" p2c codec-server')
    .action(() => run(() => codecServer(ctx)));
}
