import { BadRequestException } from '@nestjs/common';
import { createValidationPipe } from '@flowcast/api-core';
import type { ErrorResponse } from '@flowcast/shared-contract';
import { WorkflowDefinitionDto } from './workflow-definition.dto';

const pipe = createValidationPipe();
const validate = (body: unknown) => pipe.transform(body, { type: 'body', metatype: WorkflowDefinitionDto });

async function fieldsOf(body: unknown): Promise<string[]> {
  try {
    await validate(body);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (
      ((error as BadRequestException).getResponse() as ErrorResponse).fields?.map((field) => field.field) ??
      []
    );
  }
  throw new Error('the body was accepted');
}

const agent = (runner: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  name: 'a',
  role: 'developer',
  prompt: 'p',
  runner,
  ...extra,
});

describe('WorkflowDefinitionDto', () => {
  it('accepts each runner type and keeps its type', async () => {
    const body = {
      name: 'all runners',
      budgetLimit: 2.5,
      maxIterations: 3,
      agents: [
        agent(
          { type: 'simulated', durationMs: 10, cost: 0.5, failIterations: 1 },
          { name: 's', onFailure: 'retry-workflow' },
        ),
        agent(
          { type: 'shell', command: 'make', args: ['test'], env: { CI: '1' }, timeoutMs: 1000 },
          { name: 'sh' },
        ),
        agent(
          { type: 'claude-code', model: 'claude-sonnet-4-5', allowedTools: ['Bash', 'Edit'], maxTurns: 5 },
          { name: 'c' },
        ),
      ],
    };
    const parsed = (await validate(body)) as WorkflowDefinitionDto;
    expect(parsed.agents.map((a) => a.runner.type)).toEqual(['simulated', 'shell', 'claude-code']);
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(body);
  });

  it('refuses a runner that is not an object (an array holding null, found by fuzzing) as a 400 naming it', async () => {
    for (const runner of [[null], null, 'simulated', 7, []]) {
      expect(
        await fieldsOf({ name: 'x', agents: [{ name: 'a', role: 'r', prompt: 'p', runner }] }),
      ).toContain('agents.0.runner');
    }
  });

  it('names a key that is not a plain name quoted', async () => {
    expect(await fieldsOf({ name: 'x', agents: [agent({ type: 'simulated' })], '': 1, ' ': 2 })).toEqual(
      expect.arrayContaining(['""', '" "']),
    );
  });

  it.each([
    ['an unknown runner type', { name: 'x', agents: [agent({ type: 'teleport' })] }, 'agents.0.runner'],
    [
      'a shell step without a command',
      { name: 'x', agents: [agent({ type: 'shell' })] },
      'agents.0.runner.command',
    ],
    [
      'shell args that are not strings',
      { name: 'x', agents: [agent({ type: 'shell', command: 'ls', args: [1] })] },
      'agents.0.runner.args',
    ],
    [
      'a bad env name',
      { name: 'x', agents: [agent({ type: 'shell', command: 'ls', env: { 'A-B': 'x' } })] },
      'agents.0.runner.env',
    ],
    [
      'a simulated field on a shell step',
      { name: 'x', agents: [agent({ type: 'shell', command: 'ls', durationMs: 5 })] },
      'agents.0.runner.durationMs',
    ],
    [
      'an unknown failure policy',
      { name: 'x', agents: [agent({ type: 'simulated' }, { onFailure: 'shrug' })] },
      'agents.0.onFailure',
    ],
    [
      'a claude model with spaces',
      { name: 'x', agents: [agent({ type: 'claude-code', model: 'a b' })] },
      'agents.0.runner.model',
    ],
    [
      'too many iterations',
      { name: 'x', maxIterations: 101, agents: [agent({ type: 'simulated' })] },
      'maxIterations',
    ],
  ])('refuses %s, naming %s', async (_label, body, field) => {
    expect(await fieldsOf(body)).toContain(field);
  });
});
