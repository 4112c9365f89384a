/**
 * Partitions (spec §4): each pairs an F&O company with a Sales business unit. Sales-source tasks take only the rows
 * their business unit owns and write them to its company; a row of another unit, or of none, is not theirs.
 */
import { resolveTasks, sourceQuery, templates, transform, type TaskDefinition } from '../../../mappings';
import { parseProject } from '../../../mappings/project';
import { account, contact, context, PARTITION, quote } from './fixtures';

const DEMF = { dataAreaId: 'demf', businessUnit: 'DEMF' };
const ownedBy = <T extends object>(row: T, businessUnit: string | null) => ({
  ...row,
  owningbusinessunit: businessUnit === null ? null : { name: businessUnit },
});

const salesSourceTasks = Object.values(templates).filter((t) => t.source.system === 'sales');

describe('Sales-source tasks are partitioned by business unit', () => {
  it('every Sales-source header or master-data task filters on the owning business unit; lines go with their header', () => {
    for (const task of salesSourceTasks) {
      const expected = task.parent ? undefined : "owningbusinessunit/name eq '{businessUnit}'";
      expect({ task: task.name, partitionFilter: task.source.partitionFilter }).toEqual({
        task: task.name,
        partitionFilter: expected,
      });
    }
  });

  it.each([
    ['accounts', account],
    ['contactsToCustomers', contact],
    ['quoteHeaders', quote],
  ] as Array<[keyof typeof templates, Record<string, unknown>]>)(
    '%s: maps the rows of its own unit only',
    (name, row) => {
      const task: TaskDefinition = templates[name];
      const own = transform(task, [row], context());
      expect({ rows: own.rows.length, filtered: own.filtered, errors: own.errors }).toEqual({
        rows: 1,
        filtered: 0,
        errors: [],
      });
      expect(own.rows[0].key.dataAreaId).toBe(PARTITION.dataAreaId);
      const others = transform(task, [ownedBy(row, DEMF.businessUnit), ownedBy(row, null)], context());
      expect({ rows: others.rows.length, filtered: others.filtered, errors: others.errors }).toEqual({
        rows: 0,
        filtered: 2,
        errors: [],
      });
    },
  );

  it('the same account maps to the company of the partition whose unit owns it', () => {
    const demfAccount = ownedBy(account, DEMF.businessUnit);
    const result = transform(templates.accounts, [demfAccount], { ...context(), partition: DEMF });
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => r.key)).toEqual([{ dataAreaId: 'demf', CustomerAccount: account.accountnumber }]);
  });

  it('a project with two partitions reads each unit from Dataverse with its own filter', () => {
    const project = parseProject({
      name: 'two-companies',
      connection: {
        dataverse: {
          url: 'https://contoso.crm.dynamics.com',
          authority: 'https://login.microsoftonline.com/t',
          clientId: 'a',
          clientSecretEnv: 'A',
        },
        fno: {
          url: 'https://contoso.operations.dynamics.com',
          authority: 'https://login.microsoftonline.com/t',
          clientId: 'b',
          clientSecretEnv: 'B',
        },
      },
      partitions: [PARTITION, DEMF],
    });
    const quotes = resolveTasks(project).find((t) => t.name === 'quoteHeaders')!;
    expect(project.partitions.map((p) => sourceQuery(quotes, p).filter)).toEqual([
      "(statecode eq 1) and (owningbusinessunit/name eq 'USMF')",
      "(statecode eq 1) and (owningbusinessunit/name eq 'DEMF')",
    ]);
  });
});
