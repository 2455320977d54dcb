// Quoting what a client sent inside a problem sentence. String() throws for an object parsed
// from JSON such as {"toString": 1}, which would turn a refusal into a crash.
export function quoted(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
