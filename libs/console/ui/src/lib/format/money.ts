import { formatCurrency, getCurrencySymbol } from '@angular/common';

/** US dollars the way `CurrencyPipe` shows them with `'USD'` and `'1.2-4'`: `$3.80`, `$0.0012`. */
export function formatUsd(value: number, locale: string): string {
  return formatCurrency(value, locale, getCurrencySymbol('USD', 'wide', locale), 'USD', '1.2-4');
}
