import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { createEnvironmentInjector, DestroyRef, EnvironmentInjector } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { WorkflowListResponse } from '@flowcast/shared-contract';
import { FakeEventSource } from '../testing/fake-event-source';
import type { EventSourceFactory } from './event-source';
import { WorkflowListStreamService } from './workflow-list-stream.service';
import { EVENT_SOURCE_FACTORY } from './workflow-stream.service';

describe('WorkflowListStreamService', () => {
  function configure(factory: EventSourceFactory | null) {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: EVENT_SOURCE_FACTORY, useValue: factory },
      ],
    });
    const scope = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    return {
      service: TestBed.inject(WorkflowListStreamService),
      http: TestBed.inject(HttpTestingController),
      scope,
      destroyRef: scope.get(DestroyRef),
    };
  }

  it('opens the list stream through the injected factory, asks for no page, and closes it with its owner', () => {
    const sources: FakeEventSource[] = [];
    const { service, http, scope, destroyRef } = configure((url, init) => {
      sources.push(new FakeEventSource(url, init));
      return sources[sources.length - 1];
    });

    const stream = service.open(destroyRef);
    expect(sources.map((source) => source.url)).toEqual(['/api/workflows/stream']);
    expect(sources[0].init).toEqual({ withCredentials: true });
    http.verify();

    scope.destroy();
    expect(sources[0].closed).toBe(true);
    expect(stream.connection()).toBe('offline');
  });

  it('polls the first page of GET /api/workflows where there is no EventSource', async () => {
    const { service, http, scope, destroyRef } = configure(null);
    const page: WorkflowListResponse = { items: [], nextCursor: null };

    const stream = service.open(destroyRef);
    expect(stream.connection()).toBe('polling');
    http
      .expectOne((request) => request.url === '/api/workflows' && request.params.keys().length === 0)
      .flush(page);
    await Promise.resolve();
    await Promise.resolve();

    expect(stream.items()).toEqual([]);
    scope.destroy();
    http.verify();
  });
});
