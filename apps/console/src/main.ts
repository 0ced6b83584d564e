import { bootstrapApplication } from '@angular/platform-browser';
import { appConfig } from './app/app.config';
import { App } from './app/app';

bootstrapApplication(App, appConfig).catch((error: unknown) => {
  // The page cannot start: show why instead of a blank screen.
  document.body.textContent = `Flowcast console failed to start: ${String(error)}`;
});
