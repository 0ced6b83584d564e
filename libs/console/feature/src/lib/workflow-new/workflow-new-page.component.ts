import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { Router } from '@angular/router';
import { AuthService, WorkflowsApi } from '@flowcast/console-data-access';
import { type ErrorResponse, WORKFLOW_TEMPLATES } from '@flowcast/shared-contract';
import { agentForm, definitionForm, toDefinition } from './definition-form';

@Component({
  selector: 'fc-workflow-new-page',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './workflow-new-page.component.html',
  styles: `
    form {
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .row {
      display: flex;
      gap: 12px;
      flex-wrap: wrap;
    }
    .templates {
      display: flex;
      gap: 8px;
      align-items: center;
      margin-bottom: 12px;
    }
    .agent {
      margin-bottom: 12px;
    }
    .error {
      color: var(--mat-sys-error);
      white-space: pre-line;
    }
  `,
})
export class WorkflowNewPageComponent {
  private readonly fb = inject(NonNullableFormBuilder);
  private readonly api = inject(WorkflowsApi);
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly form = definitionForm(this.fb);
  protected readonly isAdmin = this.auth.isAdmin;
  protected readonly templates = computed(() =>
    WORKFLOW_TEMPLATES.filter((template) => !template.adminOnly || this.auth.isAdmin()),
  );
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected useTemplate(id: string): void {
    const template = WORKFLOW_TEMPLATES.find((candidate) => candidate.id === id);
    if (!template) return;
    const filled = definitionForm(this.fb, template.definition);
    this.form.controls.agents.clear();
    for (const agent of filled.controls.agents.controls) this.form.controls.agents.push(agent);
    this.form.patchValue({
      name: filled.controls.name.value,
      budgetLimit: filled.controls.budgetLimit.value,
      maxIterations: filled.controls.maxIterations.value,
    });
  }

  protected addAgent(): void {
    this.form.controls.agents.push(agentForm(this.fb));
  }

  protected removeAgent(index: number): void {
    if (this.form.controls.agents.length > 1) this.form.controls.agents.removeAt(index);
  }

  protected async createAndStart(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      const created = await this.api.create(toDefinition(this.form), true);
      await this.router.navigate(['/workflows', created.id]);
    } catch (error) {
      const body = (error as { error?: ErrorResponse }).error;
      this.error.set(body?.message ?? 'The workflow could not be created.');
    } finally {
      this.busy.set(false);
    }
  }
}
