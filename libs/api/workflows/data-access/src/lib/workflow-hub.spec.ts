import { config as rxjsConfig, type Subscription } from 'rxjs';
import { httpChunk } from './sse-frame';
import { WorkflowHub, type PublishedBatch } from './workflow-hub';

function batch(workflowId: string, firstId: number, lastId = firstId, terminal = false): PublishedBatch {
  const events = Array.from({ length: lastId - firstId + 1 }, (_, i) => ({
    id: firstId + i,
    type: 'log:created' as const,
    frame: `id: ${firstId + i}\nevent: log:created\ndata: {}\n\n`,
  }));
  const frames = events.map((e) => e.frame).join('');
  const chunk = Buffer.from(httpChunk(frames, frames.length));
  return { workflowId, events, frames, bytes: frames.length, chunk, firstId, lastId, terminal };
}

/** A plain observer that records what it receives (and may act on it), subscribed to a workflow. */
function watcher(hub: WorkflowHub, workflowId: string, onNext?: (batch: PublishedBatch) => void) {
  const seen: PublishedBatch[] = [];
  const state = { seen, completed: false, subscription: undefined as Subscription | undefined };
  state.subscription = hub.watch(workflowId).subscribe({
    next(received) {
      seen.push(received);
      onNext?.(received);
    },
    complete() {
      state.completed = true;
    },
  });
  return state;
}

const firstIds = (listener: { seen: PublishedBatch[] }) => listener.seen.map((x) => x.firstId);

describe('WorkflowHub', () => {
  it('delivers each batch, in publish order, to every subscriber of that workflow and no other', () => {
    const hub = new WorkflowHub();
    const a1 = watcher(hub, 'wf_a');
    const a2 = watcher(hub, 'wf_a');
    const b = watcher(hub, 'wf_b');
    hub.publish(batch('wf_a', 1, 2));
    hub.publish(batch('wf_b', 1));
    hub.publish(batch('wf_a', 3));
    expect(firstIds(a1)).toEqual([1, 3]);
    expect(firstIds(a2)).toEqual([1, 3]);
    expect(firstIds(b)).toEqual([1]);
  });

  it('hands subscribers the very batch object that was published (serialised once for everyone)', () => {
    const hub = new WorkflowHub();
    const subscribers = [watcher(hub, 'wf_a'), watcher(hub, 'wf_a')];
    const published = batch('wf_a', 1);
    hub.publish(published);
    expect(subscribers[0].seen).toEqual([published]);
    expect(subscribers[0].seen[0]).toBe(published);
    expect(subscribers[1].seen[0]).toBe(published);
  });

  it('creates a workflow’s channel on the first subscription, and drops it when the last one leaves', () => {
    const hub = new WorkflowHub();
    hub.watch('wf_a');
    expect(hub.channelCount).toBe(0); // nothing until someone subscribes
    const first = watcher(hub, 'wf_a');
    const second = watcher(hub, 'wf_a');
    const other = watcher(hub, 'wf_b');
    expect(hub.channelCount).toBe(2);
    first.subscription?.unsubscribe();
    first.subscription?.unsubscribe(); // twice: nothing more happens
    expect(hub.channelCount).toBe(2);
    expect(hub.hasListeners('wf_a')).toBe(true);
    second.subscription?.unsubscribe();
    expect(hub.channelCount).toBe(1);
    expect(hub.hasListeners('wf_a')).toBe(false);
    expect(hub.hasListeners('wf_b')).toBe(true);
    other.subscription?.unsubscribe();
    expect(hub.channelCount).toBe(0);
  });

  it('publishes into the void, creating nothing, when nobody listens', () => {
    const hub = new WorkflowHub();
    expect(() => hub.publish(batch('wf_a', 1))).not.toThrow();
    expect(hub.channelCount).toBe(0);
    expect(hub.hasListeners('wf_a')).toBe(false);
  });

  it('gives a subscriber that comes back after the channel was dropped the batches published from then on', () => {
    const hub = new WorkflowHub();
    const gone = watcher(hub, 'wf_a');
    gone.subscription?.unsubscribe();
    hub.publish(batch('wf_a', 1));
    const back = watcher(hub, 'wf_a');
    hub.publish(batch('wf_a', 2));
    expect(firstIds(gone)).toEqual([]);
    expect(firstIds(back)).toEqual([2]);
    back.subscription?.unsubscribe();
    expect(hub.channelCount).toBe(0);
  });

  it('keeps delivering to the others when one subscriber leaves from inside its own handler', () => {
    const hub = new WorkflowHub();
    const leaving = watcher(hub, 'wf_a', () => leaving.subscription?.unsubscribe());
    const staying = watcher(hub, 'wf_a');
    hub.publish(batch('wf_a', 1));
    hub.publish(batch('wf_a', 2));
    expect(firstIds(leaving)).toEqual([1]);
    expect(firstIds(staying)).toEqual([1, 2]);
    expect(hub.channelCount).toBe(1);
  });

  it('completes and drops the channel after the terminal batch; a later subscriber gets a new one', () => {
    const hub = new WorkflowHub();
    const first = watcher(hub, 'wf_a');
    const second = watcher(hub, 'wf_a');
    hub.publish(batch('wf_a', 1, 3));
    hub.publish(batch('wf_a', 4, 4, true));
    expect(first.seen.map((x) => x.lastId)).toEqual([3, 4]);
    expect([first.completed, second.completed]).toEqual([true, true]);
    expect(hub.channelCount).toBe(0);
    hub.publish(batch('wf_a', 5)); // nobody: nothing is created
    expect(hub.channelCount).toBe(0);
    const late = watcher(hub, 'wf_a');
    hub.publish(batch('wf_a', 6));
    expect(firstIds(late)).toEqual([6]);
    expect(late.completed).toBe(false);
    expect(firstIds(first)).toEqual([1, 4]);
    late.subscription?.unsubscribe();
    expect(hub.channelCount).toBe(0);
  });

  it('leaves no channel behind when the last subscriber leaves on the terminal batch', () => {
    const hub = new WorkflowHub();
    const subscriber = watcher(hub, 'wf_a', (x) => x.terminal && subscriber.subscription?.unsubscribe());
    hub.publish(batch('wf_a', 1, 3));
    hub.publish(batch('wf_a', 4, 4, true));
    hub.publish(batch('wf_a', 5));
    expect(subscriber.seen.map((x) => x.lastId)).toEqual([3, 4]);
    expect(hub.channelCount).toBe(0);
  });

  it('still delivers to the other subscribers when one throws (the error is reported as unhandled)', () => {
    const hub = new WorkflowHub();
    const reported: unknown[] = [];
    const previous = rxjsConfig.onUnhandledError;
    rxjsConfig.onUnhandledError = (error) => reported.push(error);
    jest.useFakeTimers();
    try {
      const failing = watcher(hub, 'wf_a', () => {
        throw new Error('boom');
      });
      const fine = watcher(hub, 'wf_a');
      hub.publish(batch('wf_a', 1));
      hub.publish(batch('wf_a', 2));
      jest.runAllTimers(); // RxJS reports unhandled errors on a timer
      expect(reported.map((error) => (error as Error).message)).toEqual(['boom', 'boom']);
      expect(firstIds(failing)).toEqual([1, 2]);
      expect(firstIds(fine)).toEqual([1, 2]);
    } finally {
      jest.useRealTimers();
      rxjsConfig.onUnhandledError = previous;
    }
  });
});
