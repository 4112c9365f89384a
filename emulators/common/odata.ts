/**
 * OData v4 query parsing shared by the emulators: `$filter` to an AST and an evaluator over plain rows,
 * `$orderby`, `$select`, `$top`, `$skip`, `$count`, `$expand` (with nested options), and key predicates such as
 * `accounts(<guid>)`, `accounts(accountnumber='A-1')`, `Lines(dataAreaId='usmf',LineNumber=2)`. The parser
 * accepts the union of both systems' syntax; each emulator decides which features it refuses
 * (see `filterFeatures`).
 */

export class ODataSyntaxError extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(position === undefined ? message : `${message} (at position ${position})`);
    this.name = 'ODataSyntaxError';
  }
}

export type LiteralType = 'string' | 'number' | 'boolean' | 'null' | 'guid' | 'datetime' | 'date' | 'enum';

export interface LiteralNode {
  kind: 'literal';
  type: LiteralType;
  value: string | number | boolean | null;
  /** `Microsoft.Dynamics.DataEntities.NoYes` for `Microsoft.Dynamics.DataEntities.NoYes'Yes'`. */
  enumType?: string;
}

export interface PropertyNode {
  kind: 'property';
  /** Member path; navigation segments are separated by '/'. */
  path: string;
}

export type ArithmeticOperator = 'add' | 'sub' | 'mul' | 'div' | 'divby' | 'mod';

export interface ArithmeticNode {
  kind: 'arithmetic';
  op: ArithmeticOperator;
  left: ValueNode;
  right: ValueNode;
}

export type ValueNode = LiteralNode | PropertyNode | ArithmeticNode;

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterAst =
  | { kind: 'logical'; op: 'and' | 'or'; left: FilterAst; right: FilterAst }
  | { kind: 'not'; operand: FilterAst }
  | { kind: 'compare'; op: ComparisonOperator; left: ValueNode; right: ValueNode }
  | { kind: 'in'; left: ValueNode; values: LiteralNode[] }
  | { kind: 'has'; left: ValueNode; right: ValueNode }
  | { kind: 'function'; name: string; args: ValueNode[] }
  | { kind: 'truthy'; value: PropertyNode | LiteralNode };

export const STRING_FUNCTIONS = ['contains', 'startswith', 'endswith'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer

type TokenKind = 'ident' | 'literal' | 'lparen' | 'rparen' | 'comma' | 'eof';

interface Token {
  kind: TokenKind;
  text: string;
  position: number;
  literal?: LiteralNode;
}

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\d:T])/;
const NUMBER_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/;
const IDENT_RE = /^[A-Za-z_$@][\w.$@/]*/;

/** Reads a single-quoted OData string starting at `start` (the quote); `''` is an escaped quote. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new ODataSyntaxError('unterminated string literal', start);
    const ch = text[i];
    if (ch === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += ch;
    i += 1;
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const rest = text.slice(i);
    const position = i;
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : 'comma', text: ch, position });
      i += 1;
      continue;
    }
    if (ch === "'") {
      const { value, end } = readQuoted(text, i);
      tokens.push({ kind: 'literal', text: text.slice(i, end), position, literal: literal('string', value) });
      i = end;
      continue;
    }
    let match = GUID_RE.exec(rest);
    if (match && !/[\w-]/.test(rest[match[0].length] ?? '')) {
      tokens.push({ kind: 'literal', text: match[0], position, literal: literal('guid', match[0].toLowerCase()) });
      i += match[0].length;
      continue;
    }
    match = DATETIME_RE.exec(rest) ?? null;
    if (match) {
      tokens.push({ kind: 'literal', text: match[0], position, literal: literal('datetime', match[0]) });
      i += match[0].length;
      continue;
    }
    match = DATE_RE.exec(rest);
    if (match) {
      tokens.push({ kind: 'literal', text: match[0], position, literal: literal('date', match[0]) });
      i += match[0].length;
      continue;
    }
    match = NUMBER_RE.exec(rest);
    if (match && (ch !== '-' || /\d/.test(rest[1] ?? ''))) {
      const numeric = Number(match[0].replace(/[mMdDfFlL]$/, ''));
      tokens.push({ kind: 'literal', text: match[0], position, literal: literal('number', numeric) });
      i += match[0].length;
      continue;
    }
    match = IDENT_RE.exec(rest);
    if (match) {
      const word = match[0];
      // Enum literal: Namespace.EnumType'Symbol'
      if (text[i + word.length] === "'" && word.includes('.')) {
        const { value, end } = readQuoted(text, i + word.length);
        const node: LiteralNode = { kind: 'literal', type: 'enum', value, enumType: word };
        tokens.push({ kind: 'literal', text: text.slice(i, end), position, literal: node });
        i = end;
        continue;
      }
      const lower = word.toLowerCase();
      if (lower === 'true' || lower === 'false') {
        tokens.push({ kind: 'literal', text: word, position, literal: literal('boolean', lower === 'true') });
      } else if (lower === 'null') {
        tokens.push({ kind: 'literal', text: word, position, literal: literal('null', null) });
      } else {
        tokens.push({ kind: 'ident', text: word, position });
      }
      i += word.length;
      continue;
    }
    throw new ODataSyntaxError(`unexpected character '${ch}'`, position);
  }
  tokens.push({ kind: 'eof', text: '', position: text.length });
  return tokens;
}

function literal(type: LiteralType, value: string | number | boolean | null): LiteralNode {
  return { kind: 'literal', type, value };
}

// ---------------------------------------------------------------------------------------------------------------
// $filter parser (recursive descent: or < and < not < comparison < additive < multiplicative < primary)

const COMPARISONS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const ADDITIVE = new Set<string>(['add', 'sub']);
const MULTIPLICATIVE = new Set<string>(['mul', 'div', 'divby', 'mod']);

class FilterParser {
  private index = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    this.index += 1;
    return token;
  }

  private isWord(token: Token, ...words: string[]): boolean {
    return token.kind === 'ident' && words.includes(token.text.toLowerCase());
  }

  private expect(kind: TokenKind, what: string): Token {
    const token = this.next();
    if (token.kind !== kind) {
      throw new ODataSyntaxError(`expected ${what} but found '${token.text || 'end of input'}'`, token.position);
    }
    return token;
  }

  parse(): FilterAst {
    const ast = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'eof') throw new ODataSyntaxError(`unexpected '${rest.text}'`, rest.position);
    return ast;
  }

  private parseOr(): FilterAst {
    let left = this.parseAnd();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'logical', op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterAst {
    let left = this.parseNot();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'logical', op: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): FilterAst {
    if (this.isWord(this.peek(), 'not')) {
      this.next();
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parseComparison();
  }

  private parseComparison(): FilterAst {
    const start = this.peek();
    // A parenthesised boolean expression, unless it turns out to be an arithmetic operand.
    if (start.kind === 'lparen') {
      const saved = this.index;
      this.next();
      try {
        const inner = this.parseOr();
        this.expect('rparen', "')'");
        const after = this.peek();
        if (!this.isWord(after, ...COMPARISONS, ...ADDITIVE, ...MULTIPLICATIVE, 'in', 'has')) return inner;
      } catch (error) {
        if (!(error instanceof ODataSyntaxError)) throw error;
      }
      this.index = saved;
    }
    if (start.kind === 'ident' && this.tokens[this.index + 1]?.kind === 'lparen' && !start.text.includes('/')) {
      if (isFunctionName(start.text)) {
        const call = this.parseFunctionCall();
        if (!this.isWord(this.peek(), ...COMPARISONS)) return call;
        // contains(x,'a') eq true
        const op = this.next().text.toLowerCase() as ComparisonOperator;
        const right = this.parseAdditive();
        if (right.kind !== 'literal' || right.type !== 'boolean') {
          throw new ODataSyntaxError(`a function result can only be compared with true or false`, start.position);
        }
        const wantTrue = (op === 'eq') === right.value;
        if (op !== 'eq' && op !== 'ne') throw new ODataSyntaxError(`operator ${op} is not valid here`, start.position);
        return wantTrue ? call : { kind: 'not', operand: call };
      }
    }
    const left = this.parseAdditive();
    const token = this.peek();
    if (this.isWord(token, ...COMPARISONS)) {
      this.next();
      return { kind: 'compare', op: token.text.toLowerCase() as ComparisonOperator, left, right: this.parseAdditive() };
    }
    if (this.isWord(token, 'in')) {
      this.next();
      this.expect('lparen', "'(' after in");
      const values: LiteralNode[] = [];
      for (;;) {
        const item = this.next();
        if (item.kind !== 'literal' || !item.literal) {
          throw new ODataSyntaxError(`'in' takes a list of literals`, item.position);
        }
        values.push(item.literal);
        const sep = this.next();
        if (sep.kind === 'rparen') break;
        if (sep.kind !== 'comma') throw new ODataSyntaxError(`expected ',' or ')' in 'in' list`, sep.position);
      }
      return { kind: 'in', left, values };
    }
    if (this.isWord(token, 'has')) {
      this.next();
      return { kind: 'has', left, right: this.parseAdditive() };
    }
    if (left.kind === 'property' || (left.kind === 'literal' && left.type === 'boolean')) {
      return { kind: 'truthy', value: left };
    }
    throw new ODataSyntaxError(
      `expected a comparison operator after '${this.source.slice(start.position, token.position).trim()}'`,
      token.position,
    );
  }

  private parseFunctionCall(): FilterAst {
    const nameToken = this.next();
    this.expect('lparen', "'('");
    const args: ValueNode[] = [];
    if (this.peek().kind !== 'rparen') {
      for (;;) {
        args.push(this.parseAdditive());
        const sep = this.next();
        if (sep.kind === 'rparen') break;
        if (sep.kind !== 'comma') throw new ODataSyntaxError(`expected ',' or ')' in function call`, sep.position);
      }
    } else {
      this.next();
    }
    const name = nameToken.text.toLowerCase();
    if ((STRING_FUNCTIONS as readonly string[]).includes(name) && args.length !== 2) {
      throw new ODataSyntaxError(`${name} takes exactly two arguments`, nameToken.position);
    }
    return { kind: 'function', name: nameToken.text, args };
  }

  private parseAdditive(): ValueNode {
    let left = this.parseMultiplicative();
    while (this.isWord(this.peek(), ...ADDITIVE)) {
      const op = this.next().text.toLowerCase() as ArithmeticOperator;
      left = { kind: 'arithmetic', op, left, right: this.parseMultiplicative() };
    }
    return left;
  }

  private parseMultiplicative(): ValueNode {
    let left = this.parsePrimary();
    while (this.isWord(this.peek(), ...MULTIPLICATIVE)) {
      const op = this.next().text.toLowerCase() as ArithmeticOperator;
      left = { kind: 'arithmetic', op, left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): ValueNode {
    const token = this.next();
    if (token.kind === 'literal' && token.literal) return token.literal;
    if (token.kind === 'lparen') {
      const inner = this.parseAdditive();
      this.expect('rparen', "')'");
      return inner;
    }
    if (token.kind === 'ident') {
      if (this.peek().kind === 'lparen') {
        throw new ODataSyntaxError(`function '${token.text}' is not supported here`, token.position);
      }
      return { kind: 'property', path: token.text };
    }
    throw new ODataSyntaxError(`expected a value but found '${token.text || 'end of input'}'`, token.position);
  }
}

function isFunctionName(name: string): boolean {
  return /^[a-z][\w.]*$/i.test(name);
}

export function parseFilter(text: string): FilterAst {
  if (!text.trim()) throw new ODataSyntaxError('$filter is empty');
  return new FilterParser(tokenize(text), text).parse();
}

/** Names of the features an AST uses: operators, `function:<name>`, `enum`, `in`, `has`, `arithmetic`. */
export function filterFeatures(ast: FilterAst): Set<string> {
  const features = new Set<string>();
  const value = (node: ValueNode) => {
    if (node.kind === 'literal' && node.type === 'enum') features.add('enum');
    if (node.kind === 'property' && node.path.includes('/')) features.add('navigation');
    if (node.kind === 'arithmetic') {
      features.add('arithmetic');
      features.add(node.op);
      value(node.left);
      value(node.right);
    }
  };
  const walk = (node: FilterAst) => {
    switch (node.kind) {
      case 'logical':
        features.add(node.op);
        walk(node.left);
        walk(node.right);
        break;
      case 'not':
        features.add('not');
        walk(node.operand);
        break;
      case 'compare':
        features.add(node.op);
        value(node.left);
        value(node.right);
        break;
      case 'in':
        features.add('in');
        value(node.left);
        node.values.forEach(value);
        break;
      case 'has':
        features.add('has');
        value(node.left);
        value(node.right);
        break;
      case 'function':
        features.add(`function:${node.name.toLowerCase()}`);
        node.args.forEach(value);
        break;
      case 'truthy':
        value(node.value);
        break;
    }
  };
  walk(ast);
  return features;
}

/** Every property path an AST reads (to reject unknown columns with a clear error). */
export function filterProperties(ast: FilterAst): string[] {
  const paths: string[] = [];
  const value = (node: ValueNode) => {
    if (node.kind === 'property') paths.push(node.path);
    if (node.kind === 'arithmetic') {
      value(node.left);
      value(node.right);
    }
  };
  const walk = (node: FilterAst) => {
    if (node.kind === 'logical') {
      walk(node.left);
      walk(node.right);
    } else if (node.kind === 'not') walk(node.operand);
    else if (node.kind === 'compare' || node.kind === 'has') {
      value(node.left);
      value(node.right);
    } else if (node.kind === 'in') value(node.left);
    else if (node.kind === 'function') node.args.forEach(value);
    else value(node.value);
  };
  walk(ast);
  return paths;
}

// ---------------------------------------------------------------------------------------------------------------
// Evaluation

export interface EvaluateOptions {
  /** Dataverse compares strings case-insensitively; F&O (SQL collation) mostly does too. Default true. */
  caseInsensitive?: boolean;
  /** F&O: `'*'` inside an `eq` string literal is a wildcard. */
  wildcardEquals?: boolean;
  /** Reads a property path from a row; defaults to plain `row[path]` with '/' walking nested objects. */
  resolve?: (row: Record<string, unknown>, path: string) => unknown;
}

function defaultResolve(row: Record<string, unknown>, path: string): unknown {
  if (!path.includes('/')) return row[path];
  let current: unknown = row;
  for (const segment of path.split('/')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

function evaluateValue(node: ValueNode, row: Record<string, unknown>, opts: EvaluateOptions): unknown {
  if (node.kind === 'literal') return node.value;
  if (node.kind === 'property') return (opts.resolve ?? defaultResolve)(row, node.path);
  const left = Number(evaluateValue(node.left, row, opts));
  const right = Number(evaluateValue(node.right, row, opts));
  switch (node.op) {
    case 'add':
      return left + right;
    case 'sub':
      return left - right;
    case 'mul':
      return left * right;
    case 'div':
      return Number.isInteger(left) && Number.isInteger(right) ? Math.trunc(left / right) : left / right;
    case 'divby':
      return left / right;
    case 'mod':
      return left % right;
  }
}

function isNullish(value: unknown): boolean {
  return value === null || value === undefined;
}

function normalizeString(value: string, opts: EvaluateOptions): string {
  return opts.caseInsensitive === false ? value : value.toLowerCase();
}

/** Orders two values: numbers numerically, ISO date-times by instant, strings (optionally case-folded). */
export function compareValues(left: unknown, right: unknown, opts: EvaluateOptions = {}): number {
  if (isNullish(left) && isNullish(right)) return 0;
  if (isNullish(left)) return -1;
  if (isNullish(right)) return 1;
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (typeof left === 'boolean' || typeof right === 'boolean') return Number(left === true) - Number(right === true);
  if (typeof left === 'number' || typeof right === 'number') {
    const l = Number(left);
    const r = Number(right);
    if (!Number.isNaN(l) && !Number.isNaN(r)) return l - r;
  }
  const l = String(left);
  const r = String(right);
  if (ISO_DATE_RE.test(l) && ISO_DATE_RE.test(r)) {
    const lt = Date.parse(l);
    const rt = Date.parse(r);
    if (!Number.isNaN(lt) && !Number.isNaN(rt)) return lt - rt;
  }
  const a = normalizeString(l, opts);
  const b = normalizeString(r, opts);
  return a < b ? -1 : a > b ? 1 : 0;
}

function wildcardMatch(value: string, pattern: string, opts: EvaluateOptions): boolean {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, opts.caseInsensitive === false ? '' : 'i').test(value);
}

function equals(left: unknown, right: LiteralNode | unknown, opts: EvaluateOptions): boolean {
  if (isNullish(left) || isNullish(right)) return isNullish(left) && isNullish(right);
  return compareValues(left, right, opts) === 0;
}

export function evaluateFilter(ast: FilterAst, row: Record<string, unknown>, opts: EvaluateOptions = {}): boolean {
  switch (ast.kind) {
    case 'logical':
      return ast.op === 'and'
        ? evaluateFilter(ast.left, row, opts) && evaluateFilter(ast.right, row, opts)
        : evaluateFilter(ast.left, row, opts) || evaluateFilter(ast.right, row, opts);
    case 'not':
      return !evaluateFilter(ast.operand, row, opts);
    case 'truthy':
      return evaluateValue(ast.value, row, opts) === true;
    case 'in': {
      const left = evaluateValue(ast.left, row, opts);
      return ast.values.some((v) => equals(left, v.value, opts));
    }
    case 'has': {
      const left = String(evaluateValue(ast.left, row, opts) ?? '');
      const right = String(evaluateValue(ast.right, row, opts) ?? '');
      return left.split(/\s*,\s*/).includes(right);
    }
    case 'function': {
      const name = ast.name.toLowerCase();
      if (!(STRING_FUNCTIONS as readonly string[]).includes(name)) {
        throw new ODataSyntaxError(`function '${ast.name}' is not supported`);
      }
      const haystack = evaluateValue(ast.args[0], row, opts);
      const needle = evaluateValue(ast.args[1], row, opts);
      if (isNullish(haystack) || isNullish(needle)) return false;
      const h = normalizeString(String(haystack), opts);
      const n = normalizeString(String(needle), opts);
      return name === 'contains' ? h.includes(n) : name === 'startswith' ? h.startsWith(n) : h.endsWith(n);
    }
    case 'compare': {
      const left = evaluateValue(ast.left, row, opts);
      const right = evaluateValue(ast.right, row, opts);
      if (
        opts.wildcardEquals &&
        (ast.op === 'eq' || ast.op === 'ne') &&
        ast.right.kind === 'literal' &&
        ast.right.type === 'string' &&
        String(right).includes('*')
      ) {
        const matched = !isNullish(left) && wildcardMatch(String(left), String(right), opts);
        return ast.op === 'eq' ? matched : !matched;
      }
      if (ast.op === 'eq') return equals(left, right, opts);
      if (ast.op === 'ne') return !equals(left, right, opts);
      // Ordering against null is false in OData (null is neither greater nor smaller).
      if (isNullish(left) || isNullish(right)) return false;
      const order = compareValues(left, right, opts);
      return ast.op === 'gt' ? order > 0 : ast.op === 'ge' ? order >= 0 : ast.op === 'lt' ? order < 0 : order <= 0;
    }
  }
}

/** A plain string literal that equals a stored value only when both read the same ignoring case. */
function plainText(node: ValueNode): string | undefined {
  if (node.kind !== 'literal' || (node.type !== 'string' && node.type !== 'guid')) return undefined;
  const text = String(node.value);
  // Numeric and date-like text compare by value (compareValues), so lower-cased text would not find them.
  if (text.trim() === '' || !Number.isNaN(Number(text)) || ISO_DATE_RE.test(text)) return undefined;
  return text;
}

/**
 * The property and string values a filter requires one of, when it has that shape: `p eq 'a'`, `p eq 'a' or
 * p eq 'b' …`, `p in ('a', …)`, or any of these and-ed with more conditions. Lets the emulators read only the
 * rows holding those values (an index look-up) before evaluating the whole filter on them; wildcards excluded.
 */
export function equalityValues(ast: FilterAst): { path: string; texts: string[] } | undefined {
  switch (ast.kind) {
    case 'compare': {
      if (ast.op !== 'eq') return undefined;
      const [property, value] = ast.left.kind === 'property' ? [ast.left, ast.right] : [ast.right, ast.left];
      const text = property.kind === 'property' ? plainText(value) : undefined;
      return text === undefined || text.includes('*')
        ? undefined
        : { path: (property as PropertyNode).path, texts: [text] };
    }
    case 'in': {
      if (ast.left.kind !== 'property') return undefined;
      const texts = ast.values.map(plainText);
      if (texts.some((t) => t === undefined || t.includes('*'))) return undefined;
      return { path: ast.left.path, texts: texts as string[] };
    }
    case 'logical': {
      const left = equalityValues(ast.left);
      if (ast.op === 'and') return left ?? equalityValues(ast.right);
      const right = left && equalityValues(ast.right);
      return right && right.path === left.path
        ? { path: left.path, texts: [...left.texts, ...right.texts] }
        : undefined;
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Other query options

export interface OrderByItem {
  path: string;
  descending: boolean;
}

export interface ExpandItem {
  path: string;
  select?: string[];
  filter?: FilterAst;
  orderby?: OrderByItem[];
  top?: number;
  expand?: ExpandItem[];
  /** Nested options other than the ones above, by name, so a system can refuse them. */
  other: string[];
}

export interface QueryOptions {
  filter?: FilterAst;
  filterText?: string;
  select?: string[];
  orderby?: OrderByItem[];
  top?: number;
  skip?: number;
  count?: boolean;
  expand?: ExpandItem[];
  skiptoken?: string;
  deltatoken?: string;
  /** `$`-options this parser does not know (e.g. `$apply`, `$search`), for the system to refuse. */
  unknown: string[];
  /** Every non-`$` parameter (e.g. `cross-company`). */
  custom: Record<string, string>;
}

/** Splits on `separator` at depth 0 (outside parentheses and quotes). */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === "'") {
      i = readQuoted(text, i).end - 1;
    } else if (ch === '(') depth += 1;
    else if (ch === ')') {
      depth -= 1;
      if (depth < 0) throw new ODataSyntaxError(`unbalanced ')'`, i);
    } else if (ch === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw new ODataSyntaxError(`unbalanced '('`, text.length);
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

const MEMBER_RE = /^[A-Za-z_][\w.]*(\/[A-Za-z_][\w.]*)*$/;

function parseSelect(text: string, option = '$select'): string[] {
  const items = text.split(',').map((s) => s.trim());
  for (const item of items) {
    if (item !== '*' && !MEMBER_RE.test(item)) throw new ODataSyntaxError(`${option}: '${item}' is not a property`);
  }
  return items;
}

function parseTop(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim())) throw new ODataSyntaxError(`${option} must be a non-negative integer, got '${text}'`);
  return Number(text);
}

function parseOrderBy(text: string): OrderByItem[] {
  return splitTopLevel(text, ',').map((item) => {
    const match = /^([A-Za-z_][\w./]*)(?:\s+(asc|desc))?$/i.exec(item);
    if (!match) throw new ODataSyntaxError(`$orderby: '${item}' is not a property optionally followed by asc/desc`);
    return { path: match[1], descending: (match[2] ?? '').toLowerCase() === 'desc' };
  });
}

function parseExpand(text: string): ExpandItem[] {
  return splitTopLevel(text, ',').map((item) => {
    const open = item.indexOf('(');
    const path = (open < 0 ? item : item.slice(0, open)).trim();
    if (!MEMBER_RE.test(path)) throw new ODataSyntaxError(`$expand: '${path}' is not a navigation property`);
    const expand: ExpandItem = { path, other: [] };
    if (open < 0) return expand;
    if (!item.endsWith(')')) throw new ODataSyntaxError(`$expand: '${item}' has unbalanced parentheses`);
    for (const option of splitTopLevel(item.slice(open + 1, -1), ';')) {
      if (!option) continue;
      const eq = option.indexOf('=');
      if (eq < 0) throw new ODataSyntaxError(`$expand: nested option '${option}' has no value`);
      const name = option.slice(0, eq).trim().toLowerCase();
      const value = option.slice(eq + 1).trim();
      if (name === '$select') expand.select = parseSelect(value, `$expand(${path}) $select`);
      else if (name === '$filter') expand.filter = parseFilter(value);
      else if (name === '$orderby') expand.orderby = parseOrderBy(value);
      else if (name === '$top') expand.top = parseTop(value, '$top');
      else if (name === '$expand') expand.expand = parseExpand(value);
      else expand.other.push(name);
    }
    return expand;
  });
}

/**
 * Parses query options from a URL query string (with or without '?'), URLSearchParams, or a fastify query
 * object. Option names are case-insensitive; a repeated option is an error.
 */
export function parseQueryOptions(
  query: string | URLSearchParams | Record<string, string | string[] | undefined>,
): QueryOptions {
  const entries: Array<[string, string]> = [];
  if (typeof query === 'string') {
    entries.push(...new URLSearchParams(query.startsWith('?') ? query.slice(1) : query));
  } else if (query instanceof URLSearchParams) {
    entries.push(...query);
  } else {
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) entries.push([name, v]);
    }
  }
  const options: QueryOptions = { unknown: [], custom: {} };
  const seen = new Set<string>();
  for (const [rawName, value] of entries) {
    const name = rawName.toLowerCase();
    if (!name.startsWith('$')) {
      options.custom[rawName] = value;
      continue;
    }
    if (seen.has(name)) throw new ODataSyntaxError(`query option ${name} is given more than once`);
    seen.add(name);
    switch (name) {
      case '$filter':
        options.filterText = value;
        options.filter = parseFilter(value);
        break;
      case '$select':
        options.select = parseSelect(value);
        break;
      case '$orderby':
        options.orderby = parseOrderBy(value);
        break;
      case '$top':
        options.top = parseTop(value, '$top');
        break;
      case '$skip':
        options.skip = parseTop(value, '$skip');
        break;
      case '$count':
        if (!/^(true|false)$/i.test(value)) throw new ODataSyntaxError(`$count must be true or false, got '${value}'`);
        options.count = value.toLowerCase() === 'true';
        break;
      case '$expand':
        options.expand = parseExpand(value);
        break;
      case '$skiptoken':
        options.skiptoken = value;
        break;
      case '$deltatoken':
        options.deltatoken = value;
        break;
      case '$format':
        if (!/^json$|^application\/json/i.test(value))
          throw new ODataSyntaxError(`$format '${value}' is not supported`);
        break;
      default:
        options.unknown.push(name);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------------------------
// Resource paths and key predicates

export type KeyValueLiteral = string | number | boolean | null;

export type KeyPredicate =
  | { kind: 'single'; value: KeyValueLiteral; type: LiteralType }
  | { kind: 'compound'; values: Record<string, KeyValueLiteral> };

export interface KeySegment {
  /** Entity set or navigation property name before the parentheses. */
  name: string;
  key?: KeyPredicate;
}

function parseKeyLiteral(text: string, position: number): LiteralNode {
  const tokens = tokenize(text.trim());
  if (tokens.length !== 2 || tokens[0].kind !== 'literal' || !tokens[0].literal) {
    throw new ODataSyntaxError(`'${text}' is not a key value`, position);
  }
  return tokens[0].literal;
}

/**
 * Parses one path segment: `accounts`, `accounts(<guid>)`, `accounts(accountnumber='A-1')`,
 * `Lines(SalesOrderNumber='S1',LineNumber=2)`. String values keep their case; quotes inside are un-doubled.
 */
export function parseKeySegment(text: string): KeySegment {
  const open = text.indexOf('(');
  if (open < 0) {
    if (!/^[$A-Za-z_][\w.$]*$/.test(text)) throw new ODataSyntaxError(`'${text}' is not a resource name`);
    return { name: text };
  }
  if (!text.endsWith(')')) throw new ODataSyntaxError(`'${text}' has text after the key predicate`);
  const name = text.slice(0, open);
  const inner = text.slice(open + 1, -1);
  if (!inner.trim()) throw new ODataSyntaxError(`'${text}' has an empty key predicate`);
  const parts = splitTopLevel(inner, ',');
  const named = parts.map((p) => {
    const match = /^([A-Za-z_][\w]*)\s*=\s*([\s\S]+)$/.exec(p);
    return match && !p.startsWith("'") ? { column: match[1], text: match[2] } : undefined;
  });
  if (parts.length === 1 && !named[0]) {
    const node = parseKeyLiteral(parts[0], open + 1);
    return { name, key: { kind: 'single', value: node.value, type: node.type } };
  }
  const values: Record<string, KeyValueLiteral> = {};
  named.forEach((entry, i) => {
    if (!entry) throw new ODataSyntaxError(`key part '${parts[i]}' must be name=value when the key has several parts`);
    if (entry.column in values) throw new ODataSyntaxError(`key part '${entry.column}' is given twice`);
    values[entry.column] = parseKeyLiteral(entry.text, open + 1).value;
  });
  return { name, key: { kind: 'compound', values } };
}

/** Splits a resource path on '/' outside quotes and parentheses, e.g. `accounts(name='a/b')/name`. */
export function splitPath(path: string): string[] {
  return splitTopLevel(path, '/').filter((segment) => segment.length > 0);
}

/** Formats a key value the way it appears in a URL: strings quoted with doubled quotes, GUIDs bare. */
export function formatKeyValue(value: KeyValueLiteral, type?: LiteralType): string {
  if (typeof value === 'string' && type !== 'guid') return `'${value.replace(/'/g, "''")}'`;
  return String(value);
}
