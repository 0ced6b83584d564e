import { ChangeDetectionStrategy, Component, LOCALE_ID, computed, inject, input } from '@angular/core';
import { BUDGET_WARNING_PERCENT } from '@flowcast/shared-contract';
import { formatUsd } from '../format/money';

/**
 * How much of the budget a workflow has used. `aria-valuenow` is the real rounded percentage, which may pass
 * 100 once the budget is exceeded; only the bar's width is capped at 100 %.
 */
@Component({
  selector: 'fc-budget-bar',
  template: `
    <div
      data-testid="budget-bar"
      class="track"
      role="progressbar"
      aria-label="Budget used"
      aria-valuemin="0"
      aria-valuemax="100"
      [attr.aria-valuenow]="valueNow()"
      [attr.aria-valuetext]="label()"
      [class.warning]="warning()"
      [class.over]="over()"
    >
      <div class="fill" [style.width.%]="fillWidth()"></div>
    </div>
    <span class="label">{{ label() }}</span>
  `,
  styles: `
    :host {
      display: flex;
      align-items: center;
      gap: 0.75rem;
    }
    .track {
      flex: 1 1 8rem;
      height: 0.5rem;
      border-radius: 999px;
      overflow: hidden;
      background: color-mix(in srgb, currentColor 12%, transparent);
      --fc-budget-fill: var(--mat-sys-primary);
    }
    .track.warning {
      --fc-budget-fill: light-dark(#b26a00, #ffb74d);
    }
    .track.over {
      --fc-budget-fill: var(--mat-sys-error);
    }
    .fill {
      height: 100%;
      background: var(--fc-budget-fill);
      transition: width 0.3s ease-out;
    }
    .label {
      white-space: nowrap;
      font-variant-numeric: tabular-nums;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class BudgetBarComponent {
  readonly totalCost = input.required<number>();
  readonly budgetLimit = input.required<number | null>();

  private readonly locale = inject(LOCALE_ID);

  /** The share of the budget used, in percent and unrounded; null when the workflow has no budget. */
  private readonly percentUsed = computed(() => {
    const limit = this.budgetLimit();
    const cost = this.totalCost();
    if (limit === null) return null;
    // A zero budget is exhausted by the first cent; report it as fully used rather than divide by zero.
    if (limit <= 0) return cost > 0 ? Number.POSITIVE_INFINITY : 0;
    return (cost / limit) * 100;
  });

  protected readonly valueNow = computed(() => {
    const percent = this.percentUsed();
    if (percent === null) return 0;
    return Number.isFinite(percent) ? Math.round(percent) : 100;
  });

  protected readonly fillWidth = computed(() => Math.min(this.valueNow(), 100));
  protected readonly warning = computed(() => (this.percentUsed() ?? 0) >= BUDGET_WARNING_PERCENT);
  protected readonly over = computed(() => (this.percentUsed() ?? 0) > 100);

  protected readonly label = computed(() => {
    const limit = this.budgetLimit();
    if (limit === null) return 'no budget';
    const used = `${formatUsd(this.totalCost(), this.locale)} of ${formatUsd(limit, this.locale)}`;
    return Number.isFinite(this.percentUsed()) ? `${used} (${this.valueNow()} %)` : `${used} (over budget)`;
  });
}
