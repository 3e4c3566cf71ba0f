// The SOQL subset the fake answers: SELECT fields FROM type [WHERE f = v [AND …]] [ORDER BY f [ASC|DESC]] [LIMIT n].
import { fieldNamed, type SObjectSchema } from './schema';

type Literal = string | number | boolean | null;

export interface SoqlQuery {
  fields: string[];
  type: string;
  conditions: { field: string; operator: '=' | '!='; value: Literal }[];
  orderBy: { field: string; descending: boolean } | undefined;
  limit: number | undefined;
}

/** A query Salesforce refuses: MALFORMED_QUERY, INVALID_TYPE or INVALID_FIELD, with its message. */
export class SoqlError extends Error {
  constructor(
    readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_TYPE' | 'INVALID_FIELD',
    message: string,
  ) {
    super(message);
  }
}

const TOKEN = /\s*(?:('(?:\\.|[^'\\])*')|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_][\w.]*)|(!=|[=,*()]))/y;

export function parseSoql(text: string): SoqlQuery {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => {
    const token = tokens[position++];
    if (token === undefined) throw new SoqlError('MALFORMED_QUERY', 'unexpected end of query');
    return token;
  };
  /** Consumes the keyword when it comes next. */
  const keyword = (word: string) => {
    const token = peek();
    if (token?.kind !== 'word' || token.text.toUpperCase() !== word) return false;
    position++;
    return true;
  };
  const expectKeyword = (word: string) => {
    if (!keyword(word)) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${peek()?.text ?? '<end>'}', expected ${word}`);
  };
  const identifier = () => {
    const token = next();
    if (token.kind !== 'word') throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${token.text}'`);
    return token.text;
  };

  expectKeyword('SELECT');
  const fields = [identifier()];
  while (peek()?.text === ',') {
    position++;
    fields.push(identifier());
  }
  expectKeyword('FROM');
  const type = identifier();
  const conditions: SoqlQuery['conditions'] = [];
  if (keyword('WHERE')) {
    do {
      const field = identifier();
      const operator = next().text;
      if (operator !== '=' && operator !== '!=') throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${operator}'`);
      conditions.push({ field, operator, value: literal(next()) });
    } while (keyword('AND'));
  }
  let orderBy: SoqlQuery['orderBy'];
  if (keyword('ORDER')) {
    expectKeyword('BY');
    orderBy = { field: identifier(), descending: false };
    if (keyword('DESC')) orderBy.descending = true;
    else keyword('ASC');
  }
  let limit: number | undefined;
  if (keyword('LIMIT')) {
    const token = next();
    limit = Number(token.text);
    if (token.kind !== 'number' || !Number.isInteger(limit) || limit < 0) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${token.text}'`);
  }
  if (peek()) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${peek()?.text}'`);
  return { fields, type, conditions, orderBy, limit };
}

/** The matching records, each `{attributes, <selected fields>}` in the order asked; field names are case-insensitive. */
export function runSoql(query: SoqlQuery, schema: SObjectSchema, records: Record<string, unknown>[], baseUrl: string): Record<string, unknown>[] {
  const column = (name: string) => {
    const field = fieldNamed(schema, name);
    if (!field) throw new SoqlError('INVALID_FIELD', `No such column '${name}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);
    return field.name;
  };
  const selected = query.fields.map(column);
  const conditions = query.conditions.map((condition) => ({ ...condition, field: column(condition.field) }));
  const matching = records.filter((record) => conditions.every(({ field, operator, value }) => ((record[field] ?? null) === value) === (operator === '=')));
  if (query.orderBy) {
    const field = column(query.orderBy.field);
    const direction = query.orderBy.descending ? -1 : 1;
    matching.sort((a, b) => direction * compare(a[field], b[field]));
  }
  return matching.slice(0, query.limit).map((record) => ({
    attributes: { type: schema.name, url: `${baseUrl}/sobjects/${schema.name}/${String(record.Id)}` },
    ...Object.fromEntries(selected.map((field) => [field, record[field] ?? null])),
  }));
}

/** Nulls first, like SOQL's default ASC NULLS FIRST. */
function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  return (a as string | number) < (b as string | number) ? -1 : 1;
}

interface Token {
  kind: 'string' | 'number' | 'word' | 'symbol';
  text: string;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.trimEnd().length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${text.slice(start).trim().split(/\s/)[0]}'`);
    const [, string, number, word, symbol] = match;
    if (string !== undefined) tokens.push({ kind: 'string', text: string });
    else if (number !== undefined) tokens.push({ kind: 'number', text: number });
    else if (word !== undefined) tokens.push({ kind: 'word', text: word });
    else tokens.push({ kind: 'symbol', text: symbol ?? '' });
  }
  return tokens;
}

function literal(token: Token): Literal {
  if (token.kind === 'string') return token.text.slice(1, -1).replace(/\\(.)/g, '$1');
  if (token.kind === 'number') return Number(token.text);
  const word = token.text.toLowerCase();
  if (word === 'null') return null;
  if (word === 'true' || word === 'false') return word === 'true';
  throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${token.text}'`);
}
