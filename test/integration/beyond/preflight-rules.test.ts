/** The pre-flight rules the transform does not cover, on hand-made facts: each problem names the record and the fix. */
import { documentProblems, needsPreflight, type PreflightFacts } from '../../../activities/preflight';
import { templates } from '../../../mappings';
import type { TargetRow } from '../../../common/types';

const ctx = {
  documentKey: 'QUO-1',
  headerTask: templates.quoteHeaders,
  lineTask: templates.quoteLines,
  partition: { dataAreaId: 'usmf', businessUnit: 'USMF' },
  sourceLines: [{ quoteid: { quotenumber: 'QUO-1' }, sequencenumber: 3, quotedetailid: 'd3' }],
  projectFile: 'project.yaml',
};

const facts = (change: Partial<PreflightFacts> = {}): PreflightFacts => ({
  companies: new Set(['usmf']),
  businessUnitExists: true,
  sites: new Set(['1']),
  warehouses: new Set(['13']),
  stockedProducts: new Set(['d00017']),
  customer: { account: 'ACC-1', siteId: '1', warehouseId: '13' },
  fnoCurrencies: new Set(['USD']),
  priceListCurrencies: new Set(['USD']),
  ...change,
});

const header: TargetRow = {
  sourceKey: 'QUO-1',
  entitySet: 'CDSSalesQuotationHeaders',
  key: { dataAreaId: 'usmf', SalesQuotationNumber: 'QUO-1' },
  fields: { RequestingCustomerAccountNumber: 'ACC-1', CurrencyCode: 'USD' },
};
const line = (fields: Record<string, unknown> = {}): TargetRow => ({
  sourceKey: 'QUO-1/3',
  entitySet: 'CDSSalesQuotationLines',
  key: { dataAreaId: 'usmf', SalesQuotationNumber: 'QUO-1', LineCreationSequenceNumber: 3 },
  fields: { ProductNumber: 'D00017', ...fields },
});

const codes = (problems: ReturnType<typeof documentProblems>) => problems.map((p) => p.code);

test('a document whose company, site, warehouse, currency and price list resolve has no problem', () => {
  expect(documentProblems(ctx, header, [line()], facts())).toEqual([]);
});

test('only documents written into F&O get the pre-flight', () => {
  expect(needsPreflight(templates.quoteHeaders)).toBe(true);
  expect(needsPreflight(templates.salesOrdersToFno)).toBe(true);
  expect(needsPreflight(templates.invoiceHeaders)).toBe(false);
  expect(needsPreflight(templates.accounts)).toBe(false);
});

test('a stocked item with no site or warehouse from line, header or customer is refused with the places to fix', () => {
  const problems = documentProblems(ctx, header, [line()], facts({ customer: { account: 'ACC-1' } }));
  expect(problems).toEqual([
    expect.objectContaining({
      task: 'quoteLines',
      sourceKey: 'QUO-1',
      code: 'missing-site-warehouse',
      message: expect.stringContaining(
        'line 3 of QUO-1: stocked item "D00017" needs a site and warehouse and neither the line, the header nor customer ACC-1 supplies one: set SiteId/WarehouseId on customer ACC-1 in F&O or add a default for ShippingSiteId/ShippingWarehouseId in tasks.quoteLines.fieldMap in project.yaml',
      ),
    }),
  ]);
  // A service product needs neither.
  expect(documentProblems(ctx, header, [line()], facts({ customer: undefined, stockedProducts: new Set() }))).toEqual(
    [],
  );
});

test('a site or warehouse unknown in the company is named', () => {
  const problems = documentProblems(ctx, header, [line({ ShippingSiteId: '9', ShippingWarehouseId: '99' })], facts());
  expect(codes(problems)).toEqual(['unknown-site', 'unknown-warehouse']);
  expect(problems[0].message).toContain('site "9" used by line 3 of QUO-1 does not exist in company usmf');
});

test('a company or business unit that does not exist is a broken company mapping', () => {
  const problems = documentProblems(
    ctx,
    header,
    [],
    facts({ companies: new Set(['demf']), businessUnitExists: false }),
  );
  expect(codes(problems)).toEqual(['company-not-mapped', 'company-not-mapped']);
  expect(problems[0].message).toContain('correct partitions in project.yaml');
  expect(problems[1].message).toContain('business unit "USMF"');
});

test('a currency F&O does not know, or without an active price list in Sales, is refused', () => {
  const eur = { ...header, fields: { ...header.fields, CurrencyCode: 'EUR' } };
  expect(codes(documentProblems(ctx, eur, [], facts()))).toEqual(['unknown-currency', 'missing-price-list']);
  const problems = documentProblems(ctx, eur, [], facts({ fnoCurrencies: new Set(['USD', 'EUR']) }));
  expect(problems).toEqual([
    expect.objectContaining({
      code: 'missing-price-list',
      message: expect.stringContaining('no active price list in currency EUR for QUO-1'),
    }),
  ]);
});
