import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButton } from '@angular/material/button';
import type { ConnectionState } from '@flowcast/shared-contract';

/**
 * The stream connection's state as a word and a coloured dot, with the `connection-state` test hook; while
 * the connection is down, a "Reconnect now" button (`reconnect-button`) that asks the parent to reconnect at
 * once. A stream that `ended` (its workflow finished) has nothing to reconnect to, so no button.
 */
@Component({
  selector: 'fc-connection-indicator',
  imports: [MatButton],
  template: `
    <span class="state" role="status">
      <span class="dot" aria-hidden="true"></span>
      <span data-testid="connection-state">{{ state() }}</span>
    </span>
    @if (state() !== 'live' && state() !== 'ended') {
      <button type="button" matButton="outlined" data-testid="reconnect-button" (click)="reconnect.emit()">
        Reconnect now
      </button>
    }
  `,
  styles: `
    :host {
      display: inline-flex;
      align-items: center;
      gap: 0.75rem;
      --fc-connection-color: #5f6368;
    }
    :host([data-state='live']) {
      --fc-connection-color: #2e7d32;
    }
    :host([data-state='reconnecting']) {
      --fc-connection-color: #c77700;
    }
    :host([data-state='polling']) {
      --fc-connection-color: #1565c0;
    }
    :host([data-state='offline']) {
      --fc-connection-color: #c62828;
    }
    :host([data-state='ended']) {
      --fc-connection-color: #5f6368;
    }
    .state {
      display: inline-flex;
      align-items: center;
      gap: 0.375rem;
    }
    .dot {
      width: 0.625rem;
      height: 0.625rem;
      border-radius: 50%;
      background: var(--fc-connection-color);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[attr.data-state]': 'state()' },
})
export class ConnectionIndicatorComponent {
  readonly state = input.required<ConnectionState>();
  readonly reconnect = output<void>();
}
