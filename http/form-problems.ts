// A form's problems as its page shows them: each message beside the input it is about, where the
// page has that input (which points to it with aria-describedby), the others in the list on top.
// Shared by the admin's pages and the pages behind the links in emails.
import type { FormProblems, InputProblem } from '../templates/page-contexts';
import { fieldsOf, type Problem } from '../workflows/problem-list';

/** The id of the page's input for a field, or undefined when the page has none. */
export type InputOf = (field: string) => string | undefined;

export const NO_INPUTS: InputOf = () => undefined;

export function inputsOf(inputByField: Record<string, string>): InputOf {
  const inputs = new Map(Object.entries(inputByField));
  return (field) => inputs.get(field);
}

function besideInputsText(count: number): string {
  if (count === 0) return '';
  return count === 1 ? '1 problem is shown beside its field.' : `${count} problems are shown beside their fields.`;
}

export function formProblems(problems: readonly Problem[], inputOf: InputOf): FormProblems {
  const listed: string[] = [];
  const byInput: Record<string, InputProblem> = {};
  let beside = 0;
  for (const found of problems) {
    const input = fieldsOf(found)
      .map(inputOf)
      .find((id) => id !== undefined);
    if (input === undefined) {
      listed.push(found.message);
      continue;
    }
    beside += 1;
    byInput[input] = { id: `${input}-problem`, messages: [...(byInput[input]?.messages ?? []), found.message] };
  }
  return { listed, besideInputs: besideInputsText(beside), byInput };
}
