import { COUNTRIES, DEPARTMENTS, JOB_TITLES, type CountryProfile } from './catalog';
import { badRow, edgeCase, planBadRows } from './bad-rows';
import { autoNumber, bindById, metadataMaxLength, type SeedContext } from './context';
import { addressOf, makeAddress, makeCompanyName, makePerson, phoneNumber, pickCountry, type Address } from './people';
import type { ReferenceData } from './reference';
import type { SeedRow } from './types';
import { ACCOUNT_NUMBER_PREFIX, CONTACT_NUMBER_PREFIX, ENTITIES_BY_SET } from '../dataverse/metadata';
import { FIELD_TYPES } from '../fno/catalog';

/** Longest OrganizationName F&O accepts; longer Sales account names are planted as bad rows. */
export const FNO_ORGANIZATION_NAME_MAX = metadataMaxLength('F&O OrganizationName', FIELD_TYPES.OrganizationName);
/** Longest account name Dataverse accepts, so the over-long names still load into Sales. */
export const DATAVERSE_ACCOUNT_NAME_MAX = metadataMaxLength(
  'account.name',
  ENTITIES_BY_SET.get('accounts')?.columns.name,
);

const LONG_NAME_FILLER = ' International Holdings, Distribution & Professional Services Group';

/** Shares of contact roles: employee of an account (a contact person), a customer in its own right, or neither. */
const CONTACT_PERSON_SHARE = 0.55;
const CONTACT_CUSTOMER_SHARE = 0.15;

/** Dataverse familystatuscode: 1 Single, 2 Married, 3 Divorced, 4 Widowed. */
const FAMILY_STATUS = [1, 2, 3, 4] as const;
const FAMILY_STATUS_WEIGHTS = [40, 45, 10, 5] as const;

export interface Parties {
  accounts: SeedRow[];
  contacts: SeedRow[];
  /** Company index of every account. */
  accountCompany: Uint16Array;
  /** Per company: indexes of accounts that become F&O customers without trouble. */
  syncedAccounts: number[][];
  /** Per company: indexes of accounts that can never reach F&O (no account number). */
  unsyncableAccounts: number[][];
  /** Per company: indexes of contacts that the ContactToCustomer task turns into customers. */
  customerContacts: number[][];
  contactCompany: Uint16Array;
  /** `@odata.bind` of every account, shared by the rows that point at it. */
  accountBinds: string[];
}

/** Assigned after the row literal: spreading an object into a large literal is slow at this volume. */
function setAddress(row: SeedRow, address: Address): void {
  row.address1_line1 = address.line1;
  row.address1_line2 = address.line2;
  row.address1_city = address.city;
  row.address1_stateorprovince = address.state;
  row.address1_postalcode = address.postalCode;
  row.address1_country = address.country;
}

/** The country profile of an account, falling back to the first for accounts planted without a country. */
function countryOf(row: SeedRow): CountryProfile {
  return COUNTRIES.find((c) => c.name === row.address1_country) ?? COUNTRIES[0];
}

export function generateParties(ctx: SeedContext, ref: ReferenceData): Parties {
  const companyCount = ctx.options.companies.length;
  const perCompany = (): number[][] => ctx.options.companies.map(() => []);
  const parties: Parties = {
    accounts: ctx.dataverseTable('accounts'),
    contacts: ctx.dataverseTable('contacts'),
    accountCompany: new Uint16Array(ctx.options.accounts),
    syncedAccounts: perCompany(),
    unsyncableAccounts: perCompany(),
    customerContacts: perCompany(),
    contactCompany: new Uint16Array(ctx.options.contacts),
    accountBinds: [],
  };
  generateAccounts(ctx, ref, parties, companyCount);
  generateContacts(ctx, ref, parties, companyCount);
  return parties;
}

function generateAccounts(ctx: SeedContext, ref: ReferenceData, parties: Parties, companyCount: number): void {
  const rng = ctx.rng('accounts');
  const plan = planBadRows(ctx.options.accounts, ctx.options.badRowShare, [
    'account-name-too-long',
    'account-missing-number',
    'account-blank-country',
  ] as const);
  for (let i = 0; i < ctx.options.accounts; i++) {
    const company = i % companyCount;
    const { dataAreaId, currency: companyCurrency } = ctx.options.companies[company];
    const kind = plan.get(i);
    const country = pickCountry(rng);
    const address = makeAddress(rng, country);
    if (kind === 'account-blank-country') address.country = null;
    const owner = makePerson(rng, country);
    const companyName = makeCompanyName(rng, country, owner);
    const id = ctx.id('accounts', i);
    const accountNumber = autoNumber(rng, ACCOUNT_NUMBER_PREFIX, i);
    const currency =
      rng.chance(0.7) || !ref.defaultPriceList.has(country.currency) ? companyCurrency : country.currency;
    let name = companyName.name;
    if (kind === 'account-name-too-long') {
      const length = rng.int(FNO_ORGANIZATION_NAME_MAX + 1, DATAVERSE_ACCOUNT_NAME_MAX);
      name = (name + LONG_NAME_FILLER.repeat(3)).slice(0, length).trimEnd();
      if (name.length <= FNO_ORGANIZATION_NAME_MAX) name = name.padEnd(FNO_ORGANIZATION_NAME_MAX + 1, '.');
    }
    const row: SeedRow = {
      accountid: id,
      name,
      accountnumber: kind === 'account-missing-number' ? null : accountNumber,
      telephone1: phoneNumber(rng, country),
      fax: rng.chance(0.2) ? phoneNumber(rng, country) : null,
      emailaddress1: `info@${companyName.slug}.${country.webSuffix}`,
      websiteurl: `https://www.${companyName.slug}.${country.webSuffix}`,
      creditlimit: rng.chance(0.85) ? rng.int(0, 500) * 500 : null,
      description: rng.chance(0.1) ? `Key account since ${2010 + rng.int(0, 15)}; prefers delivery before noon.` : null,
      statecode: 0,
      'transactioncurrencyid@odata.bind': ref.currencies.get(currency)!.bind,
      'owningbusinessunit@odata.bind': ref.businessUnits[company],
    };
    setAddress(row, address);
    parties.accounts.push(row);
    parties.accountBinds.push(bindById('accounts', id));
    parties.accountCompany[i] = company;
    if (kind === 'account-name-too-long') {
      ctx.badRows.push(badRow(kind, accountNumber, dataAreaId));
    } else if (kind === 'account-missing-number') {
      ctx.badRows.push(badRow(kind, id, dataAreaId));
      parties.unsyncableAccounts[company].push(i);
    } else {
      if (kind === 'account-blank-country') ctx.edgeCases.push(edgeCase(kind, accountNumber, dataAreaId));
      parties.syncedAccounts[company].push(i);
    }
  }
}

function generateContacts(ctx: SeedContext, ref: ReferenceData, parties: Parties, companyCount: number): void {
  const rng = ctx.rng('contacts');
  const hasOrphanParents = parties.unsyncableAccounts.some((list) => list.length > 0);
  const plan = planBadRows(
    ctx.options.contacts,
    ctx.options.badRowShare,
    hasOrphanParents ? (['contact-parent-missing'] as const) : [],
  );
  const orphanParents = parties.unsyncableAccounts.flat();
  const parentsByCompany = parties.syncedAccounts;
  for (let i = 0; i < ctx.options.contacts; i++) {
    const kind = plan.get(i);
    const roll = rng.next();
    let parent = -1;
    let activeCustomer = false;
    if (kind === 'contact-parent-missing') {
      parent = orphanParents[i % orphanParents.length];
    } else if (roll < CONTACT_PERSON_SHARE + CONTACT_CUSTOMER_SHARE) {
      activeCustomer = roll >= CONTACT_PERSON_SHARE;
      const companyParents = parentsByCompany[i % companyCount];
      const wantsParent = !activeCustomer || rng.chance(0.5);
      if (wantsParent && companyParents.length > 0) parent = companyParents[rng.int(0, companyParents.length - 1)];
    }
    const company = parent >= 0 ? parties.accountCompany[parent] : i % companyCount;
    const { dataAreaId, currency } = ctx.options.companies[company];
    const parentRow = parent >= 0 ? parties.accounts[parent] : undefined;
    const country = parentRow ? countryOf(parentRow) : pickCountry(rng);
    // Employees usually share their company's address.
    const address = parentRow && rng.chance(0.7) ? addressOf(parentRow) : makeAddress(rng, country);
    const person = makePerson(rng, country);
    const contactNumber = autoNumber(rng, CONTACT_NUMBER_PREFIX, i);
    const parentEmail = parentRow ? String(parentRow.emailaddress1) : undefined;
    const domain = parentEmail ? parentEmail.slice(parentEmail.indexOf('@') + 1) : 'mail.example.com';
    const row: SeedRow = {
      contactid: ctx.id('contacts', i),
      firstname: person.first,
      middlename: person.middle,
      lastname: person.last,
      msdynce_contactnumber: contactNumber,
      jobtitle: parent >= 0 ? rng.pick(JOB_TITLES) : null,
      department: parent >= 0 && rng.chance(0.6) ? rng.pick(DEPARTMENTS) : null,
      gendercode: person.gender,
      familystatuscode: rng.chance(0.6) ? rng.weighted(FAMILY_STATUS, FAMILY_STATUS_WEIGHTS) : null,
      telephone1: phoneNumber(rng, country),
      emailaddress1: `${person.handle}${i % 97 === 0 ? i : ''}@${domain}`,
      statecode: 0,
      msdynce_iscompanyanaccount: parent >= 0,
      msdynce_isactivecustomer: activeCustomer,
      'transactioncurrencyid@odata.bind': ref.currencies.get(currency)!.bind,
      'owningbusinessunit@odata.bind': ref.businessUnits[company],
    };
    setAddress(row, address);
    if (parent >= 0) row['parentcustomerid_account@odata.bind'] = parties.accountBinds[parent];
    parties.contacts.push(row);
    parties.contactCompany[i] = company;
    if (kind) ctx.badRows.push(badRow(kind, contactNumber, dataAreaId));
    if (activeCustomer) parties.customerContacts[company].push(i);
  }
}
