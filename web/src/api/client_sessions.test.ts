import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, errorFromResponse, sessionQueryString } from './client';

function jsonResponse(status: number, body: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function stubFetch(...responses: Response[]) {
  return vi.fn(async (_input: string, _init?: RequestInit) => {
    const next = responses.shift();
    if (!next) throw new Error('unexpected fetch');
    return next;
  });
}

describe('session list API', () => {
  it('writes query strings with only the parameters given', () => {
    expect(sessionQueryString({})).toBe('');
    expect(sessionQueryString({ type: 'support', limit: 50 })).toBe('?type=support&limit=50');
    expect(sessionQueryString({ group: 2, subgroup: '', q: 'a b&c', filter: 'company = "x y"', cursor: 'Zz-_', ended: true }))
      .toBe('?ended=true&group=2&subgroup=&filter=company+%3D+%22x+y%22&q=a+b%26c&cursor=Zz-_');
    expect(sessionQueryString({ ended: false, filter: '', q: '' })).toBe('');
  });

  it('pages sessions and passes the cursor back', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { sessions: [{ id: 'a', type: 'support', name: 'A' }], next_cursor: 'NEXT' }),
      jsonResponse(200, { sessions: [], next_cursor: null }),
    );
    const client = new ApiClient({ fetch });
    const first = await client.querySessions({ type: 'support', limit: 1 });
    expect(first).toEqual({ sessions: [{ id: 'a', type: 'support', name: 'A' }], next_cursor: 'NEXT' });
    const second = await client.querySessions({ type: 'support', limit: 1, cursor: first.next_cursor ?? undefined });
    expect(second.next_cursor).toBeNull();
    expect(fetch.mock.calls.map(([url]) => url)).toEqual([
      '/api/v1/sessions?type=support&limit=1', '/api/v1/sessions?type=support&limit=1&cursor=NEXT']);
  });

  it('edits, annotates, ends and deletes with the CSRF token', async () => {
    const fetch = stubFetch(
      jsonResponse(200, { user: { id: 1, username: 'a', role: 'Host' }, csrf_token: 'tok' }),
      jsonResponse(200, { session: { id: 'x', type: 'support', name: 'New', properties: { company: 'Acme' } } }),
      jsonResponse(201, { event: { id: 9, kind: 'note', actor: 'a', detail: 'hi', at: 1 } }),
      new Response(null, { status: 204 }),
      new Response(null, { status: 204 }),
      jsonResponse(200, { events: [{ id: 10, kind: 'ended', actor: 'a', detail: '', at: 2 }], more: true }),
    );
    const client = new ApiClient({ fetch });
    await client.me();
    expect((await client.updateSession('x', { name: 'New', properties: { company: 'Acme' } })).properties?.company).toBe('Acme');
    expect((await client.addNote('x', 'hi')).id).toBe(9);
    await client.endSession('x');
    await client.deleteSession('x');
    expect(await client.listEvents('x', 9, 1)).toEqual({ events: [{ id: 10, kind: 'ended', actor: 'a', detail: '', at: 2 }], more: true });
    const calls = fetch.mock.calls.slice(1).map(([url, init]) => [init?.method, url, (init?.headers as Record<string, string>)['X-CSRF-Token']]);
    expect(calls).toEqual([
      ['PATCH', '/api/v1/sessions/x', 'tok'],
      ['POST', '/api/v1/sessions/x/notes', 'tok'],
      ['POST', '/api/v1/sessions/x/end', 'tok'],
      ['DELETE', '/api/v1/sessions/x', 'tok'],
      ['GET', '/api/v1/sessions/x/events?limit=1&after=9', undefined],
    ]);
    expect(JSON.parse(String(fetch.mock.calls[1]![1]?.body))).toEqual({ name: 'New', properties: { company: 'Acme' } });
  });

  it('manages groups and asks for sub-groups without paging parameters', async () => {
    const group = { id: 7, name: 'VIP', filter: 'tag = vip', subgroup_by: 'company', session_type: '', position: 7 };
    const fetch = stubFetch(
      jsonResponse(200, { groups: [group] }),
      jsonResponse(201, { group }),
      jsonResponse(200, { group: { ...group, name: 'VIPs' } }),
      jsonResponse(200, { field: 'company', subgroups: [{ value: '', count: 2 }, { value: 'Acme', count: 3 }], truncated: false }),
      new Response(null, { status: 204 }),
    );
    const client = new ApiClient({ fetch });
    expect(await client.listGroups('access')).toEqual([group]);
    await client.createGroup({ name: 'VIP', filter: 'tag = vip', subgroup_by: 'company' });
    expect((await client.updateGroup(7, { name: 'VIPs' })).name).toBe('VIPs');
    const subs = await client.listSubgroups(7, { type: 'access', group: 7, subgroup: 'x', cursor: 'c', limit: 50, q: 'ws' });
    expect(subs.subgroups).toHaveLength(2);
    await client.deleteGroup(7);
    expect(fetch.mock.calls.map(([url, init]) => `${init?.method} ${url}`)).toEqual([
      'GET /api/v1/session-groups?type=access',
      'POST /api/v1/session-groups',
      'PATCH /api/v1/session-groups/7',
      'GET /api/v1/session-groups/7/subgroups?type=access&q=ws',
      'DELETE /api/v1/session-groups/7',
    ]);
  });

  it('keeps the parameter and position of a filter error', async () => {
    const err = await errorFromResponse(jsonResponse(400, {
      error: 'validation', message: 'filter: at position 11: expected a value', parameter: 'filter', position: 11 }));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'validation', parameter: 'filter', position: 11 });
    const odd = await errorFromResponse(jsonResponse(400, { error: 'validation', message: 'm', position: -3 }));
    expect(odd.position).toBeUndefined();
    expect(odd.parameter).toBeUndefined();
  });
});

describe('access installers', () => {
  it('posts the installer with the CSRF token and keeps the signed file exactly as sent', async () => {
    const file = '{\n  "format": "tether-agent-config/1",\n  "payload": "e30=",\n  "signature": "",\n  "key": ""\n}\n';
    const fetch = stubFetch(
      jsonResponse(200, { user: { id: 1, username: 'a', role: 'Administrator' }, csrf_token: 'tok' }),
      new Response(file, { status: 201, headers: {
        'content-type': 'application/vnd.tether.agent-config+json',
        'content-disposition': 'attachment; filename="tether-access-AbC_1.tether"' } }),
      jsonResponse(403, { error: 'forbidden', message: 'you do not have the BuildAccessInstaller permission' }),
    );
    const client = new ApiClient({ fetch });
    await client.me();
    const got = await client.buildInstaller({ name: 'Reception', properties: { company: 'Acme' }, expires_in_hours: 24 });
    expect(got).toEqual({ filename: 'tether-access-AbC_1.tether', text: file });
    const [url, init] = fetch.mock.calls[1];
    expect(url).toBe('/api/v1/access/installers');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>)['X-CSRF-Token']).toBe('tok');
    expect(JSON.parse(String(init?.body))).toEqual({ name: 'Reception', properties: { company: 'Acme' }, expires_in_hours: 24 });
    await expect(client.buildInstaller({ name: 'x' })).rejects.toMatchObject({ status: 403, code: 'forbidden' });
  });
});
