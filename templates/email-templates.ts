// Renders every email from its three handlebars files: NAME.subject.hbs, NAME.html.hbs and
// NAME.text.hbs. Templates are compiled once per process. HTML parts escape every value; text
// parts and subjects do not (they are not HTML), and subjects lose any line breaks so that user
// text can never start a new header.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { EmailContexts } from './email-contexts';

export type EmailName = keyof EmailContexts;
/** Every email, each loaded at start; the Record makes the list and the context interfaces agree. */
const EMAIL_NAME_SET: Record<EmailName, true> = {
  reflection: true,
  'manager-prep': true,
  reminder: true,
  agenda: true,
  'follow-up': true,
  feedback: true,
  'skip-nudge': true,
  'change-notice': true,
  invite: true,
  'invite-cancelled': true,
};
const EMAIL_NAMES = Object.keys(EMAIL_NAME_SET) as EmailName[];

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface EmailTemplates {
  render<K extends EmailName>(name: K, context: EmailContexts[K]): RenderedEmail;
}

type Compiled = Handlebars.TemplateDelegate;

export const EMAIL_TEMPLATE_DIR = join(__dirname, 'emails');

export function loadEmailTemplates(dir: string = EMAIL_TEMPLATE_DIR): EmailTemplates {
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const html = Handlebars.create();
  const text = Handlebars.create();
  html.registerPartial('layout', read('layout.html.hbs'));
  html.registerPartial('form-questions', read('form-questions.html.hbs'));
  text.registerPartial('form-questions-text', read('form-questions.text.hbs'));
  text.registerPartial('footer-text', read('footer.text.hbs'));

  const available = new Set(readdirSync(dir));
  const compiled = new Map<EmailName, { subject: Compiled; html: Compiled; text: Compiled }>();
  for (const name of EMAIL_NAMES) {
    for (const part of ['subject', 'html', 'text']) {
      if (!available.has(`${name}.${part}.hbs`)) throw new Error(`email template ${name}.${part}.hbs is missing in ${dir}`);
    }
    compiled.set(name, {
      subject: text.compile(read(`${name}.subject.hbs`), { noEscape: true, strict: true }),
      html: html.compile(read(`${name}.html.hbs`), { strict: false }),
      text: text.compile(read(`${name}.text.hbs`), { noEscape: true }),
    });
  }

  return {
    render(name, context) {
      const template = compiled.get(name);
      if (!template) throw new Error(`unknown email template ${name}`);
      const subject = template
        .subject(context)
        .replace(/[\r\n\t]+/g, ' ')
        .replace(/\s{2,}/g, ' ')
        .trim();
      return {
        subject,
        html: template.html({ ...context, subject }),
        text:
          template
            .text(context)
            .replace(/\n{3,}/g, '\n\n')
            .trim() + '\n',
      };
    },
  };
}
