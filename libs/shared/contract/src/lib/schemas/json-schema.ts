/**
 * A small builder for JSON Schema (2020-12, the dialect of OpenAPI 3.1) whose results carry the TypeScript
 * type they describe. The contract's types are interfaces, with nothing at run time to describe them; a
 * schema built here is checked against its interface by the compiler (see `Same`), so the OpenAPI document
 * cannot drift from the types the server and the console are written against.
 */

declare const described: unique symbol;

/** A JSON value as a schema holds it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JSON schema object, as it appears in the document. */
export type JsonSchema = { [keyword: string]: JsonValue };

/** A JSON schema for values of type T. T exists for the compiler only: nothing is added to the JSON. */
export type Schema<T> = JsonSchema & { readonly [described]?: T };

/** An object property that may be absent (`key?: T`); only `s.object` takes it. */
export interface Optional<T> {
  readonly optional: Schema<T>;
}

/** The type a schema describes. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

type Props = Record<string, Schema<unknown> | Optional<unknown>>;
type OptionalKeys<P extends Props> = { [K in keyof P]: P[K] extends Optional<unknown> ? K : never }[keyof P];
type Flatten<T> = { [K in keyof T]: T[K] };

/** The object type `s.object(props)` describes: required and optional keys as the props say. */
export type ObjectOf<P extends Props> = Flatten<
  { [K in Exclude<keyof P, OptionalKeys<P>>]: Infer<P[K]> } & {
    [K in OptionalKeys<P>]?: P[K] extends Optional<infer T> ? T : never;
  }
>;

/**
 * True when A and B accept the same values (each is assignable to the other): a missing, extra, optional
 * or nullable field on either side makes it false.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Fails to compile unless T is `true`: `Expect<Same<Infer<typeof schema>, ContractType>>`. */
export type Expect<T extends true> = T;

/** Where the OpenAPI document keeps its named schemas; every `s.ref` points there. */
export const SCHEMA_REF_PREFIX = '#/components/schemas/';

type Annotations = { description?: string };
type StringOptions = Annotations & {
  format?: 'date-time';
  minLength?: number;
  maxLength?: number;
  pattern?: string;
};
type NumberOptions = Annotations & { minimum?: number; maximum?: number };

const schema = <T>(json: JsonSchema): Schema<T> => json;

export const s = {
  string: (options: StringOptions = {}): Schema<string> => schema({ type: 'string', ...options }),
  integer: (options: NumberOptions = {}): Schema<number> => schema({ type: 'integer', ...options }),
  number: (options: NumberOptions = {}): Schema<number> => schema({ type: 'number', ...options }),
  boolean: (options: Annotations = {}): Schema<boolean> => schema({ type: 'boolean', ...options }),
  /** Any JSON value. */
  unknown: (options: Annotations = {}): Schema<unknown> => schema({ ...options }),

  /** One of the given strings (a `const` when there is one). */
  literal: <const T extends string>(values: readonly T[], options: Annotations = {}): Schema<T> =>
    schema(
      values.length === 1
        ? { type: 'string', const: values[0], ...options }
        : { type: 'string', enum: [...values], ...options },
    ),

  /** T or null: OpenAPI 3.1 spells it with a type list (3.0's `nullable` is gone). */
  nullable: <T>(inner: Schema<T>): Schema<T | null> => {
    const type = inner['type'];
    if (typeof type === 'string' && inner['enum'] === undefined && inner['const'] === undefined) {
      return schema({ ...inner, type: [type, 'null'] });
    }
    return schema({ anyOf: [inner, { type: 'null' }] });
  },

  array: <T>(items: Schema<T>, options: Annotations & { maxItems?: number } = {}): Schema<T[]> =>
    schema({ type: 'array', items, ...options }),

  /** An object with any keys, every value of one schema. */
  record: <T>(values: Schema<T>, options: Annotations = {}): Schema<Record<string, T>> =>
    schema({ type: 'object', additionalProperties: values, ...options }),

  /** Marks an `s.object` property as one that may be absent. */
  optional: <T>(inner: Schema<T>): Optional<T> => ({ optional: inner }),

  /** An object with exactly these properties: an unknown one is a mismatch, as the server never sends one. */
  object: <P extends Props>(props: P, options: Annotations = {}): Schema<ObjectOf<P>> => {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [key, prop] of Object.entries(props)) {
      if (isOptional(prop)) {
        properties[key] = prop.optional;
      } else {
        properties[key] = prop;
        required.push(key);
      }
    }
    return schema({ type: 'object', properties, required, additionalProperties: false, ...options });
  },

  /** Exactly one of these schemas. */
  oneOf: <T>(variants: readonly Schema<T>[], options: Annotations = {}): Schema<T> =>
    schema({ oneOf: [...variants], ...options }),

  /** A named schema of the document (`components.schemas[name]`). */
  ref: <T>(name: string): Schema<T> => schema({ $ref: `${SCHEMA_REF_PREFIX}${name}` }),
};

function isOptional(prop: Schema<unknown> | Optional<unknown>): prop is Optional<unknown> {
  return 'optional' in prop && Object.keys(prop).length === 1;
}
