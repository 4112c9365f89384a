import { DataverseError } from './errors';
import { ENTITIES_BY_SET, SEED_ORDER, navigationsOf } from './metadata';
import { nowIso, type DataverseModel } from './records';

/**
 * Seed rows are Web API create bodies keyed by entity set (primary id included, lookups as `@odata.bind` by
 * GUID or alternate key). They go straight into the store — no HTTP — in dependency order; a bind whose
 * target is loaded later (an account's primary contact) is applied in a second pass.
 */

/** How long before start-up seeded rows were last modified. */
export const SEED_AGE_MS = 24 * 60 * 60 * 1000;

export type DataverseSeed = Record<string, Array<Record<string, unknown>>>;

const BIND_SUFFIX = '@odata.bind';

interface DeferredBind {
  set: string;
  id: unknown;
  property: string;
  value: unknown;
  index: number;
}

function describe(set: string, index: number, row: Record<string, unknown>, primaryId: string): string {
  return `seed ${set}[${index}] (${primaryId}=${String(row[primaryId] ?? '(generated)')})`;
}

export function loadSeed(model: DataverseModel, seed: DataverseSeed): void {
  for (const set of Object.keys(seed)) {
    if (!ENTITIES_BY_SET.has(set)) throw new Error(`seed: unknown entity set '${set}'`);
  }
  const order = [...SEED_ORDER.filter((s) => s in seed)];
  const deferred: DeferredBind[] = [];
  // Seeded rows stand for data that existed before the integration started: stamp them a day in the past, so the
  // first sync's watermark (taken when it starts) already lies after them.
  const context = { seeding: true, now: new Date(Date.parse(nowIso()) - SEED_AGE_MS).toISOString() };
  for (const set of order) {
    const entity = ENTITIES_BY_SET.get(set)!;
    const position = new Map(order.map((s, i) => [s, i]));
    const navigations = navigationsOf(entity);
    seed[set].forEach((body, index) => {
      const immediate: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(body)) {
        const nav = name.endsWith(BIND_SUFFIX) ? navigations.get(name.slice(0, -BIND_SUFFIX.length)) : undefined;
        // Binds into a set that loads later (or into the same set) wait for the second pass.
        if (nav && value !== null && (position.get(nav.targetSet) ?? -1) >= (position.get(set) ?? 0)) {
          deferred.push({ set, id: body[entity.primaryId], property: name, value, index });
          continue;
        }
        immediate[name] = value;
      }
      try {
        model.createRow(entity, immediate, context);
      } catch (error) {
        if (error instanceof DataverseError) {
          throw new Error(`${describe(set, index, body, entity.primaryId)}: ${error.message}`);
        }
        throw error;
      }
    });
  }
  for (const bind of deferred) {
    const entity = ENTITIES_BY_SET.get(bind.set)!;
    const where = describe(bind.set, bind.index, { [entity.primaryId]: bind.id }, entity.primaryId);
    if (bind.id === undefined) throw new Error(`${where}: a row with a forward lookup needs its primary id`);
    const table = model.table(entity);
    const row = table.get(bind.id);
    if (!row) throw new Error(`${where}: row vanished during seeding`);
    const nav = navigationsOf(entity).get(bind.property.slice(0, -BIND_SUFFIX.length))!;
    const next = { ...row };
    try {
      model.setLookup(entity, next, nav, bind.value, bind.property);
    } catch (error) {
      if (error instanceof DataverseError) throw new Error(`${where}: ${bind.property}: ${error.message}`);
      throw error;
    }
    table.replace(bind.id, next, (r, version) => {
      r.versionnumber = version;
    });
  }
}
