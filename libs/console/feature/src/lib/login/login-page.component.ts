import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router } from '@angular/router';
import { AuthService } from '@flowcast/console-data-access';

@Component({
  selector: 'fc-login-page',
  imports: [ReactiveFormsModule, MatCardModule, MatFormFieldModule, MatInputModule, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <mat-card class="login">
      <mat-card-header><mat-card-title>Sign in to Flowcast</mat-card-title></mat-card-header>
      <mat-card-content>
        <form [formGroup]="form" (ngSubmit)="signIn()">
          <mat-form-field appearance="outline">
            <mat-label>Username</mat-label>
            <input matInput formControlName="username" name="username" autocomplete="username" required />
          </mat-form-field>
          <mat-form-field appearance="outline">
            <mat-label>Password</mat-label>
            <input
              matInput
              type="password"
              formControlName="password"
              name="password"
              autocomplete="current-password"
              required
            />
          </mat-form-field>
          @if (error(); as message) {
            <p class="error" role="alert" data-testid="login-error">{{ message }}</p>
          }
          <button mat-flat-button type="submit" [disabled]="form.invalid || busy()">Sign in</button>
        </form>
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    .login {
      max-width: 380px;
      margin: 48px auto;
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 4px;
      padding-top: 12px;
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
})
export class LoginPageComponent {
  /** Where to go after signing in (set by the sign-in guard). */
  readonly returnUrl = input<string>();
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly form = inject(FormBuilder).nonNullable.group({
    username: ['', Validators.required],
    password: ['', Validators.required],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected async signIn(): Promise<void> {
    const { username, password } = this.form.getRawValue();
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.auth.login(username, password);
      const target = this.returnUrl();
      await this.router.navigateByUrl(target?.startsWith('/') ? target : '/workflows');
    } catch (error) {
      const status = (error as { status?: number }).status;
      this.error.set(
        status === 429 ? 'Too many failed sign-ins; try again later.' : 'Wrong username or password.',
      );
    } finally {
      this.busy.set(false);
    }
  }
}
