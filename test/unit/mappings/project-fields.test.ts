/**
 * Project files are checked against the entities' metadata before any run: misspelt and unknown columns,
 * lookups, enum and choice values, unmapped option values and type mismatches fail at load with the path in the
 * file and why.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENTITIES as FNO_ENTITIES } from '../../../emulators/fno/entities';
import { ENTITIES as SALES_ENTITIES, lookupColumn } from '../../../emulators/dataverse/metadata';
import { RUN_ORDER, templates, transform } from '../../../mappings';
import { sourcePathsOf } from '../../../mappings/schema';
import { FNO_ENTITY_FIELDS, SALES_ENTITY_FIELDS } from '../../../mappings/entity-fields';
import { filterPaths, parseFilter } from '../../../mappings/odata-filter';
import { EntityCatalog } from '../../../mappings/project-fields';
import { loadProject, resolveTasks } from '../../../mappings/project-file';
import { parse } from 'yaml';
import { account, connection, context, projectProblems } from './fixtures';

const minimal = { name: 'demo', connection, partitions: [{ dataAreaId: 'usmf', businessUnit: 'USMF' }] };

const problemsOf = (tasks: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  projectProblems({ ...minimal, ...extra, tasks });

describe('the entity metadata projects are checked against', () => {
  it('is what scripts/render-entity-fields.ts renders', () => {
    const root = join(__dirname, '../../..');
    const rendered = execFileSync(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/render-entity-fields.ts'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(readFileSync(join(root, 'mappings/entity-fields.ts'), 'utf8')).toBe(rendered);
  });

  it('holds every entity and column the emulators serve', () => {
    for (const entity of FNO_ENTITIES)
      expect(Object.keys(FNO_ENTITY_FIELDS[entity.set].columns)).toEqual(entity.fields);
    for (const entity of SALES_ENTITIES) {
      const known = SALES_ENTITY_FIELDS[entity.entitySet];
      for (const column of Object.keys(entity.columns)) expect(known.columns).toHaveProperty([column]);
      for (const lookup of entity.lookups) {
        expect(known.columns).toHaveProperty([lookupColumn(lookup.attribute)], 'guid');
        expect(known.navigations).toMatchObject(lookup.navigations);
      }
    }
  });

  it('knows every column, lookup and filter path of the templates', () => {
    const catalog = new EntityCatalog();
    for (const name of RUN_ORDER) {
      const { source, target, fieldMap } = templates[name];
      const problems: string[] = [];
      const filters = [source.filter, source.partitionFilter].filter((text): text is string => !!text);
      const paths = [
        ...sourcePathsOf(templates[name]),
        ...filters.flatMap((text) => filterPaths(parseFilter(text.replace(/\{\w+\}/g, 'x')))),
      ];
      for (const path of paths) problems.push(catalog.sourcePathProblem(source.system, source.entitySet, path) ?? '');
      for (const entry of fieldMap) {
        problems.push(catalog.targetProblem(target.system, target.entitySet, entry) ?? '');
        for (const candidate of entry.lookup?.candidates ?? []) {
          problems.push(catalog.lookupProblem(target.system, candidate) ?? '');
        }
      }
      expect({ name, problems: problems.filter(Boolean) }).toEqual({ name, problems: [] });
    }
  });
});

describe('columns a project names must exist', () => {
  it('names a misspelt source column, target column or filter column with the closest real one', () => {
    expect(
      problemsOf({
        accounts: {
          filter: 'statecod eq 0',
          fieldMap: [
            { target: 'NameAlias', source: 'nmae' },
            { target: 'AddressDescriptoin', source: 'name' },
          ],
        },
        products: { fieldMap: [{ target: 'description', source: 'ProductDescripton' }] },
      }),
    ).toEqual([
      'tasks.accounts.filter: "statecod" is not among the columns p2c knows of Dataverse accounts; did you mean "statecode"?; ' +
        'a column of your environment (custom or standard) goes under customFields.sales.accounts',
      'tasks.accounts.fieldMap[0].source: "nmae" is not among the columns p2c knows of Dataverse accounts; did you mean "name"?; ' +
        'a column of your environment (custom or standard) goes under customFields.sales.accounts',
      'tasks.accounts.fieldMap[1].target: "AddressDescriptoin" is not a column of F&O CustomersV2; ' +
        'did you mean "AddressDescription"?; an extension field goes under customFields.fno.CustomersV2',
      'tasks.products.fieldMap[0].source: "ProductDescripton" is not a column of F&O SellableReleasedProducts; ' +
        'did you mean "ProductDescription"?; an extension field goes under customFields.fno.SellableReleasedProducts',
    ]);
  });

  it('checks lookups read through a navigation property, and F&O paths that have none', () => {
    expect(
      problemsOf({
        quoteHeaders: {
          filter: "customerid_acount/name eq 'x'",
          fieldMap: [{ target: 'CurrencyCode', source: 'transactioncurrencyid.isocurencycode' }],
        },
        salesOrdersFromFno: { fieldMap: [{ target: 'name', source: 'Customer.Name' }] },
      }),
    ).toEqual([
      'tasks.quoteHeaders.filter: "customerid_acount" is not a lookup (navigation property) of Dataverse quotes; ' +
        'did you mean "customerid_account"?',
      'tasks.quoteHeaders.fieldMap[0].source: "isocurencycode" is not among the columns p2c knows of Dataverse transactioncurrencies; ' +
        'did you mean "isocurrencycode"?; a column of your environment (custom or standard) goes under ' +
        'customFields.sales.transactioncurrencies',
      'tasks.salesOrdersFromFno.fieldMap[0].source: "Customer.Name": F&O rows have no lookups to read through; ' +
        'name a field of CDSSalesOrderHeaders',
    ]);
  });

  it('checks the entity and key field of a lookup, and asks for a lookup on a Dataverse lookup column', () => {
    const lookup = (entitySet: string, keyField: string) => ({
      candidates: [{ entitySet, keyField, shared: true }],
      code: 'missing-currency',
      hint: 'create the currency in F&O',
    });
    expect(
      problemsOf({
        accounts: {
          fieldMap: [
            { target: 'SalesCurrencyCode', lookup: lookup('Currencie', 'CurrencyCode') },
            { target: 'InvoiceAccount', source: 'accountnumber', lookup: lookup('Currencies', 'Code') },
          ],
        },
        products: { fieldMap: [{ target: 'pricelevelid', default: 'standard' }] },
      }),
    ).toEqual([
      'tasks.accounts.fieldMap[0].lookup.candidates[0]: "Currencie" is not among the F&O entity sets p2c knows; ' +
        'did you mean "Currencies"?; an entity set of your environment is declared with its columns under customFields.fno',
      'tasks.accounts.fieldMap[1].lookup.candidates[0]: "Code" is not a column of F&O Currencies; ' +
        'an extension field goes under customFields.fno.Currencies',
      'tasks.products.fieldMap[0].target: "pricelevelid" is a lookup of products: give lookup with candidates ' +
        '[{ entitySet: pricelevels, keyField: … }]',
    ]);
  });

  it('accepts columns the project declares under customFields', () => {
    const project = loadProject({
      ...minimal,
      customFields: { sales: { accounts: ['new_loyaltytier'] }, fno: { CustomersV2: ['ZZLoyaltyTier'] } },
      tasks: { accounts: { fieldMap: [{ target: 'ZZLoyaltyTier', source: 'new_loyaltytier' }] } },
    });
    const accounts = resolveTasks(project).find((task) => task.name === 'accounts')!;
    expect(accounts.source.select).toContain('new_loyaltytier');
    const { rows } = transform(accounts, [{ ...account, new_loyaltytier: 'Gold' }], context());
    expect(rows[0].fields.ZZLoyaltyTier).toBe('Gold');
  });
});

describe('values a project writes must fit the target column', () => {
  it('rejects a value an F&O enum or a Dataverse choice does not have', () => {
    expect(
      problemsOf({
        contactPersons: { fieldMap: [{ target: 'Gender', valueMap: [{ from: 3, to: 'Nonspecific' }] }] },
        salesOrdersFromFno: {
          fieldMap: [{ target: 'msdynce_processingstatus', valueMap: { Picked: 647390099 } }],
        },
        accounts: { fieldMap: [{ target: 'OnHoldStatus', constant: 'Everything' }] },
      }),
    ).toEqual([
      'tasks.contactPersons.fieldMap[0].valueMap[0].to: "Nonspecific" is not a value of F&O enum Gender ' +
        '(Unknown, Male, Female, NonSpecific) of Gender',
      'tasks.salesOrdersFromFno.fieldMap[0].valueMap[0].to: 647390099 is not an option value of Dataverse ' +
        'salesorders.msdynce_processingstatus (647390000, 647390001, 647390002, 647390003, 647390004, 647390005, ' +
        '647390006, 647390007, 647390008, 647390009, 647390010, 647390011)',
      'tasks.accounts.fieldMap[0].constant: "Everything" is not a value of F&O enum CustVendorBlocked ' +
        '(No, Invoice, All, Payment, Requisition, Never, PurchOrder) of OnHoldStatus',
    ]);
  });

  it('maps an option set to an enum only when every option has an entry, a fallback or keep', () => {
    const paymentTerms = (extra: Record<string, unknown>) => ({
      accounts: {
        fieldMap: [
          {
            target: 'PaymentTerms',
            source: 'paymenttermscode',
            valueMap: [
              { from: 1, to: 'Net30' },
              { from: 3, to: 'Net45' },
            ],
            ...extra,
          },
        ],
      },
    });
    expect(problemsOf(paymentTerms({}))).toEqual([
      'tasks.accounts.fieldMap[0].valueMap: no entry for 2, 4 of paymenttermscode, so rows holding them would fail; ' +
        'add entries, or set onMissing to keep or fallback',
    ]);
    const project = loadProject({ ...minimal, tasks: paymentTerms({ onMissing: 'fallback', fallback: 'Net30' }) });
    const accounts = resolveTasks(project).find((task) => task.name === 'accounts')!;
    const { rows } = transform(
      accounts,
      [
        { ...account, paymenttermscode: 3 },
        { ...account, accountnumber: 'ACC-2', paymenttermscode: 4 },
      ],
      context(),
    );
    expect(rows.map((row) => row.fields.PaymentTerms)).toEqual(['Net45', 'Net30']);
  });

  it('reports a fallback value map without a fallback once, at the entry', () => {
    expect(
      problemsOf({
        accounts: { fieldMap: [{ target: 'CustomerGroupId', valueMap: { a: 'b' }, onMissing: 'fallback' }] },
      }),
    ).toEqual(['tasks.accounts.fieldMap[0].fallback: onMissing "fallback" needs a fallback value']);
  });

  it('rejects a source whose type cannot become the target type', () => {
    expect(
      problemsOf({
        products: { fieldMap: [{ target: 'price', source: 'ProductName' }] },
        accounts: { fieldMap: [{ target: 'CreditLimit', source: 'name' }] },
      }),
    ).toEqual([
      'tasks.products.fieldMap[0].source: type mismatch: ProductName is text (string), price takes number; ' +
        'pick a number column or map the values with a valueMap',
      'tasks.accounts.fieldMap[0].source: type mismatch: name is text (string), CreditLimit takes number; ' +
        'pick a number column or map the values with a valueMap',
    ]);
  });

  it('types a new field as its target column is, so a NoYes field gets Yes/No and a number stays a number', () => {
    const project = loadProject({
      ...minimal,
      tasks: {
        accounts: {
          fieldMap: [
            { target: 'IsOneTimeCustomer', constant: false },
            { target: 'OrganizationNumberOfEmployees', constant: 250 },
          ],
        },
      },
    });
    const accounts = resolveTasks(project).find((task) => task.name === 'accounts')!;
    const { rows, errors } = transform(accounts, [account], context());
    expect(errors).toEqual([]);
    expect(rows[0].fields).toMatchObject({ IsOneTimeCustomer: 'No', OrganizationNumberOfEmployees: 250 });
  });
});

describe('the project-file examples of docs/templates.md', () => {
  it('load as they are shown', () => {
    const docs = readFileSync(join(__dirname, '../../../docs/templates.md'), 'utf8');
    const section = docs.slice(docs.indexOf('## Changing templates in a project file'));
    const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => parse(match[1]) as object);
    expect(blocks).toHaveLength(4);
    const projects = blocks.map((block) => loadProject({ ...minimal, ...block }));
    const products = resolveTasks(projects[1]).find((task) => task.name === 'products')!;
    expect(products.source.filter).toContain("EcoResProductType'Item'");
  });

  it('point a schedule in the project file to schedules and p2c schedule', () => {
    expect(problemsOf({}, { schedule: { every: '15m' } })).toEqual([
      'schedule: use `schedules:`, by name: `schedules: { default: { every: 15m } }`, applied with `p2c schedule apply`; or make one with `p2c schedule set --every 15m`',
    ]);
  });
});
