// The written record of a pair, as one person may see it: every cycle with its answers, and the
// action items. The manager's view leaves out what the report marked private.
import { formatLocal } from './local-time';
import type { RapportPrisma } from '../prisma/database';
import { questionSetById, type StoredQuestionSet } from '../question-sets/question-set-repository';
import { STAGE_OF_FORM } from '../question-sets/question-types';
import type { AnswerValue, FormKind, Role } from '../workflows/pair-types';
import type { PairRow } from './links';

export const FORM_TITLES: Record<FormKind, string> = {
  reflection: 'Reflection before the 1:1',
  managerPrep: "Manager's preparation",
  followUpReport: 'Follow-up',
  followUpManager: 'Follow-up',
  feedback: 'Feedback on the manager',
};

/** How an answer reads on a page: yes/no in words, and null for no answer. */
export function shown(value: AnswerValue): string | null {
  if (value === null || value === '') return null;
  if (value === true) return 'Yes';
  if (value === false) return 'No';
  return String(value);
}

export async function pairRecord(db: RapportPrisma, pair: PairRow, viewer: Role) {
  const [cycles, answers, forms, actionItems] = await Promise.all([
    db.cycle.findMany({ where: { pairId: pair.id }, orderBy: { number: 'desc' } }),
    db.answer.findMany({ where: { pairId: pair.id } }),
    db.form.findMany({ where: { pairId: pair.id } }),
    db.actionItem.findMany({ where: { pairId: pair.id }, orderBy: { createdAt: 'asc' } }),
  ]);
  const sets = new Map<string, StoredQuestionSet | null>();
  for (const id of new Set(forms.map((f) => f.questionSetId))) sets.set(id, await questionSetById(db, id));
  const name = (role: string) => (role === 'report' ? pair.reportName : pair.managerName);

  return {
    viewerName: name(viewer),
    otherName: name(viewer === 'report' ? 'manager' : 'report'),
    cycles: cycles.map((cycle) => ({
      number: cycle.number,
      meetingWhen: formatLocal(cycle.meetingAt.getTime(), pair.timeZone),
      status: cycle.status,
      answers: answers
        .filter((a) => a.cycleNumber === cycle.number)
        .map((answer) => {
          const form = forms.find((f) => f.id === answer.formId);
          const payload = JSON.parse(answer.payload) as { answers?: Record<string, AnswerValue>; privateQuestionIds?: string[] };
          const privateIds = payload.privateQuestionIds ?? [];
          const questions = form ? (sets.get(form.questionSetId)?.stages[STAGE_OF_FORM[form.kind as FormKind]] ?? []) : [];
          const hideFrom = answer.respondentRole === 'report' && viewer === 'manager';
          return {
            title: FORM_TITLES[answer.kind as FormKind] ?? answer.kind,
            by: name(answer.respondentRole),
            items: questions.flatMap((q) => {
              const text = shown(payload.answers?.[q.id] ?? null);
              const isPrivate = privateIds.includes(q.id);
              if (text === null || (isPrivate && hideFrom)) return [];
              return [{ question: q.text, answer: text, private: isPrivate }];
            }),
          };
        }),
    })),
    actionItems: actionItems.map((item) => ({ text: item.text, owner: name(item.owner), done: item.done, cycle: item.cycleNumber })),
  };
}
