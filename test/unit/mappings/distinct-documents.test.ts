/** One document per number in a page of header rows: duplicates fail naming the first, copies of one record merge. */
import { templates } from '../../../mappings';
import { distinctDocuments } from '../../../mappings/source-key';

const quotes = templates.quoteHeaders;
const invoices = templates.invoiceHeaders;

describe('distinctDocuments', () => {
  it('keeps the first of two Sales quotes with one number and fails the other, naming both records', () => {
    const first = { quoteid: 'a1', quotenumber: 'Q-1', name: 'first' };
    const other = { quoteid: 'b2', quotenumber: 'Q-1', name: 'second' };
    const next = { quoteid: 'c3', quotenumber: 'Q-2' };
    const { rows, duplicates } = distinctDocuments(quotes, [first, other, next]);
    expect(rows).toEqual([first, next]);
    expect(duplicates).toEqual([
      {
        task: 'quoteHeaders',
        sourceKey: 'Q-1',
        field: 'quotenumber',
        code: 'duplicate-business-key',
        message: expect.stringContaining('this row, Q-1 (quoteid b2), has the same key (quotenumber "Q-1") as Q-1'),
      },
    ]);
    expect(duplicates[0].message).toContain('Only Q-1 (quoteid a1) is synced; make quotenumber unique in Sales');
    expect(duplicates[0].message).not.toContain('ignoring case');
  });

  it('compares numbers ignoring case, as F&O does, and says so', () => {
    const { rows, duplicates } = distinctDocuments(quotes, [
      { quoteid: 'a1', quotenumber: 'q-7' },
      { quoteid: 'b2', quotenumber: 'Q-7' },
    ]);
    expect(rows).toEqual([{ quoteid: 'a1', quotenumber: 'q-7' }]);
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0].sourceKey).toBe('Q-7');
    expect(duplicates[0].message).toContain('(keys are compared ignoring case)');
  });

  it('syncs a record read twice once, from its later copy, in its later place', () => {
    const early = { quoteid: 'A1', quotenumber: 'Q-1', name: 'before the edit' };
    const between = { quoteid: 'b2', quotenumber: 'Q-2' };
    const late = { quoteid: 'a1', quotenumber: 'Q-1', name: 'after the edit' };
    expect(distinctDocuments(quotes, [early, between, late])).toEqual({ rows: [between, late], duplicates: [] });
  });

  it('on a source without primary ids, the same number exactly is one record', () => {
    const early = { InvoiceNumber: 'INV-1', InvoiceAmount: 10 };
    const late = { InvoiceNumber: 'INV-1', InvoiceAmount: 12 };
    const cased = { InvoiceNumber: 'inv-1', InvoiceAmount: 13 };
    const { rows, duplicates } = distinctDocuments(invoices, [early, late, cased]);
    expect(rows).toEqual([late]);
    expect(duplicates.map((d) => [d.sourceKey, d.field])).toEqual([['inv-1', 'InvoiceNumber']]);
    expect(duplicates[0].message).toContain('make InvoiceNumber unique in F&O');
  });

  it('leaves rows with a blank number to fail on their own', () => {
    const blank = [
      { quoteid: 'a1', quotenumber: '' },
      { quoteid: 'b2', quotenumber: null },
    ];
    expect(distinctDocuments(quotes, blank)).toEqual({ rows: blank, duplicates: [] });
  });
});
