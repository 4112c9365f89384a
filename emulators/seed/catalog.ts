/**
 * Word lists and reference tables the seed generator draws from. Native spellings include accents, CJK and
 * right-to-left scripts on purpose: the sync must carry them unchanged. Each name entry is `native|latin`, the
 * latin half feeding e-mail addresses and web sites.
 */

import { TEMPLATE_DEFAULTS } from '../../mappings/value-maps';

export type Culture = 'en' | 'de' | 'fr' | 'es' | 'ja' | 'zh' | 'ar' | 'he';

export interface NamePool {
  female: readonly string[];
  male: readonly string[];
  last: readonly string[];
  /** CJK names are written family name first without a space in `fullname`. */
  familyFirst?: boolean;
}

export const NAME_POOLS: Record<Culture, NamePool> = {
  en: {
    female: ['Emma|emma', 'Olivia|olivia', 'Ava|ava', 'Sophia|sophia', 'Grace|grace', 'Chloe|chloe', 'Megan|megan'],
    male: ['James|james', 'Liam|liam', 'Noah|noah', 'Ethan|ethan', 'Oliver|oliver', 'Jack|jack', 'Daniel|daniel'],
    last: [
      'Smith|smith',
      'Johnson|johnson',
      'Brown|brown',
      "O'Brien|obrien",
      'Taylor|taylor',
      'Wilson|wilson',
      'Clarke|clarke',
      'Nguyen|nguyen',
      'Patel|patel',
      'Kowalski|kowalski',
    ],
  },
  de: {
    female: ['Anna|anna', 'Jördis|joerdis', 'Lea|lea', 'Käthe|kaethe', 'Sophie|sophie', 'Maren|maren'],
    male: ['Lukas|lukas', 'Jürgen|juergen', 'Jörg|joerg', 'Felix|felix', 'Maximilian|maximilian', 'Björn|bjoern'],
    last: [
      'Müller|mueller',
      'Schäfer|schaefer',
      'Weiß|weiss',
      'Groß|gross',
      'Becker|becker',
      'Schröder|schroeder',
      'Müller-Lüdenscheidt|mueller-luedenscheidt',
    ],
  },
  fr: {
    female: ['Zoë|zoe', 'Hélène|helene', 'Chloé|chloe', 'Léa|lea', 'Amélie|amelie', 'Françoise|francoise'],
    male: ['François|francois', 'Jérôme|jerome', 'Raphaël|raphael', 'Noël|noel', 'Mathéo|matheo'],
    last: ['Lefèvre|lefevre', 'Girard|girard', 'Dubois|dubois', 'Moreau|moreau', 'Chéreau|chereau', 'Faure|faure'],
  },
  es: {
    female: ['María José|mariajose', 'Lucía|lucia', 'Sofía|sofia', 'Ximena|ximena', 'Inés|ines'],
    male: ['José|jose', 'Andrés|andres', 'Iñigo|inigo', 'Julián|julian', 'Tomás|tomas'],
    last: ['Núñez|nunez', 'García|garcia', 'Martínez|martinez', 'Peña|pena', 'Ibáñez|ibanez', 'Hernández|hernandez'],
  },
  ja: {
    female: ['さくら|sakura', '陽菜|hina', '美咲|misaki', '結衣|yui'],
    male: ['太郎|taro', '翔太|shota', '健|ken', '大輔|daisuke'],
    last: ['山田|yamada', '佐藤|sato', '鈴木|suzuki', '高橋|takahashi', '渡辺|watanabe'],
    familyFirst: true,
  },
  zh: {
    female: ['芳|fang', '丽|li', '静|jing', '秀英|xiuying'],
    male: ['伟|wei', '强|qiang', '磊|lei', '洋|yang'],
    last: ['王|wang', '李|li', '张|zhang', '刘|liu', '陈|chen'],
    familyFirst: true,
  },
  ar: {
    female: ['فاطمة|fatima', 'مريم|maryam', 'ليلى|layla', 'نور|nour'],
    male: ['محمد|mohammed', 'أحمد|ahmed', 'يوسف|youssef', 'عمر|omar'],
    last: ['الحسن|alhassan', 'خوري|khoury', 'المنصور|almansour', 'حداد|haddad'],
  },
  he: {
    female: ['נועה|noa', 'תמר|tamar', 'מיכל|michal'],
    male: ['דוד|david', 'יונתן|yonatan', 'אורי|ori'],
    last: ['כהן|cohen', 'לוי|levi', 'מזרחי|mizrahi', 'פרץ|peretz'],
  },
};

/** Rare decorations real CRMs collect from web forms. */
export const EMOJI_NICKNAMES = ['Sunny ☀️|sunny', 'Rocket 🚀|rocket', 'Kiki 🌸|kiki'] as const;

export interface Region {
  state: string;
  cities: readonly string[];
}

export interface CountryProfile {
  /** Country name as Dynamics 365 Sales stores it in `address1_country` (a free-text column). */
  name: string;
  currency: string;
  /** Patterns for Rng.fill: `#` a digit, `A` a capital letter. */
  phone: string;
  postal: string;
  regions: readonly Region[];
  streets: readonly string[];
  /** Continental style writes the house number after the street name. */
  numberAfterStreet: boolean;
  cultures: readonly Culture[];
  cultureWeights: readonly number[];
  legalForms: readonly string[];
  webSuffix: string;
}

export const COUNTRIES: readonly CountryProfile[] = [
  {
    name: 'United States',
    currency: 'USD',
    phone: '+1 ###-555-0###',
    postal: '#####',
    regions: [
      { state: 'WA', cities: ['Redmond', 'Seattle', 'Spokane'] },
      { state: 'NY', cities: ['New York', 'Buffalo', 'Albany'] },
      { state: 'TX', cities: ['Austin', 'Dallas', 'Houston'] },
      { state: 'CA', cities: ['San Francisco', 'Los Angeles', 'San José'] },
      { state: 'IL', cities: ['Chicago', 'Springfield'] },
    ],
    streets: ['Main Street', 'Oak Avenue', 'Maple Drive', 'Pine Road', 'Lakeview Boulevard', 'Microsoft Way'],
    numberAfterStreet: false,
    cultures: ['en', 'es', 'zh', 'ar', 'he'],
    cultureWeights: [70, 15, 8, 4, 3],
    legalForms: ['Inc.', 'LLC', 'Corp.', 'Co.'],
    webSuffix: 'example.com',
  },
  {
    name: 'Canada',
    currency: 'CAD',
    phone: '+1 ###-555-0###',
    postal: 'K#M #A#',
    regions: [
      { state: 'ON', cities: ['Toronto', 'Ottawa'] },
      { state: 'QC', cities: ['Montréal', 'Québec'] },
      { state: 'BC', cities: ['Vancouver', 'Victoria'] },
    ],
    streets: ['King Street West', 'Rue Sainte-Catherine', 'Granville Street', 'Bay Street'],
    numberAfterStreet: false,
    cultures: ['en', 'fr', 'zh'],
    cultureWeights: [60, 30, 10],
    legalForms: ['Ltd.', 'Inc.', 'Ltée'],
    webSuffix: 'example.ca',
  },
  {
    name: 'Germany',
    currency: 'EUR',
    phone: '+49 ## #######',
    postal: '#####',
    regions: [
      { state: 'BY', cities: ['München', 'Nürnberg', 'Würzburg'] },
      { state: 'NW', cities: ['Köln', 'Düsseldorf', 'Münster'] },
      { state: 'BE', cities: ['Berlin'] },
      { state: 'HH', cities: ['Hamburg'] },
    ],
    streets: ['Hauptstraße', 'Bahnhofstraße', 'Schloßallee', 'Königsallee', 'Gartenweg'],
    numberAfterStreet: true,
    cultures: ['de', 'ar', 'en'],
    cultureWeights: [85, 10, 5],
    legalForms: ['GmbH', 'AG', 'GmbH & Co. KG', 'e.K.'],
    webSuffix: 'example.de',
  },
  {
    name: 'United Kingdom',
    currency: 'GBP',
    phone: '+44 20 7946 0###',
    postal: 'SW# #AA',
    regions: [
      { state: 'England', cities: ['London', 'Manchester', 'Leeds', 'Bristol'] },
      { state: 'Scotland', cities: ['Edinburgh', 'Glasgow'] },
      { state: 'Wales', cities: ['Cardiff'] },
    ],
    streets: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Mill Lane'],
    numberAfterStreet: false,
    cultures: ['en', 'ar', 'he', 'zh'],
    cultureWeights: [80, 8, 6, 6],
    legalForms: ['Ltd', 'PLC', 'LLP'],
    webSuffix: 'example.co.uk',
  },
  {
    name: 'France',
    currency: 'EUR',
    phone: '+33 1 ## ## ## ##',
    postal: '75###',
    regions: [
      { state: 'Île-de-France', cities: ['Paris', 'Versailles'] },
      { state: 'Auvergne-Rhône-Alpes', cities: ['Lyon', 'Grenoble'] },
      { state: "Provence-Alpes-Côte d'Azur", cities: ['Marseille', 'Nice'] },
    ],
    streets: ['Rue de Rivoli', 'Avenue des Champs-Élysées', 'Rue du Faubourg Saint-Honoré', 'Boulevard Haussmann'],
    numberAfterStreet: false,
    cultures: ['fr', 'ar', 'en'],
    cultureWeights: [85, 10, 5],
    legalForms: ['SARL', 'SA', 'SAS'],
    webSuffix: 'example.fr',
  },
  {
    name: 'Japan',
    currency: 'JPY',
    phone: '+81 3-####-####',
    postal: '1##-####',
    regions: [
      { state: '東京都', cities: ['千代田区', '港区', '渋谷区'] },
      { state: '大阪府', cities: ['大阪市', '堺市'] },
    ],
    streets: ['丸の内 1-1-1', '六本木 6-10-1', '梅田 2-4-9'],
    numberAfterStreet: true,
    cultures: ['ja', 'en'],
    cultureWeights: [95, 5],
    legalForms: ['株式会社', '合同会社'],
    webSuffix: 'example.jp',
  },
  {
    name: 'Mexico',
    currency: 'MXN',
    phone: '+52 55 #### ####',
    postal: '0####',
    regions: [
      { state: 'CDMX', cities: ['Ciudad de México'] },
      { state: 'Jalisco', cities: ['Guadalajara', 'Zapopan'] },
      { state: 'Nuevo León', cities: ['Monterrey'] },
    ],
    streets: ['Avenida Reforma', 'Calle Madero', 'Avenida Juárez', 'Calle Hidalgo'],
    numberAfterStreet: true,
    cultures: ['es', 'en'],
    cultureWeights: [92, 8],
    legalForms: ['S.A. de C.V.', 'S. de R.L.'],
    webSuffix: 'example.mx',
  },
];

/** Shares of accounts per country, same order as COUNTRIES. */
export const COUNTRY_WEIGHTS = [45, 8, 14, 12, 8, 6, 7] as const;

export const COMPANY_WORDS = [
  'Northwind',
  'Contoso',
  'Fabrikam',
  'Adventure',
  'Litware',
  'Tailspin',
  'Wingtip',
  'Alpine',
  'Blue Yonder',
  'Coho',
  'Proseware',
  'Lucerne',
  'Woodgrove',
  'Trey',
  'Humongous',
  'Margie',
  'Fourth Coffee',
  'Graphic Design',
  'Relecloud',
  'Wide World',
] as const;

export const INDUSTRY_WORDS = [
  'Traders',
  'Audio',
  'Electronics',
  'Outfitters',
  'Systems',
  'Logistics',
  'Foods',
  'Manufacturing',
  'Retail',
  'Engineering',
  'Health',
  'Studios',
] as const;

/** Company names that are not in the sales org's language, to prove scripts survive the round trip. */
export const INTERNATIONAL_COMPANY_NAMES = [
  'サクラ電機|sakura-denki',
  '北京长城贸易|changcheng-trade',
  'شركة النخيل للتجارة|alnakheel-trading',
  'אלקטרה סחר|electra-trade',
  'Blue Rocket 🚀 Studios|blue-rocket',
  'Ångström Instruments|angstrom',
  'Smørrebrød & Søn|smorrebrod',
] as const;

export const JOB_TITLES = [
  'Purchasing Manager',
  'Chief Financial Officer',
  'Head of Operations',
  'Buyer',
  'Office Manager',
  'IT Director',
  'Sales Director',
  'Accounts Payable Clerk',
] as const;

export const DEPARTMENTS = ['Purchasing', 'Finance', 'Operations', 'IT', 'Sales', 'Administration'] as const;

export interface CurrencyInfo {
  code: string;
  name: string;
  symbol: string;
  /** Units of this currency per US dollar, the Sales base currency in the seed. */
  perUsd: number;
  precision: number;
}

export const CURRENCIES: readonly CurrencyInfo[] = [
  { code: 'USD', name: 'US Dollar', symbol: '$', perUsd: 1, precision: 2 },
  { code: 'EUR', name: 'Euro', symbol: '€', perUsd: 0.92, precision: 2 },
  { code: 'GBP', name: 'Pound Sterling', symbol: '£', perUsd: 0.79, precision: 2 },
  { code: 'CAD', name: 'Canadian Dollar', symbol: 'CA$', perUsd: 1.36, precision: 2 },
  { code: 'JPY', name: 'Yen', symbol: '¥', perUsd: 151, precision: 0 },
  { code: 'MXN', name: 'Mexican Peso', symbol: 'MX$', perUsd: 17.1, precision: 2 },
  { code: 'CHF', name: 'Swiss Franc', symbol: 'CHF', perUsd: 0.88, precision: 2 },
  { code: 'DKK', name: 'Danish Krone', symbol: 'kr.', perUsd: 6.87, precision: 2 },
];

/**
 * Currencies that get no Sales price list, first one not used by a configured company wins. Products in it
 * exercise the documented "no price list with the product's currency" failure.
 */
export const PRICE_LIST_LESS_CANDIDATES = ['CHF', 'DKK'] as const;

export interface UnitInfo {
  /** F&O unit symbol (UnitsOfMeasure.UnitSymbol) and, by default, the Sales unit name that mirrors it. */
  symbol: string;
  description: string;
  unitClass: 'Quantity' | 'Mass' | 'Length' | 'Time' | 'Volume';
  decimals: number;
}

/** Units present in both systems; the Sales unit carries the F&O symbol as its name. */
export const SHARED_UNITS: readonly UnitInfo[] = [
  { symbol: 'ea', description: 'Each', unitClass: 'Quantity', decimals: 0 },
  { symbol: 'pcs', description: 'Pieces', unitClass: 'Quantity', decimals: 0 },
  { symbol: 'box', description: 'Box', unitClass: 'Quantity', decimals: 0 },
  { symbol: 'kg', description: 'Kilogram', unitClass: 'Mass', decimals: 3 },
  { symbol: 'm', description: 'Meter', unitClass: 'Length', decimals: 2 },
  { symbol: 'l', description: 'Liter', unitClass: 'Volume', decimals: 2 },
  { symbol: 'h', description: 'Hour', unitClass: 'Time', decimals: 2 },
];

/** Sales-only aliases in the default unit group, as many orgs add them by hand. */
export const SALES_UNIT_ALIASES = ['each', 'hour'] as const;

/** Base unit of the default Sales unit group. */
export const SALES_BASE_UNIT = 'Primary Unit';

/** An F&O unit with no Sales counterpart: products sold in it cannot be synced. */
export const FNO_ONLY_UNIT: UnitInfo = { symbol: 'bdl', description: 'Bundle', unitClass: 'Quantity', decimals: 0 };
/** A Sales unit with no F&O counterpart: quote lines in it cannot be synced. */
export const SALES_ONLY_UNIT = 'dozen';

export interface ProductLine {
  prefix: string;
  names: readonly string[];
  variants: readonly string[];
  unit: string;
  type: 'Item' | 'Service';
  price: readonly [number, number];
}

export const PRODUCT_LINES: readonly ProductLine[] = [
  {
    prefix: 'D',
    names: ['Bookshelf speaker', 'Floor-standing speaker', 'Subwoofer', 'AV receiver', 'Stereo amplifier'],
    variants: ['Black', 'White', 'Walnut', 'Pro', 'Mk II', '100 W', '250 W'],
    unit: 'ea',
    type: 'Item',
    price: [89, 2400],
  },
  {
    prefix: 'C',
    names: ['Speaker cable', 'HDMI cable', 'Optical audio cable', 'XLR cable'],
    variants: ['1.5 mm²', '2.5 mm²', 'braided', 'low-smoke'],
    unit: 'm',
    type: 'Item',
    price: [1.2, 18],
  },
  {
    prefix: 'M',
    names: ['Copper wire', 'Acoustic foam', 'Damping compound'],
    variants: ['grade A', 'grade B', 'industrial'],
    unit: 'kg',
    type: 'Item',
    price: [6, 95],
  },
  {
    prefix: 'F',
    names: ['Wall mount screws', 'Cable ties', 'Banana plugs', 'Rubber feet'],
    variants: ['pack of 50', 'pack of 100', 'stainless'],
    unit: 'box',
    type: 'Item',
    price: [4.5, 60],
  },
  {
    prefix: 'K',
    names: ['Contact cleaner', 'Screen cleaning fluid'],
    variants: ['lavender', 'unscented'],
    unit: 'l',
    type: 'Item',
    price: [7, 40],
  },
  {
    prefix: 'P',
    names: ['Replacement tweeter', 'Grille cloth', 'Fuse'],
    variants: ['25 mm', '32 mm', 'slow-blow'],
    unit: 'pcs',
    type: 'Item',
    price: [0.8, 120],
  },
  {
    prefix: 'S',
    names: ['Installation service', 'Room calibration', 'On-site repair', 'Acoustic consulting'],
    variants: ['standard', 'weekend', 'express'],
    unit: 'h',
    type: 'Service',
    price: [65, 240],
  },
];

export const PRODUCT_LINE_WEIGHTS = [30, 15, 8, 12, 5, 15, 15] as const;

export const LEGAL_ENTITY_NAMES: Record<string, string> = {
  usmf: 'Contoso Entertainment System USA',
  usrt: 'Contoso Retail USA',
  demf: 'Contoso Entertainment System Germany',
  gbsi: 'Contoso Entertainment System UK',
  frrt: 'Contoso Retail France',
};

/** Customer groups every demo company has, the template's default group first. */
export const CUSTOMER_GROUPS = [
  { id: TEMPLATE_DEFAULTS.customerGroup, description: 'Wholesale customers' },
  { id: '20', description: 'Major customers' },
  { id: '30', description: 'Retail customers' },
  { id: '80', description: 'Other customers' },
] as const;
