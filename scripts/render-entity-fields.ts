/**
 * Renders mappings/entity-fields.ts, the columns of every entity a project may read, write, filter or look up:
 * `npx tsx scripts/render-entity-fields.ts > mappings/entity-fields.ts`. F&O fields and types come from the
 * emulator's data dictionary, which follows the F&O metadata snapshot (spec/fno-fields); Dataverse columns,
 * lookup columns and navigation properties from the metadata the Dataverse emulator serves.
 */
import { format, resolveConfig } from 'prettier';
import { FIELD_TYPES } from '../emulators/fno/catalog';
import { ENTITIES as FNO_ENTITIES, ENUMS } from '../emulators/fno/entities';
import { ENTITIES as SALES_ENTITIES, lookupColumn, type ColumnDef } from '../emulators/dataverse/metadata';

const OUTPUT = 'mappings/entity-fields.ts';

function fnoColumn(field: string): string {
  const type = FIELD_TYPES[field];
  if (!type) throw new Error(`F&O field ${field} has no type in emulators/fno/catalog.ts`);
  if (type.kind === 'enum') return `enum:${type.enumType}`;
  return type.kind === 'int' ? 'integer' : type.kind;
}

function salesColumn(column: ColumnDef): string {
  switch (column.type) {
    case 'uniqueidentifier':
      return 'guid';
    case 'memo':
      return 'string';
    case 'bigint':
      return 'integer';
    case 'money':
      return 'decimal';
    case 'dateonly':
      return 'date';
    case 'picklist':
    case 'state':
    case 'status':
      return `choice:${Object.keys(column.options ?? {}).join(',')}`;
    default:
      return column.type;
  }
}

const fno = Object.fromEntries(
  FNO_ENTITIES.map((entity) => [
    entity.set,
    { columns: Object.fromEntries(entity.fields.map((field) => [field, fnoColumn(field)])) },
  ]),
);

const sales = Object.fromEntries(
  SALES_ENTITIES.map((entity) => {
    const columns: Record<string, string> = {};
    for (const [name, column] of Object.entries(entity.columns)) columns[name] = salesColumn(column);
    const navigations: Record<string, string> = {};
    for (const lookup of entity.lookups) {
      columns[lookupColumn(lookup.attribute)] = 'guid';
      Object.assign(navigations, lookup.navigations);
    }
    return [entity.entitySet, { columns, navigations }];
  }),
);

async function main(): Promise<void> {
  const source = `/**
 * Columns of the entities a project can read, write, filter on or look up, with their types: the data a project
 * file is checked against at load (a misspelt or unknown column fails before any run). Generated from the
 * emulators' metadata, which follows spec/fno-fields (F&O) and the Dataverse tables of prospect to cash, by
 * \`npx tsx scripts/render-entity-fields.ts > ${OUTPUT}\`; edit those, not this file.
 *
 * Column types: string, integer, decimal, boolean, datetime, date, guid, \`enum:<F&O enum>\` (symbols in FNO_ENUMS)
 * and \`choice:<option values>\` (Dataverse choices). Dataverse entities also list their lookup columns
 * (\`_<attribute>_value\`) and single-valued navigation properties with the entity set they point to.
 */

export interface EntityFields {
  columns: Record<string, string>;
  navigations?: Record<string, string>;
}

export const FNO_ENTITY_FIELDS: Record<string, EntityFields> = ${JSON.stringify(fno)};

export const SALES_ENTITY_FIELDS: Record<string, EntityFields> = ${JSON.stringify(sales)};

/** Symbols of the F&O enums the entities use. */
export const FNO_ENUMS: Record<string, string[]> = ${JSON.stringify(ENUMS)};
`;
  const options = (await resolveConfig(OUTPUT)) ?? {};
  process.stdout.write(await format(source, { ...options, filepath: OUTPUT }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
