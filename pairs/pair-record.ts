// The written record of a pair, as one person may see it: every cycle with its answers, and the
// action items. The manager's view leaves out what the report marked private, and feedback the
// report shared only pooled (see privacy.ts).
import type { RapportPrisma } from '../prisma/database';
import type { FormKind, Role } from '../workflows/pair-types';
import { answerText, isPooledAnswer, parseAnswerPayload } from './answer-format';
import type { PairRow } from './links';
import { formatLocal } from './local-time';
import { answeredQuestions, formKindOf, loadPairRecord, roleOf, type AnsweredQuestion, type PairRecordRows } from './pair-history';

export const FORM_TITLES: Record<FormKind, string> = {
  reflection: 'Reflection before the 1:1',
  managerPrep: "Manager's preparation",
  followUpReport: 'Follow-up',
  followUpManager: 'Follow-up',
  feedback: 'Feedback on the manager',
};

/** The manager's page for the pair (web/manager-page.ts), as a link from their record page. */
const MANAGER_PAGE_FROM_RECORD = 'questions';

interface RecordItem {
  question: string;
  answer: string;
  private: boolean;
}

const formKey = (cycle: number, kind: FormKind) => `${cycle}:${kind}`;

/** The items of each answered form, by cycle and form kind. The page lists action items on their own. */
function itemsByForm(answered: AnsweredQuestion[]): Map<string, RecordItem[]> {
  const items = new Map<string, RecordItem[]>();
  for (const a of answered) {
    if (a.question.type === 'actionItems') continue;
    const key = formKey(a.cycle, a.form);
    const ofForm = items.get(key) ?? [];
    ofForm.push({ question: a.question.text, answer: answerText(a.question, a.value), private: a.private });
    items.set(key, ofForm);
  }
  return items;
}

interface RecordForm {
  title: string;
  by: string;
  items: RecordItem[];
}

/**
 * The answered forms of each cycle, in the order they go out; a form whose answers are all hidden
 * still shows, except pooled feedback for anyone but the report: that it was answered, and when,
 * would point to who wrote which part of the pooled summary.
 */
function formsByCycle(record: PairRecordRows, items: Map<string, RecordItem[]>, name: (role: Role) => string, viewer: Role): Map<number, RecordForm[]> {
  const answerOfForm = new Map(record.answers.map((answer) => [answer.formId, answer]));
  const forms = new Map<number, RecordForm[]>();
  for (const form of record.forms) {
    const answer = answerOfForm.get(form.id);
    if (!answer) continue;
    const kind = formKindOf(form.kind);
    if (viewer !== 'report' && isPooledAnswer(kind, parseAnswerPayload(answer.payload))) continue;
    const ofCycle = forms.get(form.cycleNumber) ?? [];
    ofCycle.push({ title: FORM_TITLES[kind], by: name(roleOf(answer.respondentRole)), items: items.get(formKey(form.cycleNumber, kind)) ?? [] });
    forms.set(form.cycleNumber, ofCycle);
  }
  return forms;
}

export async function pairRecord(db: RapportPrisma, pair: PairRow, viewer: Role) {
  const record = await loadPairRecord(db, pair.id);
  const name = (role: Role) => (role === 'report' ? pair.reportName : pair.managerName);
  const forms = formsByCycle(record, itemsByForm(answeredQuestions(record, viewer)), name, viewer);
  return {
    otherName: name(viewer === 'report' ? 'manager' : 'report'),
    // Relative to the record's own address (/pairs/<token>/record), so the same link opens it.
    questionsUrl: viewer === 'manager' ? MANAGER_PAGE_FROM_RECORD : '',
    cycles: [...record.cycles].reverse().map((cycle) => ({
      number: cycle.number,
      meetingWhen: formatLocal(cycle.meetingAt.getTime(), pair.timeZone),
      status: cycle.status,
      answers: forms.get(cycle.number) ?? [],
    })),
    actionItems: record.actionItems.map((item) => ({ text: item.text, owner: name(roleOf(item.owner)), done: item.done, cycle: item.cycleNumber })),
  };
}
