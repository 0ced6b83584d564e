import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { firstValueFrom } from 'rxjs';
import { csrfInterceptor, provideConsoleHttp, unauthorizedInterceptor } from './http.interceptors';

describe('console HTTP interceptors', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let navigate: jest.SpyInstance;

  function configure(providers: unknown[]): void {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), ...(providers as never[]), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    const router = TestBed.inject(Router);
    jest.spyOn(router, 'url', 'get').mockReturnValue('/workflows/wf_AbCdEfGhIjKlMnOp?tab=logs');
    navigate = jest.spyOn(router, 'navigate').mockResolvedValue(true);
  }

  afterEach(() => backend.verify());

  describe('csrfInterceptor', () => {
    beforeEach(() => configure([provideHttpClient(withInterceptors([csrfInterceptor]))]));

    it.each(['POST', 'PUT', 'PATCH', 'DELETE'])(
      'adds X-Requested-With: flowcast to a %s to the API',
      (method) => {
        void firstValueFrom(http.request(method, '/api/workflows', { body: {} }));
        expect(backend.expectOne('/api/workflows').request.headers.get('X-Requested-With')).toBe('flowcast');
      },
    );

    it.each(['GET', 'HEAD'])('leaves a %s alone', (method) => {
      void firstValueFrom(http.request(method, '/api/workflows'));
      expect(backend.expectOne('/api/workflows').request.headers.has('X-Requested-With')).toBe(false);
    });

    it('never sends the header outside the API', () => {
      void firstValueFrom(http.post('https://elsewhere.example/api/hook', {}));
      void firstValueFrom(http.post('/assets/thing', {}));
      expect(
        backend.expectOne('https://elsewhere.example/api/hook').request.headers.has('X-Requested-With'),
      ).toBe(false);
      expect(backend.expectOne('/assets/thing').request.headers.has('X-Requested-With')).toBe(false);
    });
  });

  describe('unauthorizedInterceptor', () => {
    beforeEach(() => configure([provideHttpClient(withInterceptors([unauthorizedInterceptor]))]));

    it('sends the user to sign in, coming back to the current page, on a 401 from the API', async () => {
      const answer = firstValueFrom(http.get('/api/workflows/wf_AbCdEfGhIjKlMnOp'));
      backend
        .expectOne('/api/workflows/wf_AbCdEfGhIjKlMnOp')
        .flush(null, { status: 401, statusText: 'Unauthorized' });

      await expect(answer).rejects.toMatchObject({ status: 401 });
      expect(navigate).toHaveBeenCalledWith(['/login'], {
        queryParams: { returnUrl: '/workflows/wf_AbCdEfGhIjKlMnOp?tab=logs' },
      });
    });

    it.each(['/api/auth/login', '/api/auth/me'])('lets the caller handle a 401 from %s', async (url) => {
      const answer = firstValueFrom(http.post(url, {}));
      backend.expectOne(url).flush(null, { status: 401, statusText: 'Unauthorized' });

      await expect(answer).rejects.toMatchObject({ status: 401 });
      expect(navigate).not.toHaveBeenCalled();
    });

    it('ignores other errors', async () => {
      const answer = firstValueFrom(http.get('/api/workflows'));
      backend.expectOne('/api/workflows').flush(null, { status: 403, statusText: 'Forbidden' });

      await expect(answer).rejects.toMatchObject({ status: 403 });
      expect(navigate).not.toHaveBeenCalled();
    });
  });

  describe('provideConsoleHttp', () => {
    beforeEach(() => configure([provideConsoleHttp()]));

    it('wires both interceptors', async () => {
      const answer = firstValueFrom(http.post('/api/workflows/wf_AbCdEfGhIjKlMnOp/cancel', null));
      const request = backend.expectOne('/api/workflows/wf_AbCdEfGhIjKlMnOp/cancel');
      expect(request.request.headers.get('X-Requested-With')).toBe('flowcast');
      request.flush(null, { status: 401, statusText: 'Unauthorized' });

      await expect(answer).rejects.toMatchObject({ status: 401 });
      expect(navigate).toHaveBeenCalledTimes(1);
    });
  });
});
