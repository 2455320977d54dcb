// The fields a question-set editor page sends (the admin's pair page and the manager's page share
// the editor, templates/pages/partials/question-editor.hbs), read from the editor's HTML as a
// browser sends a form nobody changed: so a template that forgets an input loses that property
// here as it would in a browser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { editorView } from '../../question-sets/question-set-editor';
import type { QuestionSetStages } from '../../question-sets/question-types';
import type { FormProblems } from '../../templates/page-contexts';

const PARTIAL = join(__dirname, '..', '..', 'templates', 'pages', 'partials', 'question-editor.hbs');
const renderPartial = Handlebars.create().compile(readFileSync(PARTIAL, 'utf8'), { strict: true });

/** The editor as a page shows it for these stages (its blank rows included). */
export function editorHtml(stages: QuestionSetStages, submission = 'a-submission', problems?: FormProblems): string {
  return renderPartial({ editorAction: '/questions', submission, editor: editorView(stages, problems) });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decoded(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function attributesOf(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [, name, value] of tag.matchAll(/\s([a-zA-Z-]+)(?:="([^"]*)")?/g)) attributes.set(name.toLowerCase(), decoded(value ?? ''));
  return attributes;
}

/** A form-urlencoded submission sends every line break as CRLF. */
const crlf = (text: string) => text.replace(/\r\n|\r|\n/g, '\r\n');

/**
 * What a browser posts from the form with class "editor" in the HTML, nothing changed: hidden and
 * text inputs (a text input's value without line breaks, as browsers sanitise it), checked
 * checkboxes ("on"), each select's selected option (else its first), and each textarea's text (the
 * line break right after its tag dropped, as HTML parsing does). A name sent twice is an error here.
 */
export function postedFields(html: string): Record<string, string> {
  const form = /<form\b[^>]*class="editor"[^>]*>([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error('no editor form in the page');
  const fields: Record<string, string> = {};
  const send = (name: string | undefined, value: string) => {
    if (!name) return;
    if (name in fields) throw new Error(`the editor sends "${name}" twice`);
    fields[name] = value;
  };
  const elements = /<input\b([^>]*)>|<select\b([^>]*)>([\s\S]*?)<\/select>|<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g;
  for (const [, input, select, options, textarea, text] of form[1].matchAll(elements)) {
    const attributes = attributesOf(` ${input ?? select ?? textarea}`);
    if (attributes.has('disabled')) continue;
    const name = attributes.get('name');
    if (input !== undefined) {
      const type = attributes.get('type') ?? 'text';
      if (type === 'checkbox' || type === 'radio') {
        if (attributes.has('checked')) send(name, attributes.get('value') ?? 'on');
      } else if (type !== 'submit' && type !== 'button') {
        const value = attributes.get('value') ?? '';
        send(name, type === 'hidden' ? value : value.replace(/[\r\n]/g, ''));
      }
    } else if (select !== undefined) {
      const all = [...(options ?? '').matchAll(/<option\b([^>]*)>([\s\S]*?)<\/option>/g)].map(([, tag, label]) => attributesOf(` ${tag}`).set('#label', label));
      const chosen = all.find((option) => option.has('selected')) ?? all[0];
      if (chosen) send(name, chosen.get('value') ?? decoded(chosen.get('#label') ?? ''));
    } else {
      send(name, crlf(decoded((text ?? '').replace(/^\r?\n/, ''))));
    }
  }
  return fields;
}

/** The fields the editor page sends for a question set nobody changed, with this submission id. */
export function editorFields(stages: QuestionSetStages, submission: string): Record<string, string> {
  return postedFields(editorHtml(stages, submission));
}
