import { DestroyRef, inject, Injectable, InjectionToken } from '@angular/core';
import { WorkflowsApi } from '../api/workflows-api.service';
import { nativeEventSourceFactory, type EventSourceFactory } from './event-source';
import { WorkflowStream } from './workflow-stream';

/** How streams are opened: the browser's EventSource by default, null where there is none; a fake in tests. */
export const EVENT_SOURCE_FACTORY = new InjectionToken<EventSourceFactory | null>('EVENT_SOURCE_FACTORY', {
  providedIn: 'root',
  factory: nativeEventSourceFactory,
});

/** Opens a workflow's live view for a component, closed when the component is destroyed. */
@Injectable({ providedIn: 'root' })
export class WorkflowStreamService {
  private readonly api = inject(WorkflowsApi);
  private readonly createEventSource = inject(EVENT_SOURCE_FACTORY);

  /** Started at once; without EventSource it polls `GET /api/workflows/:id` from the start. */
  open(workflowId: string, destroyRef: DestroyRef): WorkflowStream {
    const stream = new WorkflowStream({
      workflowId,
      createEventSource: this.createEventSource,
      fetchDetail: (id) => this.api.get(id),
      fetchEarlierLogs: (before, limit) => this.api.logs(workflowId, { before, limit }),
    });
    destroyRef.onDestroy(() => stream.close());
    stream.start();
    return stream;
  }
}
