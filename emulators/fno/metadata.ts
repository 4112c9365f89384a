/**
 * `$metadata` (CSDL XML) generated from the data dictionary, so clients that read keys, types, enum members and
 * navigation properties from metadata see the same model the engine enforces.
 */
import { ENTITIES, ENTITY_NAMESPACE, ENUMS } from './entities';
import type { FnoEngine } from './engine';
import type { FieldType } from './model';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

function edmType(type: FieldType): string {
  switch (type.kind) {
    case 'string':
      return 'Edm.String';
    case 'int':
      return 'Edm.Int32';
    case 'decimal':
      return 'Edm.Decimal';
    case 'datetime':
      return 'Edm.DateTimeOffset';
    case 'enum':
      return `${ENTITY_NAMESPACE}.${type.enumType}`;
  }
}

export function metadataDocument(engine: FnoEngine): string {
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    '<edmx:DataServices>',
    `<Schema Namespace="${ENTITY_NAMESPACE}" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
  ];
  for (const def of ENTITIES) {
    const entity = engine.entity(def.set);
    lines.push(`<EntityType Name="${def.typeName}">`, '<Key>');
    for (const key of def.key) lines.push(`<PropertyRef Name="${key}"/>`);
    lines.push('</Key>');
    for (const [field, type] of entity.fieldTypes) {
      const nullable = def.key.includes(field) || type.kind !== 'string' ? 'false' : 'true';
      const length = type.kind === 'string' && type.maxLength !== undefined ? ` MaxLength="${type.maxLength}"` : '';
      const scale = type.kind === 'decimal' ? ' Precision="32" Scale="Variable"' : '';
      lines.push(`<Property Name="${field}" Type="${edmType(type)}" Nullable="${nullable}"${length}${scale}/>`);
    }
    for (const [name, navigation] of Object.entries(def.navigation ?? {})) {
      const targetType = ENTITIES.find((e) => e.set === navigation.target)!.typeName;
      const type = navigation.many
        ? `Collection(${ENTITY_NAMESPACE}.${targetType})`
        : `${ENTITY_NAMESPACE}.${targetType}`;
      lines.push(`<NavigationProperty Name="${name}" Type="${type}"/>`);
    }
    lines.push('</EntityType>');
  }
  for (const [name, members] of Object.entries(ENUMS)) {
    lines.push(`<EnumType Name="${name}">`);
    members.forEach((member, value) => lines.push(`<Member Name="${escapeXml(member)}" Value="${value}"/>`));
    lines.push('</EnumType>');
  }
  lines.push('<EntityContainer Name="Resources">');
  for (const def of ENTITIES) {
    lines.push(`<EntitySet Name="${def.set}" EntityType="${ENTITY_NAMESPACE}.${def.typeName}">`);
    for (const [name, navigation] of Object.entries(def.navigation ?? {})) {
      lines.push(`<NavigationPropertyBinding Path="${name}" Target="${navigation.target}"/>`);
    }
    lines.push('</EntitySet>');
  }
  lines.push('</EntityContainer>', '</Schema>', '</edmx:DataServices>', '</edmx:Edmx>');
  return lines.join('\n');
}
