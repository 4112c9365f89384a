/**
 * The zod schema of a task definition: one Data Integrator task as data. Templates are values of this schema;
 * project files may add to them. Everything the engine does is described here, so docs/templates.md is
 * generated from the same objects the engine runs.
 */
import { z } from 'zod';
import { filterPaths, FilterSyntaxError, parseFilter } from './odata-filter';

export const systemSchema = z.enum(['sales', 'fno']);
export const directionSchema = z.enum(['sales-to-fno', 'fno-to-sales']);

/**
 * What a task does with rows deleted in the source: nothing (the product's behaviour), list them, or delete
 * (or deactivate) them in the target. Anything but `ignore` reads Dataverse change tracking.
 */
export const DELETE_POLICIES = ['ignore', 'report', 'propagate'] as const;
export type DeletePolicy = (typeof DELETE_POLICIES)[number];
export const deletePolicySchema = z.enum(DELETE_POLICIES);

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const mapSourceSchema = z.union([z.string(), z.number(), z.boolean()]);

export const valueMapEntrySchema = z.object({ from: mapSourceSchema, to: scalarSchema }).strict();
export type ValueMapEntry = z.infer<typeof valueMapEntrySchema>;

/** Case-insensitive, like Data Integrator's value maps; an empty `from` is the "Blank" entry. */
function duplicateCheck(list: ValueMapEntry[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  for (const { from } of list) {
    const key = String(from).trim().toLowerCase();
    if (seen.has(key)) ctx.addIssue({ code: 'custom', message: `duplicate source value "${String(from)}"` });
    seen.add(key);
  }
}

/** A value map as a list of {from, to} pairs or as a plain object; duplicates (ignoring case) are an error. */
export const valueMapEntriesSchema = z
  .union([
    z.array(valueMapEntrySchema),
    z
      .record(z.string(), scalarSchema)
      .transform((record) => Object.entries(record).map(([from, to]) => ({ from, to }))),
  ])
  .superRefine(duplicateCheck);

const pathSchema = z
  .string()
  .regex(/^[A-Za-z_@][\w@]*(\.[A-Za-z_][\w]*)*$/, 'expected a column name or nav.column path');
const decimalsSchema = z.number().int().min(0).max(6).default(2);
const errorCodeSchema = z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a kebab-case error code');

export const stepSchema = z.discriminatedUnion('type', [
  /** Used only when the value is empty (null, undefined or ''): "default-if-empty". */
  z.object({ type: z.literal('default'), value: scalarSchema }).strict(),
  /** Always this value, whatever the source says. */
  z.object({ type: z.literal('constant'), value: scalarSchema }).strict(),
  z
    .object({
      type: z.literal('valueMap'),
      /** Name of a shared map in NAMED_VALUE_MAPS (overridable per project and per run). */
      map: z.string().optional(),
      /** Use the named map from target back to source (a Sales→F&O task reusing an F&O→Sales map). */
      inverse: z.boolean().default(false),
      entries: valueMapEntriesSchema.optional(),
      /** error: row error; keep: pass the value through unchanged; fallback: use `fallback`. */
      onMissing: z.enum(['error', 'keep', 'fallback']).default('error'),
      fallback: scalarSchema.optional(),
      code: errorCodeSchema.default('unmapped-value'),
    })
    .strict(),
  z
    .object({
      type: z.literal('country'),
      output: z.enum(['iso2', 'iso3', 'name']),
      /** ISO alpha-2 code used when the source is blank; null = blank stays blank (or fails when required). */
      blank: z.string().length(2).nullable().default(null),
      /** Extra spellings → ISO alpha-2 code (a project's valueMaps.countries lands here). */
      aliases: z.array(valueMapEntrySchema).optional(),
    })
    .strict(),
  /** Part `index` of the value split at `separator`; `rest` joins that part and all after it. */
  z
    .object({
      type: z.literal('split'),
      separator: z.string().min(1),
      index: z.number().int().min(0),
      rest: z.boolean().default(false),
    })
    .strict(),
  z.object({ type: z.literal('round'), decimals: decimalsSchema }).strict(),
  /** The partition's legal entity (dataAreaId). */
  z.object({ type: z.literal('company') }).strict(),
  /** The partition's business unit name. */
  z.object({ type: z.literal('businessUnit') }).strict(),
  /** §7.2 Sales → F&O: line discount → per-unit discount, or the rounding charge that keeps the total. */
  z
    .object({
      type: z.literal('perUnitDiscount'),
      quantity: pathSchema,
      /** Unit price: lets the rounding charge make the F&O line total equal the Sales extended amount. */
      price: pathSchema.optional(),
      part: z.enum(['perUnit', 'roundingCharge']),
      decimals: decimalsSchema,
    })
    .strict(),
  /** §7.2 F&O → Sales: per-unit discount × quantity minus the rounding charge. */
  z
    .object({
      type: z.literal('lineDiscount'),
      quantity: pathSchema,
      charge: pathSchema,
      /** Unit price: undoes a rounding charge made with the price, so the Sales discount comes back unchanged. */
      price: pathSchema.optional(),
      decimals: decimalsSchema,
    })
    .strict(),
  /** §7.2 F&O → Sales from an F&O net line amount: the Sales discount or extended amount, rounding charge undone. */
  z
    .object({
      type: z.literal('salesLineAmount'),
      part: z.enum(['discount', 'extendedAmount']),
      quantity: pathSchema,
      price: pathSchema,
      charge: pathSchema,
      decimals: decimalsSchema,
    })
    .strict(),
]);
export type Step = z.infer<typeof stepSchema>;

export const lookupCandidateSchema = z
  .object({
    entitySet: z.string().min(1),
    keyField: z.string().min(1),
    /** Dataverse navigation property to bind (defaults to the entry's target), e.g. customerid_account. */
    navigation: z.string().optional(),
    /** F&O entity shared by all companies (units, currencies): looked up without a dataAreaId. */
    shared: z.boolean().default(false),
  })
  .strict();

/**
 * The value must name an existing record of the target system, found by business key. Candidates are tried in
 * order (account by accountnumber, else contact by msdynce_contactnumber).
 */
export const lookupSchema = z
  .object({
    candidates: z.array(lookupCandidateSchema).min(1),
    code: errorCodeSchema,
    /** What the user should do when nothing matches; ends the row error message. */
    hint: z.string().min(1),
    /** When nothing matches, leave the reference out with a warning instead of failing the row. */
    optional: z.boolean().default(false),
  })
  .strict();
export type Lookup = z.infer<typeof lookupSchema>;

export const fieldTypeSchema = z.enum(['string', 'number', 'integer', 'boolean', 'noYes', 'date', 'any']);
export type FieldType = z.infer<typeof fieldTypeSchema>;

export const fieldMapEntrySchema = z
  .object({
    /** Target column; for a Dataverse lookup the navigation property (e.g. `transactioncurrencyid`). */
    target: z.string().min(1),
    /** Source path (`nav.column` for expanded lookups); a list means "first non-empty". */
    source: z.union([pathSchema, z.array(pathSchema).min(1)]).optional(),
    /** Non-empty values of several source columns joined by `separator`. */
    concat: z
      .object({ sources: z.array(pathSchema).min(2), separator: z.string() })
      .strict()
      .optional(),
    type: fieldTypeSchema.default('string'),
    steps: z.array(stepSchema).default([]),
    lookup: lookupSchema.optional(),
    required: z.boolean().default(false),
    /** What an empty value writes: clear the target column (F&O text '' / Dataverse null) or leave it alone. */
    whenEmpty: z.enum(['clear', 'omit']).default('clear'),
    /** Error code when a required value is empty. */
    code: errorCodeSchema.default('missing-value'),
    /** Overrides FIELD_LIMITS for this column. */
    maxLength: z.number().int().positive().optional(),
    overflow: z.enum(['reject', 'truncate']).optional(),
    /**
     * Field named in row failures; defaults to the source column (the first path's first segment), so a user
     * sees the column to fix in the source system.
     */
    sourceField: z.string().optional(),
    /** Why the pair exists or where it comes from; shown in docs/templates.md. */
    note: z.string().optional(),
  })
  .strict()
  .refine((entry) => !(entry.source && entry.concat), { message: 'give either source or concat, not both' });
export type FieldMapEntry = z.infer<typeof fieldMapEntrySchema>;
export type FieldMapEntryInput = z.input<typeof fieldMapEntrySchema>;

/**
 * A condition every source row must meet beyond the filter (the value at `path` equals `equals`, or is not
 * empty); a row that fails it is a row error.
 */
export const checkSchema = z
  .object({
    path: pathSchema,
    equals: scalarSchema.optional(),
    notEmpty: z.literal(true).optional(),
    code: errorCodeSchema,
    message: z.string().min(1),
    /** Field named in the failure (defaults to the path's first segment). */
    field: z.string().optional(),
  })
  .strict()
  .refine((check) => (check.equals === undefined) !== (check.notEmpty === undefined), {
    message: 'a check needs exactly one of equals or notEmpty',
  });

export const expandSchema = z.object({ navigation: z.string().min(1), select: z.array(z.string()).min(1) }).strict();

export const preflightSchema = z
  .object({
    id: z.string().min(1),
    system: systemSchema,
    description: z.string().min(1),
    /** When set, the check passes if `entitySet` (filtered) has at least `minRows` rows. */
    entitySet: z.string().optional(),
    filter: z.string().optional(),
    minRows: z.number().int().min(1).default(1),
  })
  .strict();
export type Preflight = z.infer<typeof preflightSchema>;

const sourceSchema = z
  .object({
    system: systemSchema,
    entitySet: z.string().min(1),
    select: z.array(z.string().min(1)).optional(),
    expand: z.array(expandSchema).optional(),
    /** OData filter (Data Integrator's per-task query); also re-applied to every row by the engine. */
    filter: z.string().optional(),
    /** Restricts reads to the partition; `{dataAreaId}` and `{businessUnit}` are replaced. */
    partitionFilter: z.string().optional(),
    /** Business key of a source row; also its display key (`Q-1001/3`). */
    keyFields: z.array(pathSchema).min(1),
    /** Primary id column (Dataverse GUID): names a row in failures when its business key is empty. */
    idField: z.string().optional(),
    /** Watermark column for incremental reads (`modifiedon` on Dataverse). */
    modifiedField: z.string().optional(),
    orderBy: z.string().optional(),
  })
  .strict();

const targetSchema = z
  .object({ system: systemSchema, entitySet: z.string().min(1), keyFields: z.array(z.string().min(1)).min(1) })
  .strict();

export const taskDefinitionSchema = z
  .object({
    name: z.string().regex(/^[a-z][A-Za-z0-9]*$/, 'expected a camelCase task name'),
    title: z.string().min(1),
    direction: directionSchema,
    source: sourceSchema,
    target: targetSchema,
    fieldMap: z.array(fieldMapEntrySchema).min(1),
    checks: z.array(checkSchema).default([]),
    /** Tasks that must have run first (only those enabled in the project are waited for). */
    dependsOn: z.array(z.string()).default([]),
    /** Header tasks name their line task; the saga runs the line task per header. */
    children: z.string().optional(),
    parent: z.string().optional(),
    preflight: z.array(preflightSchema).default([]),
    /** Absent means `ignore`. */
    deletes: deletePolicySchema.optional(),
    /**
     * Products only: also emit a `productpricelevels` row that puts the product in a price list of its currency
     * (the price list mapped to `pricelevelid`, else the alphabetically first active one of that currency).
     */
    priceListEntry: z
      .object({ amount: pathSchema, pricingMethodCode: z.number().int().default(1) })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine(checkTaskConsistency);

export type TaskDefinition = z.infer<typeof taskDefinitionSchema>;
export type TaskDefinitionInput = z.input<typeof taskDefinitionSchema>;

/** Paths the engine will read from a source row for this task (field map, checks, keys). */
export function sourcePathsOf(
  task: Pick<TaskDefinition, 'fieldMap' | 'checks' | 'source' | 'priceListEntry'>,
): string[] {
  const paths = new Set<string>(task.source.keyFields);
  for (const entry of task.fieldMap) {
    const sources = entry.concat?.sources ?? (Array.isArray(entry.source) ? entry.source : [entry.source]);
    for (const path of sources) if (path) paths.add(path);
    for (const step of entry.steps) {
      if (step.type === 'perUnitDiscount') {
        paths.add(step.quantity);
        if (step.price) paths.add(step.price);
      }
      if (step.type === 'lineDiscount' || step.type === 'salesLineAmount') {
        paths.add(step.quantity);
        paths.add(step.charge);
        if (step.price) paths.add(step.price);
      }
    }
  }
  for (const check of task.checks) paths.add(check.path);
  if (task.priceListEntry) paths.add(task.priceListEntry.amount);
  return [...paths];
}

function checkTaskConsistency(task: TaskDefinition, ctx: z.RefinementCtx): void {
  const expectSource = task.direction === 'sales-to-fno' ? 'sales' : 'fno';
  if (task.source.system !== expectSource) {
    ctx.addIssue({
      code: 'custom',
      path: ['source', 'system'],
      message: `${task.direction} reads from ${expectSource}`,
    });
  }
  if (task.target.system === task.source.system) {
    ctx.addIssue({ code: 'custom', path: ['target', 'system'], message: 'target system must differ from source' });
  }

  const targets = new Set<string>();
  task.fieldMap.forEach((entry, index) => {
    if (targets.has(entry.target)) {
      ctx.addIssue({
        code: 'custom',
        path: ['fieldMap', index, 'target'],
        message: `duplicate target "${entry.target}"`,
      });
    }
    targets.add(entry.target);
    const producesValue =
      entry.source !== undefined ||
      entry.concat !== undefined ||
      entry.steps.some((s) => s.type !== 'valueMap' && s.type !== 'round' && s.type !== 'split');
    if (!producesValue) {
      ctx.addIssue({
        code: 'custom',
        path: ['fieldMap', index],
        message: `"${entry.target}" has no source, concat, default or constant`,
      });
    }
    entry.steps.forEach((step, stepIndex) => {
      if (step.type !== 'valueMap') return;
      if (!step.map && !step.entries) {
        ctx.addIssue({
          code: 'custom',
          path: ['fieldMap', index, 'steps', stepIndex],
          message: 'value map needs a named map or entries',
        });
      }
      if (step.onMissing === 'fallback' && step.fallback === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['fieldMap', index, 'steps', stepIndex, 'fallback'],
          message: 'onMissing "fallback" needs a fallback value',
        });
      }
    });
    if (entry.lookup && task.target.system === 'fno' && entry.lookup.candidates.some((c) => c.navigation)) {
      ctx.addIssue({
        code: 'custom',
        path: ['fieldMap', index, 'lookup'],
        message: 'navigation properties exist only on Dataverse targets',
      });
    }
  });

  task.target.keyFields.forEach((key, index) => {
    if (key === 'dataAreaId' && task.target.system === 'fno') return;
    const entry = task.fieldMap.find((e) => e.target === key);
    // On Dataverse a lookup becomes a navigation binding, not a column, so it cannot be part of the key.
    if (!entry || (entry.lookup && task.target.system === 'sales')) {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'keyFields', index],
        message: `key field "${key}" must be a plain column of the field map`,
      });
    }
  });
  if (task.target.system === 'fno' && !task.target.keyFields.includes('dataAreaId')) {
    ctx.addIssue({ code: 'custom', path: ['target', 'keyFields'], message: 'F&O keys include dataAreaId' });
  }

  const filterPathList: string[] = [];
  for (const [field, text] of [
    ['filter', task.source.filter],
    ['partitionFilter', task.source.partitionFilter],
  ] as const) {
    if (!text) continue;
    try {
      const probe = text.replace(/\{dataAreaId\}|\{businessUnit\}/g, 'x');
      filterPathList.push(...filterPaths(parseFilter(probe)).map((p) => p.replace(/\//g, '.')));
    } catch (error) {
      const reason = error instanceof FilterSyntaxError ? error.message : String(error);
      ctx.addIssue({ code: 'custom', path: ['source', field], message: reason });
    }
  }

  if (task.source.system === 'sales') checkSelected(task, filterPathList, ctx);
}

/** Dataverse returns only `$select`ed columns, so every path the engine reads must be selected or expanded. */
function checkSelected(task: TaskDefinition, filterPathList: string[], ctx: z.RefinementCtx): void {
  const select = new Set(task.source.select ?? []);
  const expand = new Map((task.source.expand ?? []).map((e) => [e.navigation, new Set(e.select)]));
  if (!task.source.select) {
    ctx.addIssue({ code: 'custom', path: ['source', 'select'], message: 'Dataverse sources must list $select' });
    return;
  }
  const paths = [...sourcePathsOf(task), ...filterPathList];
  if (task.source.modifiedField) paths.push(task.source.modifiedField);
  for (const path of paths) {
    const [head, tail] = path.split('.', 2);
    const ok = tail === undefined ? select.has(head) : expand.get(head)?.has(tail);
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['source', tail === undefined ? 'select' : 'expand'],
        message: `"${path}" is read by the task but not ${tail === undefined ? 'selected' : 'expanded'}`,
      });
    }
  }
}
