/**
 * The workflow bundle: built once per process from workflows/ (or loaded from a prebuilt file in production,
 * P2C_WORKFLOW_BUNDLE), so several workers in one process (tests, the demo) share it.
 */
import fs from 'node:fs';
import { DefaultLogger } from '@temporalio/worker';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { dataConverterFor, loadCodecConfig } from '../common/codec';

export const WORKFLOWS_PATH = require.resolve('../workflows');

let cached: Promise<WorkflowBundleWithSourceMap> | undefined;

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  const prebuilt = process.env.P2C_WORKFLOW_BUNDLE;
  if (prebuilt) {
    return Promise.resolve({ code: fs.readFileSync(prebuilt, 'utf8'), sourceMap: '' } as WorkflowBundleWithSourceMap);
  }
  cached ??= bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // Errors thrown by workflow code are encoded too when a codec key is configured.
    failureConverterPath: dataConverterFor(loadCodecConfig())?.failureConverterPath,
    logger: new DefaultLogger('WARN'),
  });
  return cached;
}
