import type { ComponentFixture } from '@angular/core/testing';

/** DOM helpers the settings pages' specs share: they test the pages through what a user sees and does. */
export function pageDriver(fixture: ComponentFixture<unknown>) {
  const element = (): HTMLElement => fixture.nativeElement;
  const byTestId = <T extends HTMLElement = HTMLElement>(id: string): T[] => [
    ...element().querySelectorAll<T>(`[data-testid="${id}"]`),
  ];
  return {
    element,
    byTestId,
    text: () => element().textContent?.replace(/\s+/g, ' ') ?? '',
    alerts: () => [...element().querySelectorAll('[role="alert"]')].map((each) => each.textContent?.trim()),
    fieldErrors: () => [...element().querySelectorAll('mat-error')].map((each) => each.textContent?.trim()),
    type(testId: string, value: string): void {
      const input = byTestId<HTMLInputElement>(testId)[0];
      input.value = value;
      input.dispatchEvent(new Event('input'));
      input.dispatchEvent(new Event('blur'));
    },
    click(testId: string, index = 0): void {
      byTestId(testId)[index].click();
    },
    /** Renders, lets pending promises run (an answered request), and renders again. */
    async settle(): Promise<void> {
      await fixture.whenStable();
      await new Promise((resolve) => setTimeout(resolve, 0));
      await fixture.whenStable();
    },
  };
}
