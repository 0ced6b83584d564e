import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { Clipboard } from '@angular/cdk/clipboard';
import { MatButtonModule } from '@angular/material/button';
import type { CreateTokenResponse } from '@flowcast/shared-contract';

/** A token just created: its value, with a copy button, shown this once (the server keeps only a hash). */
@Component({
  selector: 'fc-new-token-panel',
  imports: [MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="panel" aria-labelledby="new-token-title">
      <h2 id="new-token-title">Token “{{ token().name }}” created</h2>
      <p class="warning">
        Copy it now: you will not see it again. Send it as <code>Authorization: Bearer …</code>.
      </p>
      <code class="value" data-testid="new-token-value">{{ token().token }}</code>
      <div class="actions">
        <button #copyButton mat-flat-button type="button" data-testid="copy-token" (click)="copy()">
          Copy token
        </button>
        <button mat-button type="button" data-testid="dismiss-token" (click)="dismissed.emit()">
          Done, hide it
        </button>
        <span class="copied" aria-live="polite">{{ copyState() }}</span>
      </div>
    </section>
  `,
  styles: `
    .panel {
      padding: 16px;
      margin-bottom: 16px;
      border-radius: 12px;
      background: var(--mat-sys-tertiary-container);
      color: var(--mat-sys-on-tertiary-container);
    }
    h2 {
      font: var(--mat-sys-title-medium);
      margin: 0 0 8px;
    }
    .warning {
      font: var(--mat-sys-body-medium);
    }
    .value {
      display: block;
      padding: 8px;
      border-radius: 8px;
      background: var(--mat-sys-surface);
      color: var(--mat-sys-on-surface);
      font-family: monospace;
      /* A token has no spaces: without this it would widen a phone's page. */
      word-break: break-all;
      user-select: all;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px;
      padding-top: 12px;
    }
  `,
})
export class NewTokenPanelComponent {
  readonly token = input.required<CreateTokenResponse>();
  readonly dismissed = output<void>();

  private readonly clipboard = inject(Clipboard);
  protected readonly copyState = signal('');
  private readonly copyButton = viewChild.required('copyButton', { read: ElementRef<HTMLButtonElement> });

  constructor() {
    // Keyboard and screen-reader users land on the one thing to do next.
    afterNextRender(() => this.copyButton().nativeElement.focus());
  }

  protected copy(): void {
    this.copyState.set(
      this.clipboard.copy(this.token().token) ? 'Copied.' : 'Could not copy: select the token and copy it.',
    );
  }
}
