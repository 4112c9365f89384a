import path from 'node:path';
import { buildProjectRun } from '../../../client/run';
import { loadProject } from '../../../mappings/project-file';
import { PROJECT_ATTRIBUTE } from '../../../workflows/search-attributes';

const project = loadProject(path.resolve(__dirname, '../../../examples/project.yaml'));

describe('project run request (shared by p2c sync and schedules)', () => {
  test('a retry carries its keys, full mode and the link to the original run', () => {
    const run = buildProjectRun(project, {
      runTime: '20261125T100000.000Z',
      tasks: ['accounts'],
      mode: 'full',
      onlyKeys: { accounts: ['A-1'] },
      retryOf: 'p2c/p2c-demo/20261125T090000.000Z',
      taskQueue: 'p2c-test',
    });
    expect(run.workflowId).toBe('p2c/p2c-demo/20261125T100000.000Z');
    expect(run.taskQueue).toBe('p2c-test');
    expect(run.args[0]).toMatchObject({
      mode: 'full',
      onlyKeys: { accounts: ['A-1'] },
      runTime: '20261125T100000.000Z',
    });
    expect(run.args[0].tasks.map((t) => t.name)).toEqual(['accounts']);
    expect(run.memo).toEqual({
      summary: 'prospect-to-cash run of p2c-demo (accounts)',
      retryOf: 'p2c/p2c-demo/20261125T090000.000Z',
    });
    expect(run.searchAttributes).toEqual({ [PROJECT_ATTRIBUTE]: ['p2c-demo'] });
  });

  test('a header task brings its line task; unknown tasks are named', () => {
    const run = buildProjectRun(project, { runTime: 'scheduled', tasks: ['quoteHeaders'], schedule: 'p2c/p2c-demo' });
    expect(run.args[0].tasks.map((t) => t.name)).toEqual(['quoteHeaders', 'quoteLines']);
    expect(run.args[0].mode).toBe('incremental');
    expect(run.memo.schedule).toBe('p2c/p2c-demo');
    expect(() => buildProjectRun(project, { runTime: 'x', tasks: ['nope'] })).toThrow(
      /^unknown task nope; the project has products, accounts/,
    );
  });
});
