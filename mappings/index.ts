/**
 * The pure mapping API: task definitions (templates), the transform engine and its helpers. Safe to import
 * from workflow code (no Node built-ins); the project-file loader is in ./project-file.
 */
export {
  taskDefinitionSchema,
  fieldMapEntrySchema,
  DELETE_POLICIES,
  type DeletePolicy,
  valueMapEntriesSchema,
  type TaskDefinition,
  type TaskDefinitionInput,
  type FieldMapEntry,
  type ValueMapEntry,
  type Step,
  type Lookup,
  type Preflight,
} from './schema';
export { templates, RUN_ORDER, PREREQUISITES, type TemplateName, type Prerequisite } from './templates';
export {
  transform,
  requiredLookups,
  sourceQuery,
  partitionFilterOf,
  baseSourceKey,
  PRICE_LIST_KEY_SUFFIX,
  MISSING_BUSINESS_KEY,
  type Partition,
  type TransformContext,
  type TransformResult,
  type ValueMapOverrides,
} from './engine';
export { sourceKeyOf, keyIdentity, FNO_EMPTY_DATE } from './source-key';
export {
  createLookupIndex,
  relatedLookupKey,
  type LookupIndex,
  type LookupEntry,
  type LookupEntriesRecord,
  type LookupRequest,
} from './lookup-index';
export { rowHash, canonicalJson } from './hash';
export { perUnitDiscount, lineDiscountFromPerUnit, type PerUnitDiscount } from './discount';
export { roundAmount, addAmounts, subtractAmounts, multiplyAmounts, divideAmount } from './money';
export { NAMED_VALUE_MAPS, PROCESSING_STATUS, TEMPLATE_DEFAULTS } from './value-maps';
export { FIELD_LIMITS, fieldLimit, type FieldLimit } from './field-limits';
export { parseFilter, matchesFilter, andFilters, odataString, FilterSyntaxError } from './odata-filter';
export {
  projectSchema,
  parseProject,
  resolveTasks,
  enabledTasks,
  projectJsonSchema,
  ProjectConfigError,
  ENGINE_DEFAULTS,
  type Project,
  type ProjectInput,
} from './project';
