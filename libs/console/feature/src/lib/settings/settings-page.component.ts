import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatTabsModule } from '@angular/material/tabs';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from '@flowcast/console-data-access';

/** The settings pages under one tab bar; "Users" is an admin's tab only (its route is guarded too). */
@Component({
  selector: 'fc-settings-page',
  imports: [MatTabsModule, RouterLink, RouterLinkActive, RouterOutlet],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Settings</h1>
    <nav mat-tab-nav-bar [tabPanel]="panel" aria-label="Settings sections">
      <a
        mat-tab-link
        routerLink="tokens"
        routerLinkActive
        #tokens="routerLinkActive"
        [active]="tokens.isActive"
        >API tokens</a
      >
      @if (isAdmin()) {
        <a
          mat-tab-link
          routerLink="users"
          routerLinkActive
          #users="routerLinkActive"
          [active]="users.isActive"
          data-testid="users-tab"
          >Users</a
        >
      }
    </nav>
    <mat-tab-nav-panel #panel class="panel">
      <router-outlet />
    </mat-tab-nav-panel>
  `,
  styles: `
    .panel {
      display: block;
      padding-top: 16px;
    }
  `,
})
export class SettingsPageComponent {
  protected readonly isAdmin = inject(AuthService).isAdmin;
}
