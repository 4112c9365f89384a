/**
 * A user's project: connections, partitions (legal entity ↔ business unit), which tasks run, and changes to the
 * templates (filters, extra fields, value maps). Pure: the file loader lives in project-file.ts.
 */
import { z } from 'zod';
import { mappingProblem } from './engine';
import { createLookupIndex } from './lookup-index';
import { filterPaths, FilterSyntaxError, parseFilter } from './odata-filter';
import { EntityCatalog, unknownFieldsMessage, unmappedSourceValues, type System } from './project-fields';
import { withDerivedQuery } from './query';
import {
  fieldMapEntrySchema,
  deletePolicySchema,
  fieldTypeSchema,
  lookupSchema,
  sourcePathsOf,
  taskDefinitionSchema,
  valueMapEntriesSchema,
  type FieldMapEntry,
  type FieldMapEntryInput,
  type FieldType,
  type Step,
  type TaskDefinition,
  type TaskDefinitionInput,
  type ValueMapEntry,
} from './schema';
import { projectSchedulesSchema } from './project-schedules';
import { RUN_ORDER, templates, type TemplateName } from './templates';
import { countryByIso2 } from './countries';
import { isEmpty } from './source-key';
import { invertValueMapEntries, mergeValueMapEntries, NAMED_VALUE_MAPS } from './value-maps';

/** Engine settings and their defaults (page of at most 200 rows and 128 KB, two pages in flight). */
export const ENGINE_DEFAULTS = { pageSize: 200, pipelineDepth: 2, maxPageBytes: 128 * 1024 } as const;
/** Dataverse's largest page; Temporal warns at 256 KB payloads, so pages stay well below that. */
const ENGINE_LIMITS = { pageSize: 5000, pipelineDepth: 8, maxPageBytes: 192 * 1024 } as const;

const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable (the secret itself stays there)');

/** https, or plain http for the local emulators only. */
const serviceUrl = z
  .url({ protocol: /^https?$/ })
  .refine((url) => url.startsWith('https://') || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(url), {
    message: 'must be https (plain http only for localhost)',
  });

const connectionSchema = z
  .object({
    url: serviceUrl,
    /** Entra authority including the tenant, e.g. https://login.microsoftonline.com/<tenant id>. */
    authority: serviceUrl,
    clientId: z.string().min(1),
    clientSecretEnv: envVarName,
    /** Defaults to `<url origin>/.default`. */
    scope: z.string().min(1).optional(),
    /** PEM file of an extra CA to trust (private CAs, local emulators). */
    caCertFile: z.string().min(1).optional(),
    clientSecret: z
      .never({
        error: 'secrets never go in the project file: set an environment variable and name it in clientSecretEnv',
      })
      .optional(),
  })
  .strict();

export const partitionSchema = z
  .object({
    dataAreaId: z
      .string()
      .regex(/^[A-Za-z0-9]{1,4}$/, 'expected an F&O company id of 1-4 letters/digits, e.g. usmf')
      .transform((id) => id.toLowerCase()),
    businessUnit: z.string().min(1),
  })
  .strict();

const scalarSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const pathList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/** A change to one field of a template, or an extra field when `target` is not in the template. */
export const fieldOverrideSchema = z
  .object({
    target: z.string().min(1),
    source: pathList.optional(),
    concat: z
      .object({ sources: z.array(z.string()).min(2), separator: z.string() })
      .strict()
      .optional(),
    type: fieldTypeSchema.optional(),
    /** Value used when the source is empty (replaces the template default); on a country field, the ISO code. */
    default: scalarSchema.optional(),
    /** Value written regardless of the source. */
    constant: scalarSchema.optional(),
    /** Entries added to (or replacing in) the field's value map; on a country field, spellings → ISO code. */
    valueMap: valueMapEntriesSchema.optional(),
    onMissing: z.enum(['error', 'keep', 'fallback']).optional(),
    fallback: scalarSchema.optional(),
    lookup: lookupSchema.optional(),
    required: z.boolean().optional(),
    whenEmpty: z.enum(['clear', 'omit']).optional(),
    maxLength: z.number().int().positive().optional(),
    overflow: z.enum(['reject', 'truncate']).optional(),
    /** Drop the template's field. */
    remove: z.literal(true).optional(),
  })
  .strict();
export type FieldOverride = z.infer<typeof fieldOverrideSchema>;

export const taskOverrideSchema = z
  .object({
    /** Replaces the template's source filter; null removes it. */
    filter: z.string().nullable().optional(),
    partitionFilter: z.string().nullable().optional(),
    fieldMap: z.array(fieldOverrideSchema).default([]),
    /** Rows deleted in the source: `ignore` (default), `report`, or `propagate` to the target. */
    deletes: deletePolicySchema.optional(),
  })
  .strict();

export const projectSchema = z
  .object({
    $schema: z.string().optional(),
    /** Used in workflow ids and search attributes. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lowercase letters, digits and dashes'),
    connection: z.object({ dataverse: connectionSchema, fno: connectionSchema }).strict(),
    partitions: z.array(partitionSchema).min(1),
    /** Tasks to run (default: all), always executed in RUN_ORDER. */
    run: z.array(z.string()).min(1, 'list at least one task, or leave out run to run every task').optional(),
    tasks: z.record(z.string(), taskOverrideSchema).default({}),
    /**
     * Columns the environments add to an entity (custom Dataverse columns, F&O extension fields), by system and
     * entity set; other columns a project names must be in the entities' metadata.
     */
    customFields: z
      .object({
        sales: z.record(z.string(), z.array(z.string().min(1)).min(1)).optional(),
        fno: z.record(z.string(), z.array(z.string().min(1)).min(1)).optional(),
      })
      .strict()
      .optional(),
    /** Named value maps (salesUnits, priceListsByCurrency, countries, …): entries added to the templates'. */
    valueMaps: z.record(z.string(), valueMapEntriesSchema).default({}),
    /**
     * Who hears about a run that needs attention, as Data Integrator's project notifications: recipients and a
     * webhook here, added to the worker's. The SMTP server and its credentials stay worker settings.
     */
    alerts: z
      .object({
        emailTo: z.array(z.email('expected an e-mail address')).min(1, 'expected at least one address').optional(),
        webhookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
      })
      .strict()
      .optional(),
    /**
     * Data Integrator kept a project's recurrence with the project; here each is a Temporal Schedule, by name
     * (`default` for the project's own), made to match the file by `p2c schedule apply`.
     */
    schedules: projectSchedulesSchema.optional(),
    schedule: z
      .never({
        error:
          'use `schedules:`, by name: `schedules: { default: { every: 15m } }`, applied with `p2c schedule apply`; or make one with `p2c schedule set --every 15m`',
      })
      .optional(),
    engine: z
      .object({
        pageSize: z.number().int().min(1).max(ENGINE_LIMITS.pageSize).default(ENGINE_DEFAULTS.pageSize),
        pipelineDepth: z.number().int().min(1).max(ENGINE_LIMITS.pipelineDepth).default(ENGINE_DEFAULTS.pipelineDepth),
        maxPageBytes: z.number().int().min(1024).max(ENGINE_LIMITS.maxPageBytes).default(ENGINE_DEFAULTS.maxPageBytes),
      })
      .strict()
      .default(ENGINE_DEFAULTS),
  })
  .strict()
  .superRefine(checkProject);

export type Project = z.infer<typeof projectSchema>;
export type ProjectInput = z.input<typeof projectSchema>;

const TEMPLATE_NAMES: readonly string[] = RUN_ORDER;
const isTemplateName = (name: string): name is TemplateName => TEMPLATE_NAMES.includes(name);

function checkProject(project: Project, ctx: z.RefinementCtx): void {
  const seenCompanies = new Set<string>();
  const seenUnits = new Set<string>();
  project.partitions.forEach((partition, index) => {
    if (seenCompanies.has(partition.dataAreaId)) {
      ctx.addIssue({ code: 'custom', path: ['partitions', index, 'dataAreaId'], message: 'company already mapped' });
    }
    if (seenUnits.has(partition.businessUnit.toLowerCase())) {
      ctx.addIssue({
        code: 'custom',
        path: ['partitions', index, 'businessUnit'],
        message: 'business unit already mapped',
      });
    }
    seenCompanies.add(partition.dataAreaId);
    seenUnits.add(partition.businessUnit.toLowerCase());
  });

  const unknownTask = (name: string) => `unknown task "${name}"; tasks are ${RUN_ORDER.join(', ')}`;
  const run = project.run ?? [];
  run.forEach((name, index) => {
    const first = run.indexOf(name);
    if (!isTemplateName(name)) ctx.addIssue({ code: 'custom', path: ['run', index], message: unknownTask(name) });
    else if (first < index) {
      const message = `"${name}" is already listed at ${formatIssuePath(['run', first])}`;
      ctx.addIssue({ code: 'custom', path: ['run', index], message });
    }
  });
  const enabled = enabledTasks(project);
  for (const name of enabled) {
    const template = templates[name];
    for (const [relative, role] of [
      [template.parent, 'its header task'],
      [template.children, 'its line task'],
    ] as const) {
      if (relative && !enabled.includes(relative as TemplateName)) {
        ctx.addIssue({
          code: 'custom',
          path: ['run'],
          message: `"${name}" runs only together with ${role} "${relative}"`,
        });
      }
    }
  }

  for (const [name, schedule] of Object.entries(project.schedules ?? {})) {
    schedule.tasks?.forEach((task, index) => {
      const path = ['schedules', name, 'tasks', index];
      if (!isTemplateName(task)) ctx.addIssue({ code: 'custom', path, message: unknownTask(task) });
      else if (!enabled.includes(task)) {
        const message = `"${task}" is not a task the project runs; add it to run, or leave it out here`;
        ctx.addIssue({ code: 'custom', path, message });
      }
    });
  }

  const catalog = new EntityCatalog(project.customFields);
  const flawed = new Set<string>();
  for (const [name, override] of Object.entries(project.tasks)) {
    if (!isTemplateName(name)) {
      ctx.addIssue({ code: 'custom', path: ['tasks', name], message: unknownTask(name) });
      continue;
    }
    if (!checkTaskOverride(name, override, project, ctx, catalog)) flawed.add(name);
  }

  for (const [name, entries] of Object.entries(project.valueMaps)) {
    if (!(name in NAMED_VALUE_MAPS)) {
      const known = Object.keys(NAMED_VALUE_MAPS).join(', ');
      ctx.addIssue({ code: 'custom', path: ['valueMaps', name], message: `unknown value map; known maps: ${known}` });
    }
    if (name === 'countries') {
      entries.forEach((entry, index) => {
        const problem = countryCodeProblem(entry.to);
        if (problem) ctx.addIssue({ code: 'custom', path: ['valueMaps', name, index, 'to'], message: problem });
      });
    }
  }

  // Tasks whose changes were already reported are not re-checked as a whole: one problem, one line.
  for (const name of enabled.filter((task) => !flawed.has(task))) {
    const input = resolveTaskInput(project, name);
    const deletesProblem = deletePolicyProblem(input);
    if (deletesProblem) ctx.addIssue({ code: 'custom', path: ['tasks', name, 'deletes'], message: deletesProblem });
    const result = taskDefinitionSchema.safeParse(input);
    if (result.success) continue;
    const overrides = project.tasks[name]?.fieldMap ?? [];
    for (const issue of result.error.issues) {
      ctx.addIssue({ code: 'custom', path: taskIssuePath(name, input, overrides, issue.path), message: issue.message });
    }
  }
}

/** The check every ISO country code of a project gets (value maps, a country field's default and fallback). */
function countryCodeProblem(code: unknown): string | undefined {
  if (typeof code === 'string' && countryByIso2(code)) return undefined;
  return `"${String(code)}" is not a known ISO alpha-2 country code`;
}

/** Deletions arrive only through Dataverse change tracking, which names a deleted row by its GUID alone. */
function deletePolicyProblem(task: TaskDefinitionInput): string | undefined {
  if (!task.deletes || task.deletes === 'ignore') return undefined;
  if (task.source.system !== 'sales') {
    return `"${task.deletes}" needs Dataverse change tracking; F&O sources report no deletions, use "ignore"`;
  }
  if (!task.source.idField) return `"${task.deletes}" needs the source's idField (the GUID deletions carry)`;
  return undefined;
}

/** Points an issue of a resolved task at the project's own field entry when that entry caused it. */
function taskIssuePath(
  name: string,
  input: TaskDefinitionInput,
  overrides: FieldOverride[],
  path: ReadonlyArray<PropertyKey>,
): string[] {
  const [head, index, ...rest] = path.map(String);
  if (head === 'fieldMap' && index !== undefined) {
    const target = input.fieldMap[Number(index)]?.target;
    const own = overrides.findIndex((field) => field.target === target);
    if (own >= 0) return ['tasks', name, 'fieldMap', String(own), ...rest];
  }
  return ['tasks', name, ...path.map(String)];
}

/** Checks a task's changes; false when a problem was reported. */
function checkTaskOverride(
  name: TemplateName,
  override: Project['tasks'][string],
  project: Project,
  ctx: z.RefinementCtx,
  catalog: EntityCatalog,
): boolean {
  let clean = true;
  const report = (path: PropertyKey[], message: string): void => {
    clean = false;
    ctx.addIssue({ code: 'custom', path: path.map(String), message });
  };
  const template = templates[name];
  const { source, target } = template;
  for (const field of ['filter', 'partitionFilter'] as const) {
    const text = override[field];
    if (!text) continue;
    try {
      const paths = filterPaths(parseFilter(text.replace(/\{dataAreaId\}|\{businessUnit\}/g, 'x')));
      for (const filterPath of new Set(paths)) {
        const problem = catalog.sourcePathProblem(source.system, source.entitySet, filterPath);
        if (problem) report(['tasks', name, field], problem);
      }
    } catch (error) {
      const message = error instanceof FilterSyntaxError ? error.message : String(error);
      report(['tasks', name, field], message);
    }
  }
  override.fieldMap.forEach((field, index) => {
    const path = ['tasks', name, 'fieldMap', index];
    // A second entry would be applied over the first, leaving a mix of the two.
    const first = override.fieldMap.findIndex((other) => other.target === field.target);
    if (first < index) {
      report([...path, 'target'], `"${field.target}" is already mapped at ${formatIssuePath(['fieldMap', first])}`);
      return;
    }
    const existing = template.fieldMap.find((entry) => entry.target === field.target);
    const producesValue =
      field.source !== undefined ||
      field.concat !== undefined ||
      field.default !== undefined ||
      field.constant !== undefined;
    if (!existing && field.remove) {
      report([...path, 'remove'], `"${field.target}" is not in the template`);
    } else if (!existing && !producesValue) {
      report(path, `"${field.target}" is a new field and needs a source, concat, default or constant`);
    }
    if (field.remove && template.target.keyFields.includes(field.target)) {
      report([...path, 'remove'], `"${field.target}" is part of the target key`);
    }
    if (field.onMissing === 'fallback' && field.fallback === undefined) {
      report([...path, 'fallback'], 'onMissing "fallback" needs a fallback value');
      return;
    }
    if (field.remove) return;
    const entry = applyFieldOverride(existing ?? newField(catalog, target, field.target), field);
    if (entry.steps?.some((step) => step.type === 'country')) {
      // On a country field the default, and a value map's fallback, stand for an ISO code (null: blank).
      const wrong = (['default', 'fallback'] as const).filter(
        (key) => field[key] !== undefined && field[key] !== null && countryCodeProblem(field[key]),
      );
      for (const key of wrong) report([...path, key], countryCodeProblem(field[key])!);
      if (wrong.length > 0) return;
    }
    const check = fieldMapEntrySchema.safeParse(entry);
    if (!check.success) {
      for (const issue of check.error.issues) {
        report([...path, ...issue.path.map(String)], issue.message);
      }
      return;
    }
    let valuesFit = true;
    for (const key of ['default', 'constant', 'fallback'] as const) {
      const problem = valueProblem(name, check.data, key, field[key], project);
      if (problem) report([...path, key], problem);
      if (problem) valuesFit = false;
    }
    if (!valuesFit) return;
    for (const [key, problem] of columnProblems(catalog, name, check.data, field, project))
      report([...path, ...key], problem);
  });
  return clean;
}

/** A project's new field, typed as its target column is (a NoYes enum gets `Yes`/`No`, a decimal a number). */
function newField(catalog: EntityCatalog, target: TaskDefinition['target'], column: string): FieldMapEntryInput {
  const type = fieldTypeOfColumn(catalog.columnType(target.system, target.entitySet, column));
  return type ? { target: column, type } : { target: column };
}

function fieldTypeOfColumn(columnType: string | undefined): FieldType | undefined {
  if (!columnType) return undefined;
  if (columnType === 'enum:NoYes') return 'noYes';
  if (columnType.startsWith('choice:')) return 'integer';
  const types: Record<string, FieldType> = {
    decimal: 'number',
    integer: 'integer',
    boolean: 'boolean',
    datetime: 'date',
    date: 'date',
  };
  return types[columnType];
}

/** Kinds of column type, for the type-mismatch check (DIPV1030): the kind of the field type the column takes. */
function typeKind(columnType: string | undefined): 'text' | 'number' | 'boolean' | 'date' | undefined {
  const fieldType = fieldTypeOfColumn(columnType);
  if (fieldType) return FIELD_TYPE_KIND[fieldType];
  return columnType === 'string' || columnType?.startsWith('enum:') ? 'text' : undefined;
}
const FIELD_TYPE_KIND: Partial<Record<FieldType, 'number' | 'boolean' | 'date'>> = {
  number: 'number',
  integer: 'number',
  boolean: 'boolean',
  noYes: 'boolean',
  date: 'date',
};

/**
 * Problems with the columns a project's field entry names, as `[path below the entry, reason]`: source columns,
 * target column, lookup entity and key, values an enum or choice target does not have, option values of the
 * source that its value map leaves without an entry, and a source whose type cannot become the target's.
 */
function columnProblems(
  catalog: EntityCatalog,
  name: TemplateName,
  entry: FieldMapEntry,
  field: FieldOverride,
  project: Project,
): Array<[string[], string]> {
  const { source, target } = templates[name];
  const problems: Array<[string[], string]> = [];
  const sourcePaths = (['source', 'concat'] as const).flatMap((key) => {
    if (field[key] === undefined) return [];
    const paths = key === 'concat' ? entry.concat!.sources : ([] as string[]).concat(entry.source ?? []);
    return paths.map((sourcePath) => [key, sourcePath] as const);
  });
  for (const [key, sourcePath] of sourcePaths) {
    const problem = catalog.sourcePathProblem(source.system, source.entitySet, sourcePath);
    if (problem) problems.push([[key], problem]);
  }
  if (problems.length > 0) return problems;

  const targetProblem = catalog.targetProblem(target.system, target.entitySet, entry);
  if (targetProblem) return [[['target'], targetProblem]];
  field.lookup?.candidates.forEach((candidate, index) => {
    const problem = catalog.lookupProblem(target.system as System, candidate);
    if (problem) problems.push([['lookup', 'candidates', String(index)], problem]);
  });
  if (entry.lookup) return problems;

  // Values that reach the target as they are: a value map's targets and fallback, when nothing maps them further.
  const valueMapAt = entry.steps.findIndex((step) => step.type === 'valueMap');
  const mappedFurther = (from: number) =>
    entry.steps.slice(from + 1).some((s) => s.type === 'valueMap' || s.type === 'country');
  const written: Array<[string[], unknown]> = [];
  if (field.constant !== undefined) written.push([['constant'], field.constant]);
  const defaultAt = entry.steps.findIndex((step) => step.type === 'default');
  if (field.default !== undefined && defaultAt >= 0 && !mappedFurther(defaultAt))
    written.push([['default'], field.default]);
  if (valueMapAt >= 0 && !mappedFurther(valueMapAt)) {
    if (field.fallback !== undefined) written.push([['fallback'], field.fallback]);
    (field.valueMap ?? []).forEach((pair, index) => written.push([['valueMap', String(index), 'to'], pair.to]));
  }
  for (const [key, value] of written) {
    const problem = catalog.valueProblem(target.system, target.entitySet, entry.target, value);
    if (problem) problems.push([key, problem]);
  }

  const single = typeof entry.source === 'string' ? entry.source : undefined;
  const step = entry.steps[valueMapAt];
  if (single && step?.type === 'valueMap' && (field.valueMap !== undefined || field.onMissing !== undefined)) {
    const values = catalog.sourceValues(source.system, source.entitySet, single);
    const projectEntries = step.map ? project.valueMaps[step.map] : undefined;
    const missing = values ? unmappedSourceValues(values, step, projectEntries) : [];
    if (missing.length > 0) {
      problems.push([
        ['valueMap'],
        `no entry for ${missing.join(', ')} of ${single}, so rows holding them would fail; add entries, or set onMissing to keep or fallback`,
      ]);
    }
  }

  const targetKind =
    FIELD_TYPE_KIND[entry.type] ?? typeKind(catalog.columnType(target.system, target.entitySet, entry.target));
  if (
    single &&
    field.source !== undefined &&
    valueMapAt < 0 &&
    field.constant === undefined &&
    targetKind &&
    targetKind !== 'text'
  ) {
    const sourceType = catalog.sourcePathType(source.system, source.entitySet, single);
    const sourceKind = typeKind(sourceType);
    if (sourceKind && sourceKind !== targetKind && !(sourceKind === 'number' && targetKind === 'boolean')) {
      problems.push([
        ['source'],
        `type mismatch: ${single} is ${sourceKind} (${sourceType}), ${entry.target} takes ${targetKind}; pick a ${targetKind} column or map the values with a valueMap`,
      ]);
    }
  }
  return problems;
}

/** The step at which a project's value enters a field: it then goes through the steps after it. */
const ENTERS_AT = { default: 'default', constant: 'constant', fallback: 'valueMap' } as const;
const NO_LOOKUPS = createLookupIndex([]);

/**
 * Why the engine would fail every row that gets this default, constant or fallback, if it would. The value is run
 * through the engine itself (the field's remaining steps, its type and length), on a one-field copy of the task.
 * Values that reach a country step are checked as ISO codes instead; values whose steps read other columns
 * (discount arithmetic) depend on the row and are left to the run.
 */
function valueProblem(
  name: TemplateName,
  entry: FieldMapEntry,
  key: keyof typeof ENTERS_AT,
  value: FieldOverride[keyof typeof ENTERS_AT],
  project: Project,
): string | undefined {
  const at = entry.steps.findIndex((step) => step.type === ENTERS_AT[key]);
  if (value === undefined || isEmpty(value) || at < 0) return undefined;
  const steps: Step[] = [{ type: 'constant', value }, ...entry.steps.slice(at + 1)];
  if (steps.some((step) => step.type === 'country')) return undefined;
  const template = templates[name];
  const probe: TaskDefinition = {
    ...template,
    title: name,
    source: { ...template.source, keyFields: [], filter: undefined, partitionFilter: undefined },
    checks: [],
    priceListEntry: undefined,
    fieldMap: [{ ...entry, source: undefined, concat: undefined, lookup: undefined, sourceField: key, steps }],
  };
  if (sourcePathsOf(probe).length > 0) return undefined;
  const context = { partition: project.partitions[0], valueMaps: project.valueMaps, lookups: NO_LOOKUPS };
  return mappingProblem(probe, {}, context);
}

/** The enabled tasks of a project, in run order. */
export function enabledTasks(project: Pick<Project, 'run'>): TemplateName[] {
  if (!project.run) return [...RUN_ORDER];
  const wanted = new Set(project.run);
  return RUN_ORDER.filter((name) => wanted.has(name));
}

/** A template field with a project's change applied. */
export function applyFieldOverride(entry: FieldMapEntryInput, change: FieldOverride): FieldMapEntryInput {
  const next: FieldMapEntryInput = { ...entry, steps: [...(entry.steps ?? [])] };
  if (change.source !== undefined) {
    next.source = change.source;
    delete next.concat;
  }
  if (change.concat !== undefined) {
    next.concat = change.concat;
    delete next.source;
  }
  for (const key of ['type', 'lookup', 'required', 'whenEmpty', 'maxLength', 'overflow'] as const) {
    if (change[key] !== undefined) (next as Record<string, unknown>)[key] = change[key];
  }
  let steps = next.steps as Step[];
  const countryIndex = steps.findIndex((step) => step.type === 'country');
  if (change.default !== undefined && countryIndex >= 0) {
    // On a country field the default is the ISO code used for a blank country (null: blank stays blank).
    const blank = change.default === null ? null : String(change.default);
    steps = steps.map((step) => (step.type === 'country' ? { ...step, blank } : step));
  } else if (change.default !== undefined) {
    const index = steps.findIndex((step) => step.type === 'default');
    const step: Step = { type: 'default', value: change.default };
    steps = index >= 0 ? steps.map((s, i) => (i === index ? step : s)) : [step, ...steps];
  }
  if (change.valueMap !== undefined || change.onMissing !== undefined) {
    steps = withValueMapChange(steps, change);
  }
  if (change.constant !== undefined) steps = [{ type: 'constant', value: change.constant }];
  next.steps = steps;
  return next;
}

function withValueMapChange(steps: Step[], change: FieldOverride): Step[] {
  const index = steps.findIndex((step) => step.type === 'valueMap');
  const countryIndex = steps.findIndex((step) => step.type === 'country');
  if (index < 0) {
    const step: Step = {
      type: 'valueMap',
      inverse: false,
      entries: mergeValueMapEntries(change.valueMap),
      // Before a country lookup a value map only translates spellings; others pass through.
      onMissing: change.onMissing ?? (countryIndex >= 0 ? 'keep' : 'error'),
      fallback: change.fallback,
      code: 'unmapped-value',
    };
    const at = countryIndex >= 0 ? countryIndex : steps.length;
    return [...steps.slice(0, at), step, ...steps.slice(at)];
  }
  return steps.map((step, i) => {
    if (i !== index || step.type !== 'valueMap') return step;
    return {
      ...step,
      entries: mergeValueMapEntries(step.entries, change.valueMap),
      onMissing: change.onMissing ?? step.onMissing,
      fallback: change.fallback ?? step.fallback,
    };
  });
}

/** Puts the project's named value maps into the steps that use them, so the task carries its own data. */
function withProjectValueMaps(steps: Step[], valueMaps: Record<string, ValueMapEntry[]>): Step[] {
  return steps.map((step) => {
    if (step.type === 'country' && valueMaps.countries) {
      return { ...step, aliases: mergeValueMapEntries(valueMaps.countries, step.aliases) };
    }
    if (step.type !== 'valueMap' || !step.map || !valueMaps[step.map]) return step;
    const projectEntries = step.inverse
      ? invertValueMapEntries(mergeValueMapEntries(NAMED_VALUE_MAPS[step.map], valueMaps[step.map]))
      : valueMaps[step.map];
    return { ...step, entries: mergeValueMapEntries(projectEntries, step.entries) };
  });
}

function resolveTaskInput(project: Project, name: TemplateName): TaskDefinitionInput {
  const template = templates[name];
  const override = project.tasks[name];
  const catalog = new EntityCatalog(project.customFields);
  let fieldMap: FieldMapEntryInput[] = template.fieldMap.map((entry) => ({ ...entry }));
  for (const change of override?.fieldMap ?? []) {
    const index = fieldMap.findIndex((entry) => entry.target === change.target);
    if (change.remove) fieldMap = fieldMap.filter((_, i) => i !== index);
    else if (index >= 0) fieldMap[index] = applyFieldOverride(fieldMap[index], change);
    else fieldMap.push(applyFieldOverride(newField(catalog, template.target, change.target), change));
  }
  fieldMap = fieldMap.map((entry) => ({
    ...entry,
    steps: withProjectValueMaps((entry.steps ?? []) as Step[], project.valueMaps),
  }));
  const source = { ...template.source };
  for (const key of ['filter', 'partitionFilter'] as const) {
    const value = override?.[key];
    if (value === null) delete source[key];
    else if (value !== undefined) source[key] = value;
  }
  const deletes = override?.deletes;
  return withDerivedQuery({ ...template, source, fieldMap, ...(deletes && deletes !== 'ignore' ? { deletes } : {}) });
}

export class ProjectConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid project configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'ProjectConfigError';
  }
}

/** `['tasks', 'accounts', 'fieldMap', 3, 'valueMap']` → `tasks.accounts.fieldMap[3].valueMap`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number' || /^\d+$/.test(String(part))) out += `[${String(part)}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

interface SchemaDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
}

const definitionOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;

/** The schema inside optional, default, nullable and pipe wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
  const def = definitionOf(schema);
  const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  return inner ? unwrapped(inner) : schema;
}

/** The fields the project schema allows in the object at `path`; undefined where that is not a plain object. */
export function fieldsAt(path: ReadonlyArray<PropertyKey>, schema: z.ZodType = projectSchema): string[] | undefined {
  let current: z.ZodType | undefined = schema;
  for (const part of path) {
    const def = definitionOf(unwrapped(current));
    if (def.type === 'object') current = def.shape?.[String(part)];
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'array') current = def.element;
    else return undefined;
    if (!current) return undefined;
  }
  const def = definitionOf(unwrapped(current));
  if (def.type !== 'object' || !def.shape) return undefined;
  // A key kept only to be refused with its own message (the old `schedule:`) is not one to suggest.
  return Object.entries(def.shape)
    .filter(([, field]) => definitionOf(unwrapped(field)).type !== 'never')
    .map(([name]) => name);
}

/**
 * zod's "Unrecognized key" names neither what was meant nor what is allowed: an unknown field is said as such, with
 * the nearest known field and the list of fields that object takes. Messages the schema words itself stay.
 */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys' || !issue.message.startsWith('Unrecognized key')) return issue.message;
  const known = fieldsAt(issue.path);
  if (!known) return issue.message;
  return unknownFieldsMessage(issue.keys, known, `the fields here are ${known.join(', ')}`);
}

/** Validates a parsed project object; throws ProjectConfigError listing `path: reason` lines. */
export function parseProject(input: unknown): Project {
  const result = projectSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issueMessage(issue)}`);
  throw new ProjectConfigError([...new Set(problems)]);
}

/** The project's tasks in run order: templates with the project's filters, fields and value maps applied. */
export function resolveTasks(project: Project): TaskDefinition[] {
  return enabledTasks(project).map((name) => {
    const task = taskDefinitionSchema.parse(resolveTaskInput(project, name));
    const enabled = enabledTasks(project) as string[];
    return { ...task, dependsOn: task.dependsOn.filter((dependency) => enabled.includes(dependency)) };
  });
}

/** JSON Schema of the project file, for editors (yaml-language-server, VS Code). */
export function projectJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(projectSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
