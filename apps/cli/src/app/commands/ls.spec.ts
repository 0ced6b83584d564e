import type { WorkflowState } from '@flowcast/shared-contract';
import { formatWorkflowTable } from './ls';

const workflow = (
  id: string,
  name: string,
  status: WorkflowState['status'],
  totalCost: number,
): WorkflowState => ({
  id,
  name,
  status,
  totalCost,
  currentAgent: null,
  currentStep: null,
  totalSteps: 1,
  iterations: 1,
  maxIterations: 1,
  budgetLimit: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  startedAt: null,
  completedAt: null,
  error: null,
});

describe('formatWorkflowTable', () => {
  it('lines the columns up under a header and shortens long names', () => {
    const table = formatWorkflowTable([
      workflow('wf_AAAAAAAAAAAAAAAA', 'short', 'running', 0.5),
      workflow('wf_BBBBBBBBBBBBBBBB', 'n'.repeat(50), 'completed', 12),
    ]);
    expect(table.split('\n')).toEqual([
      `ID                   NAME${' '.repeat(38)}STATUS     COST    CREATED`,
      `wf_AAAAAAAAAAAAAAAA  short${' '.repeat(37)}running    $0.50   2026-01-01T00:00:00.000Z`,
      `wf_BBBBBBBBBBBBBBBB  ${'n'.repeat(39)}…  completed  $12.00  2026-01-01T00:00:00.000Z`,
    ]);
  });
});
