/**
 * Shapes of the emulator's data dictionary. F&O keeps business data in tables and exposes it through data
 * entities; several entities can read and write the same table (CustomersV2 and CustomersV3 both sit on the
 * customer table), so a row created through one is visible through the other. The emulator follows that split:
 * a TableDef holds the columns, keys, defaults and relations; an EntityDef is a public OData view on a table.
 */

export type FieldType =
  | { kind: 'string'; maxLength?: number }
  | { kind: 'int' }
  | { kind: 'decimal' }
  | { kind: 'datetime' }
  | { kind: 'enum'; enumType: string };

export type Row = Record<string, unknown>;

/** A row of another table that this row refers to by column values (the X++ table relation). */
export interface Relation {
  table: string;
  /** Local column → column of the related table. dataAreaId is matched implicitly between company tables. */
  on: Record<string, string>;
  /** When false the relation only feeds defaults and reads; a dangling value is not an error. */
  validate?: boolean;
}

/**
 * Where a create fills a column the request left empty. Sources are tried in order; the first non-empty wins.
 * `relation` reads a column of a related row, `copy` another column of the same row, `sequence` draws the next
 * number of a number sequence, `next` the next line number within the group of rows sharing the given columns.
 */
export type DefaultSource =
  | { value: string | number }
  | { relation: string; column: string }
  | { copy: string }
  | { sequence: string }
  | { next: string[] };

/** Columns computed at read time from a related row (F&O computed columns and joined fields). */
export interface Inherit {
  relation: string;
  columns: Record<string, string>;
}

/**
 * Sales document lines: the server computes LineAmount (quantity × price − quantity × per-unit discount, less the
 * discount percentage) and rolls the lines up into header totals, either on every line write (quotations) or
 * only when the order is confirmed (orders, mirroring the "Calculate sales totals" batch job).
 */
export interface LineTotals {
  header: string;
  quantity: string;
  rollUp: 'onLineWrite' | 'onConfirm';
  headerColumns: { amount: string; discount: string; charges: string; tax: string; calculated: string };
}

export interface TableDef {
  name: string;
  /** Label used in infolog texts ("… not found in the related table 'Customer groups'"). */
  label: string;
  companySpecific: boolean;
  /** Columns beyond those of the table's entities (hidden or server-maintained ones). */
  extraColumns?: string[];
  primaryKey: string[];
  /** Further unique indexes; entities whose OData key differs from the primary key address rows through one. */
  uniqueKeys?: string[][];
  relations?: Record<string, Relation>;
  defaults?: Record<string, DefaultSource[]>;
  /** Columns the server computes; values sent by clients are ignored. */
  computed?: string[];
  inherit?: Inherit[];
  /** Plain string columns restricted to a fixed list (F&O validateField on non-enum codes such as PartyType). */
  allowedValues?: Record<string, string[]>;
  /** Columns that must be filled when a related row has a given value (site/warehouse for stocked items). */
  requiredWhen?: Array<{ relation: string; column: string; equals: string; fields: string[] }>;
  lineTotals?: LineTotals;
  /** Posted documents: readable through OData, written only by the server itself. */
  readOnly?: boolean;
}

export interface Navigation {
  target: string;
  /** Source column → target entity field. */
  on: Record<string, string>;
  many: boolean;
}

export interface EntityDef {
  set: string;
  /** Singular type name of `Microsoft.Dynamics.DataEntities.<typeName>`. */
  typeName: string;
  table: string;
  key: string[];
  fields: string[];
  /** Fields a create must supply (beyond the key fields without a default). */
  required?: string[];
  /** Entity field → table column, where the entity names a column differently. */
  aliases?: Record<string, string>;
  /** Rows of the table the entity exposes; others are invisible through it. */
  where?: { column: string; equals: string };
  navigation?: Record<string, Navigation>;
}
