// Session list benchmark, HTTP half (bench/session_list.sh runs it): starts the real tetherd on
// a data directory that session_list_bench has filled, logs in, and times GET /api/v1/sessions
// for each scenario over one keep-alive HTTPS connection. GET /healthz on the same connection is
// the floor (the cost of an HTTPS request that does no work).
// Hosts whose role is scoped to session groups list through the same query with the role's
// view rule added (allowed groups OR-ed, denied groups AND NOT): their scenarios show its cost.
// Usage: node bench/session_list.mjs DATA_DIR [REPEAT]
import https from 'node:https';
import { addUser, login, request, setupAdmin, startTetherd, strongPassword } from '../tests/lib/tetherd.mjs';

const [dataDir, repeatArg] = process.argv.slice(2);
const repeat = Number(repeatArg || 200);
const server = await startTetherd({ dataDir });
const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });

function get(path, cookie) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = https.request({
      host: '127.0.0.1', port: server.webPort, path, method: 'GET', agent, ca: server.ca,
      checkServerIdentity: () => undefined, headers: cookie ? { cookie } : {},
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.statusCode !== 200) return reject(new Error(`${path}: ${res.statusCode} ${Buffer.concat(chunks)}`));
        resolve({ ms, json: JSON.parse(Buffer.concat(chunks).toString() || 'null') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function pct(values, p) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(p * v.length))];
}

try {
  await setupAdmin(server);
  const { cookie } = await login(server, 'admin', 'Correct-Horse-9-Battery');
  const groups = (await get('/api/v1/session-groups', cookie)).json.groups;
  const id = (name) => groups.find((g) => g.name === name).id;
  // The cursor of page 80 of the access tab (or of its last page), reached page by page as a
  // client would.
  let cursor = '';
  let deep = 0;
  while (deep < 80) {
    const r = await get(`/api/v1/sessions?type=access&limit=50${cursor ? `&cursor=${cursor}` : ''}`, cookie);
    if (!r.json.next_cursor) break;
    cursor = r.json.next_cursor;
    deep += 1;
  }
  // Two hosts with scoped roles: one company; three companies minus the sessions tagged vip.
  const admin = await login(server, 'admin', strongPassword);
  const asAdmin = { cookie: admin.cookie, 'x-csrf-token': admin.csrf };
  async function post(method, target, body) {
    const r = await request(server, method, target, { headers: asAdmin, body });
    if (r.status >= 300) throw new Error(`${method} ${target}: ${r.status} ${r.body}`);
    return r.json;
  }
  const groupOf = async (name, filter) => (await post('POST', '/api/v1/session-groups', { name, filter })).group.id;
  const scopedHost = async (user, role, allow, deny = []) => {
    const entries = [...allow.map((g) => ({ permission: 'ViewSessionGroup', effect: 'allow', group_id: g })),
      ...deny.map((g) => ({ permission: 'ViewSessionGroup', effect: 'deny', group_id: g }))];
    await post('POST', '/api/v1/roles', { name: role, entries });
    await addUser(server, user, 'Host');
    await post('PATCH', `/api/v1/users/${user}`, { role });
    return (await login(server, user, strongPassword)).cookie;
  };
  const c7 = await groupOf('Company 7 only', "company = 'Company 7'");
  const c8 = await groupOf('Company 8 only', "company = 'Company 8'");
  const c9 = await groupOf('Company 9 only', "company = 'Company 9'");
  const vip = await groupOf('VIP', "tag = 'vip'");
  const oneCompany = await scopedHost('carol', 'Company 7 helpdesk', [c7]);
  const threeCompanies = await scopedHost('dave', 'Three companies, no VIP', [c7, c8, c9], [vip]);
  const scenarios = [
    ['first page (access)', '/api/v1/sessions?type=access&limit=50'],
    [`deep page (access, cursor): page ${deep}`, `/api/v1/sessions?type=access&limit=50${cursor ? `&cursor=${cursor}` : ''}`],
    ['group: Offline for 30 days', `/api/v1/sessions?type=access&limit=50&group=${id('Offline for 30 days')}`],
    ['sub-group: company = Company 7', `/api/v1/sessions?type=access&limit=50&group=${id('By company')}&subgroup=Company+7`],
    ['search q=ws-0123', '/api/v1/sessions?type=access&limit=50&q=ws-0123'],
    ['filter: os ~ debian AND tag = vip AND ...',
      `/api/v1/sessions?limit=50&filter=${encodeURIComponent("os ~ debian AND tag = vip AND (site = 'Site 3' OR site = 'Site 4')")}`],
    ['sub-group counts: By company (access)', `/api/v1/session-groups/${id('By company')}/subgroups?type=access`],
    ['host scoped to one company: first page', '/api/v1/sessions?type=access&limit=50', oneCompany],
    ['host scoped to 3 companies - vip: first page', '/api/v1/sessions?type=access&limit=50', threeCompanies],
    ['host scoped to 3 companies - vip: search', '/api/v1/sessions?type=access&limit=50&q=ws-01', threeCompanies],
  ];
  const floor = [];
  for (let i = 0; i < repeat; i++) floor.push((await get('/healthz')).ms);
  const f50 = pct(floor, 0.5);
  console.log(`${'scenario (ms, over HTTPS, keep-alive)'.padEnd(46)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} | ${'rows'.padStart(5)} | p50 minus /healthz floor`);
  console.log(`${'GET /healthz (floor)'.padEnd(46)} ${f50.toFixed(3).padStart(8)} ${pct(floor, 0.95).toFixed(3).padStart(8)} |`);
  for (const [name, path, as = cookie] of scenarios) {
    const ms = [];
    let rows = 0;
    for (let i = 0; i < repeat; i++) {
      const r = await get(path, as);
      ms.push(r.ms);
      rows = (r.json.sessions ?? r.json.subgroups).length;
    }
    const p50 = pct(ms, 0.5);
    console.log(`${name.padEnd(46)} ${p50.toFixed(3).padStart(8)} ${pct(ms, 0.95).toFixed(3).padStart(8)} | ${String(rows).padStart(5)} | ${(p50 - f50).toFixed(3)}`);
  }
} finally {
  agent.destroy();
  await server.stop();
}
