import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { AgentState, WorkflowStatus } from '@flowcast/shared-contract';

export type ChipStatus = WorkflowStatus | AgentState['status'];

/**
 * A workflow's or an agent's status word, coloured by status. The element's text is exactly the word, so a
 * parent may put `data-testid="workflow-status"` on it (CONTRACT §7).
 */
@Component({
  selector: 'fc-status-chip',
  template: '{{ status() }}',
  styles: `
    :host {
      display: inline-block;
      padding: 0 0.5rem;
      border: 1px solid color-mix(in srgb, currentColor 45%, transparent);
      border-radius: 999px;
      background: color-mix(in srgb, currentColor 10%, transparent);
      font-size: 0.75rem;
      font-weight: 500;
      line-height: 1.25rem;
      white-space: nowrap;
    }
    :host([data-status='pending']) {
      color: #5f6368;
    }
    :host([data-status='running']) {
      color: #1565c0;
    }
    :host([data-status='completed']) {
      color: #2e7d32;
    }
    :host([data-status='failed']) {
      color: #c62828;
    }
    :host([data-status='cancelled']) {
      color: #a05a00;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[attr.data-status]': 'status()' },
})
export class StatusChipComponent {
  readonly status = input.required<ChipStatus>();
}
