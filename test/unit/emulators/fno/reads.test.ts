import { errorOf, SAMPLE_SEED, startHarness, type FnoHarness } from './helpers';

/** Checklist items 37–41: keys, cross-company, filters and enums, $expand, paging. */
describe('F&O reads', () => {
  let h: FnoHarness;
  beforeAll(async () => {
    h = await startHarness({
      seed: {
        ...SAMPLE_SEED,
        CDSSalesQuotationHeaders: [
          { dataAreaId: 'usmf', SalesQuotationNumber: 'Q-1', RequestingCustomerAccountNumber: 'US-001' },
        ],
        CDSSalesQuotationLines: [
          {
            dataAreaId: 'usmf',
            SalesQuotationNumber: 'Q-1',
            LineCreationSequenceNumber: 1,
            ProductNumber: 'D0001',
            RequestedSalesQuantity: 1,
          },
          {
            dataAreaId: 'usmf',
            SalesQuotationNumber: 'Q-1',
            LineCreationSequenceNumber: 2,
            ProductNumber: 'D0002',
            RequestedSalesQuantity: 2,
          },
        ],
      },
    });
  });
  afterAll(() => h.close());

  describe('37: key addressing', () => {
    test('a full key returns the row with an opaque weak ETag', async () => {
      const response = await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')");
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        dataAreaId: 'usmf',
        CustomerAccount: 'US-001',
        OrganizationName: 'Contoso Retail San Diego',
      });
      expect(body['@odata.etag']).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
      expect(body['@odata.context']).toBe(`${h.emu.dataUrl}$metadata#CustomersV3/$entity`);
    });

    test('omitting a key part is 400 naming the missing part', async () => {
      const response = await h.api("CustomersV3(CustomerAccount='US-001')");
      expect(response.status).toBe(400);
      expect((await errorOf(response)).message).toMatch(/missing: dataAreaId/);
      expect((await h.api("CustomersV3('US-001')")).status).toBe(400);
    });

    test('a field that is not part of the key, or a wrongly typed key value, is 400', async () => {
      expect((await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-001',OrganizationName='x')")).status).toBe(
        400,
      );
      expect(
        (
          await h.api(
            "CDSSalesQuotationLines(dataAreaId='usmf',SalesQuotationNumber='Q-1',LineCreationSequenceNumber='1')",
          )
        ).status,
      ).toBe(400);
    });

    test('keys compare case-insensitively, as under the F&O database collation', async () => {
      const row = await h.json("CustomersV3(dataAreaId='USMF',CustomerAccount='us-001')");
      expect(row).toMatchObject({ dataAreaId: 'usmf', CustomerAccount: 'US-001' });
      const duplicate = await h.api('CustomersV3', {
        method: 'POST',
        body: { CustomerAccount: 'us-002', CustomerGroupId: '10' },
      });
      expect((await errorOf(duplicate)).inner?.message).toContain('The record already exists');
      const line = await h.json(
        "CDSSalesQuotationLines(dataAreaId='usmf',SalesQuotationNumber='q-1',LineCreationSequenceNumber=1)",
      );
      expect(line.ProductNumber).toBe('D0001');
    });

    test('an unknown key is 404, an unknown entity set is 404', async () => {
      expect((await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='NOPE')")).status).toBe(404);
      expect((await h.api("customersv3(dataAreaId='usmf',CustomerAccount='US-001')")).status).toBe(404);
    });

    test('integer key parts are unquoted; a row of another company is found by its own dataAreaId', async () => {
      const line = await h.json(
        "CDSSalesQuotationLines(dataAreaId='usmf',SalesQuotationNumber='Q-1',LineCreationSequenceNumber=2)",
      );
      expect(line).toMatchObject({ ProductNumber: 'D0002', RequestedSalesQuantity: 2 });
      const usrt = await h.json("CustomersV3(dataAreaId='usrt',CustomerAccount='US-001')");
      expect(usrt.OrganizationName).toBe('Retail Store Seattle');
    });

    test('a property can be read on its own, and as a raw $value', async () => {
      const property = await h.json("CustomersV3(dataAreaId='usmf',CustomerAccount='US-002')/OrganizationName");
      expect(property.value).toBe('Fabrikam Wholesale');
      const raw = await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='US-002')/OrganizationName/$value");
      expect(await raw.text()).toBe('Fabrikam Wholesale');
    });
  });

  describe('38: cross-company', () => {
    const companiesOf = async (query: string) =>
      new Set(
        ((await h.json(`CustomersV3?$select=dataAreaId${query}`)).value as Array<{ dataAreaId: string }>).map(
          (r) => r.dataAreaId,
        ),
      );

    test('without cross-company=true only the default company is returned', async () => {
      expect(await companiesOf('')).toEqual(new Set(['usmf']));
      // Filtering on another company does not widen the scope.
      expect(await companiesOf("&$filter=dataAreaId eq 'usrt'")).toEqual(new Set());
    });

    test('with cross-company=true all companies; with a dataAreaId filter only that one', async () => {
      expect(await companiesOf('&cross-company=true')).toEqual(new Set(['usmf', 'usrt']));
      expect(await companiesOf("&cross-company=true&$filter=dataAreaId eq 'usrt'")).toEqual(new Set(['usrt']));
    });

    test('/$count follows the same scoping', async () => {
      expect(await (await h.api('CustomersV3/$count')).text()).toBe('3');
      expect(await (await h.api('CustomersV3/$count?cross-company=true')).text()).toBe('5');
    });
  });

  describe('39: filters and enums', () => {
    const accounts = async (filter: string, extra = '') => {
      const response = await h.api(`CustomersV3?$select=CustomerAccount&$filter=${encodeURIComponent(filter)}${extra}`);
      expect(response.status).toBe(200);
      return (((await response.json()) as { value: unknown }).value as Array<{ CustomerAccount: string }>)
        .map((r) => r.CustomerAccount)
        .sort();
    };

    test("'*' inside an eq string matches substrings, prefixes and suffixes, case-insensitively", async () => {
      expect(await accounts("OrganizationName eq '*retail*'")).toEqual(['US-001', 'US-003']);
      expect(await accounts("OrganizationName eq 'fabrikam*'")).toEqual(['US-002']);
      expect(await accounts("OrganizationName eq '*Wholesale'")).toEqual(['US-002']);
      expect(await accounts("OrganizationName ne '*retail*'")).toEqual(['US-002']);
    });

    test('in, has and string functions are refused with 400', async () => {
      for (const filter of [
        "CustomerAccount in ('US-001','US-002')",
        "OnHoldStatus has Microsoft.Dynamics.DataEntities.CustVendorBlocked'All'",
        "contains(OrganizationName,'retail')",
      ]) {
        const response = await h.api(`CustomersV3?$filter=${encodeURIComponent(filter)}`);
        expect(response.status).toBe(400);
      }
    });

    test('enum comparisons need the qualified literal and accept only eq/ne', async () => {
      expect(await accounts("IsExternallyMaintained eq Microsoft.Dynamics.DataEntities.NoYes'Yes'")).toEqual([
        'US-001',
      ]);
      expect(await accounts("IsExternallyMaintained ne Microsoft.Dynamics.DataEntities.NoYes'Yes'")).toEqual([
        'US-002',
        'US-003',
      ]);
      const refused = [
        "IsExternallyMaintained eq 'Yes'",
        "IsExternallyMaintained gt Microsoft.Dynamics.DataEntities.NoYes'No'",
        "IsExternallyMaintained eq Microsoft.Dynamics.DataEntities.NoYes'Maybe'",
        "IsExternallyMaintained eq Microsoft.Dynamics.DataEntities.Gender'Male'",
        "OrganizationName eq Microsoft.Dynamics.DataEntities.NoYes'Yes'",
      ];
      for (const filter of refused) {
        const response = await h.api(`CustomersV3?$filter=${encodeURIComponent(filter)}`);
        expect([filter, response.status]).toEqual([filter, 400]);
      }
    });

    test('JSON bodies carry enum symbols as strings; an unknown symbol in a body is 400', async () => {
      const row = await h.json("CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')");
      expect(row.IsExternallyMaintained).toBe('Yes');
      expect(row.OnHoldStatus).toBe('No');
      const bad = await h.api('CustomersV3', {
        method: 'POST',
        body: { CustomerGroupId: '10', IsExternallyMaintained: true },
      });
      expect(bad.status).toBe(400);
      expect((await errorOf(bad)).message).toMatch(/IsExternallyMaintained.*NoYes/);
    });

    test('key look-ups written as or-chains match case-insensitively, also when the chain mixes fields', async () => {
      expect(
        await accounts("CustomerAccount eq 'us-001' or CustomerAccount eq 'US-003' or CustomerAccount eq 'US-404'"),
      ).toEqual(['US-001', 'US-003']);
      expect(await accounts("CustomerAccount eq 'US-001' or CustomerGroupId eq '20'")).toEqual(['US-001', 'US-002']);
      expect(await accounts("CustomerAccount eq 'US-00*' and CustomerAccount ne 'US-002'")).toEqual([
        'US-001',
        'US-003',
      ]);
    });

    test('numbers, and/or/not, grouping and unknown properties', async () => {
      expect(
        await accounts("(CustomerGroupId eq '10' or CustomerGroupId eq '30') and not (CustomerAccount eq 'US-003')"),
      ).toEqual(['US-001']);
      const products = await h.json(
        `ReleasedDistinctProductsV2?$select=ItemNumber&$filter=${encodeURIComponent('SalesPrice gt 100 and SalesPrice le 219.99')}`,
      );
      expect(products.value.map((p: { ItemNumber: string }) => p.ItemNumber).sort()).toEqual(['D0001', 'D0002']);
      const unknown = await h.api(`CustomersV3?$filter=${encodeURIComponent("Nope eq 'x'")}`);
      expect(unknown.status).toBe(400);
      expect((await errorOf(unknown)).message).toMatch(/Nope/);
    });
  });

  describe('40: $expand', () => {
    test('one level of $expand embeds the related rows', async () => {
      const header = await h.json(
        "CDSSalesQuotationHeaders(dataAreaId='usmf',SalesQuotationNumber='Q-1')?$expand=SalesQuotationLines($select=LineCreationSequenceNumber,ProductNumber)",
      );
      expect(header.SalesQuotationLines.map((l: { ProductNumber: string }) => l.ProductNumber)).toEqual([
        'D0001',
        'D0002',
      ]);
      const customers = await h.json("CustomersV3?$filter=CustomerAccount eq 'US-002'&$expand=CustomerGroup");
      expect(customers.value[0].CustomerGroup).toMatchObject({ CustomerGroupId: '20', Description: 'Major customers' });
      const lines = await h.json(
        "CDSSalesQuotationHeaders(dataAreaId='usmf',SalesQuotationNumber='Q-1')/SalesQuotationLines",
      );
      expect(lines.value).toHaveLength(2);
    });

    test('a nested $expand or an unknown navigation property is 400', async () => {
      const nested = await h.api('CDSSalesQuotationLines?$expand=SalesQuotationHeader($expand=SalesQuotationLines)');
      expect(nested.status).toBe(400);
      expect((await errorOf(nested)).message).toMatch(/Nested \$expand/);
      expect((await h.api('CustomersV3?$expand=Orders')).status).toBe(400);
    });
  });
});
