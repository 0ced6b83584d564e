import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { TotalCostComponent } from './total-cost.component';

describe('TotalCostComponent', () => {
  let fixture: ComponentFixture<TotalCostComponent>;

  async function show(cost: number): Promise<string | null | undefined> {
    fixture.componentRef.setInput('cost', cost);
    await fixture.whenStable();
    return (fixture.nativeElement as HTMLElement).querySelector('[data-testid="total-cost"]')?.textContent;
  }

  beforeEach(() => {
    fixture = TestBed.createComponent(TotalCostComponent);
  });

  it('shows the cost in dollars with two decimals', async () => {
    expect(await show(3.8)).toBe('$3.80');
    expect(await show(0)).toBe('$0.00');
  });

  it('keeps up to four decimals for fractions of a cent', async () => {
    expect(await show(0.0012)).toBe('$0.0012');
    expect(await show(1.23456)).toBe('$1.2346');
  });

  it('groups thousands', async () => {
    expect(await show(1234.5)).toBe('$1,234.50');
  });
});
