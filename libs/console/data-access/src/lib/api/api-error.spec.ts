import { HttpErrorResponse } from '@angular/common/http';
import { apiErrorMessage } from './api-error';

describe('apiErrorMessage', () => {
  it('is the message of the server’s JSON error', () => {
    const conflict = new HttpErrorResponse({
      status: 409,
      error: { statusCode: 409, error: 'Conflict', message: 'You cannot remove yourself' },
    });
    expect(apiErrorMessage(conflict, 'Could not remove.')).toBe('You cannot remove yourself');
  });

  it('falls back when the answer has no message', () => {
    const offline = new HttpErrorResponse({ status: 0, error: new ProgressEvent('error') });
    expect(apiErrorMessage(offline, 'Could not load.')).toBe(
      'Could not load. The server could not be reached.',
    );
    const bare = new HttpErrorResponse({ status: 502, error: 'Bad Gateway' });
    expect(apiErrorMessage(bare, 'Could not load.')).toBe('Could not load.');
    expect(apiErrorMessage(new Error('boom'), 'Could not load.')).toBe('Could not load.');
  });
});
