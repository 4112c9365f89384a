/**
 * The bad-input catalogue: every kind of broken or awkward input the sync must survive, how it is fed in, and
 * the one outcome it must have. bad-input.test.ts iterates this list; docs/reliability.md lists the results.
 */
import type { FaultRules } from '../../../emulators/common/faults';
import type { BadRowKind } from '../../../emulators/seed/types';
import type { TargetRow } from '../../../common/types';
import { FIELD_LIMITS } from '../../../mappings';

export type ExpectedOutcome =
  /** The run's failure list holds the row under this task with this code; the rest of the run is unaffected. */
  | { kind: 'row-failure'; task: string; code: string }
  /** The row lands in F&O with `field` holding exactly the source value (nothing mangled or cut). */
  | { kind: 'lands'; entitySet: string; field: string; value: unknown }
  /** The broken answer is retried; nothing is lost (checked by the run's target comparison). */
  | { kind: 'retried' }
  /** The project is refused at start-up with a message naming the field and the reason. */
  | { kind: 'startup-error'; message: RegExp };

export type BadInput =
  /** Planted by the seed generator (emulators/seed/bad-rows.ts). */
  | { via: 'seeded'; seedKind: BadRowKind }
  /**
   * Written into the Dataverse source through the Web API before the run; `storeFields` are then set in the
   * emulator's store directly, for values a customised column holds but the stock metadata refuses.
   */
  | { via: 'source-row'; rows: TargetRow[]; storeFields?: Record<string, unknown> }
  /** An emulator answers this way while the run is going on. */
  | { via: 'response'; rules: FaultRules }
  /** A change to a valid project file. */
  | { via: 'project'; patch: (project: Record<string, unknown>) => void };

export interface BadInputKind {
  id: string;
  description: string;
  input: BadInput;
  expected: ExpectedOutcome;
}

const PREFIX = 'RLB-';
/** Accounts without a currency get the F&O company's; giving one keeps the expected row exact. */
const USD = { transactioncurrencyid: { entitySet: 'transactioncurrencies', key: { isocurrencycode: 'USD' } } };
const account = (key: string, fields: Record<string, unknown>, lookups?: TargetRow['lookups']): TargetRow => ({
  sourceKey: `${PREFIX}${key}`,
  entitySet: 'accounts',
  key: { accountnumber: `${PREFIX}${key}` },
  fields: { name: `Reliability ${key}`, address1_country: 'United States', ...fields },
  lookups: { ...USD, ...lookups },
});
const landsAs = (field: string, value: unknown): ExpectedOutcome => ({
  kind: 'lands',
  entitySet: 'CustomersV2',
  field,
  value,
});
const accountRow = (key: string, fields: Record<string, unknown>) => ({
  via: 'source-row' as const,
  rows: [account(key, fields)],
});
const connection = (project: Record<string, unknown>) =>
  (project.connection as Record<string, Record<string, unknown>>).dataverse;

/** F&O's SalesMemo length, from the template's field limits. */
const FNO_SALES_MEMO_LIMIT = FIELD_LIMITS.CustomersV2.SalesMemo.max;
const EMOJI_NAME = 'Café 🚀 Ünïcode Trading 👩‍💻';
const RTL_NAME = 'شركة الاختبار للتجارة';
const MIXED_NAME = 'Contoso עברית 123 ltd.';
const AT_LIMIT_NAME = 'N'.repeat(100);
const ONE_MB_NOTES = 'Notes line with enough words to be realistic. '
  .repeat(Math.ceil(1_048_576 / 47))
  .slice(0, 1_048_576);

export const BAD_INPUT_CATALOGUE: BadInputKind[] = [
  // Rows in the source
  {
    id: 'over-long-name',
    description: 'account name longer than F&O OrganizationName (100)',
    input: { via: 'seeded', seedKind: 'account-name-too-long' },
    expected: { kind: 'row-failure', task: 'accounts', code: 'value-too-long' },
  },
  {
    id: 'null-business-key',
    description: 'account without an account number (null key)',
    input: { via: 'seeded', seedKind: 'account-missing-number' },
    expected: { kind: 'row-failure', task: 'accounts', code: 'missing-business-key' },
  },
  {
    id: 'missing-parent',
    description: 'contact person whose parent account is missing',
    input: { via: 'seeded', seedKind: 'contact-parent-missing' },
    expected: { kind: 'row-failure', task: 'contactPersons', code: 'missing-parent-account' },
  },
  {
    id: 'unmapped-unit',
    description: 'product with a unit Sales does not know (unknown enum value)',
    input: { via: 'seeded', seedKind: 'product-unit-unmapped' },
    expected: { kind: 'row-failure', task: 'products', code: 'unmapped-unit' },
  },
  {
    id: 'invalid-currency',
    description: 'product priced in a currency without a Sales price list',
    input: { via: 'seeded', seedKind: 'product-currency-no-price-list' },
    expected: { kind: 'row-failure', task: 'products', code: 'missing-price-list' },
  },
  {
    id: 'unknown-country',
    description: 'account country that is no country (unknown value)',
    input: accountRow('COUNTRY', { address1_country: 'Atlantis' }),
    expected: { kind: 'row-failure', task: 'accounts', code: 'unmapped-country' },
  },
  {
    id: 'over-long-city',
    description: 'city longer than F&O allows (60)',
    input: accountRow('CITY', { address1_city: 'C'.repeat(61) }),
    expected: { kind: 'row-failure', task: 'accounts', code: 'value-too-long' },
  },
  {
    id: 'over-long-postal-code',
    description: 'postal code longer than F&O allows (10)',
    input: accountRow('ZIP', { address1_postalcode: '12345-67890-123' }),
    expected: { kind: 'row-failure', task: 'accounts', code: 'value-too-long' },
  },
  {
    id: 'emoji',
    description: 'emoji and combining characters in the name',
    input: accountRow('EMOJI', { name: EMOJI_NAME }),
    expected: landsAs('OrganizationName', EMOJI_NAME),
  },
  {
    id: 'right-to-left',
    description: 'right-to-left (Arabic) name',
    input: accountRow('RTL', { name: RTL_NAME }),
    expected: landsAs('OrganizationName', RTL_NAME),
  },
  {
    id: 'mixed-direction',
    description: 'mixed left-to-right and Hebrew text',
    input: accountRow('MIXED', { name: MIXED_NAME }),
    expected: landsAs('OrganizationName', MIXED_NAME),
  },
  {
    id: 'name-at-limit',
    description: 'name exactly at the 100-character limit',
    input: accountRow('LIMIT', { name: AT_LIMIT_NAME }),
    expected: landsAs('OrganizationName', AT_LIMIT_NAME),
  },
  {
    id: 'quote-in-key',
    description: "apostrophe in the business key (O'Brien): key escaping in URLs",
    input: {
      via: 'source-row',
      rows: [{ ...account('X', {}), sourceKey: "RLB-O'BRIEN", key: { accountnumber: "RLB-O'BRIEN" } }],
    },
    expected: landsAs('CustomerAccount', "RLB-O'BRIEN"),
  },
  {
    id: 'url-characters-in-key',
    description: 'slash, hash, percent and plus in the business key',
    input: {
      via: 'source-row',
      rows: [{ ...account('X', {}), sourceKey: 'RLB-A/B#C%D+E', key: { accountnumber: 'RLB-A/B#C%D+E' } }],
    },
    expected: landsAs('CustomerAccount', 'RLB-A/B#C%D+E'),
  },
  {
    id: 'one-mb-notes',
    description: "1 MB notes (description → SalesMemo): cut to F&O's 1,000 characters with a warning, row lands",
    // Customised memo columns hold up to 1,048,576 characters; the stock description column only 2,000.
    input: { ...accountRow('NOTES', {}), storeFields: { description: ONE_MB_NOTES } },
    expected: landsAs('SalesMemo', ONE_MB_NOTES.slice(0, FNO_SALES_MEMO_LIMIT)),
  },
  {
    id: 'circular-parents',
    description: 'two accounts that are each other’s parent',
    input: {
      via: 'source-row',
      rows: [
        account('CYCLE-A', {}),
        account(
          'CYCLE-B',
          {},
          { parentaccountid: { entitySet: 'accounts', key: { accountnumber: `${PREFIX}CYCLE-A` } } },
        ),
        account(
          'CYCLE-A',
          {},
          { parentaccountid: { entitySet: 'accounts', key: { accountnumber: `${PREFIX}CYCLE-B` } } },
        ),
      ],
    },
    expected: landsAs('CustomerAccount', `${PREFIX}CYCLE-B`),
  },
  // Answers from the services
  {
    id: 'html-error-page',
    description: 'HTML error page (502) instead of OData JSON',
    input: { via: 'response', rules: { malformedNext: { count: 2, kind: 'html' } } },
    expected: { kind: 'retried' },
  },
  {
    id: 'truncated-json',
    description: 'JSON body cut off mid-value (200)',
    input: { via: 'response', rules: { malformedNext: { count: 2, kind: 'truncated-json' } } },
    expected: { kind: 'retried' },
  },
  {
    id: 'empty-body',
    description: '200 with an empty body',
    input: { via: 'response', rules: { malformedNext: { count: 2, kind: 'empty' } } },
    expected: { kind: 'retried' },
  },
  {
    id: 'write-503',
    description: 'a write answered 503 once (service unavailable mid-batch)',
    input: { via: 'response', rules: { failNextWrites: { count: 1, status: 503 } } },
    expected: { kind: 'retried' },
  },
  // Project configuration
  {
    id: 'secret-in-project',
    description: 'client secret written into the project file',
    input: { via: 'project', patch: (p) => void (connection(p).clientSecret = 'plain-text-secret') },
    expected: {
      kind: 'startup-error',
      message: /connection\.dataverse\.clientSecret.*secrets never go in the project file/,
    },
  },
  {
    id: 'bad-secret-env-name',
    description: 'clientSecretEnv that is not an environment variable name',
    input: { via: 'project', patch: (p) => void (connection(p).clientSecretEnv = 'my secret!') },
    expected: {
      kind: 'startup-error',
      message: /connection\.dataverse\.clientSecretEnv.*name of an environment variable/,
    },
  },
  {
    id: 'plain-http-remote',
    description: 'plain http to a remote host',
    input: { via: 'project', patch: (p) => void (connection(p).url = 'http://contoso.crm.dynamics.com') },
    expected: { kind: 'startup-error', message: /connection\.dataverse\.url.*must be https/ },
  },
  {
    id: 'bad-company-id',
    description: 'partition with an F&O company id of 6 characters',
    input: { via: 'project', patch: (p) => void (p.partitions = [{ dataAreaId: 'usmf01', businessUnit: 'USMF' }]) },
    expected: { kind: 'startup-error', message: /partitions\[0\]\.dataAreaId.*1-4 letters\/digits/ },
  },
  {
    id: 'unknown-task',
    description: 'run list naming a task that does not exist',
    input: { via: 'project', patch: (p) => void (p.run = ['accounts', 'acounts']) },
    expected: { kind: 'startup-error', message: /run\[1\]: unknown task "acounts"/ },
  },
  {
    id: 'unknown-setting',
    description: 'misspelt top-level setting',
    input: { via: 'project', patch: (p) => void (p.partitons = []) },
    expected: { kind: 'startup-error', message: /unknown field "partitons" \(did you mean "partitions"\?\)/ },
  },
];
