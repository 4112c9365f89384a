/**
 * Country/region codes. Sales stores countries as free text ("United States", "USA", "Deutschland"); F&O wants
 * the ISO 3166 alpha-2 code in *CountryRegionISOCode fields and its own region id (the alpha-3 code in a
 * standard installation) in *CountryRegionId fields. Projects add spellings through the `countries` value map.
 */

export type CountryOutput = 'iso2' | 'iso3' | 'name';

export interface Country {
  iso2: string;
  iso3: string;
  name: string;
}

// iso2|iso3|English name|other spellings (comma separated)
const TABLE = `
AE|ARE|United Arab Emirates|UAE
AR|ARG|Argentina|
AT|AUT|Austria|Österreich,Osterreich
AU|AUS|Australia|
BE|BEL|Belgium|Belgique,België
BG|BGR|Bulgaria|
BR|BRA|Brazil|Brasil
CA|CAN|Canada|
CH|CHE|Switzerland|Schweiz,Suisse,Svizzera
CL|CHL|Chile|
CN|CHN|China|People's Republic of China,PRC
CO|COL|Colombia|
CZ|CZE|Czechia|Czech Republic
DE|DEU|Germany|Deutschland
DK|DNK|Denmark|Danmark
EE|EST|Estonia|
EG|EGY|Egypt|
ES|ESP|Spain|España,Espana
FI|FIN|Finland|Suomi
FR|FRA|France|
GB|GBR|United Kingdom|UK,U.K.,Great Britain,Britain,England,Scotland,Wales,Northern Ireland
GR|GRC|Greece|
HK|HKG|Hong Kong|
HR|HRV|Croatia|
HU|HUN|Hungary|
ID|IDN|Indonesia|
IE|IRL|Ireland|
IL|ISR|Israel|
IN|IND|India|
IS|ISL|Iceland|
IT|ITA|Italy|Italia
JP|JPN|Japan|
KR|KOR|South Korea|Korea,Republic of Korea
LT|LTU|Lithuania|
LU|LUX|Luxembourg|
LV|LVA|Latvia|
MA|MAR|Morocco|
MX|MEX|Mexico|México
MY|MYS|Malaysia|
NG|NGA|Nigeria|
NL|NLD|Netherlands|The Netherlands,Holland,Nederland
NO|NOR|Norway|Norge
NZ|NZL|New Zealand|
PE|PER|Peru|
PH|PHL|Philippines|
PK|PAK|Pakistan|
PL|POL|Poland|Polska
PT|PRT|Portugal|
RO|ROU|Romania|
RS|SRB|Serbia|
SA|SAU|Saudi Arabia|
SE|SWE|Sweden|Sverige
SG|SGP|Singapore|
SI|SVN|Slovenia|
SK|SVK|Slovakia|
TH|THA|Thailand|
TR|TUR|Türkiye|Turkey
TW|TWN|Taiwan|
UA|UKR|Ukraine|
US|USA|United States|United States of America,U.S.,U.S.A.,America
VN|VNM|Vietnam|Viet Nam
ZA|ZAF|South Africa|
`;

function parseTable(): { byIso2: Map<string, Country>; byName: Map<string, Country> } {
  const byIso2 = new Map<string, Country>();
  const byName = new Map<string, Country>();
  for (const line of TABLE.trim().split('\n')) {
    const [iso2, iso3, name, aliases] = line.split('|');
    const country: Country = { iso2, iso3, name };
    byIso2.set(iso2, country);
    for (const spelling of [iso2, iso3, name, ...aliases.split(',')]) {
      if (spelling) byName.set(normalizeCountryText(spelling), country);
    }
  }
  return { byIso2, byName };
}

/** Case, surrounding blanks and inner whitespace runs do not distinguish two spellings. */
export function normalizeCountryText(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

const { byIso2, byName } = parseTable();

export function countryByIso2(iso2: string): Country | undefined {
  return byIso2.get(iso2.toUpperCase());
}

/** Finds a country by any known spelling: English name, alias, alpha-2 or alpha-3 code. */
export function findCountry(text: string): Country | undefined {
  // Most values are already clean; normalise (a regular expression) only when the plain lower-case misses.
  return byName.get(text.toLowerCase()) ?? byName.get(normalizeCountryText(text));
}

export function formatCountry(country: Country, output: CountryOutput): string {
  return country[output];
}

export function knownCountries(): Country[] {
  return [...byIso2.values()];
}
