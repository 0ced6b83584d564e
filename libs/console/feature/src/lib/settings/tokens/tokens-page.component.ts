import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, ElementRef, inject, signal, viewChild } from '@angular/core';
import { FormGroupDirective, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { apiErrorMessage, TokensApi } from '@flowcast/console-data-access';
import { AUTH_LIMITS, type ApiTokenView, type CreateTokenResponse } from '@flowcast/shared-contract';
import { ConfirmActionComponent } from '@flowcast/console-ui';
import { NewTokenPanelComponent } from './new-token-panel.component';

/** The signed-in user's personal API tokens: create one (its value shown once), list them, revoke one. */
@Component({
  selector: 'fc-tokens-page',
  imports: [
    DatePipe,
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    ConfirmActionComponent,
    NewTokenPanelComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <p class="intro">
      Personal API tokens let scripts call the API as you (<code>Authorization: Bearer &lt;token&gt;</code>).
      Revoking one also closes the streams it opened.
    </p>
    @if (created(); as token) {
      <fc-new-token-panel [token]="token" (dismissed)="dismissCreated()" />
    }
    <form class="create" [formGroup]="form" (ngSubmit)="create()">
      <mat-form-field appearance="outline">
        <mat-label>Token name</mat-label>
        <input #nameInput matInput formControlName="name" data-testid="token-name-input" autocomplete="off" />
        <mat-hint>What it is for, e.g. “CI pipeline”</mat-hint>
        @if (form.controls.name.hasError('required')) {
          <mat-error>Give the token a name.</mat-error>
        }
        @if (form.controls.name.hasError('maxlength')) {
          <mat-error>At most {{ limits.max }} characters.</mat-error>
        }
      </mat-form-field>
      <button mat-flat-button type="submit" data-testid="create-token" [disabled]="creating()">
        Create token
      </button>
    </form>
    @if (createError(); as message) {
      <p class="error" role="alert">{{ message }}</p>
    }

    <h2>Your tokens</h2>
    @if (actionError(); as message) {
      <p class="error" role="alert">{{ message }}</p>
    }
    @if (loadError(); as message) {
      <p class="error" role="alert">{{ message }}</p>
      <button mat-button type="button" (click)="load()">Try again</button>
    } @else if (tokens(); as items) {
      @if (items.length === 0) {
        <p class="muted">No tokens yet.</p>
      } @else {
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (token of items; track token.id) {
                <tr data-testid="token-row">
                  <td>{{ token.name }}</td>
                  <td>
                    <code>{{ token.id }}</code>
                  </td>
                  <td>{{ token.createdAt | date: 'medium' }}</td>
                  <td>{{ token.lastUsedAt ? (token.lastUsedAt | date: 'medium') : 'never' }}</td>
                  <td class="actions">
                    <fc-confirm-action
                      label="Revoke"
                      [actionAriaLabel]="'Revoke token ' + token.name"
                      [question]="'Revoke “' + token.name + '”?'"
                      confirmLabel="Revoke"
                      actionTestId="revoke-token"
                      confirmTestId="confirm-revoke"
                      [busy]="revoking() === token.id"
                      (confirmed)="revoke(token)"
                    />
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    } @else {
      <p class="muted" role="status">Loading tokens…</p>
    }
  `,
  styleUrl: '../settings-tables.css',
})
export class TokensPageComponent {
  private readonly api = inject(TokensApi);
  protected readonly limits = AUTH_LIMITS.tokenName;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(this.limits.max)]],
  });
  private readonly formDirective = viewChild.required(FormGroupDirective);
  private readonly nameInput = viewChild.required<ElementRef<HTMLInputElement>>('nameInput');

  /** Null while loading. */
  protected readonly tokens = signal<ApiTokenView[] | null>(null);
  protected readonly loadError = signal<string | null>(null);
  /** The token just created, whose value is shown until dismissed (or the page is left). */
  protected readonly created = signal<CreateTokenResponse | null>(null);
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  /** The id of the token being revoked. */
  protected readonly revoking = signal<string | null>(null);
  protected readonly actionError = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      this.tokens.set(await this.api.list());
    } catch (error) {
      this.loadError.set(apiErrorMessage(error, 'Your tokens could not be loaded.'));
    }
  }

  protected async create(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.creating.set(true);
    this.createError.set(null);
    try {
      const created = await this.api.create(this.form.controls.name.value);
      this.created.set(created);
      // Cleared as never submitted, so the empty field does not show "Give the token a name".
      this.formDirective().resetForm();
      void this.load();
    } catch (error) {
      this.createError.set(apiErrorMessage(error, 'The token could not be created.'));
    } finally {
      this.creating.set(false);
    }
  }

  /** Hides the new token's value; the focus, which was in its panel, goes to the name of a next token. */
  protected dismissCreated(): void {
    this.created.set(null);
    this.nameInput().nativeElement.focus();
  }

  protected async revoke(token: ApiTokenView): Promise<void> {
    this.revoking.set(token.id);
    this.actionError.set(null);
    try {
      await this.api.revoke(token.id);
      this.tokens.update((items) => items?.filter((each) => each.id !== token.id) ?? null);
      if (this.created()?.id === token.id) this.created.set(null);
    } catch (error) {
      this.actionError.set(apiErrorMessage(error, `“${token.name}” could not be revoked.`));
    } finally {
      this.revoking.set(null);
    }
  }
}
