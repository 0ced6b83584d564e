import type { AddressInfo } from 'node:net';
import express from 'express';
import { releaseRoutingState } from './release-routing-state';

describe('releaseRoutingState', () => {
  it('drops Express’s routing state from a request, leaves the rest, and the response still streams', async () => {
    const app = express();
    let seen: Record<string, unknown> = {};
    app.get('/items/:id', (req, res) => {
      (req as unknown as { user: unknown }).user = { id: 'u1' };
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      releaseRoutingState(res);
      const fields = req as unknown as Record<string, unknown>;
      seen = Object.fromEntries(['next', '_parsedUrl', 'params', 'user', 'path'].map((k) => [k, fields[k]]));
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
        params: { id: '7' },
        user: { id: 'u1' },
        path: '/items/7', // parsed again on demand
      });
    } finally {
      server.close();
    }
  });
});
