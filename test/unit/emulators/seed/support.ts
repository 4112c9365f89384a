import { ENTITIES_BY_SET } from '../../../../emulators/dataverse/metadata';
import type { SeedRow, SeedTables } from '../../../../emulators/seed';

const BIND_SUFFIX = '@odata.bind';
const BIND_BY_ID = /^\/([a-z]+)\(([0-9a-f-]{36})\)$/;

export interface Bind {
  column: string;
  entitySet: string;
  id: string;
}

/** Every `<nav>@odata.bind` of a row, parsed; fails on a bind that is not `/<set>(<guid>)`. */
export function bindsOf(row: SeedRow): Bind[] {
  const binds: Bind[] = [];
  for (const [column, value] of Object.entries(row)) {
    if (!column.endsWith(BIND_SUFFIX)) continue;
    const match = BIND_BY_ID.exec(String(value));
    if (!match) throw new Error(`${column} holds '${String(value)}', not a /<set>(<guid>) reference`);
    binds.push({ column: column.slice(0, -BIND_SUFFIX.length), entitySet: match[1], id: match[2] });
  }
  return binds;
}

export function bindOf(row: SeedRow, navigation: string): Bind | undefined {
  return bindsOf(row).find((bind) => bind.column === navigation);
}

export function primaryIdOf(entitySet: string): string {
  const entity = ENTITIES_BY_SET.get(entitySet);
  if (!entity) throw new Error(`the Dataverse emulator has no entity set '${entitySet}'`);
  return entity.primaryId;
}

/** entitySet → id → row, for lookups in assertions. */
export function indexById(tables: SeedTables): Map<string, Map<string, SeedRow>> {
  const index = new Map<string, Map<string, SeedRow>>();
  for (const [entitySet, rows] of Object.entries(tables)) {
    const idColumn = primaryIdOf(entitySet);
    index.set(entitySet, new Map(rows.map((row) => [String(row[idColumn]), row])));
  }
  return index;
}

export function duplicatesOf(values: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  const duplicates: unknown[] = [];
  for (const value of values) {
    if (seen.has(value)) duplicates.push(value);
    seen.add(value);
  }
  return duplicates;
}
