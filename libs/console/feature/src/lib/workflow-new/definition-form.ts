import { FormArray, FormControl, FormGroup, NonNullableFormBuilder, Validators } from '@angular/forms';
import type { AgentDefinition, RunnerType, WorkflowDefinition } from '@flowcast/shared-contract';

export type AgentForm = FormGroup<{
  name: FormControl<string>;
  role: FormControl<string>;
  prompt: FormControl<string>;
  runnerType: FormControl<RunnerType>;
  onFailure: FormControl<'fail' | 'retry-workflow'>;
  durationMs: FormControl<number>;
  cost: FormControl<number>;
  progressMessages: FormControl<number>;
  failIterations: FormControl<number>;
  command: FormControl<string>;
  /** One argument per line. */
  args: FormControl<string>;
  cwd: FormControl<string>;
  timeoutMs: FormControl<number | null>;
  model: FormControl<string>;
  maxTurns: FormControl<number | null>;
  /** Comma-separated. */
  allowedTools: FormControl<string>;
}>;

export type DefinitionForm = FormGroup<{
  name: FormControl<string>;
  budgetLimit: FormControl<number | null>;
  maxIterations: FormControl<number>;
  agents: FormArray<AgentForm>;
}>;

export function agentForm(fb: NonNullableFormBuilder, agent?: AgentDefinition): AgentForm {
  const runner = agent?.runner;
  return fb.group({
    name: [agent?.name ?? '', [Validators.required, Validators.maxLength(100)]],
    role: [agent?.role ?? 'developer', [Validators.required, Validators.maxLength(100)]],
    prompt: [agent?.prompt ?? ''],
    runnerType: fb.control<RunnerType>(runner?.type ?? 'simulated'),
    onFailure: fb.control<'fail' | 'retry-workflow'>(agent?.onFailure ?? 'fail'),
    durationMs: [runner?.type === 'simulated' ? (runner.durationMs ?? 1_000) : 1_000, [Validators.min(0)]],
    cost: [runner?.type === 'simulated' ? (runner.cost ?? 0) : 0, [Validators.min(0)]],
    progressMessages: [
      runner?.type === 'simulated' ? (runner.progressMessages ?? 3) : 3,
      [Validators.min(0)],
    ],
    failIterations: [runner?.type === 'simulated' ? (runner.failIterations ?? 0) : 0, [Validators.min(0)]],
    command: [runner?.type === 'shell' ? runner.command : ''],
    args: [runner?.type === 'shell' ? (runner.args ?? []).join('\n') : ''],
    cwd: [runner?.type === 'shell' || runner?.type === 'claude-code' ? (runner.cwd ?? '') : ''],
    timeoutMs: fb.control<number | null>(
      runner?.type === 'shell' || runner?.type === 'claude-code' ? (runner.timeoutMs ?? null) : null,
    ),
    model: [runner?.type === 'claude-code' ? (runner.model ?? '') : ''],
    maxTurns: fb.control<number | null>(runner?.type === 'claude-code' ? (runner.maxTurns ?? null) : null),
    allowedTools: [runner?.type === 'claude-code' ? (runner.allowedTools ?? []).join(', ') : ''],
  });
}

export function definitionForm(fb: NonNullableFormBuilder, definition?: WorkflowDefinition): DefinitionForm {
  return fb.group({
    name: [definition?.name ?? '', [Validators.required, Validators.maxLength(200)]],
    budgetLimit: fb.control<number | null>(definition?.budgetLimit ?? null, [Validators.min(0)]),
    maxIterations: [
      definition?.maxIterations ?? 1,
      [Validators.required, Validators.min(1), Validators.max(100)],
    ],
    agents: fb.array((definition?.agents ?? [undefined]).map((agent) => agentForm(fb, agent))),
  });
}

/** The form's value as the API's definition: only the fields of each agent's runner type. */
export function toDefinition(form: DefinitionForm): WorkflowDefinition {
  const value = form.getRawValue();
  const optional = <T>(condition: boolean, key: string, item: T) => (condition ? { [key]: item } : {});
  return {
    name: value.name.trim(),
    ...optional(value.budgetLimit !== null, 'budgetLimit', Number(value.budgetLimit)),
    maxIterations: Number(value.maxIterations),
    agents: value.agents.map((agent): AgentDefinition => {
      const base = {
        name: agent.name.trim(),
        role: agent.role.trim(),
        prompt: agent.prompt,
        onFailure: agent.onFailure,
      };
      switch (agent.runnerType) {
        case 'simulated':
          return {
            ...base,
            runner: {
              type: 'simulated',
              durationMs: Number(agent.durationMs),
              cost: Number(agent.cost),
              progressMessages: Number(agent.progressMessages),
              ...optional(Number(agent.failIterations) > 0, 'failIterations', Number(agent.failIterations)),
            },
          };
        case 'shell':
          return {
            ...base,
            runner: {
              type: 'shell',
              command: agent.command.trim(),
              args: agent.args.split('\n').filter((arg) => arg !== ''),
              ...optional(agent.cwd.trim() !== '', 'cwd', agent.cwd.trim()),
              ...optional(agent.timeoutMs !== null, 'timeoutMs', Number(agent.timeoutMs)),
            },
          };
        case 'claude-code':
          return {
            ...base,
            runner: {
              type: 'claude-code',
              ...optional(agent.model.trim() !== '', 'model', agent.model.trim()),
              ...optional(agent.maxTurns !== null, 'maxTurns', Number(agent.maxTurns)),
              ...optional(agent.cwd.trim() !== '', 'cwd', agent.cwd.trim()),
              ...optional(agent.timeoutMs !== null, 'timeoutMs', Number(agent.timeoutMs)),
              ...optional(
                agent.allowedTools.trim() !== '',
                'allowedTools',
                agent.allowedTools
                  .split(',')
                  .map((tool) => tool.trim())
                  .filter(Boolean),
              ),
            },
          };
      }
    }),
  };
}
