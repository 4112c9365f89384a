import { documentHash, documentLineKey } from '../../../activities/documents';
import type { TargetRow } from '../../../common/types';

const quotationHeader: TargetRow = {
  sourceKey: 'QUO-1',
  entitySet: 'CDSSalesQuotationHeaders',
  key: { dataAreaId: 'usmf', SalesQuotationNumber: 'QUO-1' },
  fields: { dataAreaId: 'usmf', SalesQuotationNumber: 'QUO-1', SalesQuotationName: 'Projector' },
};

function quotationLine(sequence: number, fields: Record<string, unknown> = {}): TargetRow {
  const key = { dataAreaId: 'usmf', SalesQuotationNumber: 'QUO-1', LineCreationSequenceNumber: sequence };
  return {
    sourceKey: `QUO-1/${sequence}`,
    entitySet: 'CDSSalesQuotationLines',
    key,
    fields: { ...key, ItemNumber: `P-${sequence}`, RequestedSalesQuantity: 1, ...fields },
  };
}

describe('documentHash', () => {
  const lines = [quotationLine(1), quotationLine(2), quotationLine(3)];

  test('does not depend on the order the source listed the lines in', () => {
    expect(documentHash(quotationHeader, [...lines].reverse())).toBe(documentHash(quotationHeader, lines));
  });

  test('changes with any written column of the header or of one line, and with a line more or less', () => {
    const hash = documentHash(quotationHeader, lines);
    const renamed = { ...quotationHeader, fields: { ...quotationHeader.fields, SalesQuotationName: 'Screen' } };
    expect(documentHash(renamed, lines)).not.toBe(hash);
    expect(
      documentHash(quotationHeader, [lines[0], lines[1], quotationLine(3, { RequestedSalesQuantity: 2 })]),
    ).not.toBe(hash);
    expect(documentHash(quotationHeader, lines.slice(0, 2))).not.toBe(hash);
    expect(documentHash(quotationHeader, [...lines, quotationLine(4)])).not.toBe(hash);
  });

  test('the entity set a row is written to is part of the hash', () => {
    const swapped = { ...quotationHeader, entitySet: 'CDSSalesQuotationLines' };
    expect(documentHash(swapped, lines)).not.toBe(documentHash(quotationHeader, lines));
  });
});

describe('documentLineKey', () => {
  test('F&O lines are selected by company and quotation number, not by their sequence', () => {
    expect(documentLineKey(quotationHeader, [quotationLine(1), quotationLine(2)])).toEqual({
      dataAreaId: 'usmf',
      SalesQuotationNumber: 'QUO-1',
    });
  });

  test('a single line is selected by its whole key', () => {
    expect(documentLineKey(quotationHeader, [quotationLine(7)])).toEqual(quotationLine(7).key);
  });

  test('Dataverse lines name their header in a column of their own (msdynce_ordernumber = ordernumber)', () => {
    const order: TargetRow = { sourceKey: 'SO-1', entitySet: 'salesorders', key: { ordernumber: 'SO-1' }, fields: {} };
    const line = (sequence: number): TargetRow => ({
      sourceKey: `SO-1/${sequence}`,
      entitySet: 'salesorderdetails',
      key: { msdynce_ordernumber: 'so-1', sequencenumber: sequence },
      fields: {},
    });
    expect(documentLineKey(order, [line(1), line(2), line(3)])).toEqual({ msdynce_ordernumber: 'so-1' });
  });

  test('lines that share no key value with their header cannot be selected by one query', () => {
    const strangers = [1, 2].map((n) => ({ ...quotationLine(n), key: { dataAreaId: 'usmf', LineId: `L-${n}` } }));
    expect(documentLineKey(quotationHeader, strangers)).toBeUndefined();
    expect(documentLineKey(quotationHeader, [])).toBeUndefined();
  });
});
