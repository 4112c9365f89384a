/**
 * A small OData `$filter` parser and evaluator. The same filter text is sent to the service and re-applied to
 * every row the engine receives, because change-tracking reads (Dataverse delta links) and retries of single
 * failed rows come back unfiltered. Supports the subset both services accept: eq ne gt ge lt le, and or not,
 * parentheses, string/number/boolean/null/date/GUID literals, F&O enum literals (Ns.Type'Symbol'), navigation paths
 * (a/b) and contains/startswith/endswith/tolower/toupper. String comparison is case-insensitive, as in both
 * services.
 */

export type FilterLiteral = string | number | boolean | null;

export type FilterExpr =
  | { kind: 'literal'; value: FilterLiteral }
  | { kind: 'path'; path: string[] }
  | { kind: 'compare'; op: CompareOp; left: FilterExpr; right: FilterExpr }
  | { kind: 'logical'; op: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; operand: FilterExpr }
  | { kind: 'call'; name: FunctionName; args: FilterExpr[] };

type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type FunctionName = 'contains' | 'startswith' | 'endswith' | 'tolower' | 'toupper';

const COMPARE_OPS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTION_ARITY: Record<FunctionName, number> = {
  contains: 2,
  startswith: 2,
  endswith: 2,
  tolower: 1,
  toupper: 1,
};

export class FilterSyntaxError extends Error {
  constructor(
    readonly filter: string,
    readonly position: number,
    reason: string,
  ) {
    super(`${reason} at position ${position} of filter "${filter}"`);
    this.name = 'FilterSyntaxError';
  }
}

type Token =
  | { type: 'string'; value: string; pos: number }
  | { type: 'number'; value: number; pos: number }
  | { type: 'word'; value: string; pos: number }
  | { type: 'enum'; value: string; pos: number }
  | { type: 'punct'; value: '(' | ')' | ','; pos: number };

const WORD = /[A-Za-z_][A-Za-z0-9_./]*/y;
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?(?![\w:-])/y;
const DATE = /\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?/y;
/** A bare GUID (`_ownerid_value eq 3f2a…`), as Dataverse writes lookup and id values; not followed by a name char. */
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w.-])/iy;

function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "'") {
      if (text[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += text[i];
    i += 1;
  }
  throw new FilterSyntaxError(text, start, 'unterminated string literal');
}

function guidAt(text: string, at: number): boolean {
  GUID.lastIndex = at;
  return GUID.test(text);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      i += 1;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ type: 'punct', value: ch, pos: i });
      i += 1;
    } else if (guidAt(text, i)) {
      // Compared as text, ignoring case: rows carry GUIDs as lower-case strings.
      tokens.push({ type: 'string', value: text.slice(i, i + 36).toLowerCase(), pos: i });
      i += 36;
    } else if (ch === "'") {
      const { value, end } = readQuoted(text, i);
      tokens.push({ type: 'string', value, pos: i });
      i = end;
    } else if (/[\d-]/.test(ch)) {
      DATE.lastIndex = i;
      const date = DATE.exec(text);
      if (date && date[0].length > 4 && text[i] !== '-') {
        tokens.push({ type: 'string', value: date[0], pos: i });
        i += date[0].length;
        continue;
      }
      NUMBER.lastIndex = i;
      const num = NUMBER.exec(text);
      if (!num) throw new FilterSyntaxError(text, i, `unexpected character "${ch}"`);
      tokens.push({ type: 'number', value: Number(num[0]), pos: i });
      i += num[0].length;
    } else {
      WORD.lastIndex = i;
      const word = WORD.exec(text);
      if (!word) throw new FilterSyntaxError(text, i, `unexpected character "${ch}"`);
      const end = i + word[0].length;
      if (text[end] === "'" && word[0].includes('.')) {
        // F&O enum literal: Microsoft.Dynamics.DataEntities.NoYes'Yes' compares as the symbol name.
        const { value, end: after } = readQuoted(text, end);
        tokens.push({ type: 'enum', value, pos: i });
        i = after;
      } else {
        tokens.push({ type: 'word', value: word[0], pos: i });
        i = end;
      }
    }
  }
  return tokens;
}

class Parser {
  private index = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterExpr {
    if (this.tokens.length === 0) throw new FilterSyntaxError(this.text, 0, 'empty filter');
    const expr = this.parseOr();
    const extra = this.tokens[this.index];
    if (extra) throw new FilterSyntaxError(this.text, extra.pos, `unexpected "${String(extra.value)}"`);
    return expr;
  }

  private peekWord(value: string): boolean {
    const token = this.tokens[this.index];
    return token?.type === 'word' && token.value.toLowerCase() === value;
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.peekWord('or')) {
      this.index += 1;
      left = { kind: 'logical', op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseUnary();
    while (this.peekWord('and')) {
      this.index += 1;
      left = { kind: 'logical', op: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterExpr {
    if (this.peekWord('not')) {
      this.index += 1;
      return { kind: 'not', operand: this.parseUnary() };
    }
    const left = this.parsePrimary();
    const token = this.tokens[this.index];
    if (token?.type === 'word' && COMPARE_OPS.has(token.value.toLowerCase())) {
      this.index += 1;
      return { kind: 'compare', op: token.value.toLowerCase() as CompareOp, left, right: this.parsePrimary() };
    }
    if (token?.type === 'word' && (token.value === 'in' || token.value === 'has')) {
      throw new FilterSyntaxError(this.text, token.pos, `operator "${token.value}" is not supported`);
    }
    return left;
  }

  private expectPunct(value: '(' | ')' | ','): void {
    const token = this.tokens[this.index];
    if (token?.type !== 'punct' || token.value !== value) {
      throw new FilterSyntaxError(this.text, token?.pos ?? this.text.length, `expected "${value}"`);
    }
    this.index += 1;
  }

  private parsePrimary(): FilterExpr {
    const token = this.tokens[this.index];
    if (!token) throw new FilterSyntaxError(this.text, this.text.length, 'unexpected end of filter');
    this.index += 1;
    switch (token.type) {
      case 'string':
      case 'enum':
      case 'number':
        return { kind: 'literal', value: token.value };
      case 'punct': {
        if (token.value !== '(') throw new FilterSyntaxError(this.text, token.pos, `unexpected "${token.value}"`);
        const inner = this.parseOr();
        this.expectPunct(')');
        return inner;
      }
      case 'word':
        return this.parseWord(token);
    }
  }

  private parseWord(token: Extract<Token, { type: 'word' }>): FilterExpr {
    const lower = token.value.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'literal', value: lower === 'true' };
    if (lower === 'null') return { kind: 'literal', value: null };
    const next = this.tokens[this.index];
    if (next?.type === 'punct' && next.value === '(') {
      if (!(lower in FUNCTION_ARITY)) {
        throw new FilterSyntaxError(this.text, token.pos, `function "${token.value}" is not supported`);
      }
      const name = lower as FunctionName;
      this.index += 1;
      const args: FilterExpr[] = [this.parseOr()];
      while (this.tokens[this.index]?.type === 'punct' && this.tokens[this.index].value === ',') {
        this.index += 1;
        args.push(this.parseOr());
      }
      this.expectPunct(')');
      if (args.length !== FUNCTION_ARITY[name]) {
        throw new FilterSyntaxError(this.text, token.pos, `${name} takes ${FUNCTION_ARITY[name]} argument(s)`);
      }
      return { kind: 'call', name, args };
    }
    if (COMPARE_OPS.has(lower) || lower === 'and' || lower === 'or') {
      throw new FilterSyntaxError(this.text, token.pos, `unexpected operator "${token.value}"`);
    }
    return { kind: 'path', path: token.value.split('/') };
  }
}

const parsed = new Map<string, FilterExpr>();

/** Parses (and memoises) a filter. Throws FilterSyntaxError with the position of the problem. */
export function parseFilter(text: string): FilterExpr {
  let expr = parsed.get(text);
  if (!expr) {
    expr = new Parser(text, tokenize(text)).parse();
    parsed.set(text, expr);
  }
  return expr;
}

/** Every column path the filter reads, e.g. `['statecode', 'quoteid/statecode']`. */
export function filterPaths(expr: FilterExpr): string[] {
  const out = new Set<string>();
  const visit = (node: FilterExpr): void => {
    switch (node.kind) {
      case 'path':
        out.add(node.path.join('/'));
        break;
      case 'compare':
      case 'logical':
        visit(node.left);
        visit(node.right);
        break;
      case 'not':
        visit(node.operand);
        break;
      case 'call':
        node.args.forEach(visit);
        break;
      case 'literal':
        break;
    }
  };
  visit(expr);
  return [...out];
}

function readPath(row: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = row;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return null;
    value = (value as Record<string, unknown>)[segment];
  }
  return value === undefined ? null : value;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

function compareValues(left: unknown, right: unknown): number | undefined {
  if (left === null || right === null) return undefined;
  if (typeof left === 'number' || typeof right === 'number') {
    const a = Number(left);
    const b = Number(right);
    return Number.isNaN(a) || Number.isNaN(b) ? undefined : a - b;
  }
  if (typeof left === 'string' && typeof right === 'string') {
    if (ISO_DATE.test(left) && ISO_DATE.test(right)) return Date.parse(left) - Date.parse(right);
    const a = left.toLowerCase();
    const b = right.toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof left === 'boolean' && typeof right === 'boolean') return Number(left) - Number(right);
  return undefined;
}

function wildcardMatch(value: string, pattern: string): boolean {
  const escaped = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`).test(value.toLowerCase());
}

function isEqual(left: unknown, right: unknown, wildcards: boolean): boolean {
  if (left === null || right === null) return left === right;
  if (wildcards && typeof left === 'string' && typeof right === 'string' && right.includes('*')) {
    return wildcardMatch(left, right);
  }
  return compareValues(left, right) === 0;
}

function evaluate(node: FilterExpr, row: Record<string, unknown>, wildcards: boolean): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return readPath(row, node.path);
    case 'logical': {
      const left = evaluate(node.left, row, wildcards) === true;
      if (node.op === 'and') return left && evaluate(node.right, row, wildcards) === true;
      return left || evaluate(node.right, row, wildcards) === true;
    }
    case 'not':
      return evaluate(node.operand, row, wildcards) !== true;
    case 'compare': {
      const left = evaluate(node.left, row, wildcards);
      const right = evaluate(node.right, row, wildcards);
      if (node.op === 'eq') return isEqual(left, right, wildcards);
      if (node.op === 'ne') return !isEqual(left, right, wildcards);
      const order = compareValues(left, right);
      if (order === undefined) return false;
      if (node.op === 'gt') return order > 0;
      if (node.op === 'ge') return order >= 0;
      if (node.op === 'lt') return order < 0;
      return order <= 0;
    }
    case 'call': {
      const args = node.args.map((arg) => evaluate(arg, row, wildcards));
      if (node.name === 'tolower' || node.name === 'toupper') {
        if (typeof args[0] !== 'string') return null;
        return node.name === 'tolower' ? args[0].toLowerCase() : args[0].toUpperCase();
      }
      const [text, part] = args;
      if (typeof text !== 'string' || typeof part !== 'string') return false;
      const a = text.toLowerCase();
      const b = part.toLowerCase();
      if (node.name === 'contains') return a.includes(b);
      if (node.name === 'startswith') return a.startsWith(b);
      return a.endsWith(b);
    }
  }
}

/**
 * True when the row satisfies the filter. `wildcards` enables F&O's `eq '*text*'` pattern matching.
 * Missing columns read as null.
 */
export function matchesFilter(expr: FilterExpr, row: Record<string, unknown>, wildcards = false): boolean {
  return evaluate(expr, row, wildcards) === true;
}

/** Joins filters with `and`, parenthesising each so `or` inside one cannot leak into the other. */
export function andFilters(...filters: Array<string | undefined>): string | undefined {
  const parts = filters.filter((f): f is string => !!f && f.trim() !== '');
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return parts.map((f) => `(${f})`).join(' and ');
}

/** Quotes a value as an OData string literal. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
