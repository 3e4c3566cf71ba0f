// fast-check arbitraries for bad input: hostile JSON, malformed bodies, and values the API's own OpenAPI schemas reject.
import fc, { type Arbitrary } from 'fast-check';

/** The part of JSON Schema (as zod-to-openapi emits it for OpenAPI 3.1) that the generators read. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  maxItems?: number;
}

type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
const JSON_TYPES: readonly JsonType[] = ['null', 'boolean', 'number', 'string', 'array', 'object'];

/** Fragments that have broken parsers, databases and loggers before: NUL, lone surrogates, bidi overrides, ZWJ emoji, escapes, injections. */
const HOSTILE_FRAGMENTS = [
  '\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', '\u2028', '\u200b', '💥', '👩‍👩‍👧‍👦', 'é', 'Ω', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '\\', '"', '\\u0000',
  "'; DROP TABLE users; --", '%00', '%E0%A4%A', '../../etc/passwd', '{{7*7}}', '${jndi:ldap://x}', '<script>alert(1)</script>', 'null', 'NaN', '1e999', '-0',
];

/** Keys that collide with Object.prototype or with what libraries look for on objects. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'toJSON', 'then', 'length'];

const utf16Unit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

export const hostileString: Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: utf16Unit, maxLength: 24 }),
  fc.array(fc.constantFrom(...HOSTILE_FRAGMENTS), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('')),
);

export const hostileKey: Arbitrary<string> = fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileString);

const hostileNumber: Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2, 1e308, 5e-324),
);

/** Objects built from entries, so a `__proto__` key stays an own property (as JSON.parse makes it). */
const objectOf = (entries: [string, unknown][]) => Object.fromEntries(entries);

/** Any JSON value: hostile strings and numbers, prototype-colliding keys, small nesting. */
export const anyJson: Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(objectOf),
  ),
})).value;

/** A value nested thousands of levels deep, in arrays or objects. */
export const deeplyNested: Arbitrary<unknown> = fc
  .record({ depth: fc.integer({ min: 500, max: 3_000 }), key: hostileKey, inArrays: fc.boolean(), leaf: anyJson })
  .map(({ depth, key, inArrays, leaf }) => {
    let value = leaf;
    for (let level = 0; level < depth; level++) value = inArrays ? [value] : objectOf([[key, value]]);
    return value;
  });

const valueOfType: Record<JsonType, Arbitrary<unknown>> = {
  null: fc.constant(null),
  boolean: fc.boolean(),
  number: hostileNumber,
  string: hostileString,
  array: fc.array(anyJson, { maxLength: 4 }),
  object: fc.array(fc.tuple(hostileKey, anyJson), { maxLength: 4 }).map(objectOf),
};

/** Strings without whitespace, so that a zod `.trim()` cannot shorten them back into range. */
const solidString = (minLength: number, maxLength: number) =>
  fc.string({ unit: 'grapheme', minLength, maxLength }).map((text) => text.replace(/\s/g, 'x'));

/** Lone surrogates become U+FFFD: a URL segment must be well-formed UTF-16 to be percent-encoded. */
export const encodeSegment = (text: string) => encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

/** Raw path segments whose percent-encoding is broken (truncated, not hex, an encoded surrogate, overlong UTF-8). */
export const malformedPercentSegment: Arbitrary<string> = fc.constantFrom('%', '%E0%A4%A', '%zz', '%ED%A0%80', '%C0%AF', 'a%2', '%%');

/** Reads a served OpenAPI document's schemas and builds arbitraries of values each schema rejects. */
export function schemaArbitraries(components: Record<string, JsonSchema>) {
  const resolve = (schema: JsonSchema): JsonSchema => {
    if (!schema.$ref) return schema;
    const target = components[schema.$ref.replace('#/components/schemas/', '')];
    if (!target) throw new Error(`Unresolvable $ref ${schema.$ref}`);
    return resolve(target);
  };
  const variantsOf = (schema: JsonSchema) => (schema.anyOf ?? schema.oneOf)?.map(resolve);

  /** The JSON types a schema admits (integer counts as number), or undefined when it admits anything. */
  const allowedTypes = (raw: JsonSchema): Set<JsonType> | undefined => {
    const schema = resolve(raw);
    if (schema.type !== undefined) return new Set([schema.type].flat().map((type) => (type === 'integer' ? 'number' : type) as JsonType));
    const variants = variantsOf(schema);
    if (variants) {
      const perVariant = variants.map(allowedTypes);
      return perVariant.some((types) => types === undefined) ? undefined : new Set(perVariant.flatMap((types) => [...types!]));
    }
    if (schema.enum) return new Set(schema.enum.map((value) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value) as JsonType));
    return undefined;
  };

  /** Values of a JSON type that no schema in the list admits. */
  const wrongType = (schemas: JsonSchema[]): Arbitrary<unknown> | undefined => {
    const allowed = schemas.map(allowedTypes);
    if (allowed.some((types) => types === undefined)) return undefined;
    const wrong = JSON_TYPES.filter((type) => allowed.every((types) => !types!.has(type)));
    return wrong.length > 0 ? fc.oneof(...wrong.map((type) => valueOfType[type])) : undefined;
  };

  /** A value of the right JSON type where one can be made, used around the poisoned part of an object. */
  const plausible = (raw: JsonSchema, depth = 0): Arbitrary<unknown> => {
    const schema = resolve(raw);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const variants = variantsOf(schema);
    if (variants) return fc.oneof(...variants.map((variant) => plausible(variant, depth)));
    const type = [schema.type].flat()[0];
    if (type === 'string') return hostileString;
    if (type === 'integer') return fc.integer();
    if (type === 'number') return hostileNumber;
    if (type === 'boolean') return fc.boolean();
    if (type === 'array') return fc.array(schema.items && depth < 3 ? plausible(schema.items, depth + 1) : anyJson, { maxLength: 3 });
    if (type === 'object' && schema.properties && depth < 3) {
      const entries = Object.entries(schema.properties).map(([key, property]) => fc.option(plausible(property, depth + 1).map((value): [string, unknown] => [key, value]), { nil: undefined }));
      return fc.tuple(...entries).map((picked) => objectOf(picked.filter((entry) => entry !== undefined)));
    }
    return anyJson;
  };

  /** Out-of-range values of the schema's own type: not in the enum, too long or short, off-pattern, beyond a bound, fractional. */
  const outOfRange = (schema: JsonSchema): Arbitrary<unknown>[] => {
    const choices: Arbitrary<unknown>[] = [];
    const type = schema.type;
    if (type === 'string') {
      const { enum: allowed, maxLength, minLength, pattern } = schema;
      if (allowed) choices.push(hostileString.filter((text) => !allowed.includes(text)), fc.constantFrom(...(allowed as string[])).map((value) => `${value}\u0000`));
      if (maxLength !== undefined) choices.push(solidString(maxLength + 1, maxLength + 40).filter((text) => text.length > maxLength));
      if (minLength) choices.push(fc.oneof(fc.constant(''), solidString(0, minLength - 1)).filter((text) => text.length < minLength));
      if (pattern) choices.push(hostileString.filter((text) => !new RegExp(pattern).test(text) && !new RegExp(pattern).test(text.trim())));
    }
    if (type === 'integer' || type === 'number') {
      const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
      const excess = fc.integer({ min: 0, max: 1_000_000 });
      if (minimum !== undefined) choices.push(excess.map((extra) => minimum - 1 - extra));
      if (exclusiveMinimum !== undefined) choices.push(excess.map((extra) => exclusiveMinimum - extra));
      if (maximum !== undefined) choices.push(excess.map((extra) => maximum + 1 + extra));
      if (exclusiveMaximum !== undefined) choices.push(excess.map((extra) => exclusiveMaximum + extra));
      if (type === 'integer') choices.push(fc.integer({ min: 0, max: 1000 }).map((whole) => whole + 0.5));
    }
    if (type === 'array' && schema.maxItems !== undefined) choices.push(fc.array(anyJson, { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 5 }));
    return choices;
  };

  /** An object every variant rejects: a documented key with a bad value, an unknown key (all strict), or a key all require left out. */
  const poisonedObject = (variants: JsonSchema[]): Arbitrary<Record<string, unknown>> | undefined => {
    const strict = (variant: JsonSchema) => variant.additionalProperties === false;
    const documented = [...new Set(variants.flatMap((variant) => Object.keys(variant.properties ?? {})))];
    const undocumentedKey = hostileKey.filter((key) => !documented.includes(key));
    type Poison = { key: string; value?: unknown; omit: boolean };
    const poisons: Arbitrary<Poison>[] = [];
    for (const key of documented) {
      if (!variants.every((variant) => variant.properties?.[key] || strict(variant))) continue;
      const schemas = variants.flatMap((variant) => (variant.properties?.[key] ? [variant.properties[key]] : []));
      const bad = schemas.length === 1 ? invalidValue(schemas[0]!) : wrongType(schemas);
      if (bad) poisons.push(bad.map((value) => ({ key, value, omit: false })));
    }
    if (variants.every(strict)) poisons.push(fc.tuple(undocumentedKey, anyJson).map(([key, value]) => ({ key, value, omit: false })));
    for (const key of documented.filter((name) => variants.every((variant) => variant.required?.includes(name)))) poisons.push(fc.constant({ key, omit: true }));
    if (poisons.length === 0) return undefined;

    const base = fc.oneof(...variants.map((variant) => plausible(variant))) as Arbitrary<Record<string, unknown>>;
    const extras = fc.array(fc.tuple(undocumentedKey, fc.oneof(anyJson, deeplyNested)), { maxLength: 3 });
    return fc.tuple(base, extras, fc.oneof(...poisons)).map(([plausibleFields, extraFields, poison]) => {
      const entries = [...Object.entries(plausibleFields), ...extraFields].filter(([key]) => key !== poison.key);
      return objectOf(poison.omit ? entries : [...entries, [poison.key, poison.value]]);
    });
  };

  /** Values the schema rejects, or undefined when the schema admits anything. */
  function invalidValue(raw: JsonSchema): Arbitrary<unknown> | undefined {
    const schema = resolve(raw);
    const variants = variantsOf(schema);
    const objectVariants = variants ?? (schema.type === 'object' ? [schema] : []);
    const choices = [wrongType([schema]), ...(variants ? [] : outOfRange(schema)), objectVariants.length > 0 && objectVariants.every((variant) => variant.type === 'object') ? poisonedObject(objectVariants) : undefined].filter(
      (choice): choice is Arbitrary<unknown> => choice !== undefined,
    );
    return choices.length > 0 ? fc.oneof(...choices) : undefined;
  }

  /** Decoded path-parameter values the parameter's schema rejects (path params arrive as strings and are coerced), or undefined. */
  function invalidPathValue(raw: JsonSchema): Arbitrary<string> | undefined {
    const schema = resolve(raw);
    if (schema.type === 'integer') return fc.oneof(fc.constantFrom('0', '-1', '1.5', '9007199254740992', '1e400', 'NaN', '0x', 'Infinity'), hostileString.map((text) => `${text}g`));
    if (schema.type !== 'string') return undefined;
    const outside = outOfRange(schema) as Arbitrary<string>[];
    return outside.length > 0 ? fc.oneof(...outside).filter((text) => text.length > 0) : undefined;
  }

  return { invalidValue, invalidPathValue, plausible };
}
