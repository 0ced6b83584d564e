import { HttpErrorResponse, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { UserView } from '@flowcast/shared-contract';
import { apiErrorMessage } from './api-error';
import { UsersApi } from './users-api.service';

const ANN: UserView = { id: 'usr_0123456789abcdef', username: 'ann', role: 'member' };

describe('UsersApi', () => {
  let api: UsersApi;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(UsersApi);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('lists users', async () => {
    const users = api.list();
    backend.expectOne({ method: 'GET', url: '/api/users' }).flush({ items: [ANN] });
    await expect(users).resolves.toEqual([ANN]);
  });

  it('creates, updates and removes a user', async () => {
    const created = api.create({ username: 'ann', password: 'long enough', role: 'member' });
    const post = backend.expectOne({ method: 'POST', url: '/api/users' });
    expect(post.request.body).toEqual({ username: 'ann', password: 'long enough', role: 'member' });
    post.flush(ANN, { status: 201, statusText: 'Created' });
    await expect(created).resolves.toEqual(ANN);

    const updated = api.update(ANN.id, { role: 'admin' });
    const patch = backend.expectOne({ method: 'PATCH', url: `/api/users/${ANN.id}` });
    expect(patch.request.body).toEqual({ role: 'admin' });
    patch.flush({ ...ANN, role: 'admin' });
    await expect(updated).resolves.toMatchObject({ role: 'admin' });

    const removed = api.remove(ANN.id);
    backend
      .expectOne({ method: 'DELETE', url: `/api/users/${ANN.id}` })
      .flush(null, { status: 204, statusText: 'No Content' });
    await expect(removed).resolves.toBeNull();
  });

  it('rejects with the server’s message, which apiErrorMessage shows', async () => {
    const created = api.create({ username: 'ann', password: 'long enough', role: 'member' });
    backend
      .expectOne('/api/users')
      .flush(
        { statusCode: 409, error: 'Conflict', message: 'User ann already exists' },
        { status: 409, statusText: 'Conflict' },
      );
    const error = await created.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpErrorResponse);
    expect(apiErrorMessage(error, 'Could not create the user.')).toBe('User ann already exists');
  });
});
