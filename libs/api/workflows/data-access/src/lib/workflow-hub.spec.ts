import { Logger } from '@nestjs/common';
import { type BatchListener, WorkflowHub, type PublishedBatch } from './workflow-hub';

function batch(workflowId: string, firstId: number, lastId = firstId, terminal = false): PublishedBatch {
  const events = Array.from({ length: lastId - firstId + 1 }, (_, i) => ({
    id: firstId + i,
    type: 'log:created' as const,
    frame: `id: ${firstId + i}\nevent: log:created\ndata: {}\n\n`,
  }));
  const frames = events.map((e) => e.frame).join('');
  return { workflowId, events, frames, bytes: frames.length, firstId, lastId, terminal };
}

/** A listener that records what it receives (and may act on it). */
function recorder(onReceive?: (batch: PublishedBatch) => void): BatchListener & { seen: PublishedBatch[] } {
  const seen: PublishedBatch[] = [];
  return {
    seen,
    receive(received) {
      seen.push(received);
      onReceive?.(received);
    },
  };
}

const firstIds = (listener: { seen: PublishedBatch[] }) => listener.seen.map((x) => x.firstId);

describe('WorkflowHub', () => {
  it('delivers each batch, in publish order, to every listener of that workflow and no other', () => {
    const hub = new WorkflowHub();
    const [a1, a2, b] = [recorder(), recorder(), recorder()];
    hub.listen('wf_a', a1);
    hub.listen('wf_a', a2);
    hub.listen('wf_b', b);
    hub.publish(batch('wf_a', 1, 2));
    hub.publish(batch('wf_b', 1));
    hub.publish(batch('wf_a', 3));
    expect(firstIds(a1)).toEqual([1, 3]);
    expect(firstIds(a2)).toEqual([1, 3]);
    expect(firstIds(b)).toEqual([1]);
  });

  it('hands listeners the very batch object that was published (serialised once for everyone)', () => {
    const hub = new WorkflowHub();
    const listeners = [recorder(), recorder()];
    listeners.forEach((listener) => hub.listen('wf_a', listener));
    const published = batch('wf_a', 1);
    hub.publish(published);
    expect(listeners[0].seen).toEqual([published]);
    expect(listeners[0].seen[0]).toBe(published);
    expect(listeners[1].seen[0]).toBe(published);
  });

  it('adds a listener once however often it listens', () => {
    const hub = new WorkflowHub();
    const listener = recorder();
    hub.listen('wf_a', listener);
    hub.listen('wf_a', listener);
    hub.publish(batch('wf_a', 1));
    expect(firstIds(listener)).toEqual([1]);
  });

  it('drops a workflow’s channel when its last listener leaves, and only then', () => {
    const hub = new WorkflowHub();
    const [first, second, other] = [recorder(), recorder(), recorder()];
    hub.listen('wf_a', first);
    hub.listen('wf_a', second);
    hub.listen('wf_b', other);
    expect(hub.channelCount).toBe(2);
    hub.unlisten('wf_a', first);
    hub.unlisten('wf_a', first); // twice: nothing more happens
    expect(hub.channelCount).toBe(2);
    expect(hub.hasListeners('wf_a')).toBe(true);
    hub.unlisten('wf_a', second);
    expect(hub.channelCount).toBe(1);
    expect(hub.hasListeners('wf_a')).toBe(false);
    expect(hub.hasListeners('wf_b')).toBe(true);
    hub.unlisten('wf_b', other);
    expect(hub.channelCount).toBe(0);
  });

  it('publishes into the void, creating nothing, when nobody listens', () => {
    const hub = new WorkflowHub();
    expect(() => hub.publish(batch('wf_a', 1))).not.toThrow();
    expect(hub.channelCount).toBe(0);
    expect(hub.hasListeners('wf_a')).toBe(false);
  });

  it('gives a listener that comes back after the channel was dropped the batches published from then on', () => {
    const hub = new WorkflowHub();
    const listener = recorder();
    hub.listen('wf_a', listener);
    hub.unlisten('wf_a', listener);
    hub.publish(batch('wf_a', 1));
    hub.listen('wf_a', listener);
    hub.publish(batch('wf_a', 2));
    expect(firstIds(listener)).toEqual([2]);
    hub.unlisten('wf_a', listener);
    expect(hub.channelCount).toBe(0);
  });

  it('keeps delivering to the others when one listener leaves from inside its own handler', () => {
    const hub = new WorkflowHub();
    const leaving = recorder(() => hub.unlisten('wf_a', leaving));
    const staying = recorder();
    hub.listen('wf_a', leaving);
    hub.listen('wf_a', staying);
    hub.publish(batch('wf_a', 1));
    hub.publish(batch('wf_a', 2));
    expect(firstIds(leaving)).toEqual([1]);
    expect(firstIds(staying)).toEqual([1, 2]);
    expect(hub.channelCount).toBe(1);
  });

  it('leaves no channel behind when the last listener leaves on the terminal batch', () => {
    const hub = new WorkflowHub();
    const listener = recorder((x) => x.terminal && hub.unlisten('wf_a', listener));
    hub.listen('wf_a', listener);
    hub.publish(batch('wf_a', 1, 3));
    hub.publish(batch('wf_a', 4, 4, true));
    hub.publish(batch('wf_a', 5));
    expect(listener.seen.map((x) => x.lastId)).toEqual([3, 4]);
    expect(hub.channelCount).toBe(0);
  });

  it('still delivers to the other listeners when one throws', () => {
    const hub = new WorkflowHub();
    const failing = recorder(() => {
      throw new Error('boom');
    });
    const fine = recorder();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    hub.listen('wf_a', failing);
    hub.listen('wf_a', fine);
    try {
      hub.publish(batch('wf_a', 1));
      hub.publish(batch('wf_a', 2));
      expect(logged.mock.calls).toEqual([
        ['A listener of wf_a failed: boom'],
        ['A listener of wf_a failed: boom'],
      ]);
    } finally {
      logged.mockRestore();
    }
    expect(firstIds(failing)).toEqual([1, 2]);
    expect(firstIds(fine)).toEqual([1, 2]);
  });
});
