import type { WorkflowDefinition } from './rest';

/** The demo: a loop that passes on its second iteration (the tests fail once, the developer tries again). */
export const DEMO_WORKFLOW: WorkflowDefinition = {
  name: 'Demo: fix the login bug',
  budgetLimit: 4.5,
  maxIterations: 2,
  agents: [
    {
      name: 'developer',
      role: 'developer',
      prompt: 'Find and fix the bug that logs users out after a password change.',
      runner: { type: 'simulated', durationMs: 3_000, cost: 1.2, progressMessages: 6 },
    },
    {
      name: 'tester',
      role: 'tester',
      prompt: 'Run the test suite and report failures.',
      runner: { type: 'simulated', durationMs: 2_000, cost: 0.4, progressMessages: 4, failIterations: 1 },
      onFailure: 'retry-workflow',
    },
    {
      name: 'reviewer',
      role: 'reviewer',
      prompt: 'Review the change for correctness and style.',
      runner: { type: 'simulated', durationMs: 1_500, cost: 0.6, progressMessages: 3 },
    },
  ],
};

/** A build-and-test pipeline of shell steps (admins only). */
export const SHELL_PIPELINE_TEMPLATE: WorkflowDefinition = {
  name: 'Shell pipeline: build and test',
  maxIterations: 1,
  agents: [
    {
      name: 'build',
      role: 'builder',
      prompt: 'Build the project',
      runner: {
        type: 'shell',
        command: 'sh',
        args: ['-c', 'echo "building…"; sleep 1; echo "built"'],
        timeoutMs: 600_000,
      },
    },
    {
      name: 'test',
      role: 'tester',
      prompt: 'Run the tests',
      runner: {
        type: 'shell',
        command: 'sh',
        args: ['-c', 'for i in 1 2 3; do echo "suite $i passed"; sleep 1; done'],
        timeoutMs: 600_000,
      },
      onFailure: 'fail',
    },
  ],
};

export const WORKFLOW_TEMPLATES: readonly {
  id: string;
  label: string;
  adminOnly: boolean;
  definition: WorkflowDefinition;
}[] = [
  { id: 'demo', label: 'Demo (simulated agents, loops once)', adminOnly: false, definition: DEMO_WORKFLOW },
  { id: 'shell', label: 'Shell pipeline (admins)', adminOnly: true, definition: SHELL_PIPELINE_TEMPLATE },
];
