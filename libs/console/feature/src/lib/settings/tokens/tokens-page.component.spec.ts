import { Clipboard } from '@angular/cdk/clipboard';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { ApiTokenView, CreateTokenResponse } from '@flowcast/shared-contract';
import { pageDriver } from '../testing';
import { TokensPageComponent } from './tokens-page.component';

const CI: ApiTokenView = {
  id: 'tok_0123456789abcdef',
  name: 'ci',
  createdAt: '2026-01-15T09:00:00.000Z',
  lastUsedAt: null,
};
const CREATED: CreateTokenResponse = {
  id: 'tok_fedcba9876543210',
  name: 'deploy',
  createdAt: '2026-01-16T09:00:00.000Z',
  lastUsedAt: null,
  token: 'fct_fedcba9876543210.s3cret',
};

describe('TokensPageComponent', () => {
  let fixture: ComponentFixture<TokensPageComponent>;
  let http: HttpTestingController;
  let page: ReturnType<typeof pageDriver>;
  const copy = jest.fn((_text: string) => true);

  beforeEach(async () => {
    copy.mockClear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: Clipboard, useValue: { copy } },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(TokensPageComponent);
    page = pageDriver(fixture);
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const rows = () => page.byTestId('token-row').map((row) => row.querySelector('td')?.textContent?.trim());

  async function loaded(items: ApiTokenView[]): Promise<void> {
    expect(page.text()).toContain('Loading tokens…');
    http.expectOne({ method: 'GET', url: '/api/auth/tokens' }).flush({ items });
    await page.settle();
  }

  it('lists the tokens, with "never" for one not used yet', async () => {
    await loaded([CI, { ...CI, id: 'tok_1111111111111111', name: 'laptop', lastUsedAt: CI.createdAt }]);
    expect(rows()).toEqual(['ci', 'laptop']);
    expect(page.byTestId('token-row')[0].textContent).toContain('never');
    expect(page.byTestId('token-row')[0].textContent).toContain(CI.id);
  });

  it('shows a failed load with its message and loads again on request', async () => {
    http
      .expectOne('/api/auth/tokens')
      .flush({ statusCode: 500, error: 'x', message: 'store down' }, { status: 500, statusText: 'x' });
    await page.settle();
    expect(page.alerts()).toEqual(['store down']);
    [...page.element().querySelectorAll('button')]
      .find((each) => each.textContent?.includes('Try again'))
      ?.click();
    await fixture.whenStable();
    await loaded([CI]);
    expect(rows()).toEqual(['ci']);
  });

  it('checks the name before sending anything', async () => {
    await loaded([]);
    page.click('create-token');
    await page.settle();
    expect(page.fieldErrors()).toEqual(['Give the token a name.']);

    page.type('token-name-input', 'x'.repeat(101));
    await page.settle();
    expect(page.fieldErrors()).toEqual(['At most 100 characters.']);
    page.click('create-token');
    await page.settle();
    http.expectNone({ method: 'POST' });
  });

  it('creates a token and shows its value once, with a copy button, until dismissed', async () => {
    await loaded([CI]);
    page.type('token-name-input', 'deploy');
    page.click('create-token');
    await page.settle();
    const post = http.expectOne({ method: 'POST', url: '/api/auth/tokens' });
    expect(post.request.body).toEqual({ name: 'deploy' });
    post.flush(CREATED, { status: 201, statusText: 'Created' });
    await page.settle();
    http.expectOne('/api/auth/tokens').flush({ items: [CI, CREATED] });
    await page.settle();

    expect(page.byTestId('new-token-value')[0].textContent?.trim()).toBe(CREATED.token);
    expect(page.text()).toContain('you will not see it again');
    expect(document.activeElement).toBe(page.byTestId('copy-token')[0]);
    expect(rows()).toEqual(['ci', 'deploy']);
    // The form is empty again, without complaining about it.
    expect(page.byTestId<HTMLInputElement>('token-name-input')[0].value).toBe('');
    expect(page.fieldErrors()).toEqual([]);

    page.click('copy-token');
    await page.settle();
    expect(copy).toHaveBeenCalledWith(CREATED.token);
    expect(page.text()).toContain('Copied.');

    page.click('dismiss-token');
    await page.settle();
    expect(page.byTestId('new-token-value')).toHaveLength(0);
    expect(document.activeElement).toBe(page.byTestId('token-name-input')[0]);
  });

  it('shows the server’s refusal of a new token', async () => {
    await loaded([]);
    page.type('token-name-input', 'deploy');
    page.click('create-token');
    await page.settle();
    http
      .expectOne({ method: 'POST', url: '/api/auth/tokens' })
      .flush(
        { statusCode: 400, error: 'Bad Request', message: 'name must be shorter' },
        { status: 400, statusText: 'Bad Request' },
      );
    await page.settle();
    expect(page.alerts()).toEqual(['name must be shorter']);
    expect(page.byTestId('new-token-value')).toHaveLength(0);
  });

  it('revokes a token only once confirmed', async () => {
    await loaded([CI]);
    page.click('revoke-token');
    await page.settle();
    expect(document.activeElement).toBe(page.byTestId('confirm-revoke')[0]);
    expect(page.text()).toContain('Revoke “ci”?');
    http.expectNone({ method: 'DELETE' });

    // Cancel puts the Revoke button back, focused.
    [...page.element().querySelectorAll('button')]
      .find((each) => each.textContent?.trim() === 'Cancel')
      ?.click();
    await page.settle();
    expect(document.activeElement).toBe(page.byTestId('revoke-token')[0]);

    page.click('revoke-token');
    await page.settle();
    page.click('confirm-revoke');
    await page.settle();
    http
      .expectOne({ method: 'DELETE', url: `/api/auth/tokens/${CI.id}` })
      .flush(null, { status: 204, statusText: 'No Content' });
    await page.settle();
    expect(rows()).toEqual([]);
    expect(page.text()).toContain('No tokens yet.');
  });

  it('keeps a token whose revocation failed, saying why', async () => {
    await loaded([CI]);
    page.click('revoke-token');
    await page.settle();
    page.click('confirm-revoke');
    await page.settle();
    http
      .expectOne({ method: 'DELETE' })
      .flush(
        { statusCode: 404, error: 'Not Found', message: 'Token not found' },
        { status: 404, statusText: 'Not Found' },
      );
    await page.settle();
    expect(page.alerts()).toEqual(['Token not found']);
    expect(rows()).toEqual(['ci']);
  });
});
