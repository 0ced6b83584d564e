import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { createEnvironmentInjector, DestroyRef, EnvironmentInjector } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { seedWorkflow } from '@flowcast/shared-contract';
import { FakeEventSource } from '../testing/fake-event-source';
import type { EventSourceFactory } from './event-source';
import { EVENT_SOURCE_FACTORY, WorkflowStreamService } from './workflow-stream.service';

const ID = 'wf_AbCdEfGhIjKlMnOp';

describe('WorkflowStreamService', () => {
  function configure(factory: EventSourceFactory | null) {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        { provide: EVENT_SOURCE_FACTORY, useValue: factory },
      ],
    });
    const scope = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    return { service: TestBed.inject(WorkflowStreamService), scope, destroyRef: scope.get(DestroyRef) };
  }

  it('opens the stream through the injected factory and closes it when its owner is destroyed', () => {
    const sources: FakeEventSource[] = [];
    const { service, scope, destroyRef } = configure((url, init) => {
      sources.push(new FakeEventSource(url, init));
      return sources[sources.length - 1];
    });

    const stream = service.open(ID, destroyRef);
    expect(sources.map((source) => source.url)).toEqual([`/api/workflows/${ID}/stream`]);
    expect(stream.connection()).toBe('reconnecting');

    scope.destroy();
    expect(sources[0].closed).toBe(true);
    expect(stream.connection()).toBe('offline');
  });

  it('polls GET /api/workflows/:id where there is no EventSource', async () => {
    const { service, scope, destroyRef } = configure(null);
    const detail = {
      ...seedWorkflow({ id: ID, name: 'x', createdAt: '', maxIterations: 1, budgetLimit: null, agents: [] }),
      status: 'running' as const,
    };

    const stream = service.open(ID, destroyRef);
    expect(stream.connection()).toBe('polling');
    TestBed.inject(HttpTestingController).expectOne(`/api/workflows/${ID}`).flush(detail);
    await Promise.resolve();
    await Promise.resolve();

    expect(stream.view()).toEqual(detail);
    scope.destroy();
    TestBed.inject(HttpTestingController).verify();
  });
});
