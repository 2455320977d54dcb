// What the mail pages show: addresses as people read them, the text part with its web links
// clickable, and the HTML part made ready for a sandboxed frame.
import { DateTime } from 'luxon';
import type { MailAddress, MessageSummary, OpenedMessage } from './mail-folder';

/** Sandbox of the HTML part: its links open (new tab, or the whole page on a click), nothing else runs. */
export const HTML_PART_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation';

export function formatAddress(address: MailAddress): string {
  if (address.group) return `${address.name}: ${address.group.map(formatAddress).join(', ')};`;
  return address.name ? `${address.name} <${address.address}>` : address.address;
}

/** Mailbox addresses of a list, with groups opened up. */
function mailboxes(addresses: MailAddress[]): string[] {
  return addresses.flatMap((address) => (address.group ? address.group.map((member) => member.address) : [address.address]));
}

export function receivedAtText(date: Date): string {
  return DateTime.fromJSDate(date).toFormat('yyyy-LL-dd HH:mm:ss');
}

/** Whether any To recipient's name or address contains `filter`, ignoring case. */
export function sentTo(summary: MessageSummary, filter: string): boolean {
  const wanted = filter.toLowerCase();
  return summary.to.some((address) => formatAddress(address).toLowerCase().includes(wanted));
}

export function messageUrl(file: string): string {
  return `/mail/${encodeURIComponent(file)}`;
}

export function listRow(summary: MessageSummary) {
  return {
    url: messageUrl(summary.file),
    receivedAt: receivedAtText(summary.receivedAt),
    receivedAtIso: summary.receivedAt.toISOString(),
    from: summary.from ? formatAddress(summary.from) : '',
    to: mailboxes(summary.to).map((address) => ({ address, filterUrl: `/mail?to=${encodeURIComponent(address)}` })),
    subject: summary.unreadable ? '(could not be read)' : summary.subject || '(no subject)',
  };
}

/** A piece of the text part: plain text, or a web link to show as one. */
export type TextSegment = { text: string; url?: undefined } | { url: string; text?: undefined };

const WEB_LINK = /https?:\/\/[^\s<>"']+/g;
const TRAILING_PUNCTUATION = /[.,;:!?)\]]+$/;

export function textSegments(text: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let from = 0;
  for (const match of text.matchAll(WEB_LINK)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, '');
    const at = match.index ?? 0;
    if (at > from) segments.push({ text: text.slice(from, at) });
    segments.push({ url });
    from = at + url.length;
  }
  if (from < text.length) segments.push({ text: text.slice(from) });
  return segments;
}

function headerRows(opened: OpenedMessage) {
  const { parsed, summary } = opened;
  const rows: Array<{ name: string; value: string | undefined }> = [
    { name: 'From', value: parsed.from && formatAddress(parsed.from) },
    { name: 'To', value: parsed.to?.map(formatAddress).join(', ') },
    { name: 'Cc', value: parsed.cc?.map(formatAddress).join(', ') },
    { name: 'Reply-To', value: parsed.replyTo?.map(formatAddress).join(', ') },
    { name: 'Subject', value: parsed.subject },
    { name: 'Date', value: parsed.date },
    { name: 'Received', value: receivedAtText(summary.receivedAt) },
    { name: 'Message-ID', value: parsed.messageId },
  ];
  return rows.filter((row) => row.value);
}

export function messagePage(opened: OpenedMessage) {
  const { parsed, summary } = opened;
  const url = messageUrl(summary.file);
  return {
    title: parsed.subject || '(no subject)',
    file: summary.file,
    headers: headerRows(opened),
    allHeaders: parsed.headers.map((header) => ({ name: header.originalKey, value: header.value })),
    text: parsed.text === undefined ? undefined : textSegments(parsed.text),
    htmlUrl: parsed.html === undefined ? undefined : `${url}/html`,
    sandbox: HTML_PART_SANDBOX,
    rawUrl: `${url}/raw`,
    attachments: parsed.attachments.map((attachment) => ({ name: attachment.filename ?? '(no name)', type: attachment.mimeType })),
  };
}

/**
 * The HTML part with its links opening outside the frame: pages such as the forms refuse to be
 * framed, so a link followed inside the frame would show nothing. The base element goes first
 * (after any doctype); parsers move it into the head.
 */
export function htmlPartDocument(html: string): string {
  return html.replace(/^\s*(<!doctype[^>]*>)?/i, '$&<base target="_blank">');
}
