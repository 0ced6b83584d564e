import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthService } from '@flowcast/console-data-access';
import { App } from './app';

describe('App shell', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      imports: [App],
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()],
    });
  });

  it('shows navigation and the signed-in user only once someone is signed in', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    expect(element.querySelector('[data-testid="current-user"]')).toBeNull();

    TestBed.inject(AuthService).user.set({ id: 'usr_1', username: 'ada', role: 'admin' });
    fixture.detectChanges();
    await fixture.whenStable();
    expect(element.querySelector('[data-testid="current-user"]')?.textContent).toContain('ada · admin');
    expect(element.textContent).toContain('New workflow');
    expect(element.textContent).toContain('Settings');
    TestBed.inject(HttpTestingController).verify();
  });

  it('skips to the content: the skip link moves the focus to main, with no navigation', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const element = fixture.nativeElement as HTMLElement;
    document.body.appendChild(element);
    try {
      const skip = element.querySelector<HTMLAnchorElement>('a.skip');
      expect(skip?.textContent).toBe('Skip to content');
      const click = new MouseEvent('click', { bubbles: true, cancelable: true });
      skip?.dispatchEvent(click);
      expect(click.defaultPrevented).toBe(true);
      expect(document.activeElement).toBe(element.querySelector('main'));
    } finally {
      element.remove();
    }
  });
});
