import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { ConnectionState } from '@flowcast/shared-contract';
import { ConnectionIndicatorComponent } from './connection-indicator.component';

describe('ConnectionIndicatorComponent', () => {
  let fixture: ComponentFixture<ConnectionIndicatorComponent>;
  let element: HTMLElement;

  async function show(state: ConnectionState): Promise<void> {
    fixture.componentRef.setInput('state', state);
    await fixture.whenStable();
  }

  function reconnectButton(): HTMLButtonElement | null {
    return element.querySelector('[data-testid="reconnect-button"]');
  }

  beforeEach(() => {
    fixture = TestBed.createComponent(ConnectionIndicatorComponent);
    element = fixture.nativeElement;
  });

  it.each<ConnectionState>(['live', 'reconnecting', 'polling', 'offline', 'ended'])(
    'shows exactly the word "%s"',
    async (state) => {
      await show(state);
      expect(element.querySelector('[data-testid="connection-state"]')?.textContent).toBe(state);
      expect(element.getAttribute('data-state')).toBe(state);
    },
  );

  it('shows a coloured dot that screen readers skip', async () => {
    await show('live');
    expect(element.querySelector('.dot')?.getAttribute('aria-hidden')).toBe('true');
  });

  it.each<ConnectionState>(['live', 'ended'])('offers no reconnect button once %s', async (state) => {
    await show(state);
    expect(reconnectButton()).toBeNull();
  });

  it.each<ConnectionState>(['reconnecting', 'polling', 'offline'])(
    'offers "Reconnect now" while %s',
    async (state) => {
      await show(state);
      expect(reconnectButton()?.textContent?.trim()).toBe('Reconnect now');
    },
  );

  it('emits reconnect when "Reconnect now" is pressed', async () => {
    const reconnect = jest.fn();
    fixture.componentInstance.reconnect.subscribe(reconnect);
    await show('offline');
    reconnectButton()?.click();
    expect(reconnect).toHaveBeenCalledTimes(1);
  });

  it('removes the button once the connection is live again', async () => {
    await show('reconnecting');
    await show('live');
    expect(reconnectButton()).toBeNull();
  });
});
