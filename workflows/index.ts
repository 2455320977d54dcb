// Entry point of the workflow bundle.
export { pairWorkflow } from './pair-workflow';
