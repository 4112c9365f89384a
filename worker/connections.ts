/**
 * Builds the two connector clients from a project's connection section. Secrets are read from the environment
 * variables the project names; a missing one stops start-up with the variable's name.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataverseClient, FnoClient, type ConnectionConfig, type ConnectorDeps } from '../connectors';
import type { Project } from '../mappings';
import { ConfigError } from '../common/config';

export interface Clients {
  dataverse: DataverseClient;
  fno: FnoClient;
  close(): Promise<void>;
}

export function connectionFromProject(
  project: Project,
  env: NodeJS.ProcessEnv = process.env,
  baseDir = '.',
): ConnectionConfig {
  const side = (name: 'dataverse' | 'fno') => {
    const c = project.connection[name];
    if (!env[c.clientSecretEnv]) {
      throw new ConfigError(`connection.${name}.clientSecretEnv: environment variable ${c.clientSecretEnv} is not set`);
    }
    const caCertPem = c.caCertFile ? fs.readFileSync(path.resolve(baseDir, c.caCertFile), 'utf8') : undefined;
    return {
      url: c.url,
      authority: c.authority,
      clientId: c.clientId,
      clientSecretEnv: c.clientSecretEnv,
      scope: c.scope,
      caCertPem,
    };
  };
  return {
    dataverse: side('dataverse'),
    fno: { ...side('fno'), defaultCompany: project.partitions[0].dataAreaId },
  };
}

export function createClients(connection: ConnectionConfig, deps: ConnectorDeps = {}): Clients {
  const dataverse = new DataverseClient(connection.dataverse, deps);
  const fno = new FnoClient(connection.fno, deps);
  return {
    dataverse,
    fno,
    close: async () => {
      await Promise.all([dataverse.close(), fno.close()]);
    },
  };
}
