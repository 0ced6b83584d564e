import { DestroyRef, inject, Injectable } from '@angular/core';
import { WorkflowsApi } from '../api/workflows-api.service';
import { WorkflowListStream } from './workflow-list-stream';
import { EVENT_SOURCE_FACTORY } from './workflow-stream.service';

/** Opens the live workflows list for a component, closed when the component is destroyed. */
@Injectable({ providedIn: 'root' })
export class WorkflowListStreamService {
  private readonly api = inject(WorkflowsApi);
  private readonly createEventSource = inject(EVENT_SOURCE_FACTORY);

  /**
   * Started at once; without EventSource it polls `GET /api/workflows` from the start. The fallback asks
   * for the server's default page size, which is what the stream's `workflow:list` holds.
   */
  open(destroyRef: DestroyRef): WorkflowListStream {
    const stream = new WorkflowListStream({
      createEventSource: this.createEventSource,
      fetchFirstPage: () => this.api.list(),
    });
    destroyRef.onDestroy(() => stream.close());
    stream.start();
    return stream;
  }
}
