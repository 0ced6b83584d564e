import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { AuthService } from '@flowcast/console-data-access';
import type { UserView } from '@flowcast/shared-contract';
import { pageDriver } from '../testing';
import { UsersPageComponent } from './users-page.component';

const ME: UserView = { id: 'usr_admin', username: 'admin', role: 'admin' };
const ANN: UserView = { id: 'usr_ann', username: 'ann', role: 'member' };
const conflict = (message: string) =>
  [
    { statusCode: 409, error: 'Conflict', message },
    { status: 409, statusText: 'Conflict' },
  ] as const;

describe('UsersPageComponent', () => {
  let fixture: ComponentFixture<UsersPageComponent>;
  let http: HttpTestingController;
  let page: ReturnType<typeof pageDriver>;

  beforeEach(async () => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    TestBed.inject(AuthService).user.set(ME);
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(UsersPageComponent);
    page = pageDriver(fixture);
    await fixture.whenStable();
    http.expectOne({ method: 'GET', url: '/api/users' }).flush({ items: [ME, ANN] });
    await page.settle();
  });

  afterEach(() => http.verify());

  const rows = () => page.byTestId('user-row').map((row) => row.querySelector('td')?.textContent?.trim());
  const roleSelect = (index: number) => page.byTestId('user-role-select')[index];

  /** Opens the row's role select and picks `role` from the overlay, as a user does. */
  async function pickRole(index: number, role: string): Promise<void> {
    roleSelect(index).click();
    await page.settle();
    const option = [...document.querySelectorAll<HTMLElement>('mat-option')].find(
      (each) => each.textContent?.trim() === role,
    );
    option?.click();
    await page.settle();
  }

  it('lists the users; one cannot change one’s own role or remove oneself', () => {
    expect(rows()).toEqual(['admin (you)', 'ann']);
    expect(roleSelect(0).getAttribute('aria-disabled')).toBe('true');
    expect(roleSelect(1).getAttribute('aria-disabled')).toBe('false');
    expect(roleSelect(1).getAttribute('aria-label')).toBe('Role of ann');
    expect(page.byTestId<HTMLButtonElement>('remove-user').map((button) => button.disabled)).toEqual([
      true,
      false,
    ]);
  });

  it('checks username and password against the API’s limits before sending', async () => {
    page.click('create-user');
    await page.settle();
    expect(page.fieldErrors()).toEqual(['Enter a username.', 'Enter a password.']);

    page.type('new-username', 'has space');
    page.type('new-password', 'short');
    await page.settle();
    expect(page.fieldErrors()).toEqual([
      '1–64 letters, digits, dots, dashes or underscores.',
      'At least 8 characters.',
    ]);
    page.click('create-user');
    await page.settle();
    http.expectNone({ method: 'POST' });
  });

  it('creates a member, adds the row and clears the form', async () => {
    page.type('new-username', 'bob');
    page.type('new-password', 'long enough');
    page.click('create-user');
    await page.settle();
    const post = http.expectOne({ method: 'POST', url: '/api/users' });
    expect(post.request.body).toEqual({ username: 'bob', password: 'long enough', role: 'member' });
    post.flush({ id: 'usr_bob', username: 'bob', role: 'member' }, { status: 201, statusText: 'Created' });
    await page.settle();

    expect(rows()).toEqual(['admin (you)', 'ann', 'bob']);
    expect(page.text()).toContain('User bob created (member).');
    expect(page.byTestId<HTMLInputElement>('new-username')[0].value).toBe('');
    expect(page.fieldErrors()).toEqual([]);
  });

  it('shows the API’s message for a username that is taken', async () => {
    page.type('new-username', 'ann');
    page.type('new-password', 'long enough');
    page.click('create-user');
    await page.settle();
    http.expectOne({ method: 'POST', url: '/api/users' }).flush(...conflict('User ann already exists'));
    await page.settle();
    expect(page.alerts()).toEqual(['User ann already exists']);
    expect(rows()).toEqual(['admin (you)', 'ann']);
  });

  it('changes a role with PATCH', async () => {
    await pickRole(1, 'admin');
    const patch = http.expectOne({ method: 'PATCH', url: '/api/users/usr_ann' });
    expect(patch.request.body).toEqual({ role: 'admin' });
    patch.flush({ ...ANN, role: 'admin' });
    await page.settle();
    expect(roleSelect(1).textContent).toContain('admin');
    expect(page.alerts()).toEqual([]);
  });

  it('puts the select back and says why when the server refuses a role change', async () => {
    await pickRole(1, 'admin');
    http.expectOne({ method: 'PATCH' }).flush(...conflict('You cannot change your own role'));
    await page.settle();
    expect(page.alerts()).toEqual(['You cannot change your own role']);
    expect(roleSelect(1).textContent?.trim()).toBe('member');
  });

  it('removes a user once confirmed, and shows a refusal', async () => {
    page.click('remove-user', 1);
    await page.settle();
    expect(page.text()).toContain('Remove ann?');
    page.click('confirm-remove');
    await page.settle();
    http.expectOne({ method: 'DELETE', url: '/api/users/usr_ann' }).flush(...conflict('No, not now'));
    await page.settle();
    expect(page.alerts()).toEqual(['No, not now']);
    expect(rows()).toEqual(['admin (you)', 'ann']);

    page.click('confirm-remove');
    await page.settle();
    http
      .expectOne({ method: 'DELETE', url: '/api/users/usr_ann' })
      .flush(null, { status: 204, statusText: 'No Content' });
    await page.settle();
    expect(rows()).toEqual(['admin (you)']);
    expect(page.alerts()).toEqual([]);
  });
});
