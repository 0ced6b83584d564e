import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { AuthService } from '@flowcast/console-data-access';
import type { UserRole } from '@flowcast/shared-contract';
import { SettingsPageComponent } from './settings-page.component';

describe('SettingsPageComponent', () => {
  async function tabsFor(role: UserRole): Promise<string[]> {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideHttpClient(), provideHttpClientTesting()],
    });
    TestBed.inject(AuthService).user.set({ id: 'usr_1', username: 'ada', role });
    const fixture = TestBed.createComponent(SettingsPageComponent);
    await fixture.whenStable();
    const links = (fixture.nativeElement as HTMLElement).querySelectorAll('nav a');
    return [...links].map((link) => link.textContent?.trim() ?? '');
  }

  it('shows the Users tab to an admin', async () => {
    expect(await tabsFor('admin')).toEqual(['API tokens', 'Users']);
  });

  it('shows a member only the API tokens tab', async () => {
    expect(await tabsFor('member')).toEqual(['API tokens']);
  });
});
