import type { AddressInfo } from 'node:net';
import express from 'express';
import { releaseRequestExtras } from './release-request';

describe('releaseRequestExtras', () => {
  it('drops what the framework hung on a request, and the response still streams and ends', async () => {
    const app = express();
    let seen: Record<string, unknown> = {};
    app.get('/items/:id', (req, res) => {
      (req as unknown as { user: unknown }).user = { id: 'u1' };
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      releaseRequestExtras(res);
      const extras = req as unknown as Record<string, unknown>;
      seen = Object.fromEntries(['next', '_parsedUrl', 'params', 'route', 'user'].map((k) => [k, extras[k]]));
      res.write('still ');
      res.end('open');
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/items/7`);
      expect(await response.text()).toBe('still open');
      expect(seen).toEqual({
        next: undefined,
        _parsedUrl: undefined,
        params: undefined,
        route: undefined,
        user: undefined,
      });
    } finally {
      server.close();
    }
  });
});
