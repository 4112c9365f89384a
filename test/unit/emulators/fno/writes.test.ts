import { errorOf, SAMPLE_SEED, startHarness, type FnoHarness } from './helpers';

const WRITE_EXCEPTION = /AxODataWriteException$/;
const US_001 = "CustomersV3(dataAreaId='usmf',CustomerAccount='US-001')";

/** Checklist items 42–43 and the validation rules of the write pipeline. */
describe('F&O writes and validation', () => {
  let h: FnoHarness;
  beforeAll(async () => {
    h = await startHarness({ seed: SAMPLE_SEED });
  });
  afterAll(() => h.close());

  describe('42: create, update, delete', () => {
    test('POST returns 201 with the entity, defaults filled, and a Location', async () => {
      const response = await h.api('CustomersV2', {
        method: 'POST',
        body: { dataAreaId: 'usmf', CustomerAccount: 'NEW-1', CustomerGroupId: '10', OrganizationName: 'New One' },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(
        `${h.emu.dataUrl}CustomersV2(dataAreaId='usmf',CustomerAccount='NEW-1')`,
      );
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        CustomerAccount: 'NEW-1',
        PartyType: 'Organization',
        SalesCurrencyCode: 'USD',
        LanguageId: 'en-us',
        IsExternallyMaintained: 'No',
        CreditLimit: 0,
        AddressCity: '',
      });
      expect(body.PartyNumber).toMatch(/^\d{9}$/);
      // CustomersV2 and CustomersV3 are two entities on one customer table.
      expect((await h.api("CustomersV3(dataAreaId='usmf',CustomerAccount='NEW-1')")).status).toBe(200);
    });

    test('a POST without dataAreaId lands in the default company', async () => {
      const body = await h.json('CustomersV3', {
        method: 'POST',
        body: { CustomerAccount: 'NEW-2', CustomerGroupId: '10' },
      });
      expect(body.dataAreaId).toBe('usmf');
    });

    test('PATCH and PUT return 204 and change the ETag', async () => {
      const before = (await h.json(US_001))['@odata.etag'];
      const patch = await h.api(US_001, { method: 'PATCH', body: { AddressCity: 'San Diego' } });
      expect(patch.status).toBe(204);
      const afterPatch = await h.json(US_001);
      expect(afterPatch.AddressCity).toBe('San Diego');
      expect(afterPatch['@odata.etag']).not.toBe(before);
      expect(patch.headers.get('etag')).toBe(afterPatch['@odata.etag']);
      const put = await h.api(US_001, { method: 'PUT', body: { CustomerGroupId: '20', OrganizationName: 'Replaced' } });
      expect(put.status).toBe(204);
      const afterPut = await h.json(US_001);
      expect(afterPut).toMatchObject({ CustomerGroupId: '20', OrganizationName: 'Replaced', AddressCity: '' });
      expect(afterPut['@odata.etag']).not.toBe(afterPatch['@odata.etag']);
    });

    test('DELETE returns 204 and the row is gone; PATCH or DELETE of a missing key is 404', async () => {
      await h.api('CustomersV3', { method: 'POST', body: { CustomerAccount: 'GONE', CustomerGroupId: '10' } });
      const url = "CustomersV3(dataAreaId='usmf',CustomerAccount='GONE')";
      expect((await h.api(url, { method: 'DELETE' })).status).toBe(204);
      expect((await h.api(url)).status).toBe(404);
      expect((await h.api(url, { method: 'PATCH', body: { OrganizationName: 'x' } })).status).toBe(404);
      expect((await h.api(url, { method: 'DELETE' })).status).toBe(404);
      // No upsert by PATCH in F&O: nothing was created.
      expect((await h.api(url)).status).toBe(404);
    });

    test('If-Match with a stale ETag is 412 and changes nothing; the current ETag succeeds', async () => {
      const url = "CustomersV3(dataAreaId='usmf',CustomerAccount='US-002')";
      const etag = (await h.json(url))['@odata.etag'];
      await h.api(url, { method: 'PATCH', body: { AddressCity: 'Redmond' } });
      const stale = await h.api(url, {
        method: 'PATCH',
        body: { AddressCity: 'Stale' },
        headers: { 'if-match': etag },
      });
      expect(stale.status).toBe(412);
      expect((await h.json(url)).AddressCity).toBe('Redmond');
      const current = (await h.json(url))['@odata.etag'];
      expect(
        (await h.api(url, { method: 'PATCH', body: { AddressCity: 'Fresh' }, headers: { 'if-match': current } }))
          .status,
      ).toBe(204);
    });

    test('methods that make no sense on a resource are 405', async () => {
      expect((await h.api('CustomersV3', { method: 'PATCH', body: {} })).status).toBe(405);
      expect((await h.api(US_001, { method: 'POST', body: {} })).status).toBe(405);
    });
  });

  describe('43: write errors', () => {
    test('a duplicate POST is 500 with an AxODataWriteException saying the record already exists', async () => {
      const response = await h.api('CustomersV3', {
        method: 'POST',
        body: { dataAreaId: 'usmf', CustomerAccount: 'US-003', CustomerGroupId: '10' },
      });
      const error = await errorOf(response);
      expect(error.status).toBe(500);
      expect(error.code).toBe('');
      expect(error.inner?.type).toMatch(WRITE_EXCEPTION);
      expect(error.inner?.message).toContain('The record already exists');
      expect(error.inner?.message).toContain('CustomerAccount: US-003');
    });

    test('a missing related record is the same 500 shape naming the field and the value', async () => {
      const response = await h.api('CustomersV3', {
        method: 'POST',
        body: { CustomerAccount: 'NEW-3', CustomerGroupId: 'ZZ' },
      });
      const error = await errorOf(response);
      expect(error.status).toBe(500);
      expect(error.inner?.type).toMatch(WRITE_EXCEPTION);
      expect(error.inner?.message).toContain(
        "The value 'ZZ' in field 'CustomerGroupId' is not found in the related table 'Customer groups'",
      );
    });

    test('customer groups are per company: group 10 of usmf does not help a customer in a company without it', async () => {
      const response = await h.api('CustomersV3', {
        method: 'POST',
        body: { dataAreaId: 'nope', CustomerAccount: 'X', CustomerGroupId: '10' },
      });
      expect((await errorOf(response)).inner?.message).toMatch(/Company 'nope' does not exist/);
    });
  });

  describe('validation', () => {
    test('an unknown field is 400 naming it', async () => {
      const response = await h.api('CustomersV3', { method: 'POST', body: { CustomerGroupId: '10', Colour: 'blue' } });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).message).toMatch(
        /The property 'Colour' does not exist on type 'Microsoft\.Dynamics\.DataEntities\.CustomerV3'/,
      );
    });

    test('a missing required field is an error naming it', async () => {
      const response = await h.api('CustomersV3', {
        method: 'POST',
        body: { CustomerAccount: 'NEW-4', OrganizationName: 'No group' },
      });
      expect(response.status).toBe(500);
      expect((await errorOf(response)).inner?.message).toContain("Field 'CustomerGroupId' must be filled in.");
    });

    test('a string longer than the field is an error with both lengths', async () => {
      const response = await h.api('CustomersV3', {
        method: 'POST',
        body: { CustomerGroupId: '10', OrganizationName: 'x'.repeat(101) },
      });
      expect(response.status).toBe(500);
      expect((await errorOf(response)).inner?.message).toContain(
        "field 'OrganizationName' is 101 characters long; the field allows at most 100",
      );
    });

    test('wrongly typed values are 400', async () => {
      for (const body of [
        { CustomerGroupId: 10 },
        { CustomerGroupId: '10', CreditLimit: 'lots' },
        { CustomerGroupId: '10', OrganizationNumberOfEmployees: 2.5 },
      ]) {
        expect((await h.api('CustomersV3', { method: 'POST', body })).status).toBe(400);
      }
      const line = await h.api('CDSSalesQuotationLines', {
        method: 'POST',
        body: { SalesQuotationNumber: 'Q', ProductNumber: 'D0001', RequestedShippingDate: '2026-01-31' },
      });
      expect(line.status).toBe(400);
      expect((await errorOf(line)).message).toMatch(/RequestedShippingDate/);
    });

    test('a key field cannot be changed by PATCH', async () => {
      const response = await h.api(US_001, { method: 'PATCH', body: { CustomerAccount: 'US-999' } });
      expect(response.status).toBe(400);
      expect((await errorOf(response)).message).toMatch(/CustomerAccount/);
    });

    test('PartyType only takes Organization or Person', async () => {
      const response = await h.api('CustomersV3', {
        method: 'POST',
        body: { CustomerGroupId: '10', PartyType: 'Robot' },
      });
      expect((await errorOf(response)).inner?.message).toMatch(/'Robot' is not valid for field 'PartyType'/);
    });

    test('a quotation header needs an existing customer account', async () => {
      const response = await h.api('CDSSalesQuotationHeaders', {
        method: 'POST',
        body: { SalesQuotationNumber: 'Q-X', RequestingCustomerAccountNumber: 'NOBODY' },
      });
      expect((await errorOf(response)).inner?.message).toContain(
        "The value 'NOBODY' in field 'RequestingCustomerAccountNumber'",
      );
    });

    test('a quotation or order line whose product does not exist in that company is refused', async () => {
      await h.api('CDSSalesQuotationHeaders', {
        method: 'POST',
        body: { SalesQuotationNumber: 'Q-V', RequestingCustomerAccountNumber: 'US-001' },
      });
      // R0001 exists, but only in usrt.
      const quote = await h.api('CDSSalesQuotationLines', {
        method: 'POST',
        body: {
          SalesQuotationNumber: 'Q-V',
          LineCreationSequenceNumber: 1,
          ProductNumber: 'R0001',
          RequestedSalesQuantity: 1,
        },
      });
      expect((await errorOf(quote)).inner?.message).toContain(
        "The value 'R0001' in field 'ProductNumber' is not found in the related table 'Released products'",
      );
      await h.api('CDSSalesOrderHeaders', {
        method: 'POST',
        body: { SalesOrderNumber: 'SO-V', OrderingCustomerAccountNumber: 'US-001' },
      });
      const order = await h.api('CDSSalesOrderLines', {
        method: 'POST',
        body: {
          SalesOrderNumber: 'SO-V',
          LineCreationSequenceNumber: 1,
          ProductNumber: 'NOPE',
          OrderedSalesQuantity: 1,
        },
      });
      expect((await errorOf(order)).inner?.message).toContain("'NOPE' in field 'ProductNumber'");
      const missingProduct = await h.api('CDSSalesOrderLines', {
        method: 'POST',
        body: { SalesOrderNumber: 'SO-V', OrderedSalesQuantity: 1 },
      });
      expect((await errorOf(missingProduct)).inner?.message).toContain("Field 'ProductNumber' must be filled in.");
    });

    test('a line for a stocked item needs site and warehouse from the line, the header or the customer', async () => {
      await h.api('CDSSalesOrderHeaders', {
        method: 'POST',
        body: { SalesOrderNumber: 'SO-S', OrderingCustomerAccountNumber: 'US-003' },
      });
      const item = await h.api('CDSSalesOrderLines', {
        method: 'POST',
        body: { SalesOrderNumber: 'SO-S', ProductNumber: 'D0001', OrderedSalesQuantity: 1 },
      });
      expect((await errorOf(item)).inner?.message).toContain("Field 'ShippingSiteId' must be filled in");
      const service = await h.api('CDSSalesOrderLines', {
        method: 'POST',
        body: { SalesOrderNumber: 'SO-S', ProductNumber: 'S0001', OrderedSalesQuantity: 1 },
      });
      expect(service.status).toBe(201);
      const withSite = await h.json('CDSSalesOrderLines', {
        method: 'POST',
        body: {
          SalesOrderNumber: 'SO-S',
          ProductNumber: 'D0001',
          OrderedSalesQuantity: 1,
          ShippingSiteId: '1',
          ShippingWarehouseId: '13',
        },
      });
      expect(withSite).toMatchObject({
        LineCreationSequenceNumber: 2,
        SalesUnitSymbol: 'ea',
        SalesPrice: 219.99,
        CurrencyCode: 'USD',
      });
    });
  });
});
