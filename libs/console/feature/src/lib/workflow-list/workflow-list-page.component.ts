import { CurrencyPipe, DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, DestroyRef, inject, signal } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import { catchError, EMPTY, from, of, switchMap, timer } from 'rxjs';
import { WorkflowListStreamService, WorkflowsApi } from '@flowcast/console-data-access';
import { ConnectionIndicatorComponent, StatusChipComponent } from '@flowcast/console-ui';
import type { WorkflowListResponse } from '@flowcast/shared-contract';

/** How often an older page (not live) refreshes itself. */
const REFRESH_MS = 2_000;
const PAGE_SIZE = 20;

@Component({
  selector: 'fc-workflow-list-page',
  imports: [
    RouterLink,
    MatButtonModule,
    StatusChipComponent,
    ConnectionIndicatorComponent,
    CurrencyPipe,
    DatePipe,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <header class="head">
      <h1>Workflows</h1>
      @if (cursor() === null) {
        <fc-connection-indicator [state]="live.connection()" (reconnect)="reconnect()" />
      }
      <a mat-flat-button routerLink="/workflows/new">New workflow</a>
    </header>
    @if (page(); as current) {
      @if (current.items.length === 0) {
        <p class="empty">No workflows yet.</p>
      } @else {
        <!-- On a phone the table scrolls sideways in its own box; the page itself does not. -->
        <div class="scroll">
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Cost</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              @for (workflow of current.items; track workflow.id) {
                <tr data-testid="workflow-row">
                  <td>
                    <a [routerLink]="['/workflows', workflow.id]">{{ workflow.name }}</a>
                  </td>
                  <td><fc-status-chip [status]="workflow.status" /></td>
                  <td>
                    step {{ workflow.currentStep ?? 0 }} of {{ workflow.totalSteps }}
                    @if (workflow.maxIterations > 1) {
                      · iteration {{ workflow.iterations }} of {{ workflow.maxIterations }}
                    }
                  </td>
                  <td>
                    {{ workflow.totalCost | currency: 'USD' : 'symbol' : '1.2-4' }}
                    @if (workflow.budgetLimit !== null) {
                      <span class="muted">of {{ workflow.budgetLimit | currency: 'USD' }}</span>
                    }
                  </td>
                  <td>{{ workflow.createdAt | date: 'medium' }}</td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
      <nav class="pager">
        <button mat-button type="button" [disabled]="cursors().length === 0" (click)="previousPage()">
          Newer
        </button>
        <button
          mat-button
          type="button"
          [disabled]="!current.nextCursor"
          (click)="nextPage(current.nextCursor)"
        >
          Older
        </button>
      </nav>
    } @else {
      <p>Loading…</p>
    }
  `,
  styles: `
    .head {
      display: flex;
      align-items: center;
      gap: 12px;
    }
    .head h1 {
      flex: 1;
    }
    .scroll {
      overflow-x: auto;
    }
    .list {
      width: 100%;
      border-collapse: collapse;
    }
    th,
    td {
      text-align: left;
      padding: 8px;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
    .pager {
      display: flex;
      gap: 8px;
      justify-content: flex-end;
      padding-top: 8px;
    }
  `,
})
export class WorkflowListPageComponent {
  private readonly api = inject(WorkflowsApi);
  /** The first page, live from the list stream while the page is open (closed with it). */
  protected readonly live = inject(WorkflowListStreamService).open(inject(DestroyRef));
  /** Cursors of the pages before the current one (the first page has none). */
  protected readonly cursors = signal<(string | null)[]>([]);
  /** Null on the first page. */
  protected readonly cursor = signal<string | null>(null);
  /** An older page, refreshed every two seconds while it is shown; the first page is the stream's. */
  private readonly olderPage = toSignal(
    toObservable(this.cursor).pipe(
      switchMap((cursor) =>
        cursor === null
          ? of(undefined)
          : timer(0, REFRESH_MS).pipe(
              switchMap(() => from(this.api.list(cursor, PAGE_SIZE)).pipe(catchError(() => EMPTY))),
            ),
      ),
    ),
  );
  /** The page shown, newest first; undefined while it loads. */
  protected readonly page = computed<WorkflowListResponse | undefined>(() => {
    if (this.cursor() !== null) return this.olderPage();
    const items = this.live.items();
    return items === null ? undefined : { items, nextCursor: this.live.nextCursor() };
  });

  protected reconnect(): void {
    this.live.reconnect();
  }

  protected nextPage(cursor: string | null): void {
    if (!cursor) return;
    this.cursors.update((stack) => [...stack, this.cursor()]);
    this.cursor.set(cursor);
  }

  protected previousPage(): void {
    const stack = this.cursors();
    if (stack.length === 0) return;
    this.cursors.set(stack.slice(0, -1));
    this.cursor.set(stack[stack.length - 1]);
  }
}
