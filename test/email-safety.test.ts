// Email safety against a real SMTP server (and, for a whole cycle, the worker, Temporal
// time-skipping and the web service): line breaks in names are refused, no user text can add a
// header, non-ASCII names decode back exactly, and markup in any user text is escaped wherever
// it is shown: emails, form pages, records, the admin pages and the agenda.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import fc from 'fast-check';
import Handlebars from 'handlebars';
import PostalMime from 'postal-mime';
import { createPairAdmin } from '../pairs/pair-admin';
import { createMailer } from '../activities/mailer';
import { InvalidPairError, newPairProblems, registerPair, type NewPair } from '../pairs/registration';
import { DEFAULT_QUESTION_SET } from '../question-sets/default-question-set';
import { loadEmailTemplates } from '../templates/email-templates';
import { sentencesOf } from '../workflows/problem-list';
import { quoted } from '../workflows/quoted';
import { ADMIN_ORIGIN, startAdminServer, type AdminServer } from './support/admin-server';
import { createInputTally } from '../harness/input-tally';
import { pairAtReflection } from './support/pair-at-reflection';
import { advanceTo, messageIdOf, sameMessageId } from './support/pair-driver';
import { PUBLIC_BASE_URL, SAMPLE_PAIR, startRapportStack, type RapportStack } from '../harness/rapport-stack';
import { startSmtpSink, type ReceivedEmail, type SmtpSink } from '../harness/smtp-sink';
import { createTimeSkippingEnv } from '../harness/temporal-env';

const MAIL_FROM_NAME = 'Rapport · Équipe 山田';
const MAIL_FROM = `${MAIL_FROM_NAME} <rapport@rapport.test>`;
const tally = createInputTally('email');
let env: TestWorkflowEnvironment;
let stack: RapportStack;
let admin: AdminServer;
let plainHeaderNames: string[];

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  stack = await startRapportStack(env, { mailFrom: MAIL_FROM });
  admin = await startAdminServer(env, stack);
  plainHeaderNames = await headerNamesOfPlainMessage(stack.smtp);
});

afterAll(async () => {
  tally.write();
  await admin?.close();
  await stack?.stop();
  await env?.teardown();
});

// ---- Reading raw messages ----------------------------------------------------------------------------

/** The header fields of a raw message, folded lines joined back to their field. */
function rawHeaders(raw: string): { name: string; value: string }[] {
  const block = raw.split(/\r?\n\r?\n/)[0];
  const unfolded = block.replace(/\r?\n[ \t]/g, ' ');
  return unfolded.split(/\r?\n/).map((line) => ({ name: line.slice(0, line.indexOf(':')), value: line.slice(line.indexOf(':') + 1).trim() }));
}

const sortedNames = (raw: string) =>
  rawHeaders(raw)
    .map((header) => header.name.toLowerCase())
    .sort();

/** What an email from Rapport carries when no user text is in it: the fields every email must have, no more. */
async function headerNamesOfPlainMessage(sink: SmtpSink): Promise<string[]> {
  const mailer = createMailer({ smtpUrl: sink.url, from: MAIL_FROM });
  try {
    await mailer.send({ messageId: '<plain@rapport.test>', to: 'plain@example.com', subject: 'Plain', html: '<p>Plain</p>', text: 'Plain' });
  } finally {
    mailer.close();
  }
  const [plain] = await sink.waitFor((email) => email.to.includes('plain@example.com'));
  return sortedNames(plain.raw);
}

/** No header added, headers in 7-bit ASCII, and the sender's Unicode name decoded back exactly. */
async function expectSafeHeaders(email: ReceivedEmail, to: string): Promise<void> {
  expect(sortedNames(email.raw)).toEqual(plainHeaderNames);
  for (const { name, value } of rawHeaders(email.raw)) expect({ name, ascii: /^[\x20-\x7e]*$/.test(value) }).toEqual({ name, ascii: true });
  const parsed = await PostalMime.parse(email.raw);
  expect({ from: parsed.from?.name, fromAddress: parsed.from?.address, to: parsed.to?.map((a) => a.address) }).toEqual({
    from: MAIL_FROM_NAME,
    fromAddress: 'rapport@rapport.test',
    to: [to],
  });
}

const escaped = (text: string) => Handlebars.escapeExpression(text);

// ---- Names with line breaks ------------------------------------------------------------------------

let people = 0;
function pairWith(manager: { name: string; email?: string }, report: { name: string; email?: string } = { name: 'Ravi Report' }): NewPair {
  people += 1;
  return {
    ...SAMPLE_PAIR,
    manager: { name: manager.name, email: manager.email ?? `maya.safety${people}@example.com` },
    report: { name: report.name, email: report.email ?? `ravi.safety${people}@example.com` },
  };
}

it('refuses names and addresses that would carry a line break into a header, storing nothing', async () => {
  const lineBreak = fc.constantFrom('\r', '\n', '\r\n', '\n\r', '\r\n\t', '\r\n ');
  const injection = fc
    .tuple(
      fc.string({ maxLength: 15 }),
      lineBreak,
      fc.constantFrom('Bcc: victim@example.com', 'Subject: free money', 'Content-Type: text/html', 'X-Injected: 1', ''),
      fc.string({ maxLength: 10 }),
    )
    .map(([before, separator, header, after]) => `${before}${separator}${header}${after}`);
  const where = fc.constantFrom('manager.name', 'report.name', 'manager.email', 'report.email');
  await fc.assert(
    fc.asyncProperty(injection, where, async (text, field) => {
      const [role, part] = field.split('.') as ['manager' | 'report', 'name' | 'email'];
      const person = part === 'name' ? { name: text } : { name: 'Some One', email: `a${text}@example.com` };
      const pair = role === 'manager' ? pairWith(person) : pairWith({ name: 'Maya Manager' }, person);
      const before = await stack.db.pair.count();
      const outcome = await registerPair(stack.db, pair).then(
        (registered) => registered.pairId,
        (error: unknown) => error,
      );
      tally.record('registerPair (line breaks)', outcome instanceof InvalidPairError ? 'rejected' : 'accepted');
      // A line break at either end is trimmed off a name; anywhere else it refuses the pair.
      const stored = part === 'name' ? text.trim() : text;
      if (/[\r\n]/.test(stored)) {
        expect(outcome).toBeInstanceOf(InvalidPairError);
        expect(sentencesOf((outcome as InvalidPairError).problems)).toContain(
          part === 'name' ? `${role === 'manager' ? 'Manager' : 'Report'} name must be on one line` : `This is not an email address: ${quoted(person.email)}`,
        );
        expect(await stack.db.pair.count()).toBe(before);
      } else if (typeof outcome === 'string') {
        const row = await stack.db.pair.findUniqueOrThrow({ where: { id: outcome } });
        expect(`${row.managerName}${row.reportName}`).not.toMatch(/[\r\n]/);
      }
    }),
    { numRuns: 200 },
  );
});

// ---- Any name through a real email -------------------------------------------------------------------

it('sends any acceptable name in subjects and bodies without adding a header, decoding back exactly', async () => {
  const sink = await startSmtpSink();
  const mailer = createMailer({ smtpUrl: sink.url, from: MAIL_FROM });
  const emails = loadEmailTemplates();
  const name = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc.constantFrom(
      'Émile 山田',
      '山田　太郎',
      'Dana 🎉',
      '𠮷田 花子',
      '=?utf-8?q?The_Boss?=',
      '=?UTF-8?B?Qm9zcw==?=',
      '<b>x</b>',
      `O'Brien & "Co"`,
      'a\u2028b',
      '\u202eevil',
      'Zoë\u0301',
      'x'.repeat(200),
      'Bcc: victim@example.com',
    ),
  );
  try {
    await fc.assert(
      fc.asyncProperty(name, name, async (reportName, managerName) => {
        const pair = pairWith({ name: managerName }, { name: reportName });
        const refused = newPairProblems(pair).length > 0;
        tally.record('names in emails', refused ? 'rejected' : 'accepted');
        if (refused) return;
        const to = pair.manager.email;
        const rendered = emails.render('agenda', {
          reportName: reportName.trim(),
          managerName: managerName.trim(),
          recipientName: managerName.trim(),
          meetingWhen: 'Thu 2030-01-10 10:00 Europe/Berlin',
          durationMinutes: 30,
          formatNote: '',
          topicUrl: 'https://rapport.test/pairs/t/topic',
          recordUrl: 'https://rapport.test/pairs/t/record',
          meetingUrl: 'https://rapport.test/pairs/t/meeting',
          report: { items: [], topics: [] },
          manager: { items: [], topics: [] },
          actionItems: [],
        });
        await mailer.send({ messageId: `<names-${people}@rapport.test>`, to, ...rendered });
        const [email] = await sink.waitFor((received) => received.to.includes(to));
        await expectSafeHeaders(email, to);
        expect(email.subject).toBe(rendered.subject);
        expect(email.html).toContain(escaped(reportName.trim()));
        if (/[<&"]/.test(reportName)) expect(email.html).not.toContain(`${reportName.trim()}'s topics`);
      }),
      { numRuns: 150 },
    );
  } finally {
    mailer.close();
    await sink.stop();
  }
});

it('refuses control characters in names, which a header or a terminal would take as commands', () => {
  for (const control of ['\u0000', '\u0007', '\u001b[2J', '\u007f', '\u0085', '\u2028']) {
    expect(sentencesOf(newPairProblems(pairWith({ name: `Maya${control}Manager` })))).toEqual([
      'Manager name contains a control character (such as a tab): remove it',
    ]);
  }
});

// ---- A whole cycle with Unicode and markup in every piece of user text ----------------------------------

it('carries Unicode names and escaped markup through a whole cycle: emails, forms, record, admin pages, agenda', async () => {
  const managerName = 'Émile 山田';
  const reportName = `<b>x</b> O'Brien & "Co"`;
  const question = `<i>Energy</i> & "mood"`;
  const pair = await pairAtReflectionWithOwnQuestion(managerName, reportName, question);
  const page = async (link: string) => {
    const response = await fetch(link.replace(PUBLIC_BASE_URL, admin.base), { headers: { cookie: admin.cookie } });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
  };
  const noRawMarkup = (html: string) =>
    expect({
      bold: html.includes('<b>x</b>'),
      italic: html.includes('<i>Energy</i>'),
      script: html.includes('<script>'),
      image: html.includes('<img'),
    }).toEqual({ bold: false, italic: false, script: false, image: false });

  // The first emails: subjects decode to the exact names, HTML escapes every user text.
  await expectSafeHeaders(pair.reflection, pair.reportEmail);
  await expectSafeHeaders(pair.prep, pair.managerEmail);
  expect(pair.reflection.subject).toMatch(new RegExp(`^Your 1:1 with ${managerName} on .+: a few minutes to reflect$`));
  expect(pair.prep.subject.startsWith(`Prepare for your 1:1 with ${reportName} on `)).toBe(true);
  expect(pair.reflection.html).toContain(escaped(question));
  expect(pair.reflection.html).toContain(managerName);
  expect(pair.prep.html).toContain(escaped(reportName));
  noRawMarkup(pair.reflection.html);
  noRawMarkup(pair.prep.html);

  // The form pages: UTF-8, names and questions escaped.
  const reflectionPage = await page(pair.reflectionLink);
  expect(reflectionPage.type).toBe('text/html; charset=utf-8');
  expect(reflectionPage.body).toContain(`Your 1:1 with ${managerName} is coming up`);
  expect(reflectionPage.body).toContain(escaped(question));
  const prepPage = await page(pair.prepLink);
  expect(prepPage.body).toContain(`Your 1:1 with ${escaped(reportName)} is coming up`);
  noRawMarkup(reflectionPage.body);
  noRawMarkup(prepPage.body);

  // Markup in answers, a topic and a suggestion.
  const post = (link: string, fields: Record<string, string>) =>
    fetch(link.replace(PUBLIC_BASE_URL, admin.base), {
      method: 'POST',
      headers: { origin: ADMIN_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
  expect((await post(pair.reflectionLink, { 'q.topics': '<script>alert(1)</script> Platform move', 'q.mood': '4' })).status).toBe(200);
  expect((await post(pair.reportTopicLink, { text: '<img src=x onerror=alert(1)> Conference' })).status).toBe(200);
  expect((await post(`${pair.reflectionLink}/suggestion`, { suggestion: '<img src=y> Ask about <b>on-call</b>' })).status).toBe(200);

  // The admin pages.
  const adminPage = await page(`${admin.base}/admin/pairs/${pair.pairId}`);
  expect(adminPage.status).toBe(200);
  expect(adminPage.body).toContain(`<h1>${escaped(reportName)} and ${managerName}</h1>`);
  expect(adminPage.body).toContain(escaped(question));
  expect(adminPage.body).toContain(escaped('<img src=y> Ask about <b>on-call</b>'));
  noRawMarkup(adminPage.body);
  const pairList = await page(`${admin.base}/admin`);
  expect(pairList.body).toContain(escaped(reportName));
  noRawMarkup(pairList.body);

  // The agenda and the report's record.
  await advanceTo(env, pair.stageAt('agenda') + 1_000);
  const [agenda] = await stack.smtp.waitFor((m) => sameMessageId(m, messageIdOf(pair.pairId, 1, 'agenda', 'manager')));
  await expectSafeHeaders(agenda, pair.managerEmail);
  expect(agenda.subject.startsWith(`Agenda: 1:1 ${reportName} / ${managerName}, `)).toBe(true);
  for (const text of ['<script>alert(1)</script> Platform move', '<img src=x onerror=alert(1)> Conference', reportName, question])
    expect(agenda.html).toContain(escaped(text));
  expect(agenda.text).toContain('<script>alert(1)</script> Platform move');
  noRawMarkup(agenda.html);
  const record = await page(pair.reportRecordLink);
  expect(record.body).toContain(escaped('<script>alert(1)</script> Platform move'));
  noRawMarkup(record.body);

  const pairMail = stack.smtp.messages.filter((m) => m.to.includes(pair.reportEmail) || m.to.includes(pair.managerEmail));
  expect(pairMail.length).toBeGreaterThanOrEqual(4);
  for (const email of pairMail) expect(sortedNames(email.raw)).toEqual(plainHeaderNames);
  await pair.handle.executeUpdate('endPair', { args: [{}] });
});

/** A pair with the given names whose reflection also asks `question` (a scale, "mood"), at its reflection stage. */
async function pairAtReflectionWithOwnQuestion(managerName: string, reportName: string, question: string) {
  people += 1;
  const managerEmail = `emile${people}@example.com`;
  const reportEmail = `obrien${people}@example.com`;
  const pairs = createPairAdmin({ db: stack.db, temporal: env.client, taskQueue: stack.taskQueue });
  // A new pair's first form asks the organisation default: the question goes there (no other test here reads it).
  const mood = { id: 'mood', text: question, type: 'scale' as const, required: false, scaleLabels: { low: '<low>', high: '& high' } };
  await pairs.saveOrgQuestionSet({ ...DEFAULT_QUESTION_SET, reflection: [...DEFAULT_QUESTION_SET.reflection, mood] }, 'email-safety');
  const reached = await pairAtReflection(env, stack, { manager: { name: managerName, email: managerEmail }, report: { name: reportName, email: reportEmail } });
  return { ...reached, managerEmail, reportEmail };
}
