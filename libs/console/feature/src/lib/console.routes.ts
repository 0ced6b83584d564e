import { Routes } from '@angular/router';
import { signedInGuard } from './auth.guard';

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
  { path: '', pathMatch: 'full', redirectTo: 'workflows' },
  { path: '**', redirectTo: 'workflows' },
];
