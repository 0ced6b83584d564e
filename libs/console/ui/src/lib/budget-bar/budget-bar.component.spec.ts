import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { BudgetBarComponent } from './budget-bar.component';

describe('BudgetBarComponent', () => {
  let fixture: ComponentFixture<BudgetBarComponent>;

  async function show(totalCost: number, budgetLimit: number | null): Promise<HTMLElement> {
    fixture.componentRef.setInput('totalCost', totalCost);
    fixture.componentRef.setInput('budgetLimit', budgetLimit);
    await fixture.whenStable();
    return (fixture.nativeElement as HTMLElement).querySelector('[data-testid="budget-bar"]') as HTMLElement;
  }

  function fillWidth(bar: HTMLElement): string {
    return (bar.querySelector('.fill') as HTMLElement).style.width;
  }

  function text(): string {
    return ((fixture.nativeElement as HTMLElement).textContent ?? '').trim();
  }

  beforeEach(() => {
    fixture = TestBed.createComponent(BudgetBarComponent);
  });

  it('is an accessible progress bar from 0 to 100', async () => {
    const bar = await show(1, 4);
    expect(bar.getAttribute('role')).toBe('progressbar');
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    expect(bar.getAttribute('aria-label')).toBe('Budget used');
  });

  it('reports the percentage used, rounded, in aria-valuenow and in the text', async () => {
    const bar = await show(3.8, 4.5);
    expect(bar.getAttribute('aria-valuenow')).toBe('84');
    expect(text()).toBe('$3.80 of $4.50 (84 %)');
    expect(bar.getAttribute('aria-valuetext')).toBe('$3.80 of $4.50 (84 %)');
    expect(fillWidth(bar)).toBe('84%');
  });

  it('uses the normal colour below 80 %', async () => {
    const bar = await show(3.9, 5);
    expect(bar.classList).not.toContain('warning');
    expect(bar.classList).not.toContain('over');
  });

  it('turns to the warning colour from 80 %', async () => {
    const bar = await show(4, 5);
    expect(bar.getAttribute('aria-valuenow')).toBe('80');
    expect(bar.classList).toContain('warning');
    expect(bar.classList).not.toContain('over');
  });

  it('stays at warning, not over, at exactly 100 %', async () => {
    const bar = await show(5, 5);
    expect(bar.classList).toContain('warning');
    expect(bar.classList).not.toContain('over');
  });

  it('marks the bar as over above 100 %, keeping the real percentage but capping the width', async () => {
    const bar = await show(6, 5);
    expect(bar.getAttribute('aria-valuenow')).toBe('120');
    expect(bar.classList).toContain('over');
    expect(fillWidth(bar)).toBe('100%');
    expect(text()).toBe('$6.00 of $5.00 (120 %)');
  });

  it('shows "no budget" and a value of 0 when the workflow has no budget', async () => {
    const bar = await show(3.8, null);
    expect(text()).toBe('no budget');
    expect(bar.getAttribute('aria-valuenow')).toBe('0');
    expect(bar.classList).not.toContain('warning');
    expect(fillWidth(bar)).toBe('0%');
  });

  it('treats any cost against a zero budget as over budget', async () => {
    const bar = await show(0.1, 0);
    expect(bar.getAttribute('aria-valuenow')).toBe('100');
    expect(bar.classList).toContain('over');
    expect(text()).toBe('$0.10 of $0.00 (over budget)');
  });

  it('follows the cost as it grows', async () => {
    await show(1, 10);
    const bar = await show(9, 10);
    expect(bar.getAttribute('aria-valuenow')).toBe('90');
    expect(bar.classList).toContain('warning');
  });
});
