import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { StatusChipComponent, type ChipStatus } from './status-chip.component';

describe('StatusChipComponent', () => {
  let fixture: ComponentFixture<StatusChipComponent>;
  let host: HTMLElement;

  async function show(status: ChipStatus): Promise<void> {
    fixture.componentRef.setInput('status', status);
    await fixture.whenStable();
  }

  beforeEach(() => {
    fixture = TestBed.createComponent(StatusChipComponent);
    host = fixture.nativeElement;
  });

  it.each<ChipStatus>(['pending', 'running', 'completed', 'failed', 'cancelled'])(
    'shows exactly the word "%s" as its text',
    async (status) => {
      await show(status);
      expect(host.textContent).toBe(status);
    },
  );

  it('marks the status so that each one gets its own colour', async () => {
    await show('running');
    expect(host.getAttribute('data-status')).toBe('running');
    await show('failed');
    expect(host.getAttribute('data-status')).toBe('failed');
  });
});
