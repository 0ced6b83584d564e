import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';

/**
 * A destructive button that asks first, in place: the first press shows the question with Confirm and
 * Cancel (focus moves to Confirm, Escape cancels), so one stray click or key never revokes or removes.
 */
@Component({
  selector: 'fc-confirm-action',
  imports: [MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (asking()) {
      <span class="ask" role="group" [attr.aria-label]="question()" (keydown.escape)="cancel()">
        <span class="question">{{ question() }}</span>
        <button
          #confirmButton
          mat-flat-button
          class="danger"
          type="button"
          [attr.data-testid]="confirmTestId()"
          [disabled]="busy()"
          (click)="confirmed.emit()"
        >
          {{ confirmLabel() }}
        </button>
        <button mat-button type="button" [disabled]="busy()" (click)="cancel()">Cancel</button>
      </span>
    } @else {
      <button
        #actionButton
        mat-stroked-button
        type="button"
        [attr.data-testid]="actionTestId()"
        [attr.aria-label]="actionAriaLabel()"
        [disabled]="disabled()"
        (click)="ask()"
      >
        {{ label() }}
      </button>
    }
  `,
  styles: `
    .ask {
      display: inline-flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 8px;
    }
    .question {
      font: var(--mat-sys-body-medium);
    }
    .danger {
      --mat-button-filled-container-color: var(--mat-sys-error);
      --mat-button-filled-label-text-color: var(--mat-sys-on-error);
    }
  `,
})
export class ConfirmActionComponent {
  readonly label = input.required<string>();
  /** Names the action for a screen reader where the label alone is ambiguous (one per table row). */
  readonly actionAriaLabel = input<string>();
  readonly question = input.required<string>();
  readonly confirmLabel = input.required<string>();
  readonly actionTestId = input<string>();
  readonly confirmTestId = input<string>();
  readonly disabled = input(false);
  /** While the confirmed action runs: the buttons stay, disabled. */
  readonly busy = input(false);
  readonly confirmed = output<void>();

  protected readonly asking = signal(false);
  private readonly injector = inject(Injector);
  private readonly confirmButton = viewChild('confirmButton', { read: ElementRef<HTMLButtonElement> });
  private readonly actionButton = viewChild('actionButton', { read: ElementRef<HTMLButtonElement> });

  protected ask(): void {
    this.asking.set(true);
    afterNextRender(() => this.confirmButton()?.nativeElement.focus(), { injector: this.injector });
  }

  protected cancel(): void {
    this.asking.set(false);
    // Focus goes back where it came from rather than to the page's start.
    afterNextRender(() => this.actionButton()?.nativeElement.focus(), { injector: this.injector });
  }
}
