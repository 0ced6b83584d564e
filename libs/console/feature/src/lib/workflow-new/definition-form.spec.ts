import { TestBed } from '@angular/core/testing';
import { NonNullableFormBuilder } from '@angular/forms';
import { DEMO_WORKFLOW, SHELL_PIPELINE_TEMPLATE } from '@flowcast/shared-contract';
import { agentForm, definitionForm, toDefinition } from './definition-form';

describe('the new-workflow form', () => {
  let fb: NonNullableFormBuilder;
  beforeEach(() => (fb = TestBed.inject(NonNullableFormBuilder)));

  it.each([
    ['the demo', DEMO_WORKFLOW],
    ['the shell pipeline', SHELL_PIPELINE_TEMPLATE],
  ])('turns %s template back into the same definition', (_label, template) => {
    const form = definitionForm(fb, template);
    expect(form.valid).toBe(true);
    const definition = toDefinition(form);
    expect(definition).toEqual({
      ...template,
      agents: template.agents.map((agent) => ({ ...agent, onFailure: agent.onFailure ?? 'fail' })),
    });
  });

  it('sends only the fields of the chosen runner type, trimmed, with arguments one per line', () => {
    const form = definitionForm(fb);
    form.patchValue({ name: '  Build  ', maxIterations: 2 });
    const agent = form.controls.agents.at(0);
    agent.patchValue({
      name: 'make',
      role: 'builder',
      runnerType: 'shell',
      command: ' make ',
      args: 'test\n\n--jobs=2',
      durationMs: 5,
    });
    form.controls.agents.push(agentForm(fb));
    form.controls.agents.at(1).patchValue({
      name: 'claude',
      runnerType: 'claude-code',
      model: 'claude-sonnet-4-5',
      allowedTools: 'Bash, Edit,',
    });
    expect(toDefinition(form)).toEqual({
      name: 'Build',
      maxIterations: 2,
      agents: [
        {
          name: 'make',
          role: 'builder',
          prompt: '',
          onFailure: 'fail',
          runner: { type: 'shell', command: 'make', args: ['test', '--jobs=2'] },
        },
        {
          name: 'claude',
          role: 'developer',
          prompt: '',
          onFailure: 'fail',
          runner: { type: 'claude-code', model: 'claude-sonnet-4-5', allowedTools: ['Bash', 'Edit'] },
        },
      ],
    });
  });

  it('is invalid without a name or with a negative budget', () => {
    const form = definitionForm(fb);
    form.controls.agents.at(0).patchValue({ name: 'a' });
    expect(form.valid).toBe(false);
    form.patchValue({ name: 'ok' });
    expect(form.valid).toBe(true);
    form.patchValue({ budgetLimit: -1 });
    expect(form.valid).toBe(false);
  });
});
