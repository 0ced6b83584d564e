import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButton } from '@angular/material/button';

/** How the console currently receives a workflow's events (CONTRACT §7). */
export type ConnectionState = 'live' | 'reconnecting' | 'polling' | 'offline';

/**
 * The stream connection's state as a word and a coloured dot, with the `connection-state` test hook; when not
 * live, a "Reconnect now" button (`reconnect-button`) that asks the parent to reconnect at once.
 */
@Component({
  selector: 'fc-connection-indicator',
  imports: [MatButton],
  template: `
    <span class="state" role="status">
      <span class="dot" aria-hidden="true"></span>
      <span data-testid="connection-state">{{ state() }}</span>
    </span>
    @if (state() !== 'live') {
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
