import { DatePipe } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatSnackBar, MatSnackBarModule } from '@angular/material/snack-bar';
import { Router, RouterLink } from '@angular/router';
import { apiPaths } from '@flowcast/shared-contract';
import { type WorkflowStream, WorkflowStreamService, WorkflowsApi } from '@flowcast/console-data-access';
import {
  AgentTimelineComponent,
  BudgetBarComponent,
  ConnectionIndicatorComponent,
  elapsedMs,
  formatDuration,
  LogViewComponent,
  tickingNow,
  TotalCostComponent,
} from '@flowcast/console-ui';
import { RunChartsComponent } from './run-charts.component';

@Component({
  selector: 'fc-workflow-detail-page',
  imports: [
    RouterLink,
    DatePipe,
    MatButtonModule,
    MatSnackBarModule,
    ConnectionIndicatorComponent,
    BudgetBarComponent,
    TotalCostComponent,
    RunChartsComponent,
    AgentTimelineComponent,
    LogViewComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './workflow-detail-page.component.html',
  styles: `
    .head {
      display: flex;
      align-items: center;
      gap: 12px;
      flex-wrap: wrap;
    }
    .head h1 {
      margin: 0;
      flex: 1;
    }
    .status {
      font-weight: 600;
    }
    .summary {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 8px 16px;
      align-items: center;
      margin: 16px 0;
    }
    .error {
      color: var(--mat-sys-error);
    }
    section {
      margin-top: 16px;
    }
  `,
})
export class WorkflowDetailPageComponent {
  /** The workflow id, from the route. */
  readonly id = input.required<string>();
  private readonly streams = inject(WorkflowStreamService);
  private readonly api = inject(WorkflowsApi);
  private readonly snackBar = inject(MatSnackBar);
  private readonly destroyRef = inject(DestroyRef);
  private readonly router = inject(Router);
  protected readonly stream = signal<WorkflowStream | undefined>(undefined);
  protected readonly acting = signal(false);
  protected readonly actionError = signal<string | null>(null);
  private readonly now = tickingNow();
  /** Since the workflow started: ticking while it runs, fixed once it has ended. */
  protected readonly elapsed = computed(() => {
    const view = this.stream()?.view();
    return view ? formatDuration(elapsedMs(view.startedAt, view.completedAt, this.now)) : '—';
  });

  /** The whole log as a plain-text file (the view holds the newest lines only). */
  protected readonly downloadUrl = computed(() => apiPaths.logsDownload(this.id()));

  constructor() {
    // One stream per workflow shown: closed when the page is left (DestroyRef) or shows another workflow
    // (the router keeps this component when only the id changes, as "Run again" does).
    effect((onCleanup) => {
      const id = this.id();
      untracked(() => {
        const stream = this.streams.open(id, this.destroyRef);
        const notices = stream.notices$.subscribe((notice) =>
          this.snackBar.open(notice.message, 'Dismiss', { duration: 6_000 }),
        );
        this.stream.set(stream);
        this.actionError.set(null);
        onCleanup(() => {
          notices.unsubscribe();
          stream.close();
        });
      });
    });
  }

  protected async start(): Promise<void> {
    await this.act(() => this.api.start(this.id()));
  }

  protected async cancel(): Promise<void> {
    await this.act(() => this.api.cancel(this.id()));
  }

  /** A new run of this workflow's definition, shown at once. */
  protected async rerun(): Promise<void> {
    await this.act(async () => {
      const created = await this.api.rerun(this.id());
      await this.router.navigate(['/workflows', created.id]);
    });
  }

  protected reconnect(): void {
    this.stream()?.reconnect();
  }

  private async act(action: () => Promise<unknown>): Promise<void> {
    this.acting.set(true);
    this.actionError.set(null);
    try {
      await action();
    } catch (error) {
      const body = (error as { error?: { message?: string } }).error;
      this.actionError.set(body?.message ?? 'That did not work; try again.');
    } finally {
      this.acting.set(false);
    }
  }
}
