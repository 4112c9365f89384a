/**
 * Price-list items are keyed through lookups; their key parts are resolved to the referenced rows' GUIDs. A page of
 * items resolves its references with a few filtered queries per referenced table, not one read per reference, and
 * a missing reference still fails its row with the reason.
 */
import type { TargetRow } from '../../../common/types';
import { DataverseClient } from '../../../connectors';
import { RelatedKeyResolver } from '../../../activities/related-keys';
import { startIdentityServer, type IdentityServer } from '../../../emulators/common/identity';
import { startDataverseEmulator, type DataverseEmulator } from '../../../emulators/dataverse';
import { emulatorConnection, emulatorLifecycle, range, RecordingMetrics } from './support';

const PRODUCTS = 120;
const guid = (prefix: string, n: number) => `${prefix}000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const productNumber = (i: number) => `D${String(i).padStart(4, '0')}`;

function priceListItem(product: string, priceList = 'Standard USD', unit = 'ea'): TargetRow {
  return {
    sourceKey: `${product}#price`,
    entitySet: 'productpricelevels',
    key: { 'pricelevelid.name': priceList, 'productid.productnumber': product, 'uomid.name': unit },
    fields: { amount: 10 },
    lookups: {
      pricelevelid: { entitySet: 'pricelevels', key: { name: priceList } },
      productid: { entitySet: 'products', key: { productnumber: product } },
      uomid: { entitySet: 'uoms', key: { name: unit } },
    },
  };
}

describe('resolving lookup keys of a page', () => {
  jest.setTimeout(60_000);
  let identity: IdentityServer;
  let emulator: DataverseEmulator;
  let client: DataverseClient;
  const metrics = new RecordingMetrics();

  beforeAll(async () => {
    identity = await startIdentityServer();
    emulator = await startDataverseEmulator({
      identity,
      seed: {
        pricelevels: [{ pricelevelid: guid('0e', 1), name: 'Standard USD' }],
        uoms: [
          { uomid: guid('0d', 1), name: 'ea' },
          { uomid: guid('0d', 2), name: 'box' },
        ],
        products: range(PRODUCTS).map((i) => ({
          productid: guid('0f', i + 1),
          productnumber: productNumber(i),
          name: `Product ${i}`,
        })),
      },
    });
    client = new DataverseClient(emulatorConnection(emulator, identity, 'P2C_TEST_RELATED_SECRET'), { metrics });
  });
  emulatorLifecycle(() => ({ client, emulator, identity }), metrics);

  test('a page of items costs a few queries per referenced table, and every key gets the right GUIDs', async () => {
    const rows = range(PRODUCTS).map((i) => priceListItem(productNumber(i)));
    const resolver = new RelatedKeyResolver(client);
    await resolver.prefetch(rows);
    // 120 product numbers fill three filters of the connector's keyed read; one price list, one unit.
    expect(metrics.requests).toHaveLength(5);
    const before = metrics.requests.length;
    for (const [i, row] of rows.entries()) {
      const result = await resolver.resolve(row);
      expect(result).toEqual({
        row: {
          ...row,
          key: {
            _pricelevelid_value: guid('0e', 1),
            _productid_value: guid('0f', i + 1),
            _uomid_value: guid('0d', 1),
          },
        },
      });
    }
    expect(metrics.requests).toHaveLength(before);
  });

  test('a missing reference fails its row with the reason; key text matches without regard to case', async () => {
    const resolver = new RelatedKeyResolver(client);
    const missing = priceListItem('D9999');
    const otherCase = priceListItem(productNumber(7).toLowerCase(), 'STANDARD usd', 'BOX');
    await resolver.prefetch([missing, otherCase]);
    const prefetchRequests = metrics.requests.length;
    expect(prefetchRequests).toBe(3);
    expect(await resolver.resolve(missing)).toEqual({
      field: 'productid.productnumber',
      reason: 'products {"productnumber":"D9999"} does not exist',
    });
    expect(await resolver.resolve(otherCase)).toEqual({
      row: {
        ...otherCase,
        key: { _pricelevelid_value: guid('0e', 1), _productid_value: guid('0f', 8), _uomid_value: guid('0d', 2) },
      },
    });
    expect(metrics.requests).toHaveLength(prefetchRequests);
  });
});
