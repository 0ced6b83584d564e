import { CurrencyPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** A workflow's total cost in US dollars, with the `total-cost` test hook (CONTRACT §7). */
@Component({
  selector: 'fc-total-cost',
  imports: [CurrencyPipe],
  template: `<span data-testid="total-cost">{{ cost() | currency: 'USD' : 'symbol' : '1.2-4' }}</span>`,
  styles: `
    :host {
      font-variant-numeric: tabular-nums;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TotalCostComponent {
  readonly cost = input.required<number>();
}
