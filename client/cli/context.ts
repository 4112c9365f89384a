/**
 * What every command shares: the runtime settings (read once, on first use), a Temporal client and the checkpoint
 * store (each connected on first use and closed at exit), the project file, and the output streams.
 */
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { ConfigError, loadRuntimeConfig, type RuntimeConfig, ENV } from '../../common/config';
import { openCheckpointStore, type CheckpointStore } from '../../common/checkpoint-store';
import { dataConverterFor, loadCodecConfig } from '../../common/codec';
import { loadProject } from '../../mappings/project-file';
import { ProjectConfigError, type Project } from '../../mappings';
import { UsageError } from './errors';
import { withoutPassword } from './format';

/** Runs a command body and records its exit code; every command's action goes through it. */
export type CommandRunner = (body: () => Promise<number>) => Promise<void>;

export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

export class CliContext {
  private runtime?: RuntimeConfig;
  private connection?: Connection;
  private temporal?: Client;
  private checkpoints?: CheckpointStore;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    readonly out: Output,
    readonly err: Output,
  ) {}

  /** The environment the command runs with (settings beyond the runtime config, e.g. the codec server's). */
  get environment(): NodeJS.ProcessEnv {
    return this.env;
  }

  get config(): RuntimeConfig {
    this.runtime ??= loadRuntimeConfig(this.env);
    return this.runtime;
  }

  /** The worker's payload codec when P2C_CODEC_KEYS is set, so arguments, results and memos can be read. */
  get dataConverter(): DataConverter | undefined {
    return dataConverterFor(loadCodecConfig(this.env));
  }

  /** Prints one line (or several joined lines) to stdout. */
  print(text: string): void {
    this.out.write(`${text}\n`);
  }

  printJson(value: unknown): void {
    this.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  async client(): Promise<Client> {
    if (this.temporal) return this.temporal;
    const { temporalAddress, namespace } = this.config;
    try {
      this.connection = await Connection.connect({ address: temporalAddress, connectTimeout: '10s' });
    } catch (error) {
      throw new UsageError(
        `cannot reach Temporal at ${temporalAddress} (${(error as Error).message}); check ${ENV.temporalAddress}`,
      );
    }
    this.temporal = new Client({ connection: this.connection, namespace, dataConverter: this.dataConverter });
    return this.temporal;
  }

  async store(): Promise<CheckpointStore> {
    if (this.checkpoints) return this.checkpoints;
    try {
      this.checkpoints = await openCheckpointStore(this.config.store);
    } catch (error) {
      throw new UsageError(
        `cannot open the checkpoint store ${withoutPassword(this.config.checkpointStore)} (${(error as Error).message}); check ${ENV.checkpointStore}`,
      );
    }
    return this.checkpoints;
  }

  /** The project from `--project` or P2C_PROJECT_FILE; a bad file is a usage error naming every problem. */
  project(file?: string): Project {
    const path = file ?? this.config.projectFile;
    try {
      return loadProject(path);
    } catch (error) {
      if (error instanceof ProjectConfigError) throw new UsageError(error.problems.join('; '));
      throw error;
    }
  }

  /** Web UI page of a workflow. */
  workflowUrl(workflowId: string, runId?: string): string {
    const base = `${this.config.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(this.config.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
    return runId ? `${base}/${runId}` : base;
  }

  async close(): Promise<void> {
    await this.checkpoints?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }
}

export { ConfigError };
