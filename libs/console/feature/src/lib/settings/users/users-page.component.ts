import { ChangeDetectionStrategy, Component, computed, inject, signal, viewChild } from '@angular/core';
import { FormGroupDirective, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { type MatSelect, type MatSelectChange, MatSelectModule } from '@angular/material/select';
import { apiErrorMessage, AuthService, UsersApi } from '@flowcast/console-data-access';
import { AUTH_LIMITS, USER_ROLES, type UserRole, type UserView } from '@flowcast/shared-contract';
import { ConfirmActionComponent } from '@flowcast/console-ui';

/** User administration (admins only): create a user, change a role, remove a user. */
@Component({
  selector: 'fc-users-page',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    ConfirmActionComponent,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h2>New user</h2>
    <form class="create" [formGroup]="form" (ngSubmit)="create()">
      <mat-form-field appearance="outline">
        <mat-label>Username</mat-label>
        <input matInput formControlName="username" data-testid="new-username" autocomplete="off" />
        @if (form.controls.username.hasError('required')) {
          <mat-error>Enter a username.</mat-error>
        } @else if (form.controls.username.hasError('pattern')) {
          <mat-error>1–64 letters, digits, dots, dashes or underscores.</mat-error>
        }
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>Password</mat-label>
        <input
          matInput
          type="password"
          formControlName="password"
          data-testid="new-password"
          autocomplete="new-password"
        />
        @if (form.controls.password.hasError('required')) {
          <mat-error>Enter a password.</mat-error>
        } @else if (form.controls.password.hasError('minlength')) {
          <mat-error>At least {{ passwordLimits.min }} characters.</mat-error>
        } @else if (form.controls.password.hasError('maxlength')) {
          <mat-error>At most {{ passwordLimits.max }} characters.</mat-error>
        }
      </mat-form-field>
      <mat-form-field appearance="outline">
        <mat-label>Role</mat-label>
        <mat-select formControlName="role" data-testid="new-role">
          @for (role of roles; track role) {
            <mat-option [value]="role">{{ role }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
      <button mat-flat-button type="submit" data-testid="create-user" [disabled]="creating()">
        Create user
      </button>
    </form>
    @if (createError(); as message) {
      <p class="error" role="alert">{{ message }}</p>
    }
    @if (notice(); as message) {
      <p class="notice" role="status">{{ message }}</p>
    }

    <h2>Users</h2>
    @if (actionError(); as message) {
      <p class="error" role="alert" data-testid="users-error">{{ message }}</p>
    }
    @if (loadError(); as message) {
      <p class="error" role="alert">{{ message }}</p>
      <button mat-button type="button" (click)="load()">Try again</button>
    } @else if (users(); as items) {
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            @for (user of items; track user.id) {
              <tr data-testid="user-row">
                <td>
                  {{ user.username }}
                  @if (user.id === myId()) {
                    <span class="muted">(you)</span>
                  }
                </td>
                <td>
                  <!-- The server refuses a change of one's own role: the select says so by being disabled. -->
                  <mat-form-field appearance="outline" subscriptSizing="dynamic" class="role">
                    <mat-select
                      data-testid="user-role-select"
                      [aria-label]="'Role of ' + user.username"
                      [value]="user.role"
                      [disabled]="user.id === myId() || pending() === user.id"
                      (selectionChange)="changeRole(user, $event)"
                    >
                      @for (role of roles; track role) {
                        <mat-option [value]="role">{{ role }}</mat-option>
                      }
                    </mat-select>
                  </mat-form-field>
                </td>
                <td class="actions">
                  <fc-confirm-action
                    label="Remove"
                    [actionAriaLabel]="'Remove user ' + user.username"
                    [question]="'Remove ' + user.username + '?'"
                    confirmLabel="Remove"
                    actionTestId="remove-user"
                    confirmTestId="confirm-remove"
                    [disabled]="user.id === myId()"
                    [busy]="pending() === user.id"
                    (confirmed)="remove(user)"
                  />
                </td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    } @else {
      <p class="muted" role="status">Loading users…</p>
    }
  `,
  styleUrl: '../settings-tables.css',
  styles: `
    /* Narrow enough for the table to fit a phone's width. */
    .role {
      width: 120px;
    }
    .notice {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
})
export class UsersPageComponent {
  private readonly api = inject(UsersApi);
  private readonly auth = inject(AuthService);
  protected readonly myId = computed(() => this.auth.user()?.id);
  protected readonly roles = USER_ROLES;
  protected readonly passwordLimits = AUTH_LIMITS.password;
  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', [Validators.required, Validators.pattern(AUTH_LIMITS.username)]],
    password: [
      '',
      [
        Validators.required,
        Validators.minLength(this.passwordLimits.min),
        Validators.maxLength(this.passwordLimits.max),
      ],
    ],
    role: ['member' as UserRole, Validators.required],
  });
  private readonly formDirective = viewChild.required(FormGroupDirective);

  /** Null while loading. */
  protected readonly users = signal<UserView[] | null>(null);
  protected readonly loadError = signal<string | null>(null);
  protected readonly creating = signal(false);
  protected readonly createError = signal<string | null>(null);
  protected readonly notice = signal<string | null>(null);
  /** The id of the user whose role change or removal is on its way. */
  protected readonly pending = signal<string | null>(null);
  protected readonly actionError = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  protected async load(): Promise<void> {
    this.loadError.set(null);
    try {
      this.users.set(await this.api.list());
    } catch (error) {
      this.loadError.set(apiErrorMessage(error, 'The users could not be loaded.'));
    }
  }

  protected async create(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.creating.set(true);
    this.createError.set(null);
    this.notice.set(null);
    try {
      const user = await this.api.create(this.form.getRawValue());
      this.notice.set(`User ${user.username} created (${user.role}).`);
      // Cleared as never submitted, so the empty fields do not show their errors.
      this.formDirective().resetForm({ username: '', password: '', role: 'member' });
      this.users.update((items) => (items ? [...items, user] : items));
    } catch (error) {
      this.createError.set(apiErrorMessage(error, 'The user could not be created.'));
    } finally {
      this.creating.set(false);
    }
  }

  protected async changeRole(user: UserView, change: MatSelectChange<UserRole>): Promise<void> {
    await this.act(user, `${user.username}’s role could not be changed.`, change.source, async () => {
      const updated = await this.api.update(user.id, { role: change.value });
      this.users.update((items) => items?.map((each) => (each.id === updated.id ? updated : each)) ?? null);
    });
  }

  protected async remove(user: UserView): Promise<void> {
    await this.act(user, `${user.username} could not be removed.`, undefined, async () => {
      await this.api.remove(user.id);
      this.users.update((items) => items?.filter((each) => each.id !== user.id) ?? null);
    });
  }

  /** Runs a row's action, showing the server's refusal; a refused role change puts the select back. */
  private async act(
    user: UserView,
    fallback: string,
    select: MatSelect | undefined,
    action: () => Promise<void>,
  ): Promise<void> {
    this.pending.set(user.id);
    this.actionError.set(null);
    try {
      await action();
    } catch (error) {
      if (select) select.value = user.role;
      this.actionError.set(apiErrorMessage(error, fallback));
    } finally {
      this.pending.set(null);
    }
  }
}
