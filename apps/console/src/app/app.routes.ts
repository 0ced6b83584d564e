import { Route } from '@angular/router';
import { consoleRoutes } from '@flowcast/console-feature';

export const appRoutes: Route[] = consoleRoutes;
