// EmbedThis's `where` option of Find: a small expression language over an account's fields,
// the subset of OneTable's syntax its clients write, e.g.
//   ${suspended} == true
//   (${name} = {Acme}) and not (${created} < {2026-01-01})
//   contains(${email}, {example.com}) or begins_with(${name}, 'Ac')
// It is parsed strictly into a tree and compiled to parameterized SQL: nothing is evaluated,
// every value reaches the database as a bound parameter, and anything outside the grammar
// is a 400 naming `where`.
//
//   expr       := and ('or' and)*
//   and        := unary ('and' unary)*
//   unary      := 'not' unary | '(' expr ')' | call | comparison
//   call       := ('contains' | 'begins_with' | 'begins') '(' field ',' value ')'
//   comparison := operand op operand          (exactly one side a field)
//   op         := '=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>='
//   operand    := field | value
//   field      := '${' name '}'               (id, name, email, suspended, closed, created, activity)
//   value      := '{' text '}' | number | true | false | 'text' | "text"
import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import { Invalid } from '../errors.js';

export type AccountField = 'id' | 'name' | 'email' | 'suspended' | 'closed' | 'created' | 'activity';
type FieldType = 'number' | 'text' | 'boolean' | 'date';

const FIELD_TYPES: Record<AccountField, FieldType> = {
  id: 'number', name: 'text', email: 'text', suspended: 'boolean', closed: 'boolean', created: 'date', activity: 'date',
};
export const WHERE_FIELDS = Object.keys(FIELD_TYPES) as AccountField[];

const MAX_LENGTH = 1000;
const MAX_TOKENS = 200;
const MAX_DEPTH = 20;

type Token =
  | { kind: 'field'; name: string }
  | { kind: 'value'; raw: string; quoted: boolean }
  | { kind: 'op'; op: string }
  | { kind: 'word'; word: string }
  | { kind: 'punct'; char: '(' | ')' | ',' };

type Literal = string | number | boolean;

export type WhereNode =
  | { kind: 'and' | 'or'; left: WhereNode; right: WhereNode }
  | { kind: 'not'; inner: WhereNode }
  | { kind: 'compare'; field: AccountField; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: Literal | Date }
  | { kind: 'call'; fn: 'contains' | 'begins_with'; field: AccountField; value: string };

function invalid(message: string): Invalid {
  return new Invalid('where', message);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) { i += 1; continue; }
    if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end === -1) throw invalid(`A field opened at position ${i + 1} is not closed with "}".`);
      tokens.push({ kind: 'field', name: text.slice(i + 2, end).trim() });
      i = end + 1;
    } else if (c === '{') {
      const end = text.indexOf('}', i + 1);
      if (end === -1) throw invalid(`A value opened at position ${i + 1} is not closed with "}".`);
      tokens.push({ kind: 'value', raw: text.slice(i + 1, end), quoted: false });
      i = end + 1;
    } else if (c === '"' || c === "'") {
      const end = text.indexOf(c, i + 1);
      if (end === -1) throw invalid(`A string opened at position ${i + 1} is not closed.`);
      tokens.push({ kind: 'value', raw: text.slice(i + 1, end), quoted: true });
      i = end + 1;
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', char: c });
      i += 1;
    } else if ('=!<>'.includes(c)) {
      const two = text.slice(i, i + 2);
      const op = ['==', '!=', '<>', '<=', '>='].includes(two) ? two : c;
      if (op === '!') throw invalid(`Unknown operator "!" at position ${i + 1}: use != or not.`);
      tokens.push({ kind: 'op', op });
      i += op.length;
    } else {
      const match = /^[A-Za-z0-9_.:+-]+/.exec(text.slice(i));
      if (!match) throw invalid(`Unexpected "${c}" at position ${i + 1}.`);
      const word = match[0];
      tokens.push(/^-?\d+(\.\d+)?$/.test(word) || word === 'true' || word === 'false'
        ? { kind: 'value', raw: word, quoted: false }
        : { kind: 'word', word: word.toLowerCase() });
      i += word.length;
    }
    if (tokens.length > MAX_TOKENS) throw invalid(`Too long: at most ${MAX_TOKENS} terms.`);
  }
  return tokens;
}

function literalOf(token: Extract<Token, { kind: 'value' }>): Literal {
  if (token.quoted) return token.raw;
  const raw = token.raw.trim();
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  const quoted = /^(['"])(.*)\1$/s.exec(raw);
  return quoted ? quoted[2]! : raw;
}

function fieldOf(token: Extract<Token, { kind: 'field' }>): AccountField {
  if (!(WHERE_FIELDS as string[]).includes(token.name)) {
    throw invalid(`Unknown field \${${token.name}}: use one of ${WHERE_FIELDS.map((f) => `\${${f}}`).join(', ')}.`);
  }
  return token.name as AccountField;
}

const OPS: Record<string, Extract<WhereNode, { kind: 'compare' }>['op']> = {
  '=': '=', '==': '=', '!=': '!=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=',
};
const MIRROR: Record<string, Extract<WhereNode, { kind: 'compare' }>['op']> = {
  '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=',
};

/** A value checked against its field's type: the comparison means what it says or is refused. */
function typedValue(field: AccountField, op: string, value: Literal): Literal | Date {
  const type = FIELD_TYPES[field];
  if (type === 'boolean') {
    if (typeof value !== 'boolean') throw invalid(`\${${field}} is true or false, not ${JSON.stringify(value)}.`);
    if (op !== '=' && op !== '!=') throw invalid(`\${${field}} is compared with = or != only.`);
    return value;
  }
  if (type === 'number') {
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw invalid(`\${${field}} is compared with a whole number.`);
    return number;
  }
  if (type === 'date') {
    const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw invalid(`\${${field}} is compared with a date (2026-01-31 or an ISO 8601 time).`);
    return date;
  }
  if (typeof value !== 'string') return String(value);
  return value;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): WhereNode {
    const node = this.or(0);
    if (this.at < this.tokens.length) throw invalid(`Unexpected ${this.describe(this.tokens[this.at]!)} after a complete condition.`);
    return node;
  }

  private describe(token: Token): string {
    switch (token.kind) {
      case 'field': return `\${${token.name}}`;
      case 'value': return `value "${token.raw}"`;
      case 'op': return `"${token.op}"`;
      case 'word': return `"${token.word}"`;
      default: return `"${token.char}"`;
    }
  }

  private peek(): Token | undefined { return this.tokens[this.at]; }

  private next(what: string): Token {
    const token = this.tokens[this.at];
    if (!token) throw invalid(`The condition ends where ${what} was expected.`);
    this.at += 1;
    return token;
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.word === word;
  }

  private expectPunct(char: '(' | ')' | ','): void {
    const token = this.next(`"${char}"`);
    if (token.kind !== 'punct' || token.char !== char) throw invalid(`Expected "${char}", found ${this.describe(token)}.`);
  }

  private or(depth: number): WhereNode {
    let left = this.and(depth);
    while (this.isWord('or')) {
      this.at += 1;
      left = { kind: 'or', left, right: this.and(depth) };
    }
    return left;
  }

  private and(depth: number): WhereNode {
    let left = this.unary(depth);
    while (this.isWord('and')) {
      this.at += 1;
      left = { kind: 'and', left, right: this.unary(depth) };
    }
    return left;
  }

  private unary(depth: number): WhereNode {
    if (depth > MAX_DEPTH) throw invalid(`Nested too deep: at most ${MAX_DEPTH} levels.`);
    const token = this.peek();
    if (!token) throw invalid('The condition ends where a comparison was expected.');
    if (token.kind === 'word' && token.word === 'not') {
      this.at += 1;
      return { kind: 'not', inner: this.unary(depth + 1) };
    }
    if (token.kind === 'punct' && token.char === '(') {
      this.at += 1;
      const inner = this.or(depth + 1);
      this.expectPunct(')');
      return inner;
    }
    if (token.kind === 'word') {
      const fn = token.word === 'begins' ? 'begins_with' : token.word;
      if (fn !== 'contains' && fn !== 'begins_with') throw invalid(`Unknown word "${token.word}": use and, or, not, contains() or begins_with().`);
      this.at += 1;
      this.expectPunct('(');
      const fieldToken = this.next('a field');
      if (fieldToken.kind !== 'field') throw invalid(`${fn}() takes a field first, such as \${name}.`);
      const field = fieldOf(fieldToken);
      if (FIELD_TYPES[field] !== 'text') throw invalid(`${fn}() applies to text fields (\${name}, \${email}), not \${${field}}.`);
      this.expectPunct(',');
      const valueToken = this.next('a value');
      if (valueToken.kind !== 'value') throw invalid(`${fn}() takes a value second, such as {text}.`);
      this.expectPunct(')');
      return { kind: 'call', fn, field, value: String(literalOf(valueToken)) };
    }
    return this.comparison();
  }

  private comparison(): WhereNode {
    const left = this.next('a field or value');
    const opToken = this.next('an operator');
    if (opToken.kind !== 'op') throw invalid(`Expected an operator (=, !=, <, <=, >, >=) after ${this.describe(left)}, found ${this.describe(opToken)}.`);
    const right = this.next('a field or value');
    let field: AccountField;
    let value: Literal;
    let op = OPS[opToken.op]!;
    if (left.kind === 'field' && right.kind === 'value') {
      field = fieldOf(left);
      value = literalOf(right);
    } else if (left.kind === 'value' && right.kind === 'field') {
      field = fieldOf(right);
      value = literalOf(left);
      op = MIRROR[op]!;
    } else {
      throw invalid('A comparison has a field on one side and a value on the other, such as ${suspended} == true.');
    }
    return { kind: 'compare', field, op, value: typedValue(field, op, value) };
  }
}

/** Parses `where`; throws a 400 naming `where` for anything outside the grammar. */
export function parseWhere(text: string): WhereNode {
  if (text.length > MAX_LENGTH) throw invalid(`Too long: at most ${MAX_LENGTH} characters.`);
  const tokens = tokenize(text);
  if (tokens.length === 0) throw invalid('The condition is empty.');
  return new Parser(tokens).parse();
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Compiles a parsed condition with the SQL each field stands for; values are bound parameters. */
export function compileWhere(node: WhereNode, columns: Record<AccountField, RawBuilder<unknown>>): Expression<SqlBool> {
  switch (node.kind) {
    case 'and': return sql<SqlBool>`(${compileWhere(node.left, columns)} and ${compileWhere(node.right, columns)})`;
    case 'or': return sql<SqlBool>`(${compileWhere(node.left, columns)} or ${compileWhere(node.right, columns)})`;
    // A field without a value (an account with no e-mail) is neither equal nor unequal: coalesce to false.
    case 'not': return sql<SqlBool>`(not coalesce(${compileWhere(node.inner, columns)}, false))`;
    case 'call': {
      const pattern = node.fn === 'contains' ? `%${escapeLike(node.value)}%` : `${escapeLike(node.value)}%`;
      return sql<SqlBool>`coalesce(${columns[node.field]} ilike ${pattern}, false)`;
    }
    case 'compare': {
      const column = columns[node.field];
      if (node.op === '!=') return sql<SqlBool>`(${column} is distinct from ${node.value})`;
      return sql<SqlBool>`coalesce(${column} ${sql.raw(node.op)} ${node.value}, false)`;
    }
  }
}
