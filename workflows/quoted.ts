// Quoting what a client sent inside a problem sentence. String() throws for an object parsed
// from JSON such as {"toString": 1}, which would turn a refusal into a crash; and a huge value is
// cut short, so that a problem sentence never grows with the input.

/** Characters of a value a problem quotes: enough to recognise it. */
export const MAX_QUOTED_LENGTH = 60;

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** The start of a long text, without a lone half of a surrogate pair at the cut. */
function start(text: string, length: number): string {
  const cut = text.slice(0, length);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

export function quoted(value: unknown): string {
  const text = asText(value);
  if (text.length <= MAX_QUOTED_LENGTH) return text;
  return `${start(text, MAX_QUOTED_LENGTH)}… (${text.length.toLocaleString('en-US')} characters)`;
}
