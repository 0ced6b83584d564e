import { WorkflowHub, type PublishedBatch } from './workflow-hub';

function batch(workflowId: string, firstId: number, lastId = firstId, terminal = false): PublishedBatch {
  const events = Array.from({ length: lastId - firstId + 1 }, (_, i) => ({
    id: firstId + i,
    type: 'log:created' as const,
    frame: `id: ${firstId + i}\nevent: log:created\ndata: {}\n\n`,
  }));
  const frames = events.map((e) => e.frame).join('');
  return { workflowId, events, frames, bytes: frames.length, firstId, lastId, terminal };
}

describe('WorkflowHub', () => {
  it('creates no channel until someone subscribes', () => {
    const hub = new WorkflowHub();
    const stream = hub.listen('wf_a');
    expect(hub.channelCount).toBe(0);
    const subscription = stream.subscribe();
    expect(hub.channelCount).toBe(1);
    subscription.unsubscribe();
  });

  it('delivers each batch, in publish order, to every listener of that workflow and no other', () => {
    const hub = new WorkflowHub();
    const a1: number[] = [];
    const a2: number[] = [];
    const b: number[] = [];
    const subs = [
      hub.listen('wf_a').subscribe((x) => a1.push(x.firstId)),
      hub.listen('wf_a').subscribe((x) => a2.push(x.firstId)),
      hub.listen('wf_b').subscribe((x) => b.push(x.firstId)),
    ];
    hub.publish(batch('wf_a', 1, 2));
    hub.publish(batch('wf_b', 1));
    hub.publish(batch('wf_a', 3));
    expect(a1).toEqual([1, 3]);
    expect(a2).toEqual([1, 3]);
    expect(b).toEqual([1]);
    subs.forEach((s) => s.unsubscribe());
  });

  it('hands listeners the very batch object that was published (serialised once for everyone)', () => {
    const hub = new WorkflowHub();
    const seen: PublishedBatch[] = [];
    const subs = [1, 2].map(() => hub.listen('wf_a').subscribe((x) => seen.push(x)));
    const published = batch('wf_a', 1);
    hub.publish(published);
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(published);
    expect(seen[1]).toBe(published);
    subs.forEach((s) => s.unsubscribe());
  });

  it('drops a workflow’s channel when its last listener unsubscribes, and only then', () => {
    const hub = new WorkflowHub();
    const first = hub.listen('wf_a').subscribe();
    const second = hub.listen('wf_a').subscribe();
    const other = hub.listen('wf_b').subscribe();
    expect(hub.channelCount).toBe(2);
    first.unsubscribe();
    expect(hub.channelCount).toBe(2);
    expect(hub.hasListeners('wf_a')).toBe(true);
    second.unsubscribe();
    expect(hub.channelCount).toBe(1);
    expect(hub.hasListeners('wf_a')).toBe(false);
    expect(hub.hasListeners('wf_b')).toBe(true);
    other.unsubscribe();
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
    hub.listen('wf_a').subscribe().unsubscribe();
    hub.publish(batch('wf_a', 1));
    const seen: number[] = [];
    const again = hub.listen('wf_a').subscribe((x) => seen.push(x.firstId));
    hub.publish(batch('wf_a', 2));
    expect(seen).toEqual([2]);
    again.unsubscribe();
    expect(hub.channelCount).toBe(0);
  });

  it('keeps delivering to the others when one listener leaves from inside its own handler', () => {
    const hub = new WorkflowHub();
    const seen: string[] = [];
    const leaving = hub.listen('wf_a').subscribe((x) => {
      seen.push(`leaving ${x.firstId}`);
      leaving.unsubscribe();
    });
    const staying = hub.listen('wf_a').subscribe((x) => seen.push(`staying ${x.firstId}`));
    hub.publish(batch('wf_a', 1));
    hub.publish(batch('wf_a', 2));
    expect(seen).toEqual(['leaving 1', 'staying 1', 'staying 2']);
    expect(hub.channelCount).toBe(1);
    staying.unsubscribe();
    expect(hub.channelCount).toBe(0);
  });

  it('leaves no channel behind when a listener ends its own subscription on the terminal batch', () => {
    const hub = new WorkflowHub();
    const ids: number[] = [];
    const subscription = hub.listen('wf_a').subscribe((x) => {
      ids.push(x.lastId);
      if (x.terminal) subscription.unsubscribe();
    });
    hub.publish(batch('wf_a', 1, 3));
    hub.publish(batch('wf_a', 4, 4, true));
    hub.publish(batch('wf_a', 5));
    expect(ids).toEqual([3, 4]);
    expect(hub.channelCount).toBe(0);
  });
});
