import { HttpClient, HttpParams } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import {
  apiPaths,
  type WorkflowDefinition,
  type WorkflowDetail,
  type WorkflowEventsResponse,
  type WorkflowListResponse,
  type WorkflowLogsResponse,
} from '@flowcast/shared-contract';

/** The workflows REST API (CONTRACT §3), typed by the contract the controller compiles against. */
@Injectable({ providedIn: 'root' })
export class WorkflowsApi {
  private readonly http = inject(HttpClient);

  /** The caller's workflows, newest first. */
  list(cursor?: string, limit?: number): Promise<WorkflowListResponse> {
    return firstValueFrom(
      this.http.get<WorkflowListResponse>(apiPaths.workflows, { params: params({ cursor, limit }) }),
    );
  }

  get(id: string): Promise<WorkflowDetail> {
    return firstValueFrom(this.http.get<WorkflowDetail>(apiPaths.workflow(id)));
  }

  /** Creates the workflow (`pending`), and starts it at once when `start` is set. */
  create(definition: WorkflowDefinition, start = false): Promise<WorkflowDetail> {
    return firstValueFrom(
      this.http.post<WorkflowDetail>(apiPaths.workflows, definition, {
        params: params({ start: start ? 'true' : undefined }),
      }),
    );
  }

  start(id: string): Promise<WorkflowDetail> {
    return firstValueFrom(this.http.post<WorkflowDetail>(apiPaths.start(id), null));
  }

  cancel(id: string): Promise<WorkflowDetail> {
    return firstValueFrom(this.http.post<WorkflowDetail>(apiPaths.cancel(id), null));
  }

  /** Deletes a workflow that is not running, and its events. */
  async remove(id: string): Promise<void> {
    await firstValueFrom(this.http.delete<void>(apiPaths.workflow(id)));
  }

  /** A new workflow from a finished one's definition, started at once. */
  rerun(id: string): Promise<WorkflowDetail> {
    return firstValueFrom(
      this.http.post<WorkflowDetail>(apiPaths.rerun(id), null, { params: params({ start: 'true' }) }),
    );
  }

  /** Log lines in order: after the event `after`, or the newest ones of the events before `before`. */
  logs(
    id: string,
    page: { after?: number; before?: number; limit?: number } = {},
  ): Promise<WorkflowLogsResponse> {
    return firstValueFrom(this.http.get<WorkflowLogsResponse>(apiPaths.logs(id), { params: params(page) }));
  }

  /** Stored events after the event `after`, in id order (at most `limit`, 1000 at most). */
  events(id: string, after?: number, limit?: number): Promise<WorkflowEventsResponse> {
    return firstValueFrom(
      this.http.get<WorkflowEventsResponse>(apiPaths.events(id), { params: params({ after, limit }) }),
    );
  }
}

/** Query parameters without the ones left out. */
function params(values: Record<string, string | number | undefined>): HttpParams {
  let result = new HttpParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) result = result.set(key, String(value));
  }
  return result;
}
