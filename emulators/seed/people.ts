import {
  COMPANY_WORDS,
  COUNTRIES,
  COUNTRY_WEIGHTS,
  EMOJI_NICKNAMES,
  INDUSTRY_WORDS,
  INTERNATIONAL_COMPANY_NAMES,
  NAME_POOLS,
  type CountryProfile,
} from './catalog';
import type { Rng } from './prng';

export interface Address {
  line1: unknown;
  line2: unknown;
  city: unknown;
  state: unknown;
  postalCode: unknown;
  /** Country name as Sales stores it; null when the row was planted without one. */
  country: unknown;
}

export interface PersonName {
  first: string;
  last: string;
  /** ASCII form of the last name. */
  lastLatin: string;
  middle: string | null;
  /** 1 Male, 2 Female (Dataverse gendercode). */
  gender: 1 | 2;
  /** ASCII handle for e-mail addresses. */
  handle: string;
}

export interface CompanyName {
  name: string;
  /** ASCII slug for the web site and e-mail domain. */
  slug: string;
}

type Named = readonly [native: string, latin: string];

/** `native|latin` → [native, latin]; the latin half is reduced to what an e-mail local part may hold. */
function split(entry: string): Named {
  const bar = entry.indexOf('|');
  return [entry.slice(0, bar), entry.slice(bar + 1).replace(/[^a-z0-9-]/g, '')];
}

// Parsed once: the generator draws hundreds of thousands of names.
const POOLS = new Map(
  Object.entries(NAME_POOLS).map(([culture, pool]) => [
    culture,
    {
      female: pool.female.map(split),
      male: pool.male.map(split),
      last: pool.last.map(split),
      familyFirst: pool.familyFirst === true,
    },
  ]),
);
const NICKNAMES = EMOJI_NICKNAMES.map(split);
const INTERNATIONAL_NAMES = INTERNATIONAL_COMPANY_NAMES.map(split);

/** The address1_* columns of an account or contact row. */
export function addressOf(row: Record<string, unknown>): Address {
  return {
    line1: row.address1_line1,
    line2: row.address1_line2,
    city: row.address1_city,
    state: row.address1_stateorprovince,
    postalCode: row.address1_postalcode,
    country: row.address1_country,
  };
}

export function pickCountry(rng: Rng): CountryProfile {
  return rng.weighted(COUNTRIES, COUNTRY_WEIGHTS);
}

export function makeAddress(rng: Rng, country: CountryProfile): Address {
  const region = rng.pick(country.regions);
  const street = rng.pick(country.streets);
  const number = String(rng.int(1, 999));
  return {
    line1: country.numberAfterStreet ? `${street} ${number}` : `${number} ${street}`,
    line2: rng.chance(0.15) ? `Suite ${rng.int(100, 900)}` : null,
    city: rng.pick(region.cities),
    state: region.state,
    postalCode: rng.fill(country.postal),
    country: country.name,
  };
}

export function makePerson(rng: Rng, country: CountryProfile): PersonName {
  const pool = POOLS.get(rng.weighted(country.cultures, country.cultureWeights))!;
  const gender: 1 | 2 = rng.chance(0.5) ? 1 : 2;
  const [first, firstLatin] = rng.chance(0.002)
    ? rng.pick(NICKNAMES)
    : rng.pick(gender === 1 ? pool.male : pool.female);
  const [last, lastLatin] = rng.pick(pool.last);
  const middle = !pool.familyFirst && rng.chance(0.1) ? `${rng.upperLetters(1)}.` : null;
  return { first, last, lastLatin, middle, gender, handle: `${firstLatin}.${lastLatin}` };
}

export function makeCompanyName(rng: Rng, country: CountryProfile, person: PersonName): CompanyName {
  const roll = rng.next();
  let name: string;
  let slug: string;
  if (roll < 0.03) {
    [name, slug] = rng.pick(INTERNATIONAL_NAMES);
  } else {
    const base = roll < 0.25 ? person.last : rng.pick(COMPANY_WORDS);
    const industry = rng.pick(INDUSTRY_WORDS);
    const form = rng.pick(country.legalForms);
    // Japanese legal forms lead the name (株式会社サクラ), the others trail it.
    name = country.name === 'Japan' ? `${form}${base} ${industry}` : `${base} ${industry} ${form}`;
    slug = `${roll < 0.25 ? person.lastLatin : base}-${industry}`.toLowerCase();
  }
  return { name, slug: slug.replace(/[^a-z0-9-]+/g, '-') };
}

export function phoneNumber(rng: Rng, country: CountryProfile): string {
  return rng.fill(country.phone);
}
