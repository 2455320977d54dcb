// What a person's name and email address may be: one rule for the admin API and pages, the CSV
// import and the CLI. Every check runs in time linear in the input, lengths first, so a hostile
// value cannot hold up the service.
import { problem, type Problem } from '../workflows/problem-list';
import { quoted } from '../workflows/quoted';

export const MAX_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
const MAX_DOMAIN_LABEL_LENGTH = 63;

// Each pattern below is one character class (with at most one quantifier), run only on text whose
// length was checked first: none can backtrack.
const LOCAL_PART = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$/;
const DOMAIN_LABEL = /^[A-Za-z0-9-]+$/;
const DIGITS = /^[0-9]+$/;
const LINE_BREAK = /[\r\n]/;
/** Besides line breaks: names go into email subjects and terminal output, where these do harm. */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/;
/** Overrides and isolates make a name read differently from what it is ("evil\u202Egpj.exe"). */
const DIRECTION_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

function isLocalPart(local: string): boolean {
  if (local.length === 0 || local.length > MAX_LOCAL_PART_LENGTH) return false;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
  return LOCAL_PART.test(local);
}

function isDomainLabel(label: string): boolean {
  if (label.length === 0 || label.length > MAX_DOMAIN_LABEL_LENGTH) return false;
  if (label.startsWith('-') || label.endsWith('-')) return false;
  return DOMAIN_LABEL.test(label);
}

function isDomain(domain: string): boolean {
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every(isDomainLabel)) return false;
  return !DIGITS.test(labels[labels.length - 1]);
}

/**
 * A plain `local@domain` address: no display name, comment, group, quoting, angle brackets,
 * whitespace or non-ASCII, so that nodemailer (and every relay) reads exactly the address stored.
 */
export function isPlainEmailAddress(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > MAX_EMAIL_LENGTH) return false;
  const at = value.indexOf('@');
  if (at < 0 || value.indexOf('@', at + 1) >= 0) return false;
  return isLocalPart(value.slice(0, at)) && isDomain(value.slice(at + 1));
}

/**
 * The problem with an email address in `field` ("manager.email"), if any, in words naming it as
 * the person knows it (`label`: "Manager email"). The problem carries the field, so that a page
 * shows it beside its input whatever the words.
 */
export function emailProblem(field: string, label: string, value: unknown): Problem | undefined {
  if (isPlainEmailAddress(value)) return undefined;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return problem(field, `${label} is required`);
  return problem(field, `This is not an email address: ${quoted(value)}`);
}

/** The problem with a person's name in `field` ("report.name", `label` "Report name"), if any; the name is trimmed first. */
export function nameProblem(field: string, label: string, value: unknown): Problem | undefined {
  if (value !== undefined && value !== null && typeof value !== 'string') return problem(field, `${label} must be text`);
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0) return problem(field, `${label} is required`);
  if (name.length > MAX_NAME_LENGTH) return problem(field, `${label} is too long: at most ${MAX_NAME_LENGTH} characters`);
  if (LINE_BREAK.test(name)) return problem(field, `${label} must be on one line`);
  if (CONTROL_CHARACTER.test(name)) return problem(field, `${label} contains a control character (such as a tab): remove it`);
  if (DIRECTION_CONTROL.test(name)) {
    return problem(field, `${label} contains invisible characters that change the direction of text: remove them`);
  }
  return undefined;
}
