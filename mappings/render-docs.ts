/**
 * Renders docs/templates.md from the template data: `npx tsx mappings/render-docs.ts > docs/templates.md`.
 * The tables are generated; the prose around them explains the choices the data alone does not show.
 */
import { format, resolveConfig } from 'prettier';
import { FIELD_LIMITS } from './field-limits';
import { PREREQUISITES, RUN_ORDER, templates } from './templates';
import type { FieldMapEntry, Step, TaskDefinition } from './schema';
import { NAMED_VALUE_MAPS } from './value-maps';

const code = (text: string | number | boolean | null): string => `\`${String(text).replace(/\n/g, '\\n')}\``;
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function describeStep(step: Step): string {
  switch (step.type) {
    case 'default':
      return `default ${code(step.value)} when empty`;
    case 'constant':
      return `always ${code(step.value)}`;
    case 'valueMap': {
      const source = step.map ? `value map ${code(step.map)}${step.inverse ? ' (reversed)' : ''}` : 'value map';
      const inline = step.entries?.length
        ? ` + ${step.entries.map((e) => `${code(String(e.from))}→${code(e.to)}`).join(', ')}`
        : '';
      const missing =
        step.onMissing === 'error'
          ? `, else error ${code(step.code)}`
          : step.onMissing === 'fallback'
            ? `, else ${code(step.fallback ?? null)}`
            : ', else unchanged';
      return source + inline + missing;
    }
    case 'country':
      return `country → ${step.output === 'name' ? 'English name' : `ISO ${step.output === 'iso2' ? 'alpha-2' : 'alpha-3 / region id'}`}${step.blank ? `; blank → ${code(step.blank)}` : ''}`;
    case 'split':
      return `line ${step.index + 1}${step.rest ? ' onwards' : ''} of the text`;
    case 'round':
      return `rounded to ${step.decimals} decimals`;
    case 'company':
      return "the partition's company";
    case 'businessUnit':
      return "the partition's business unit";
    case 'perUnitDiscount':
      return step.part === 'perUnit'
        ? `÷ ${code(step.quantity)}, rounded to ${step.decimals} decimals (§7.2)`
        : `rounding difference of the per-unit discount over ${code(step.quantity)} (§7.2)`;
    case 'salesLineAmount':
      return step.part === 'discount'
        ? `${code(step.quantity)} × ${code(step.price)} rounded, less the line amount and rounding charge ${code(step.charge)} (§7.2)`
        : `plus rounding charge ${code(step.charge)} (§7.2)`;
    case 'lineDiscount':
      return step.price
        ? `× ${code(step.quantity)} − rounding charge ${code(step.charge)}, at unit price ${code(step.price)} (§7.2)`
        : `× ${code(step.quantity)} − rounding charge ${code(step.charge)} (§7.2)`;
  }
}

function describeEntry(task: TaskDefinition, entry: FieldMapEntry): string[] {
  const source = entry.concat
    ? `${entry.concat.sources.map(code).join(' + ')}`
    : entry.source === undefined
      ? '—'
      : [entry.source].flat().map(code).join(' or ');
  const target = entry.lookup
    ? entry.lookup.candidates
        .map((c) => `${code(c.navigation ?? entry.target)} → ${c.entitySet}(${c.keyField})`)
        .join(', else ')
    : code(entry.target);
  const parts = entry.steps.map(describeStep);
  if (entry.type !== 'string' && entry.type !== 'any') parts.push(entry.type);
  if (entry.required) parts.push(`required (${code(entry.code)})`);
  if (entry.lookup) parts.push(`lookup${entry.lookup.optional ? ', optional' : ''} (${code(entry.lookup.code)})`);
  const limit = FIELD_LIMITS[task.target.entitySet]?.[entry.target];
  const max = entry.maxLength ?? limit?.max;
  if (max !== undefined)
    parts.push(`max ${max}, ${(entry.overflow ?? limit?.overflow) === 'truncate' ? 'truncate' : 'reject'}`);
  if (entry.whenEmpty === 'omit') parts.push('empty: not written');
  return [source, target, parts.join('; ') || 'direct', entry.note ?? ''];
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function renderTask(task: TaskDefinition, position: number): string {
  const out: string[] = [`### ${position}. ${task.title} — \`${task.name}\``, ''];
  const source = task.source;
  out.push(
    `- Source: ${source.system === 'sales' ? 'Dataverse' : 'F&O'} ${code(source.entitySet)}, key ${source.keyFields.map(code).join(' + ')}`,
  );
  if (source.filter) out.push(`- Filter: ${code(source.filter)}`);
  if (source.partitionFilter) out.push(`- Partition: ${code(source.partitionFilter)}`);
  if (source.expand)
    out.push(`- Expand: ${source.expand.map((e) => code(`${e.navigation}(${e.select.join(',')})`)).join(', ')}`);
  if (source.modifiedField) out.push(`- Incremental by ${code(source.modifiedField)}`);
  else out.push('- Incremental: none (full read; unchanged rows skipped by content hash)');
  out.push(
    `- Target: ${task.target.system === 'sales' ? 'Dataverse' : 'F&O'} ${code(task.target.entitySet)}, key ${task.target.keyFields.map(code).join(' + ')}`,
  );
  if (task.dependsOn.length) out.push(`- Runs after: ${task.dependsOn.map(code).join(', ')}`);
  if (task.children) out.push(`- Lines: ${code(task.children)} (run per header by the document saga)`);
  for (const check of task.checks) {
    const rule = check.notEmpty ? 'is not empty' : `= ${code(check.equals ?? null)}`;
    out.push(`- Check: ${code(check.path)} ${rule}, else ${code(check.code)}`);
  }
  if (task.priceListEntry) {
    out.push(
      `- Also writes a ${code('productpricelevels')} row per product: ${code(task.priceListEntry.amount)} as the amount, in the price list mapped to ${code('pricelevelid')} or else the alphabetically first active price list of the product currency (error ${code('missing-price-list')} when there is none).`,
    );
  }
  for (const check of task.preflight) out.push(`- Before the first run (${check.system}): ${check.description}`);
  out.push(
    '',
    table(
      ['Source', 'Target', 'Transform', 'Note'],
      task.fieldMap.map((e) => describeEntry(task, e)),
    ),
    '',
  );
  return out.join('\n');
}

function errorCodes(): string[][] {
  const codes = new Map<string, Set<string>>();
  const add = (value: string, task: string) => codes.set(value, (codes.get(value) ?? new Set()).add(task));
  for (const task of Object.values(templates)) {
    for (const entry of task.fieldMap) {
      if (entry.required) add(entry.code, task.name);
      if (entry.lookup) add(entry.lookup.code, task.name);
      for (const step of entry.steps) {
        if (step.type === 'valueMap' && step.onMissing === 'error') add(step.code, task.name);
        if (step.type === 'country') add('unmapped-country', task.name);
      }
    }
    for (const check of task.checks) add(check.code, task.name);
    if (task.priceListEntry) add('missing-price-list', task.name);
  }
  return [...codes.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([value, tasks]) => [code(value), [...tasks].join(', ')]);
}

function render(): string {
  const out: string[] = [
    '# Prospect to cash templates',
    '',
    '<!-- Generated by `npx tsx mappings/render-docs.ts > docs/templates.md`; edit mappings/, not this file. -->',
    '',
    'Every template of spec/entities.md §6 is a task definition in `mappings/templates.ts`, validated by the zod',
    'schema in `mappings/schema.ts` and applied by the one engine in `mappings/engine.ts`. This page is rendered',
    'from those objects, so it always describes what runs.',
    '',
    '## Run order',
    '',
    table(
      ['#', 'Task', 'Direction', 'Source → target', 'Runs after'],
      RUN_ORDER.map((name, index) => {
        const task = templates[name];
        return [
          String(index + 1),
          code(name),
          task.direction,
          `${task.source.entitySet} → ${task.target.entitySet}`,
          task.dependsOn.join(', ') || '—',
        ];
      }),
    ),
    '',
    'A project runs the tasks it enables in this order, once per partition (legal entity ↔ business unit). Header',
    'tasks and their line tasks are enabled together. Prerequisites that are not enabled in a project are not',
    'waited for (spec §3 "if used").',
    '',
    '## Prerequisites (spec §2)',
    '',
    table(
      ['Id', 'System', 'What'],
      PREREQUISITES.map((p) => [code(p.id), p.system, p.description]),
    ),
    '',
    '## How to read the tables',
    '',
    '- **Source**: a column of the source row; `nav.column` reads an expanded Dataverse lookup; "or" means the first',
    '  non-empty; `+` joins non-empty values (street lines are joined with line breaks).',
    '- **Target**: the target column, or for a Dataverse lookup the navigation property and the alternate key it',
    '  binds by (`customerid_account → accounts(accountnumber)`). Lookups into F&O check that the key exists in the',
    "  partition's company and write the value itself.",
    '- **Transform**: steps in order. A required value that ends up empty, a lookup that finds nothing and a value map',
    '  without an entry are row failures with the code shown; the rest of the page goes on.',
    '- Empty values clear the target column (Dataverse `null`, F&O text `""`); empty F&O numbers and dates are left',
    '  out so F&O keeps its own defaults; "empty: not written" leaves the column alone.',
    '',
    '## Templates',
    '',
    ...RUN_ORDER.map((name, index) => renderTask(templates[name], index + 1)),
    '## Shared value maps',
    '',
    'Referenced by name from the templates; a project adds or replaces entries under `valueMaps.<name>`. Matching',
    'ignores case and surrounding blanks; an empty `from` is the entry used for a blank source value, except in a',
    'field marked "empty: not written", where a blank source leaves the target column as it is.',
    '',
    table(
      ['Map', 'Entries'],
      Object.entries(NAMED_VALUE_MAPS).map(([name, entries]) => [
        code(name),
        entries.length
          ? entries.map((e) => `${code(String(e.from))} → ${code(e.to)}`).join(', ')
          : '(none: same value on both sides)',
      ]),
    ),
    '',
    '## Length limits: which fields truncate',
    '',
    'Longer values are **rejected** (`value-too-long`, naming the source field, the target column and its limit) for',
    'identifiers, names and codes: a shortened key or name would silently point at another record. Free text is',
    '**truncated** with a `value-truncated` warning. A project can change either per field (`maxLength`,',
    '`overflow`). Limits come from the F&O extended data types and the Dataverse column definitions.',
    '',
    table(
      ['Entity set', 'Truncated (limit)', 'Rejected (limit)'],
      Object.entries(FIELD_LIMITS)
        .filter(([, fields]) => Object.keys(fields).length > 0)
        .map(([entitySet, fields]) => {
          const list = (policy: string) =>
            Object.entries(fields)
              .filter(([, limit]) => limit.overflow === policy)
              .map(([field, limit]) => `${field} (${limit.max})`)
              .join(', ') || '—';
          return [code(entitySet), list('truncate'), list('reject')];
        }),
    ),
    '',
    '## Row failure codes',
    '',
    'Besides the codes below, every task can report `missing-business-key` (the source key is empty), `invalid-value`',
    '(text where a number, date or Yes/No belongs), `value-too-long` and `duplicate-business-key` (another row read',
    'with it has the same target key). Warnings (the row is written):',
    '`value-truncated`, `country-defaulted` (blank country written as the default) and optional lookups that did',
    'not resolve. Failures name the source field to fix.',
    '',
    'A warning is kept only for a row that was written (created, updated or unchanged); a row that then failed to',
    'write reports its failure only. A document (quote, order, invoice) keeps the warnings of its header and lines',
    'once it was written whole, under its document number. Warnings are stored with the run apart from failures:',
    "each task's result counts them (`warnings`), `p2c failures RUN --warnings` lists them, `p2c trace` shows them",
    "on the row's entry, and they change neither a task's outcome nor what `p2c retry-failed` re-runs.",
    '',
    table(['Code', 'Tasks'], errorCodes()),
    '',
    PROJECT_FILES,
    DECISIONS,
  ];
  return `${out.join('\n')}\n`;
}

/** The page as prettier formats it, so the committed file passes `prettier --check`. */
export async function renderTemplatesDoc(): Promise<string> {
  const options = await resolveConfig(__filename);
  return format(render(), { ...options, parser: 'markdown' });
}

const PROJECT_FILES = `## Changing templates in a project file

A project file (YAML or JSON, see \`examples/project.yaml\` and its JSON Schema \`examples/project.schema.json\`)
changes the templates without code. Under \`tasks.<task>.fieldMap\`, an entry whose \`target\` is already mapped
changes that field; any other \`target\` is an extra field (its source column is selected automatically):

\`\`\`yaml
tasks:
  accounts:
    filter: statecode eq 0 # replaces the template filter; null removes it
    fieldMap:
      - target: NameAlias # extra field
        source: name
        maxLength: 20
        overflow: truncate
      - target: CustomerGroupId # changed field: a value map with a fallback
        source: address1_country
        valueMap: { Germany: '20', United Kingdom: '20' }
        onMissing: fallback
        fallback: '10'
      - target: AddressCountryRegionISOCode
        default: null # no default country: blank countries fail
      - target: SalesMemo
        remove: true
valueMaps:
  salesUnits: [{ from: ea, to: Each }] # F&O symbol → Sales unit name, used both ways
  priceListsByCurrency: [{ from: EUR, to: Standard EUR }]
  countries: [{ from: Vereinigte Staaten, to: US }]
\`\`\`

Field entries accept \`source\` (or a list: first non-empty), \`concat\`, \`type\`, \`default\` (used when the
source is empty), \`constant\` (always this value), \`valueMap\` with \`onMissing\` (\`error\`, \`keep\`,
\`fallback\`) and \`fallback\`, \`lookup\`, \`required\`, \`whenEmpty\`, \`maxLength\`, \`overflow\` and
\`remove\`. An extra field without \`type\` is typed as its target column is: an F&O NoYes field takes
\`true\`/\`false\` or \`Yes\`/\`No\` and writes \`Yes\`/\`No\`, a decimal stays a number. A Dataverse source path
\`nav.column\` reads a column of a lookup (\`transactioncurrencyid.isocurrencycode\`). A lookup makes the value
name an existing record of the target, found by key (a Dataverse target binds the navigation property by
alternate key; an F&O one checks the key exists in the partition's company):

\`\`\`yaml
tasks:
  products:
    filter: ProductType eq Microsoft.Dynamics.DataEntities.EcoResProductType'Item' # F&O enum literal
    fieldMap:
      - target: pricelevelid # Dataverse lookup, bound as pricelevels(name='standard')
        default: standard
        lookup:
          candidates: [{ entitySet: pricelevels, keyField: name }]
          code: missing-price-list
          hint: create the price list in Sales
  accounts:
    fieldMap:
      - target: PaymentTerms # option set → F&O value
        source: paymenttermscode
        valueMap: [{ from: 1, to: Net30 }, { from: 3, to: Net45 }]
        onMissing: fallback
        fallback: Net30
      - target: IsOneTimeCustomer # F&O NoYes, written as No
        constant: false
\`\`\`

Filters are OData \`$filter\` text as both services take it: \`eq ne gt ge lt le\`, \`and or not\`, parentheses,
\`contains\`/\`startswith\`/\`endswith\`/\`tolower\`/\`toupper\`, strings in single quotes, numbers, \`true\`,
\`false\`, \`null\`, dates (\`2024-01-31T00:00:00Z\`), F&O enum literals (\`Microsoft.Dynamics.DataEntities.NoYes'Yes'\`)
and Dataverse lookup paths (\`owningbusinessunit/name\`). \`partitionFilter\` restricts the read to a partition, with
\`{dataAreaId}\` and \`{businessUnit}\` replaced by the partition's company and business unit.

The rest of a project: \`partitions\` pairs each legal entity (\`dataAreaId\`) with a business unit, and every task runs
once per pair; \`run\` lists the tasks to run (default all; a header task runs with its line task);
\`tasks.<task>.deletes\` (\`ignore\`, \`report\`, \`propagate\`); \`alerts\`; \`engine\` (page size, pipeline depth,
page bytes); \`schedules\`.

\`schedules\` keeps the project's recurrence with the project, as Data Integrator did: Temporal Schedules by name,
\`default\` for the project's own schedule \`p2c/<project>\` and any other name (letters, digits, dashes and
underscores) for \`p2c/<project>/<name>\`. \`p2c schedule apply\` makes the server's schedules match the file
(docs/operations.md). \`every\` and \`catchup\` (default \`10m\`, at least \`10s\`, the shortest window Temporal
keeps) are durations such as \`15m\`, \`1h\` or \`1h30m\`; \`tasks\` (default: every task the project runs) must
be tasks the project runs; \`mode\` is \`incremental\` (default) or \`full\`; \`paused\` and \`note\` set the
schedule's state, and left out leave it as it is:

\`\`\`yaml
schedules:
  default: { every: 15m } # incremental runs of every task
  master-data:
    every: 1h
    tasks: [products, accounts]
    mode: full
    catchup: 30m
    paused: true
    note: until the F&O upgrade is done
\`\`\`

Every column a project names is checked against the entities' metadata (\`mappings/entity-fields.ts\`, from
spec/fno-fields and the Dataverse tables of prospect to cash): source columns and lookup paths, filter columns,
target columns, lookup entities and key fields, values written to an F&O enum or a Dataverse choice, option values a
value map leaves without an entry (with \`onMissing: error\`) and a source whose type cannot become the target's.
Columns an environment adds (custom Dataverse columns, F&O extension fields) are declared once:

\`\`\`yaml
customFields:
  sales: { accounts: [new_loyaltytier] }
  fno: { CustomersV2: [ZZLoyaltyTier] }
\`\`\`

Mistakes fail at load (\`p2c check\`, \`p2c sync\`, the worker) with one \`path: reason\` line each, before any run:

\`\`\`text
tasks.accounts.fieldMap[0].source: "nmae" is not among the columns p2c knows of Dataverse accounts; did you mean "name"?; …
tasks.accounts.fieldMap[1].valueMap: no entry for 2, 4 of paymenttermscode, so rows holding them would fail; …
tasks.contactPersons.fieldMap[0].valueMap[0].to: "Nonspecific" is not a value of F&O enum Gender (…) of Gender
tasks.accounts.fieldMap[3].valueMap: duplicate source value "US"
\`\`\`
`;

const DECISIONS = `## Decisions where the spec is silent or inconsistent

- **Country codes.** \`*CountryRegionISOCode\` columns get the ISO alpha-2 code (\`US\`), \`*CountryRegionId\` columns
  the F&O region id (alpha-3 in a standard set-up, \`USA\`). The spec's "blank → USA" for the account address comes
  from the 2017 template's region-id field; written into an ISO-code column it would fail, so blank becomes \`US\`.
  A blank country is written as the default with a \`country-defaulted\` warning. A project that sets the field's
  \`default: null\` gets \`missing-country\` failures instead in the customer tasks (accounts, contactsToCustomers),
  where the country is required; on quote and order headers the delivery country is then written blank. An unknown
  spelling is \`unmapped-country\` until it is added to \`valueMaps.countries\`.
- **Duplicate business keys are reported, not merged.** Rows mapped together (a page of products, accounts or
  contacts, or the lines of one document) whose target keys are equal as the target compares them, ignoring case,
  would be written to one record, the last one winning. The first is written; each later one fails with
  \`duplicate-business-key\`, naming the key and the row it collides with, so the source data can be fixed (spec
  §6.2, §8: non-unique account numbers are not supported). A first row that fails for another reason still holds
  the key. One record returned twice by a read (a query paged while the record changed) is one row, its later copy.
  Document headers (quotes, orders, invoices) are compared within a page by their source number, ignoring case: the
  later document fails with \`duplicate-business-key\` and no saga starts for it. Rows of different pages or runs
  are not compared: there the later row updates the record.
- **Accounts without an account number** are not filtered out (the spec suggests \`accountnumber ne null\`): they
  fail with \`missing-business-key\`, so they show up in the failures rather than silently never syncing.
- **Street lines.** Sales keeps up to three address lines, F&O one multi-line street: customer and contact-person
  addresses join lines 1-3 with line breaks. Quote and order headers keep the spec's pairing (line 2 → street
  number). From F&O, the first street line goes to line 1 and further lines to line 3.
- **Discount rounding (§7.2).** The rounding difference is written to the CDS line's \`FixedPriceCharges\`. With
  the unit price it also absorbs Sales rounding the gross amount before the discount while F&O rounds the net line
  once, so F&O line amount + charge equals the Sales extended amount to the cent. Back from F&O, only a charge no
  larger than the rounding can produce (half a cent per unit, one more cent with the price) is treated as
  rounding; larger charges are real charges and leave the discount alone. Order lines get their discount back
  as it was; invoice lines get the charge added back to the extended amount, so they add up to the invoice total.
- **Money.** Amounts are computed in decimals (\`mappings/money.ts\`), rounded half away from zero: binary floating
  point turns 7.35 × 276.77 − 7.35 × 34.27 = 1782.375 into 1782.3749999…, which rounds a cent low.
- **Number sequences.** A quote or order keeps the number of the system it was created in and is matched by that
  number alone, so Sales and F&O order and quote number series must not overlap (e.g. Sales \`C1, C2…\`, F&O
  \`F1, F2…\`; spec §7.1, §8 "Number sequence overlap"): a number both systems issue makes the sync update the
  other system's document instead of creating one.
- **Invoice keys.** F&O keys an invoice by company, \`InvoiceNumber\`, \`InvoiceDate\` and \`LedgerVoucher\`; the
  invoice tasks match on \`InvoiceNumber\` (plus \`LineCreationSequenceNumber\` for lines), as Sales keys its
  invoices by number. This assumes invoice numbers are unique within a company: two F&O invoices with one number
  would be written to the same Sales invoice.
- **Invoice header-charge tax** is not synchronised (spec §6.9, §8 "Header charge tax"). Sales has no header-level
  tax, so a Sales invoice total can differ from F&O's by the tax on header charges; tax on line charges comes with
  the lines. (Orders from F&O carry their header tax in \`msdynce_misctax\`, which the P2C plug-in turns into a
  "Freight Tax" line.)
- **Removed lines.** A document's lines in the target are made to match its source lines: after every source line
  is written, target lines the source no longer has are deleted, including lines added directly in the target to a
  document that came from the other system. The "Freight Tax" line the P2C plug-in keeps on a Sales order is never
  deleted. A delete the target refuses for good undoes the whole document (\`line-not-removed\`, naming the line).
  A document whose mapped source is unchanged is not written at all, so edits made only in the target stay until
  the source document changes.
- **Customers.** A quote/order with no customer fails with \`missing-customer\`; one whose customer has no number
  yet or is unknown to F&O fails with \`customer-not-synced\` (run the customer tasks first). From F&O, the customer account
  resolves to a Sales account by account number, else to a contact by contact number.
- **Units.** Sales units are assumed to carry the F&O unit symbol as their name; \`valueMaps.salesUnits\` maps
  symbols to differently named units, and the Sales → F&O lines use the same entries backwards. A unit missing on
  the other side is \`unmapped-unit\`.
- **Price-list entry of a product.** The products task emits, after all product rows of a page, one
  \`productpricelevels\` row per product, with source key \`<product number>/price-list\` (\`baseSourceKey()\`
  gives the product back). Its alternate key is made of three lookups (price list, product, unit), so its \`key\`
  names them by their own keys (\`pricelevelid.name\`, \`productid.productnumber\`, \`uomid.name\`) and the
  same three appear in \`lookups\`; the writer resolves them to ids and upserts the entry for that combination,
  addressed as Dataverse addresses a key on lookups (\`_pricelevelid_value=<guid>,_productid_value=…\`).
  Written after the product rows, the product it refers to exists by then.
- **Business unit.** Each partition pairs a legal entity with a business unit (spec §4). Sales-source tasks read
  only the rows that business unit owns (\`owningbusinessunit/name eq '{businessUnit}'\`), so with two partitions
  (usmf ↔ USMF, demf ↔ DEMF) each unit's accounts, contacts, quotes and orders reach its own company only. Quote
  and order lines have no owner of their own; the document saga reads them with their header. Orders and invoices
  created from F&O are bound to the partition's business unit (\`owningbusinessunit\`).
- **Write-in products.** Data Integrator filtered out quotes and orders whose products did not all come from F&O,
  so they silently never arrived. Here the header fails with \`write-in-product\` (the P2C flag
  \`msdynce_hasexternallymaintainedproductsonly\` is false) and each offending line says why: a write-in product
  is \`write-in-product\`, a product created in Sales or one F&O does not sell is \`missing-product\`. Only the
  state filters remain (activated quotes, active orders not from F&O, submitted order lines).
`;

if (require.main === module) {
  renderTemplatesDoc().then(
    (text) => process.stdout.write(text),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
