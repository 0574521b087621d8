import { describe, expect, it, vi } from 'vitest';
import {
  CONFIG_MEDIA_TYPE, GUEST_JOIN_URL, GuestJoinError, codeProblem, errorFor, filenameFrom, normalizeCode,
  requestConfiguration, runCommand, saveConfiguration, summarize, waitText,
} from './guest';

function envelope(payload: object): string {
  const b64 = Buffer.from(JSON.stringify(payload)).toString('base64');
  return JSON.stringify({ format: 'tether-agent-config/1', payload: b64, signature: 'c2ln', key: 'a2V5' });
}

function response(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers });
}

describe('the code', () => {
  it('ignores spaces the guest types', () => {
    expect(normalizeCode(' 402 913\t')).toBe('402913');
  });
  it('asks for a code when there is none and refuses impossible ones', () => {
    expect(codeProblem('')).toMatch(/Enter the code/);
    expect(codeProblem('402913')).toBeNull();
    expect(codeProblem('ABC-123')).toBeNull();
    expect(codeProblem('40291!')).toMatch(/only digits and letters/);
    expect(codeProblem('1'.repeat(33))).not.toBeNull();
  });
});

describe('asking for the configuration', () => {
  it('posts the code as JSON and returns the file with its name', async () => {
    const text = envelope({ session_name: 'Help Anna', expires_at: 1_700_000_600 });
    const fetchImpl = vi.fn(async () => response(200, text, {
      'Content-Type': CONFIG_MEDIA_TYPE,
      'Content-Disposition': 'attachment; filename="tether-AbC_12-x.tether"',
    }));
    const c = await requestConfiguration('402913', fetchImpl);
    expect(fetchImpl).toHaveBeenCalledTimes(1);
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(GUEST_JOIN_URL);
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ code: '402913' });
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(c.filename).toBe('tether-AbC_12-x.tether');
    expect(c.text).toBe(text);
    expect(c.summary?.sessionName).toBe('Help Anna');
    expect(c.summary?.expiresAt?.getTime()).toBe(1_700_000_600_000);
  });

  it('says the same thing for unknown and ended codes', async () => {
    const e = await requestConfiguration('1', async () =>
      response(404, JSON.stringify({ error: 'not_found', message: 'no open support session has that code' })))
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GuestJoinError);
    expect((e as GuestJoinError).message).toMatch(/No open support session has this code/);
  });

  it('tells the guest how long to wait when rate limited', async () => {
    const e = await requestConfiguration('1', async () =>
      response(429, JSON.stringify({ error: 'rate_limited', message: 'x' }), { 'Retry-After': '150' }))
      .catch((x: unknown) => x) as GuestJoinError;
    expect(e.status).toBe(429);
    expect(e.retryAfterSeconds).toBe(150);
    expect(e.message).toMatch(/Wait 3 minutes/);
    expect(errorFor(429, null, 'soon').message).toMatch(/Wait a minute/);
    expect(waitText(30)).toBe('a minute');
  });

  it('explains network and server failures without technical words', async () => {
    const offline = await requestConfiguration('1', async () => { throw new TypeError('Failed to fetch'); })
      .catch((x: unknown) => x) as GuestJoinError;
    expect(offline.status).toBe(0);
    expect(offline.message).toMatch(/Cannot reach the server/);
    const broken = await requestConfiguration('1', async () => response(500, '<html>oops</html>'))
      .catch((x: unknown) => x) as GuestJoinError;
    expect(broken.message).toMatch(/could not prepare your file/);
    const invalid = await requestConfiguration('1', async () =>
      response(400, JSON.stringify({ error: 'validation', message: 'enter the code your technician gave you' })))
      .catch((x: unknown) => x) as GuestJoinError;
    expect(invalid.message).toBe('enter the code your technician gave you');
  });
});

describe('the file', () => {
  it('keeps a safe name from Content-Disposition', () => {
    expect(filenameFrom('attachment; filename="tether-abc.tether"')).toBe('tether-abc.tether');
    expect(filenameFrom('attachment; filename="../../.bashrc"')).toBe('tether-session.tether');
    expect(filenameFrom('attachment; filename="a b/c.tether"')).toBe('a_b_c.tether');
    expect(filenameFrom('attachment; filename="run.sh"')).toBe('tether-session.tether');
    expect(filenameFrom(null)).toBe('tether-session.tether');
  });

  it('summarizes a readable file and shrugs at anything else', () => {
    expect(summarize(envelope({ session_name: 'S', expires_at: 10 }))).toEqual({
      sessionName: 'S', expiresAt: new Date(10_000),
    });
    expect(summarize('not json')).toBeNull();
    expect(summarize(JSON.stringify({ payload: '%%%' }))).toBeNull();
    expect(summarize(envelope({}))).toEqual({ sessionName: '', expiresAt: null });
  });

  it('is handed to the browser as a download and the URL is released later', async () => {
    const events: string[] = [];
    let blob: Blob | null = null;
    let later: (() => void) | null = null;
    saveConfiguration({ filename: 'tether-x.tether', text: '{"a":1}', summary: null }, {
      createObjectURL: (b) => { blob = b; events.push('create'); return 'blob:1'; },
      revokeObjectURL: (u) => events.push(`revoke ${u}`),
      clickLink: (href, name) => events.push(`click ${href} ${name}`),
      later: (f) => { later = f; },
    });
    expect(events).toEqual(['create', 'click blob:1 tether-x.tether']);
    expect(blob).not.toBeNull();
    expect(blob!.type).toBe(CONFIG_MEDIA_TYPE);
    expect(await blob!.text()).toBe('{"a":1}');
    later!();
    expect(events[2]).toBe('revoke blob:1');
  });

  it('gives the command that runs the agent with it', () => {
    expect(runCommand('tether-x.tether')).toBe('tether-agent run --config ~/Downloads/tether-x.tether');
  });
});
