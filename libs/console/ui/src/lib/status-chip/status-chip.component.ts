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
    /* Text colours with at least 4.5:1 on the tinted chip in both colour schemes. */
    :host([data-status='pending']) {
      color: var(--mat-sys-on-surface-variant);
    }
    :host([data-status='running']) {
      color: var(--mat-sys-primary);
    }
    :host([data-status='completed']) {
      color: light-dark(#1b6b20, #8fd694);
    }
    :host([data-status='failed']) {
      color: var(--mat-sys-error);
    }
    :host([data-status='cancelled']) {
      color: light-dark(#8a4b00, #ffb870);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[attr.data-status]': 'status()' },
})
export class StatusChipComponent {
  readonly status = input.required<ChipStatus>();
}
