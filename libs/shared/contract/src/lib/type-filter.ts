/**
 * `?types=agent:*,workflow:completed`: a comma-separated list of event types, where a trailing `*` matches a
 * prefix. Snapshot events are always sent, whatever the filter.
 */
export type TypeFilter = (type: string) => boolean;

const TYPE_PATTERN = /^[a-z]+(:[a-z]+)?(\*)?$|^[a-z]+:\*$|^\*$/;

export class TypeFilterError extends Error {}

/** Parses a `types` query value; `undefined` or empty means every type. Throws TypeFilterError on a bad pattern. */
export function parseTypeFilter(value: string | undefined): TypeFilter | null {
  if (value === undefined || value.trim() === '') return null;
  const exact = new Set<string>();
  const prefixes: string[] = [];
  let everything = false;
  for (const raw of value.split(',')) {
    const pattern = raw.trim();
    if (!TYPE_PATTERN.test(pattern)) {
      throw new TypeFilterError(`types: "${pattern}" is not an event type or a prefix ending in *`);
    }
    // Keep checking the rest: a bad pattern is rejected wherever a `*` stands in the list.
    if (pattern === '*') everything = true;
    else if (pattern.endsWith('*')) prefixes.push(pattern.slice(0, -1));
    else exact.add(pattern);
  }
  if (everything) return null;
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}
