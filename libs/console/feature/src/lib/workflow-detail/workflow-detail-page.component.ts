import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, inject, input, OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatSnackBar, MatSnackBarModule } from '@angular/material/snack-bar';
import { RouterLink } from '@angular/router';
import { type WorkflowStream, WorkflowStreamService, WorkflowsApi } from '@flowcast/console-data-access';
import {
  AgentTimelineComponent,
  BudgetBarComponent,
  ConnectionIndicatorComponent,
  LogViewComponent,
  TotalCostComponent,
} from '@flowcast/console-ui';

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
export class WorkflowDetailPageComponent implements OnInit {
  /** The workflow id, from the route. */
  readonly id = input.required<string>();
  private readonly streams = inject(WorkflowStreamService);
  private readonly api = inject(WorkflowsApi);
  private readonly snackBar = inject(MatSnackBar);
  private readonly destroyRef = inject(DestroyRef);
  protected readonly stream = signal<WorkflowStream | undefined>(undefined);
  protected readonly acting = signal(false);
  protected readonly actionError = signal<string | null>(null);

  ngOnInit(): void {
    // One stream per page; it is closed when the page is left (DestroyRef).
    const stream = this.streams.open(this.id(), this.destroyRef);
    stream.notices$
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe((notice) => this.snackBar.open(notice.message, 'Dismiss', { duration: 6_000 }));
    this.stream.set(stream);
  }

  protected async start(): Promise<void> {
    await this.act(() => this.api.start(this.id()));
  }

  protected async cancel(): Promise<void> {
    await this.act(() => this.api.cancel(this.id()));
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
