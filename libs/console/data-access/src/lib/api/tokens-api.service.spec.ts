import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ApiTokenView, CreateTokenResponse } from '@flowcast/shared-contract';
import { TokensApi } from './tokens-api.service';

const TOKEN: ApiTokenView = {
  id: 'tok_0123456789abcdef',
  name: 'ci',
  createdAt: '2026-01-15T09:00:00.000Z',
  lastUsedAt: null,
};

describe('TokensApi', () => {
  let api: TokensApi;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(TokensApi);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('lists the caller’s tokens', async () => {
    const tokens = api.list();
    backend.expectOne({ method: 'GET', url: '/api/auth/tokens' }).flush({ items: [TOKEN] });
    await expect(tokens).resolves.toEqual([TOKEN]);
  });

  it('creates a token by name and returns its value', async () => {
    const created: CreateTokenResponse = { ...TOKEN, token: 'fct_0123456789abcdef.secret' };
    const answer = api.create('ci');
    const req = backend.expectOne({ method: 'POST', url: '/api/auth/tokens' });
    expect(req.request.body).toEqual({ name: 'ci' });
    req.flush(created, { status: 201, statusText: 'Created' });
    await expect(answer).resolves.toEqual(created);
  });

  it('revokes a token by id', async () => {
    const revoked = api.revoke(TOKEN.id);
    backend
      .expectOne({ method: 'DELETE', url: `/api/auth/tokens/${TOKEN.id}` })
      .flush(null, { status: 204, statusText: 'No Content' });
    await expect(revoked).resolves.toBeNull();
  });
});
