import { COLLECTIONS_BY_SET, ENTITIES, lookupColumn, navigationsOf, type ColumnType } from './metadata';

/** `$metadata` (CSDL XML) generated from the entity definitions: types, keys, navigation, entity sets. */

const EDM_TYPES: Record<ColumnType, string> = {
  uniqueidentifier: 'Edm.Guid',
  string: 'Edm.String',
  memo: 'Edm.String',
  integer: 'Edm.Int32',
  bigint: 'Edm.Int64',
  decimal: 'Edm.Decimal',
  money: 'Edm.Decimal',
  boolean: 'Edm.Boolean',
  datetime: 'Edm.DateTimeOffset',
  dateonly: 'Edm.Date',
  picklist: 'Edm.Int32',
  state: 'Edm.Int32',
  status: 'Edm.Int32',
};

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function buildMetadataDocument(withAnnotations: boolean): string {
  const ns = 'Microsoft.Dynamics.CRM';
  const types: string[] = [];
  const sets: string[] = [];
  for (const entity of ENTITIES) {
    const lines = [`<EntityType Name="${entity.logicalName}">`, `<Key><PropertyRef Name="${entity.primaryId}"/></Key>`];
    for (const [name, def] of Object.entries(entity.columns)) {
      const length = def.maxLength ? ` MaxLength="${def.maxLength}"` : '';
      lines.push(`<Property Name="${escapeXml(name)}" Type="${EDM_TYPES[def.type]}"${length}/>`);
    }
    for (const lookup of entity.lookups)
      lines.push(`<Property Name="${lookupColumn(lookup.attribute)}" Type="Edm.Guid"/>`);
    for (const [navigation, info] of navigationsOf(entity)) {
      const target = ENTITIES.find((e) => e.entitySet === info.targetSet)!;
      lines.push(
        `<NavigationProperty Name="${navigation}" Type="${ns}.${target.logicalName}"><ReferentialConstraint Property="${lookupColumn(info.lookup.attribute)}" ReferencedProperty="${target.primaryId}"/></NavigationProperty>`,
      );
    }
    for (const collection of COLLECTIONS_BY_SET.get(entity.entitySet)?.values() ?? []) {
      const child = ENTITIES.find((e) => e.entitySet === collection.childSet)!;
      lines.push(`<NavigationProperty Name="${collection.name}" Type="Collection(${ns}.${child.logicalName})"/>`);
    }
    if (entity.alternateKeys.length) {
      const keys = entity.alternateKeys
        .map(
          (k) =>
            `<Record><PropertyValue Property="Key"><Collection>${k.columns.map((c) => `<Record><PropertyValue Property="Alias" String="${c}"/><PropertyValue Property="Name" PropertyPath="${c}"/></Record>`).join('')}</Collection></PropertyValue></Record>`,
        )
        .join('');
      lines.push(
        `<Annotation Term="OData.Community.Keys.V1.AlternateKeys"><Collection>${keys}</Collection></Annotation>`,
      );
    }
    lines.push('</EntityType>');
    types.push(lines.join(''));
    const tracking =
      withAnnotations && entity.changeTracking
        ? '<Annotation Term="Org.OData.Capabilities.V1.ChangeTracking"><Record><PropertyValue Property="Supported" Bool="true"/></Record></Annotation>'
        : '';
    sets.push(`<EntitySet Name="${entity.entitySet}" EntityType="${ns}.${entity.logicalName}">${tracking}</EntitySet>`);
  }
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
    `<edmx:DataServices><Schema Namespace="${ns}" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">`,
    ...types,
    `<EntityContainer Name="System">${sets.join('')}</EntityContainer>`,
    '</Schema></edmx:DataServices></edmx:Edmx>',
  ].join('\n');
}
