// The activities that email a pair: forms, the one reminder, the agenda and the skip nudge.
import { ApplicationFailure } from '@temporalio/activity';
import { currentQuestionSet, questionSetById, type StoredQuestionSet } from '../question-sets/question-set-repository';
import { STAGE_OF_FORM } from '../question-sets/question-types';
import type { AgendaItem, FeedbackEmail, FollowUpEmail, ManagerPrepEmail, ReflectionEmail } from '../templates/email-contexts';
import { FOLLOW_UP_FORMS, FORM_RECIPIENT, type ActionItemState, type FormKind, type OpenForm, type Role, type TopicState } from '../workflows/pair-types';
import type { ActivityDeps, RapportTransaction } from './activity-deps';
import { formUrl, issueFormLink, issuePairLink, pairPageUrls } from './form-links';
import { deliverAllOnce, deliverOnce, type DeliveryStatus } from './outbox';
import { writePairState, type RecordPairStateRequest } from './pair-state-writes';
import { answerText, answerTo, isPrivateAnswer, parseAnswerPayload } from '../pairs/answer-format';
import { formatLocal } from '../pairs/local-time';
import { pairSettingsFromRow } from '../pairs/pair-rows';
import { roleOf } from '../pairs/pair-history';
import { visibleTo, type AnswerPrivacy } from '../pairs/privacy';
import { shiftWallClock } from './schedule';

export interface SendFormRequest {
  pairId: string;
  cycle: number;
  kind: FormKind;
  meetingAt: number;
  /** Follow-up forms list the items still open. */
  openActionItems?: ActionItemState[];
}

export interface SendFormsRequest {
  pairId: string;
  cycle: number;
  kinds: FormKind[];
  meetingAt: number;
  /** Follow-up forms list the items still open. */
  openActionItems?: ActionItemState[];
  /** The pair's status once this stage is done, written to the database after the send. */
  publish?: RecordPairStateRequest;
}

export interface SendFormResult {
  /** 'disabled': the pair's question set switches this stage off; nothing was sent or stored. */
  status: DeliveryStatus | 'disabled';
  questionSetVersion: number;
}

export interface SendReminderRequest {
  pairId: string;
  cycle: number;
  kind: FormKind;
  meetingAt: number;
  /** The pair's status once this stage is done, written to the database after the send. */
  publish?: RecordPairStateRequest;
}

export type ReminderStatus = DeliveryStatus | 'already-answered' | 'not-sent';

export interface SendAgendaRequest {
  pairId: string;
  cycle: number;
  meetingAt: number;
  durationMinutes: number;
  topics: TopicState[];
  openActionItems: ActionItemState[];
  closeForms: OpenForm[];
  /** The pair's status once this stage is done, written to the database after the send. */
  publish?: RecordPairStateRequest;
}

export interface SendSkipNudgeRequest {
  pairId: string;
  cycle: number;
  meetingAt: number;
  consecutiveSkips: number;
}

type FormEmailName = 'reflection' | 'manager-prep' | 'follow-up' | 'feedback';
/** composeForm renders every form email from one context, so it carries what any of them reads. */
type FormEmail = ReflectionEmail & ManagerPrepEmail & FollowUpEmail & FeedbackEmail;

const TEMPLATE_OF_FORM: Record<FormKind, FormEmailName> = {
  reflection: 'reflection',
  managerPrep: 'manager-prep',
  followUpReport: 'follow-up',
  followUpManager: 'follow-up',
  feedback: 'feedback',
};

export function formIdFor(pairId: string, cycle: number, kind: FormKind): string {
  return `${pairId}:${cycle}:${kind}`;
}

export type PairRow = NonNullable<Awaited<ReturnType<ActivityDeps['db']['pair']['findUnique']>>>;

export async function loadPair(deps: ActivityDeps, pairId: string): Promise<PairRow> {
  const pair = await deps.db.pair.findUnique({ where: { id: pairId } });
  // Without its pair the workflow cannot email anyone; retrying would not bring it back.
  if (!pair) throw ApplicationFailure.nonRetryable(`pair ${pairId} does not exist in the database`, 'PairNotFound');
  return pair;
}

export function people(pair: PairRow, role: Role) {
  return {
    recipientName: role === 'report' ? pair.reportName : pair.managerName,
    to: role === 'report' ? pair.reportEmail : pair.managerEmail,
    reportName: pair.reportName,
    managerName: pair.managerName,
  };
}

function ownerName(pair: PairRow, owner: Role): string {
  return owner === 'report' ? pair.reportName : pair.managerName;
}

export function meetingContext(pair: PairRow, meetingAt: number) {
  return {
    meetingWhen: formatLocal(meetingAt, pair.timeZone),
    durationMinutes: pair.durationMinutes,
    formatNote: pair.formatNote ?? '',
  };
}

type AgendaAnswer = AgendaItem & AnswerPrivacy;

/** The answered questions of one form, as the agenda shows them. */
async function answeredItems(deps: ActivityDeps, formId: string): Promise<AgendaAnswer[]> {
  const [form, answer] = await Promise.all([deps.db.form.findUnique({ where: { id: formId } }), deps.db.answer.findUnique({ where: { formId } })]);
  if (!form || !answer) return [];
  const questionSet = await questionSetById(deps.db, form.questionSetId);
  const questions = questionSet?.stages[STAGE_OF_FORM[form.kind as FormKind]] ?? [];
  const payload = parseAnswerPayload(answer.payload);
  const respondent = roleOf(answer.respondentRole);
  return questions.flatMap((question) => {
    const value = answerTo(question, payload);
    if (value === null) return [];
    return [{ question: question.text, answer: answerText(question, value), private: isPrivateAnswer(question, payload), respondent }];
  });
}

/** What one recipient's copy of the agenda shows of a form's answers. */
function agendaItems(recipient: Role, answers: AgendaAnswer[]): AgendaItem[] {
  return visibleTo(recipient, answers).map((item) => ({ question: item.question, answer: item.answer, private: item.private }));
}

/**
 * The status to write after a stage's forms: the workflow's, with the question set version the
 * forms went out with (the last form's, as the workflow reads the results), which it only learns
 * from the results. The workflow counts this write as its own (PUBLISH_SENT_VERSION).
 */
export function withSentVersion(publish: RecordPairStateRequest, results: readonly SendFormResult[]): RecordPairStateRequest {
  const last = results.at(-1);
  if (!last) return publish;
  return { ...publish, status: { ...publish.status, questionSetVersion: last.questionSetVersion } };
}

export function createPairEmailActivities(deps: ActivityDeps) {
  const link = (formId: string) => {
    const issued = issueFormLink(formId, deps.formLinkTtlDays);
    return { url: formUrl(deps.publicBaseUrl, issued.token), row: issued.row, write: issued.write };
  };
  /** Every email carries "add a topic to our next 1:1" and "your record" links for its recipient. */
  const pairLinks = (pairId: string, role: Role) => {
    const issued = issuePairLink(pairId, role, deps.formLinkTtlDays);
    return { urls: pairPageUrls(deps.publicBaseUrl, issued.token, role), row: issued.row, write: issued.write };
  };

  /**
   * The texts of action items the workflow names by id, in its order. The database owns them; only
   * state carried by workflows from before ids-only state still brings its own text.
   */
  async function actionItemTexts(items: readonly ActionItemState[]): Promise<{ text: string; owner: Role; cycle: number }[]> {
    if (items.length === 0) return [];
    const rows = await deps.db.actionItem.findMany({ where: { id: { in: items.map((item) => item.id) } }, select: { id: true, text: true } });
    const textOf = new Map(rows.map((row) => [row.id, row.text]));
    return items.flatMap((item) => {
      const text = textOf.get(item.id) ?? item.text;
      return text === undefined ? [] : [{ text, owner: item.owner, cycle: item.cycle }];
    });
  }

  /** The texts of the topics the workflow names by id, in its order. */
  async function topicTexts(topics: readonly TopicState[]): Promise<{ text: string; by: Role }[]> {
    if (topics.length === 0) return [];
    const rows = await deps.db.topic.findMany({ where: { id: { in: topics.map((topic) => topic.id) } }, select: { id: true, text: true } });
    const textOf = new Map(rows.map((row) => [row.id, row.text]));
    return topics.flatMap((topic) => {
      const text = textOf.get(topic.id) ?? topic.text;
      return text === undefined ? [] : [{ text, by: topic.by }];
    });
  }

  /** The email of one form, rendered for its recipient, with the records written alongside it. */
  function composeForm(pair: PairRow, questionSet: StoredQuestionSet, request: SendFormsRequest, kind: FormKind, items: { text: string; owner: Role }[]) {
    const { pairId, cycle, meetingAt } = request;
    const role = FORM_RECIPIENT[kind];
    const formId = formIdFor(pairId, cycle, kind);
    const formLink = link(formId);
    const pages = pairLinks(pairId, role);
    const agendaAt = shiftWallClock(meetingAt, -pairSettingsFromRow(pair).offsets.agendaBefore, pair.timeZone);
    const { to, ...names } = people(pair, role);
    const openActionItems = FOLLOW_UP_FORMS.includes(kind) ? items : [];
    const context: FormEmail = {
      ...names,
      ...meetingContext(pair, meetingAt),
      ...pages.urls,
      agendaWhen: formatLocal(agendaAt, pair.timeZone),
      formUrl: formLink.url,
      questions: questionSet.stages[STAGE_OF_FORM[kind]],
      openActionItems: openActionItems.map((item) => ({ text: item.text, ownerName: ownerName(pair, item.owner) })),
    };
    const email = deps.emails.render(TEMPLATE_OF_FORM[kind], context);
    const form = { id: formId, pairId, cycleNumber: cycle, kind, recipientRole: role, questionSetId: questionSet.id, questionSetVersion: questionSet.version };
    return { email: { to, ...email }, form, formLink: formLink.row, pairLink: pages.row };
  }

  /** The forms of one stage and their links: three statements, whatever their number. */
  async function writeForms(tx: RapportTransaction, composed: ReturnType<typeof composeForm>[]): Promise<void> {
    if (composed.length === 0) return;
    await tx.form.createMany({ data: composed.map((entry) => entry.form) });
    await tx.formLink.createMany({ data: composed.map((entry) => entry.formLink) });
    await tx.pairLink.createMany({ data: composed.map((entry) => entry.pairLink) });
  }

  /**
   * Sends the forms of one stage (reflection and prep, or the follow-ups) together: one read of the
   * pair and its question set, and one transaction for all their outbox rows, forms and links.
   */
  async function sendForms(request: SendFormsRequest): Promise<SendFormResult[]> {
    const { pairId, cycle, meetingAt } = request;
    const formIds = request.kinds.map((kind) => formIdFor(pairId, cycle, kind));
    const sentForms = await deps.db.form.findMany({ where: { id: { in: formIds } } });
    const versionOf = new Map(sentForms.map((form) => [form.kind, form.questionSetVersion]));
    const unsent = request.kinds.filter((kind) => !versionOf.has(kind));
    const current = unsent.length > 0 ? await currentQuestionSet(deps.db, pairId) : null;
    const isDisabled = (kind: FormKind) => !versionOf.has(kind) && (current?.stages.disabledStages?.includes(STAGE_OF_FORM[kind]) ?? false);
    const sending = request.kinds.filter((kind) => !isDisabled(kind));
    const addresses = sending.map((kind) => ({ pairId, cycle, stage: kind, role: FORM_RECIPIENT[kind] }));
    const statuses = await deliverAllOnce(deps, addresses, async (missing) => {
      const [pair, questionSet, items] = await Promise.all([
        loadPair(deps, pairId),
        current ?? currentQuestionSet(deps.db, pairId),
        actionItemTexts(request.openActionItems ?? []),
      ]);
      const composed = missing.map((address) => composeForm(pair, questionSet, request, address.stage as FormKind, items));
      for (const address of missing) versionOf.set(address.stage, questionSet.version);
      return {
        emails: composed.map((form) => form.email),
        alsoWrite: async (tx) => {
          await tx.cycle.upsert({
            where: { pairId_number: { pairId, number: cycle } },
            create: { id: `${pairId}:${cycle}`, pairId, number: cycle, meetingAt: new Date(meetingAt), status: 'planned' },
            update: { meetingAt: new Date(meetingAt) },
          });
          await writeForms(tx, composed);
        },
      };
    });
    const results: SendFormResult[] = request.kinds.map((kind) => {
      if (isDisabled(kind)) return { status: 'disabled', questionSetVersion: (current as StoredQuestionSet).version };
      return { status: statuses[sending.indexOf(kind)], questionSetVersion: versionOf.get(kind) ?? (current as StoredQuestionSet).version };
    });
    if (request.publish) await writePairState(deps.db, withSentVersion(request.publish, results));
    return results;
  }

  /** One form: kept for workflow runs recorded before forms of a stage were sent together. */
  async function sendForm(request: SendFormRequest): Promise<SendFormResult> {
    const [result] = await sendForms({ ...request, kinds: [request.kind] });
    return result;
  }

  async function sendReminder(request: SendReminderRequest): Promise<ReminderStatus> {
    const status = await sendOneReminder(request);
    if (request.publish) await writePairState(deps.db, request.publish);
    return status;
  }

  async function sendOneReminder({ pairId, cycle, kind, meetingAt }: SendReminderRequest): Promise<ReminderStatus> {
    const formId = formIdFor(pairId, cycle, kind);
    // The workflow may not have heard of an answer that the web service has already stored.
    if (await deps.db.answer.findUnique({ where: { formId } })) return 'already-answered';
    if (!(await deps.db.form.findUnique({ where: { id: formId } }))) return 'not-sent';
    const role = FORM_RECIPIENT[kind];
    return deliverOnce(deps, { pairId, cycle, stage: `reminder-${kind}`, role }, async () => {
      const pair = await loadPair(deps, pairId);
      const formLink = link(formId);
      const pages = pairLinks(pairId, role);
      const { to, ...names } = people(pair, role);
      const email = deps.emails.render('reminder', { ...names, ...meetingContext(pair, meetingAt), ...pages.urls, formUrl: formLink.url });
      return {
        email: { to, ...email },
        alsoWrite: async (tx) => {
          await formLink.write(tx);
          await pages.write(tx);
        },
      };
    });
  }

  async function sendAgenda(request: SendAgendaRequest): Promise<DeliveryStatus[]> {
    const { pairId, cycle, meetingAt } = request;
    const formIds = request.closeForms.map((form) => formIdFor(pairId, form.cycle, form.kind));
    await deps.db.form.updateMany({ where: { id: { in: formIds }, closedAt: null }, data: { closedAt: new Date() } });
    const pair = await loadPair(deps, pairId);
    const [reportItems, managerItems, topics, openItems] = await Promise.all([
      answeredItems(deps, formIdFor(pairId, cycle, 'reflection')),
      answeredItems(deps, formIdFor(pairId, cycle, 'managerPrep')),
      topicTexts(request.topics),
      actionItemTexts(request.openActionItems),
    ]);
    const topicsBy = (role: Role) => topics.filter((topic) => topic.by === role).map((topic) => topic.text);
    const actionItems = openItems.map((item) => ({ text: item.text, ownerName: ownerName(pair, item.owner), cycle: item.cycle }));
    const roles: Role[] = ['report', 'manager'];
    const sent = await Promise.all(
      roles.map((role) =>
        deliverOnce(deps, { pairId, cycle, stage: 'agenda', role }, async () => {
          const { to, ...names } = people(pair, role);
          const pages = pairLinks(pairId, role);
          const email = deps.emails.render('agenda', {
            ...names,
            ...meetingContext(pair, meetingAt),
            ...pages.urls,
            report: { items: agendaItems(role, reportItems), topics: topicsBy('report') },
            manager: { items: agendaItems(role, managerItems), topics: topicsBy('manager') },
            actionItems,
          });
          return { email: { to, ...email }, alsoWrite: pages.write };
        }),
      ),
    );
    if (request.publish) await writePairState(deps.db, request.publish);
    return sent;
  }

  async function sendSkipNudge({ pairId, cycle, meetingAt, consecutiveSkips }: SendSkipNudgeRequest): Promise<DeliveryStatus> {
    return deliverOnce(deps, { pairId, cycle, stage: 'skip-nudge', role: 'manager' }, async () => {
      const pair = await loadPair(deps, pairId);
      const { to, ...names } = people(pair, 'manager');
      const pages = pairLinks(pairId, 'manager');
      const email = deps.emails.render('skip-nudge', { ...names, ...meetingContext(pair, meetingAt), ...pages.urls, consecutiveSkips });
      return { email: { to, ...email }, alsoWrite: pages.write };
    });
  }

  return { sendForms, sendForm, sendReminder, sendAgenda, sendSkipNudge };
}
