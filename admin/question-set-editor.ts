// The question-set editor lives in question-sets/question-set-editor.ts, shared with the manager's
// page for the pair (web/ may not import admin/); the admin's pages import it from here as before.
export * from '../question-sets/question-set-editor';
