// The one way pages talk to the service: its public JSON API, with the session cookie.
// Errors come back as ApiError, carrying the API's `detail`, `error_code` and the fields
// at fault, so a form can put each message under its own input.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field name → messages, from the API's `{"field": ["message"]}` members. */
    readonly fields: Record<string, string[]>,
    /** The error's whole JSON body, for members a page reads itself (a refusal naming what to do). */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The first message about `field`, if the API named it. */
  field(name: string): string | undefined {
    return this.fields[name]?.[0];
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * get.chat's errors (`/account`, `/integration`) are `{message, code, description}`; an
 * invalid body's description lists its fields as `name: messages; name: messages`.
 */
function getChatErrorOf(status: number, body: Record<string, unknown>, fallback: string): ApiError {
  const message = typeof body.message === 'string' ? body.message : fallback;
  const description = typeof body.description === 'string' ? body.description : '';
  const fields: Record<string, string[]> = {};
  if (description && description !== message) {
    for (const part of description.split('; ')) {
      const named = /^([\w.[\]-]+): (.+)$/s.exec(part);
      if (named) fields[named[1]!] = [named[2]!];
    }
  }
  const detail = Object.keys(fields).length > 0 || !description ? message : description;
  return new ApiError(status, String(body.code), detail, fields);
}

/**
 * Accountcentral's errors (`/accountcentral`) are `{message, logref, data: {code, status},
 * errors: [{field, message}]}`; a field is named bare or with its part (`body.domain`).
 */
function accountcentralErrorOf(status: number, body: Record<string, unknown>): ApiError {
  const fields: Record<string, string[]> = {};
  for (const entry of Array.isArray(body.errors) ? body.errors : []) {
    const { field, message } = (entry ?? {}) as { field?: unknown; message?: unknown };
    if (typeof field !== 'string' || typeof message !== 'string') continue;
    const name = field.replace(/^(body|query|querystring|params)\./, '');
    fields[name] = [...(fields[name] ?? []), message];
  }
  const code = String((body.data as { code?: unknown }).code);
  return new ApiError(status, code, String(body.message), fields);
}

function errorOf(status: number, body: unknown): ApiError {
  const fields: Record<string, string[]> = {};
  let detail = status >= 500 ? 'The service could not answer. Try again in a moment.' : 'The request was refused.';
  let code = `http.${status}`;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    if (typeof record.message === 'string' && typeof record.logref === 'string' && record.data && typeof record.data === 'object') {
      return accountcentralErrorOf(status, record);
    }
    // EmbedThis's errors (`/embedthis`): `{error, code, fields}`, each field with its messages.
    if (typeof record.error === 'string' && typeof record.code === 'string' && record.fields && typeof record.fields === 'object') {
      return new ApiError(status, record.code, record.error, record.fields as Record<string, string[]>);
    }
    // DjaoApp's `code` is a field (a login's one-time code: a list of messages), get.chat's a string.
    if (typeof record.code === 'string' && typeof record.message === 'string') return getChatErrorOf(status, record, detail);
    for (const [name, value] of Object.entries(record)) {
      if (name === 'detail' && typeof value === 'string') detail = value;
      else if (name === 'error_code' && typeof value === 'string') code = value;
      else if (Array.isArray(value) && value.every((m) => typeof m === 'string')) fields[name] = value as string[];
    }
    return new ApiError(status, code, detail, fields, record);
  }
  return new ApiError(status, code, detail, fields);
}

/** Calls `/api{path}` (or an absolute path such as `/account/...`, `/accountcentral/...`) and answers its JSON. */
export async function api<T = unknown>(method: Method, path: string, body?: unknown): Promise<T> {
  const url = ['/api/', '/account/', '/integration/', '/accountcentral/', '/embedthis/'].some((prefix) => path.startsWith(prefix)) ? path : `/api${path}`;
  const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  } else if (method !== 'GET') {
    // A change made with the session cookie must say JSON, even without a body (the
    // service's guard against cross-site forms); an empty JSON body is read as {}.
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'network.unreachable', 'The service cannot be reached. Check your connection.', {});
  }
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try { parsed = JSON.parse(text); } catch { parsed = undefined; }
  }
  if (!response.ok) throw errorOf(response.status, parsed);
  return parsed as T;
}

/** DjaoApp's page envelope. */
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** A query string from defined values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
