import { Routes } from '@angular/router';
import { adminGuard, signedInGuard } from './auth.guard';

export const consoleRoutes: Routes = [
  {
    path: 'login',
    loadComponent: () => import('./login/login-page.component').then((m) => m.LoginPageComponent),
  },
  {
    path: 'workflows',
    canActivate: [signedInGuard],
    children: [
      {
        path: '',
        loadComponent: () =>
          import('./workflow-list/workflow-list-page.component').then((m) => m.WorkflowListPageComponent),
      },
      {
        path: 'new',
        loadComponent: () =>
          import('./workflow-new/workflow-new-page.component').then((m) => m.WorkflowNewPageComponent),
      },
      {
        path: ':id',
        loadComponent: () =>
          import('./workflow-detail/workflow-detail-page.component').then(
            (m) => m.WorkflowDetailPageComponent,
          ),
      },
    ],
  },
  {
    path: 'settings',
    canActivate: [signedInGuard],
    loadComponent: () => import('./settings/settings-page.component').then((m) => m.SettingsPageComponent),
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'tokens' },
      {
        path: 'tokens',
        loadComponent: () =>
          import('./settings/tokens/tokens-page.component').then((m) => m.TokensPageComponent),
      },
      {
        path: 'users',
        canActivate: [adminGuard('/settings/tokens')],
        loadComponent: () =>
          import('./settings/users/users-page.component').then((m) => m.UsersPageComponent),
      },
    ],
  },
  { path: '', pathMatch: 'full', redirectTo: 'workflows' },
  { path: '**', redirectTo: 'workflows' },
];
