// The parts of a page kept in files of their own, by the name a page includes them with
// (`{{> question-editor}}`), as paths under templates/pages/.
export const PAGE_PARTIALS: Readonly<Record<string, string>> = {
  'question-editor': 'partials/question-editor.hbs',
};
