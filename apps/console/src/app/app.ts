import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatToolbarModule } from '@angular/material/toolbar';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from '@flowcast/console-data-access';

@Component({
  selector: 'fc-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, MatToolbarModule, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <mat-toolbar class="bar">
      <a class="brand" routerLink="/workflows">Flowcast</a>
      @if (auth.user(); as user) {
        <nav>
          <a
            mat-button
            routerLink="/workflows"
            routerLinkActive="active"
            [routerLinkActiveOptions]="{ exact: true }"
            >Workflows</a
          >
          <a mat-button routerLink="/workflows/new" routerLinkActive="active">New workflow</a>
          <a mat-button routerLink="/settings" routerLinkActive="active">Settings</a>
        </nav>
        <span class="spacer"></span>
        <span class="user" data-testid="current-user">{{ user.username }} · {{ user.role }}</span>
        <button mat-button type="button" (click)="signOut()">Sign out</button>
      }
    </mat-toolbar>
    <main>
      <router-outlet />
    </main>
  `,
  styles: `
    .bar {
      gap: 8px;
      background: var(--mat-sys-primary-container);
    }
    .brand {
      font: var(--mat-sys-title-large);
      color: inherit;
      text-decoration: none;
      margin-right: 16px;
    }
    .spacer {
      flex: 1;
    }
    .user {
      font: var(--mat-sys-body-medium);
    }
    .active {
      text-decoration: underline;
    }
    main {
      padding: 16px 24px;
      max-width: 1200px;
      margin: 0 auto;
    }
  `,
})
export class App {
  protected readonly auth = inject(AuthService);
  private readonly router = inject(Router);

  protected async signOut(): Promise<void> {
    await this.auth.logout();
    await this.router.navigate(['/login']);
  }
}
