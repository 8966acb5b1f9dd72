// Reading server-sent event streams in tests: over a real HTTP connection (inject would wait
// for a stream's end), with fetch, parsing events as they arrive. Every wait is bounded.
import type { TestService } from '../support/service.js';

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface OpenStream {
  status: number;
  headers: Headers;
  /** The error body, for a stream refused. */
  body: string;
  /** The next data event (those already received first), or a rejection after `ms`. */
  next(ms?: number): Promise<SseEvent>;
  /** Resolves when a comment line with this text arrives. */
  comment(text: string, ms?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended(ms?: number): Promise<void>;
  close(): void;
}

const listening = new WeakMap<TestService, Promise<string>>();

/** The service on a loopback port (once per service), for calls inject cannot make. */
export function baseUrl(s: TestService): Promise<string> {
  let url = listening.get(s);
  if (!url) {
    url = s.app.listen({ port: 0, host: '127.0.0.1' }).then((address) => address);
    listening.set(s, url);
  }
  return url;
}

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Opens `path` as an event stream; `token` as a bearer token, or `headers` as given (a cookie). */
export async function openStream(s: TestService, path: string, options: { token?: string; headers?: Record<string, string> } = {}): Promise<OpenStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${await baseUrl(s)}${path}`, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let waiters: Array<() => void> = [];
  let done = false;
  const changed = () => {
    const now = waiters;
    waiters = [];
    for (const w of now) w();
  };
  const wait = async (ready: () => boolean, ms: number, what: string) => {
    while (!ready()) {
      if (done) throw new Error(`the stream ended before ${what}`);
      await bounded(new Promise<void>((resolve) => waiters.push(resolve)), ms, what);
    }
  };
  let body = '';
  const isStream = response.status === 200 && (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  if (!isStream) body = await response.text();
  else {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body!) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event: SseEvent = { data: '' };
            let hasData = false;
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('data:')) { event.data += (hasData ? '\n' : '') + line.slice(5).trimStart(); hasData = true; }
              else if (line.startsWith('id:')) event.id = line.slice(3).trim();
              else if (line.startsWith('event:')) event.event = line.slice(6).trim();
            }
            if (hasData) events.push(event);
            changed();
          }
        }
      } catch { /* aborted by close() */ }
      done = true;
      changed();
    })();
  }
  let read = 0;
  return {
    status: response.status,
    headers: response.headers,
    body,
    async next(ms = 10_000) {
      await wait(() => events.length > read, ms, 'event');
      return events[read++]!;
    },
    async comment(text, ms = 10_000) {
      await wait(() => comments.includes(text), ms, `comment "${text}"`);
    },
    async ended(ms = 10_000) {
      while (!done) await bounded(new Promise<void>((resolve) => waiters.push(resolve)), ms, 'end of the stream');
    },
    close() {
      controller.abort();
    },
  };
}

/** For the access matrix: the status a caller gets when opening the stream, which is then closed. */
export async function streamStatus(s: TestService, path: string, token: string | undefined): Promise<number> {
  const stream = await openStream(s, path, { token });
  stream.close();
  return stream.status;
}
