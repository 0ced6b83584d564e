import { ChangeDetectionStrategy, Component, ElementRef, inject, viewChild } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatToolbarModule } from '@angular/material/toolbar';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from '@flowcast/console-data-access';

@Component({
  selector: 'fc-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, MatToolbarModule, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <!-- Shown when focused: the first Tab of a page lets a keyboard user go past the toolbar. -->
    <a class="skip" href="#content" (click)="skipToContent($event)">Skip to content</a>
    <mat-toolbar class="bar">
      <a class="brand" routerLink="/workflows">Flowcast</a>
      @if (auth.user(); as user) {
        <nav aria-label="Main">
          <a
            mat-button
            routerLink="/workflows"
            routerLinkActive="active"
            ariaCurrentWhenActive="page"
            [routerLinkActiveOptions]="{ exact: true }"
            >Workflows</a
          >
          <a mat-button routerLink="/workflows/new" routerLinkActive="active" ariaCurrentWhenActive="page"
            >New workflow</a
          >
          <a mat-button routerLink="/settings" routerLinkActive="active" ariaCurrentWhenActive="page"
            >Settings</a
          >
        </nav>
        <span class="spacer"></span>
        <span class="user" data-testid="current-user"
          >{{ user.username }}<span class="role"> · {{ user.role }}</span></span
        >
        <button mat-button type="button" (click)="signOut()">Sign out</button>
      }
    </mat-toolbar>
    <main id="content" tabindex="-1" #content>
      <router-outlet />
    </main>
  `,
  styles: `
    .skip {
      position: absolute;
      top: 8px;
      left: 8px;
      z-index: 10;
      padding: 8px 16px;
      border-radius: 4px;
      background: var(--mat-sys-surface);
      color: var(--mat-sys-primary);
      font: var(--mat-sys-label-large);
      transform: translateY(-200%);
    }
    .skip:focus {
      transform: none;
    }
    .bar {
      flex-wrap: wrap;
      height: auto;
      min-height: var(--mat-toolbar-standard-height, 64px);
      gap: 0 8px;
      background: var(--mat-sys-primary-container);
      color: var(--mat-sys-on-primary-container);
      --mat-button-text-label-text-color: var(--mat-sys-on-primary-container);
    }
    .brand {
      font: var(--mat-sys-title-large);
      color: inherit;
      text-decoration: none;
      margin-right: 16px;
    }
    nav {
      display: flex;
      flex-wrap: wrap;
    }
    .spacer {
      flex: 1;
    }
    .user {
      min-width: 0;
      overflow: hidden;
      text-overflow: ellipsis;
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
    main:focus {
      outline: none;
    }
    /* A phone (a 390 px screen): the nav takes a row of its own under the brand and the user. */
    @media (max-width: 599.98px) {
      .bar {
        padding-bottom: 4px;
      }
      nav {
        order: 1;
        flex-basis: 100%;
      }
      .role {
        display: none;
      }
      main {
        padding: 12px;
      }
    }
  `,
})
export class App {
  protected readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly content = viewChild.required<ElementRef<HTMLElement>>('content');

  /** Moves the focus itself: a fragment link would be a navigation, which the router would handle. */
  protected skipToContent(event: Event): void {
    event.preventDefault();
    this.content().nativeElement.focus();
  }

  protected async signOut(): Promise<void> {
    await this.auth.logout();
    await this.router.navigate(['/login']);
  }
}
