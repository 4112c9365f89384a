/**
 * What goes into the workflow bundle. The sandbox evaluates a workflow's imports afresh for every run, so each
 * quote's child workflow pays for every module the bundle holds: schemas and the mapping engine must stay out
 * (activities do the mapping), and workflows reach only the light source-key reader of mappings/.
 */
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../../worker/bundle';

jest.setTimeout(60_000);

/** Module ids webpack writes into the bundle, as `/***\/ "./path"` headers. */
function bundledModules(code: string): string[] {
  return [...new Set([...code.matchAll(/\/\*\*\*\/ "(\.\/[^"]+)"/g)].map((m) => m[1]))];
}

test('the workflow bundle holds our workflows, the types they share, the page packing and the key reader: no zod, no engine', async () => {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const modules = bundledModules(code);
  expect(modules.length).toBeGreaterThan(10);
  const ours = modules.filter((m) => !m.startsWith('./node_modules/')).sort();
  expect(ours.filter((m) => !m.startsWith('./workflows/'))).toEqual([
    './common/alerts/message.ts',
    './common/packed-rows.ts',
    './common/sync-types.ts',
    './mappings/source-key.ts',
  ]);
  expect(modules.filter((m) => m.includes('/zod/'))).toEqual([]);
});
