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
      /* The dot only repeats the word; system tokens, or light-dark() pairs where Material has no token. */
      --fc-connection-color: var(--mat-sys-outline);
    }
    :host([data-state='live']) {
      --fc-connection-color: light-dark(#2e7d32, #81c784);
    }
    :host([data-state='reconnecting']) {
      --fc-connection-color: light-dark(#b26a00, #ffb74d);
    }
    :host([data-state='polling']) {
      --fc-connection-color: var(--mat-sys-primary);
    }
    :host([data-state='offline']) {
      --fc-connection-color: var(--mat-sys-error);
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
