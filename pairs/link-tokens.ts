// What a link token is: 32 random bytes in base64url, stored only as its SHA-256, and blanked
// out of every stored copy of an email once it is sent.
import { createHash } from 'node:crypto';

export const TOKEN_BYTES = 32;
/** Characters of a token: TOKEN_BYTES in unpadded base64url. */
export const TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 8) / 6);
/** What stands in a stored copy of an email where a link's token was. */
export const REMOVED_TOKEN = '[link removed]';

// A literal prefix and a fixed-length run of token characters: matched in linear time.
const TOKEN_IN_LINK = new RegExp(`/(forms|pairs)/[A-Za-z0-9_-]{${TOKEN_LENGTH}}`, 'g');

/** The text with the token of every form and pair link replaced by REMOVED_TOKEN; the rest of each link stays. */
export function blankTokens(text: string): string {
  return text.replace(TOKEN_IN_LINK, `/$1/${REMOVED_TOKEN}`);
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
