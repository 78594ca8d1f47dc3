import superjson from 'superjson';
import { describe, expect, it } from 'vitest';
import { SharedMessage, sharingTransformer, sharingWsEncoder } from './shared-frames.ts';

/** What tRPC's WebSocket adapter sends for a tracked value with plain superjson and JSON. */
function plainFrame(subscriptionId: number | string, eventId: string, value: unknown): unknown {
  return JSON.parse(JSON.stringify({ id: subscriptionId, jsonrpc: undefined, result: { type: 'data', data: superjson.serialize({ id: eventId, data: value }), id: eventId } }));
}

/** The same through the sharing transformer and encoder, as the adapter calls them. */
function sharedFrame(subscriptionId: number | string, eventId: string, value: unknown): string {
  return sharingWsEncoder.encode({
    id: subscriptionId,
    jsonrpc: undefined,
    result: { type: 'data', data: sharingTransformer.output.serialize({ id: eventId, data: value }), id: eventId },
  });
}

describe('live messages serialised once', () => {
  const message = { topic: 'dashboard', type: 'trade.recorded', payload: { symbols: ['QQQ'], at: new Date('2026-01-02T15:04:05.000Z'), note: 'say "error"' } };

  it('sends what plain superjson would, Dates included, and the same text to every subscription with the same id', () => {
    const shared = new SharedMessage(message);
    const a = sharedFrame(1, '42', shared);
    const b = sharedFrame(1, '42', shared);
    expect(JSON.parse(a)).toEqual(plainFrame(1, '42', message));
    expect(b).toBe(a);
    const other = sharedFrame('sub-7', '42', shared);
    expect(JSON.parse(other)).toEqual(plainFrame('sub-7', '42', message));
    const decoded = superjson.deserialize((JSON.parse(a) as { result: { data: Parameters<typeof superjson.deserialize>[0] } }).result.data) as { id: string; data: typeof message };
    expect(decoded.data.payload.at).toBeInstanceOf(Date);
    expect(decoded).toEqual({ id: '42', data: message });
  });

  it('leaves every other value to superjson and JSON, and stringifies correctly on any other path', () => {
    const value = { when: new Date(0), n: 1n };
    expect(sharingTransformer.output.serialize(value)).toEqual(superjson.serialize(value));
    expect(sharingWsEncoder.encode({ id: 3, result: { type: 'started' } })).toBe('{"id":3,"result":{"type":"started"}}');
    const serialized = sharingTransformer.output.serialize({ id: '9', data: new SharedMessage(message) });
    expect(JSON.parse(JSON.stringify({ data: serialized }))).toEqual(JSON.parse(JSON.stringify({ data: superjson.serialize({ id: '9', data: message }) })));
    expect(() => sharingWsEncoder.decode(new Uint8Array([1]))).toThrow(/binary/);
  });
});
