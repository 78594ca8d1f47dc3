// One live event goes to every subscribed socket of this process. tRPC would serialise each
// copy (superjson, then JSON) once per subscriber; a message wrapped in SharedMessage is
// serialised once per event, and sockets whose subscription has the same id get the very
// same frame text. Only the bytes are shared: which subscriber receives which event is still
// decided per subscriber (events/router.ts), and the frame is what tRPC would have sent.
import superjson from 'superjson';
import { serializePlain } from './plain-superjson.ts';

type SuperJsonOutput = ReturnType<typeof superjson.serialize>;

/** What the transformer returns for a shared message: its serialisation, done once. */
export class SerializedShared {
  private readonly frames = new Map<string, string>();
  constructor(
    /** superjson's output, for any path that stringifies it itself (it is what tRPC would send). */
    readonly output: SuperJsonOutput,
    readonly text: string,
  ) {}

  toJSON(): SuperJsonOutput {
    return this.output;
  }

  /** The whole WebSocket frame for one subscription id; equal ids share one string. */
  frame(envelope: { id: unknown; jsonrpc?: unknown; result: { type: string; id?: unknown } }): string {
    const head = `{"id":${JSON.stringify(envelope.id ?? null)}${envelope.jsonrpc === undefined ? '' : `,"jsonrpc":${JSON.stringify(envelope.jsonrpc)}`}`;
    let text = this.frames.get(head);
    if (text === undefined) {
      const eventId = envelope.result.id === undefined ? '' : `,"id":${JSON.stringify(envelope.result.id)}`;
      text = `${head},"result":{"type":${JSON.stringify(envelope.result.type)}${eventId},"data":${this.text}}}`;
      this.frames.set(head, text);
    }
    return text;
  }
}

/** A subscription's value that many sockets receive: serialised on first use, then reused. */
export class SharedMessage<T = unknown> {
  private tracked: { id: unknown; serialized: SerializedShared } | undefined;
  constructor(readonly value: T) {}

  /** tRPC wraps a tracked value as { id, data } before serialising it. */
  serializeTracked(id: unknown): SerializedShared {
    const known = this.tracked;
    if (known && known.id === id) return known.serialized;
    const output = superjson.serialize({ id, data: this.value });
    const serialized = new SerializedShared(output, JSON.stringify(output));
    this.tracked = { id, serialized };
    return serialized;
  }
}

function isTrackedShared(v: unknown): v is { id: unknown; data: SharedMessage } {
  return typeof v === 'object' && v !== null && (v as { data?: unknown }).data instanceof SharedMessage;
}

/** superjson (plain data serialised directly), except that a tracked SharedMessage is serialised once for all its subscribers. */
export const sharingTransformer = {
  input: superjson,
  output: {
    serialize: (v: unknown): unknown => (isTrackedShared(v) ? v.data.serializeTracked(v.id) : serializePlain(v)),
    deserialize: superjson.deserialize,
  },
};

/** tRPC's WebSocket encoder (JSON), writing a shared message's frame without serialising it again. */
export const sharingWsEncoder = {
  encode(message: unknown): string {
    const result = (message as { result?: { data?: unknown } } | null)?.result;
    if (result?.data instanceof SerializedShared) return result.data.frame(message as Parameters<SerializedShared['frame']>[0]);
    return JSON.stringify(message);
  },
  decode(data: string | ArrayBuffer | Uint8Array): unknown {
    if (typeof data !== 'string') throw new Error('binary frames are not accepted: JSON uses text frames');
    return JSON.parse(data);
  },
};
