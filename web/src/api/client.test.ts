import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, errorFromResponse } from './client';

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function stubFetch(...responses: (Response | Error)[]) {
  const fn = vi.fn(async (_input: string, _init?: RequestInit) => {
    const next = responses.shift();
    if (!next) throw new Error('unexpected fetch');
    if (next instanceof Error) throw next;
    return next;
  });
  return fn;
}

async function caught(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected the promise to reject');
}

describe('ApiClient errors', () => {
  it('turns a JSON error body into an ApiError', async () => {
    const fetch = stubFetch(jsonResponse(401, { error: 'invalid_credentials', message: 'Wrong user name or password' }));
    const client = new ApiClient({ fetch });
    const err = await caught(client.login('alice', 'nope'));
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_credentials');
    expect(err.message).toBe('Wrong user name or password');
    expect(client.hasCsrfToken).toBe(false);
  });

  it('falls back to status-based code and message for a non-JSON body', async () => {
    const fetch = stubFetch(new Response('<html>Bad Gateway</html>', { status: 502 }));
    const err = await caught(new ApiClient({ fetch }).me());
    expect(err.status).toBe(502);
    expect(err.code).toBe('server_error');
    expect(err.message).toMatch(/server/i);
  });

  it('falls back for an empty body and keeps the code when only the message is missing', async () => {
    expect((await caught(new ApiClient({ fetch: stubFetch(new Response(null, { status: 404 })) }).me())).code).toBe('not_found');
    const err = await caught(new ApiClient({ fetch: stubFetch(jsonResponse(403, { error: 'csrf' })) }).logout());
    expect(err.code).toBe('csrf');
    expect(err.message).toBe('You are not allowed to do that.');
  });

  it('ignores JSON bodies of the wrong shape', async () => {
    const err = await errorFromResponse(jsonResponse(400, ['error', 42]));
    expect(err).toMatchObject({ status: 400, code: 'http_error' });
    const err2 = await errorFromResponse(jsonResponse(422, { error: 7, message: { x: 1 } }));
    expect(err2).toMatchObject({ status: 422, code: 'http_error' });
  });

  it('reports a network failure as status 0', async () => {
    const err = await caught(new ApiClient({ fetch: stubFetch(new TypeError('Failed to fetch')) }).me());
    expect(err).toMatchObject({ status: 0, code: 'network' });
  });

  it('reports an unreadable success body', async () => {
    const fetch = stubFetch(new Response('not json', { status: 200 }));
    const err = await caught(new ApiClient({ fetch }).me());
    expect(err.code).toBe('bad_response');
  });
});

describe('ApiClient requests', () => {
  it('sends credentials same-origin and JSON bodies', async () => {
    const fetch = stubFetch(jsonResponse(201, { user: { id: 1, username: 'admin', role: 'Administrator' } }));
    await new ApiClient({ fetch }).setup('tok', 'admin', 'Correct-Horse-9-Battery');
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/v1/setup');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    expect(JSON.parse(String(init?.body))).toEqual({ token: 'tok', username: 'admin', password: 'Correct-Horse-9-Battery' });
    expect((init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('keeps the CSRF token from login and sends it on state changes only', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { user: { id: 1, username: 'admin', role: 'Administrator' }, csrf_token: 'c5rf' }),
      jsonResponse(200, { sessions: [] }),
      jsonResponse(201, { session: { id: 7, type: 'support', name: 'Printer', code: '123456' } }),
      new Response(null, { status: 204 }),
    );
    const client = new ApiClient({ fetch });
    await client.login('admin', 'pw');
    expect(await client.listSessions('support')).toEqual([]);
    const s = await client.createSession({ type: 'support', name: 'Printer' });
    expect(s).toMatchObject({ id: 7, code: '123456' });
    await client.logout();

    const headers = fetch.mock.calls.map(([, init]) => init?.headers as Record<string, string>);
    expect(headers[0]!['X-CSRF-Token']).toBeUndefined(); // login itself
    expect(fetch.mock.calls[1]![0]).toBe('/api/v1/sessions?type=support');
    expect(headers[1]!['X-CSRF-Token']).toBeUndefined(); // GET
    expect(headers[2]!['X-CSRF-Token']).toBe('c5rf');
    expect(headers[3]!['X-CSRF-Token']).toBe('c5rf');
    expect(client.hasCsrfToken).toBe(false);
  });

  it('takes the CSRF token from GET /me', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { user: { id: 1, username: 'admin', role: 'Administrator' }, csrf_token: 'from-me' }),
      jsonResponse(201, { session: { id: 1, type: 'support', name: 'x' } }),
    );
    const client = new ApiClient({ fetch });
    await client.me();
    await client.createSession({ type: 'support', name: 'x', code: '4242' });
    const init = fetch.mock.calls[1]![1];
    expect((init?.headers as Record<string, string>)['X-CSRF-Token']).toBe('from-me');
    expect(JSON.parse(String(init?.body))).toEqual({ type: 'support', name: 'x', code: '4242' });
  });

  it('fetches one session by id, escaping the id', async () => {
    const fetch = stubFetch(jsonResponse(200, { session: { id: 'AbC-_x', type: 'support', name: 'x', ended_at: 0 } }));
    const client = new ApiClient({ fetch });
    expect(await client.getSession('AbC-_x')).toMatchObject({ id: 'AbC-_x', ended_at: 0 });
    expect((await caught(client.getSession('a/b'))).code).toBe('network');  // no more stubbed answers
    expect(fetch.mock.calls.map(([url]) => url)).toEqual(['/api/v1/sessions/AbC-_x', '/api/v1/sessions/a%2Fb']);
  });

  it('forgets the CSRF token even when logout fails', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { user: { id: 1, username: 'a', role: 'r' }, csrf_token: 't' }),
      jsonResponse(401, { error: 'unauthorized', message: 'Not logged in' }),
    );
    const client = new ApiClient({ fetch });
    await client.me();
    await caught(client.logout());
    expect(client.hasCsrfToken).toBe(false);
  });
});
