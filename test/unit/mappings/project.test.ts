/** Project files: validation with path-and-reason errors, and template changes made without code. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProject, RUN_ORDER, templates, transform } from '../../../mappings';
import { loadProject, projectJsonSchema, resolveTasks } from '../../../mappings/project-file';
import { fieldsAt } from '../../../mappings/project';
import { account, connection, context, projectProblems } from './fixtures';

const EXAMPLE = join(__dirname, '../../../examples/project.yaml');

const minimal = { name: 'demo', connection, partitions: [{ dataAreaId: 'USMF', businessUnit: 'USMF' }] };

function writeTemp(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'p2c-project-')), name);
  writeFileSync(file, text);
  return file;
}

describe('loading a project', () => {
  it('loads the demo project and resolves every task in run order', () => {
    const project = loadProject(EXAMPLE);
    expect(project.name).toBe('p2c-demo');
    expect(project.partitions).toEqual([{ dataAreaId: 'usmf', businessUnit: 'USMF' }]);
    expect(project.engine).toEqual({ pageSize: 200, pipelineDepth: 2, maxPageBytes: 131072 });
    expect(resolveTasks(project).map((task) => task.name)).toEqual([...RUN_ORDER]);
  });

  it('fills defaults: every task, engine settings, lower-case company ids', () => {
    const project = loadProject(minimal);
    expect(project.partitions[0].dataAreaId).toBe('usmf');
    expect(project.engine.pageSize).toBe(200);
    expect(resolveTasks(project)).toHaveLength(RUN_ORDER.length);
  });

  it('runs only the listed tasks and drops prerequisites that are not part of the run', () => {
    const tasks = resolveTasks(loadProject({ ...minimal, run: ['quoteLines', 'quoteHeaders', 'accounts'] }));
    expect(tasks.map((task) => task.name)).toEqual(['accounts', 'quoteHeaders', 'quoteLines']);
    expect(tasks[1].dependsOn).toEqual(['accounts']);
  });

  it('reads JSON files too', () => {
    const file = writeTemp('project.json', JSON.stringify(minimal));
    expect(loadProject(file).name).toBe('demo');
  });
});

describe('bad configuration fails at load with path and reason', () => {
  it('reports a duplicate value-map source (case-insensitive) at its path', () => {
    const problems = projectProblems({
      ...minimal,
      tasks: {
        accounts: {
          fieldMap: [
            { target: 'NameAlias', source: 'name' },
            { target: 'SiteId', default: '2' },
            { target: 'WarehouseId', default: '20' },
            {
              target: 'CustomerGroupId',
              source: 'address1_country',
              valueMap: [
                { from: 'US', to: '10' },
                { from: 'us', to: '11' },
              ],
            },
          ],
        },
      },
    });
    expect(problems).toEqual(['tasks.accounts.fieldMap[3].valueMap: duplicate source value "us"']);
  });

  it('lists every problem, one `path: reason` line each', () => {
    const problems = projectProblems({
      name: 'Demo Project',
      connection: { ...connection, fno: { ...connection.fno, clientSecret: 'hunter2' } },
      partitions: [
        { dataAreaId: 'usmf', businessUnit: 'USMF' },
        { dataAreaId: 'usmf', businessUnit: 'Other' },
      ],
      run: ['acounts'],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'name: expected lowercase letters, digits and dashes',
        expect.stringMatching(/^connection\.fno\.clientSecret: secrets never go in the project file/),
      ]),
    );
    expect(projectProblems({ ...minimal, run: ['acounts'] })).toEqual([
      expect.stringMatching(/^run\[0\]: unknown task "acounts"; tasks are products, accounts/),
    ]);
    expect(
      projectProblems({ ...minimal, partitions: [...minimal.partitions, { dataAreaId: 'usmf', businessUnit: 'X' }] }),
    ).toEqual(['partitions[1].dataAreaId: company already mapped']);
  });

  it('rejects a filter that does not parse, naming the position', () => {
    expect(projectProblems({ ...minimal, tasks: { accounts: { filter: "name eq 'open" } } })).toEqual([
      expect.stringMatching(/^tasks\.accounts\.filter: unterminated string literal at position 8/),
    ]);
  });

  it('rejects a new field without a value, an unknown value map and a line task without its header', () => {
    expect(projectProblems({ ...minimal, tasks: { accounts: { fieldMap: [{ target: 'NameAlias' }] } } })).toEqual([
      'tasks.accounts.fieldMap[0]: "NameAlias" is a new field and needs a source, concat, default or constant',
    ]);
    expect(projectProblems({ ...minimal, valueMaps: { units: [] } })).toEqual([
      expect.stringMatching(/^valueMaps\.units: unknown value map; known maps: salesUnits/),
    ]);
    expect(projectProblems({ ...minimal, run: ['quoteLines'] })).toEqual([
      'run: "quoteLines" runs only together with its header task "quoteHeaders"',
    ]);
  });

  it('rejects an empty run list and a task listed twice', () => {
    expect(projectProblems({ ...minimal, run: [] })).toEqual([
      'run: list at least one task, or leave out run to run every task',
    ]);
    expect(projectProblems({ ...minimal, run: ['accounts', 'products', 'accounts'] })).toEqual([
      'run[2]: "accounts" is already listed at run[0]',
    ]);
  });

  it('rejects two entries for the same target in one task', () => {
    const fieldMap = [
      { target: 'AddressDescription', source: 'description' },
      { target: 'SalesMemo', source: 'name' },
      { target: 'AddressDescription', source: 'name', maxLength: 60, overflow: 'truncate' },
    ];
    expect(projectProblems({ ...minimal, tasks: { accounts: { fieldMap } } })).toEqual([
      'tasks.accounts.fieldMap[2].target: "AddressDescription" is already mapped at fieldMap[0]',
    ]);
  });

  it('rejects a default or fallback on a country field that is not an ISO code', () => {
    const countryField = (change: Record<string, unknown>) =>
      projectProblems({
        ...minimal,
        tasks: { accounts: { fieldMap: [{ target: 'AddressCountryRegionISOCode', ...change }] } },
      });
    expect(countryField({ default: 'XX' })).toEqual([
      'tasks.accounts.fieldMap[0].default: "XX" is not a known ISO alpha-2 country code',
    ]);
    expect(countryField({ default: 49 })).toEqual([
      'tasks.accounts.fieldMap[0].default: "49" is not a known ISO alpha-2 country code',
    ]);
    expect(countryField({ valueMap: { Bayern: 'DE' }, onMissing: 'fallback', fallback: 'Deutschland' })).toEqual([
      'tasks.accounts.fieldMap[0].fallback: "Deutschland" is not a known ISO alpha-2 country code',
    ]);
    const accepted = { valueMap: { Bayern: 'DE' }, onMissing: 'fallback', fallback: 'de', default: null };
    expect(() =>
      loadProject({
        ...minimal,
        tasks: { accounts: { fieldMap: [{ target: 'AddressCountryRegionISOCode', ...accepted }] } },
      }),
    ).not.toThrow();
  });

  it("rejects a default, constant or fallback that does not fit the field's type", () => {
    expect(
      projectProblems({ ...minimal, tasks: { accounts: { fieldMap: [{ target: 'CreditLimit', default: 'abc' }] } } }),
    ).toEqual(['tasks.accounts.fieldMap[0].default: value "abc" is not a number']);
    expect(
      projectProblems({
        ...minimal,
        tasks: {
          accounts: { fieldMap: [{ target: 'SalesMemo' }, { target: 'IsExternallyMaintained', constant: 'maybe' }] },
        },
      }),
    ).toEqual(['tasks.accounts.fieldMap[1].constant: expected Yes/No or true/false, got "maybe"']);
    expect(
      projectProblems({
        ...minimal,
        tasks: { products: { fieldMap: [{ target: 'producttypecode', onMissing: 'fallback', fallback: 'Service' }] } },
      }),
    ).toEqual(['tasks.products.fieldMap[0].fallback: value "Service" is not a number']);
    expect(
      projectProblems({
        ...minimal,
        tasks: { accounts: { fieldMap: [{ target: 'NameAlias', type: 'date', constant: 'soon' }] } },
      }),
    ).toEqual(['tasks.accounts.fieldMap[0].constant: expected an ISO date, got "soon"']);
    // A default is a source value: it goes through the field's value map before it meets the type.
    const fits = {
      accounts: {
        fieldMap: [
          { target: 'CreditLimit', default: '2500' },
          { target: 'NameAlias', type: 'date', constant: '2024-05-01' },
        ],
      },
      products: { fieldMap: [{ target: 'producttypecode', default: 'Service', onMissing: 'fallback', fallback: 1 }] },
    };
    const tasks = resolveTasks(loadProject({ ...minimal, tasks: fits }));
    const products = tasks.find((task) => task.name === 'products')!;
    const product = { dataAreaId: 'usmf', ProductNumber: 'D0001', ProductName: 'Speaker', SalesUnitSymbol: 'ea' };
    const { rows } = transform(products, [{ ...product, CurrencyCode: 'USD' }], context());
    expect(rows[0].fields.producttypecode).toBe(3);
  });

  it('checks the alert recipients and webhook of the project', () => {
    const alerts = { emailTo: ['ops@contoso.com'], webhookUrl: 'https://h.example.com/' };
    expect(parseProject({ ...minimal, alerts }).alerts).toEqual(alerts);
    expect(projectProblems({ ...minimal, alerts: { emailTo: ['ops@contoso.com', 'not an address'] } })).toEqual([
      'alerts.emailTo[1]: expected an e-mail address',
    ]);
    expect(projectProblems({ ...minimal, alerts: { webhookUrl: 'ftp://h.example.com/' } })).toEqual([
      'alerts.webhookUrl: expected an http(s) URL',
    ]);
    expect(projectProblems({ ...minimal, alerts: { smtpHost: 'smtp.contoso.com' } })).toEqual([
      'alerts: unknown field "smtpHost"; the fields here are emailTo, webhookUrl',
    ]);
  });

  it('names an unknown field, the field nearest to it and the fields its object takes', () => {
    expect(projectProblems({ ...minimal, partitons: [] })).toEqual([
      expect.stringMatching(
        /^\(root\): unknown field "partitons" \(did you mean "partitions"\?\); the fields here are /,
      ),
    ]);
    // The old `schedule:` key is refused with its own message, so it is never the field suggested.
    expect(projectProblems({ ...minimal, schedul: {} })).toEqual([
      expect.stringMatching(/^\(root\): unknown field "schedul" \(did you mean "schedules"\?\)/),
    ]);
    expect(projectProblems({ ...minimal, engine: { pageSize: 100, pipelinDepth: 2, zzz: 1 } })).toEqual([
      'engine: unknown fields "pipelinDepth" (did you mean "pipelineDepth"?), "zzz"; the fields here are pageSize, pipelineDepth, maxPageBytes',
    ]);
    // Inside a record (tasks by name) and behind optional and default wrappers.
    expect(projectProblems({ ...minimal, tasks: { accounts: { fitler: 'statecode eq 0' } } })).toEqual([
      'tasks.accounts: unknown field "fitler" (did you mean "filter"?); the fields here are filter, partitionFilter, fieldMap, deletes',
    ]);
    expect(fieldsAt(['connection', 'dataverse'])).toContain('clientSecretEnv');
    expect(fieldsAt(['partitions', 0])).toEqual(expect.arrayContaining(['dataAreaId']));
    expect(fieldsAt(['name'])).toBeUndefined();
  });

  it('reports YAML syntax errors and duplicate keys with the line', () => {
    const file = writeTemp('broken.yaml', 'name: demo\nname: again\n');
    expect(() => loadProject(file)).toThrow(/broken\.yaml:2:1: Map keys must be unique \(`name: again`\)$/);
    // The position is said once, in front, and the offending line is quoted.
    const tabs = writeTemp('tabs.yaml', 'name: demo\nrun:\n\t- accounts\n');
    expect(() => loadProject(tabs)).toThrow(/tabs\.yaml:3:1: Tabs are not allowed as indentation \(`- accounts`\)$/);
  });
});

describe('changing templates without code', () => {
  it('adds a field to a map: the column is selected and written', () => {
    const project = loadProject({
      ...minimal,
      // A column this environment has beyond the metadata the checks know is declared once.
      customFields: { sales: { accounts: ['tickersymbol'] } },
      tasks: { accounts: { fieldMap: [{ target: 'NameAlias', source: 'tickersymbol', maxLength: 20 }] } },
    });
    const accounts = resolveTasks(project).find((task) => task.name === 'accounts')!;
    expect(accounts.source.select).toContain('tickersymbol');
    const { rows } = transform(accounts, [{ ...account, tickersymbol: 'FABR' }], context());
    expect(rows[0].fields.NameAlias).toBe('FABR');
    expect(templates.accounts.fieldMap.some((entry) => entry.target === 'NameAlias')).toBe(false);
  });

  it('adds a value to a shared value map: an F&O unit named differently in Sales', () => {
    const tasks = resolveTasks(loadProject({ ...minimal, valueMaps: { salesUnits: [{ from: 'ea', to: 'Each' }] } }));
    const products = tasks.find((task) => task.name === 'products')!;
    const quoteLines = tasks.find((task) => task.name === 'quoteLines')!;
    const ctx = context([
      { entitySet: 'uoms', keyField: 'name', values: ['Each'] },
      { entitySet: 'UnitsOfMeasure', keyField: 'UnitSymbol', values: ['ea'] },
    ]);
    const product = { ProductNumber: 'D0001', ProductName: 'Speaker', SalesUnitSymbol: 'ea', CurrencyCode: 'USD' };
    expect(transform(products, [{ dataAreaId: 'usmf', ...product }], ctx).rows[0].lookups?.defaultuomid).toEqual({
      entitySet: 'uoms',
      key: { name: 'Each' },
    });
    // The Sales → F&O direction uses the same entry backwards.
    const line = {
      quoteid: { quotenumber: 'Q-1', statecode: 1 },
      sequencenumber: 1,
      productid: { productnumber: 'D0001', msdynce_ismaintainedexternally: true },
      uomid: { name: 'Each' },
      quantity: 1,
      msdynce_quotehasexternalmaintainedproductsonly: true,
    };
    expect(transform(quoteLines, [line], ctx).rows[0].fields.SalesUnitSymbol).toBe('ea');
  });

  it("adds entries to a field's value map, with a fallback for the rest", () => {
    const accounts = resolveTasks(loadProject(EXAMPLE)).find((task) => task.name === 'accounts')!;
    const groups = [account, { ...account, address1_country: 'Germany' }].map(
      (row) => transform(accounts, [row], context()).rows[0].fields.CustomerGroupId,
    );
    expect(groups).toEqual(['10', '20']);
  });

  it('adds a country spelling and a price list per currency', () => {
    const tasks = resolveTasks(loadProject(EXAMPLE));
    const accounts = tasks.find((task) => task.name === 'accounts')!;
    const { rows } = transform(accounts, [{ ...account, address1_country: 'Vereinigte Staaten' }], context());
    expect(rows[0].fields.AddressCountryRegionISOCode).toBe('US');
    const orders = tasks.find((task) => task.name === 'salesOrdersFromFno')!;
    const order = {
      dataAreaId: 'usmf',
      SalesOrderNumber: 'SO-9',
      OrderingCustomerAccountNumber: 'ACC-01000-BVRCPS',
      OrderingCustomerIsExternallyMaintained: 'Yes',
      InvoiceCustomerIsExternallyMaintained: 'Yes',
      SalesOrderProcessingStatus: 'Invoiced',
      AreTotalsUpdated: 'Yes',
      CurrencyCode: 'EUR',
    };
    expect(transform(orders, [order], context()).rows[0].lookups?.pricelevelid).toEqual({
      entitySet: 'pricelevels',
      key: { name: 'Standard EUR' },
    });
  });

  it('replaces a filter and removes a field', () => {
    const project = loadProject({
      ...minimal,
      tasks: {
        accounts: { filter: 'statecode eq 0', fieldMap: [{ target: 'SalesMemo', remove: true }] },
      },
    });
    const accounts = resolveTasks(project).find((task) => task.name === 'accounts')!;
    expect(accounts.source.filter).toBe('statecode eq 0');
    expect(accounts.source.select).toContain('statecode');
    const result = transform(
      accounts,
      [
        { ...account, statecode: 0 },
        { ...account, statecode: 1 },
      ],
      context(),
    );
    expect(result.filtered).toBe(1);
    expect(result.rows[0].fields).not.toHaveProperty('SalesMemo');
  });
});

describe('JSON Schema for editors', () => {
  it('describes the project file', () => {
    const schema = projectJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'connection', 'partitions']));
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['connection', 'partitions', 'run', 'tasks', 'valueMaps', 'engine']),
    );
  });

  it('matches the schema file shipped with the example', () => {
    const shipped = JSON.parse(readFileSync(join(__dirname, '../../../examples/project.schema.json'), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(projectJsonSchema())));
  });
});
