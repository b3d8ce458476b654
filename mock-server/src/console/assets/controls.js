// Driving the mock: its clock, faults, settings and reset, and what people in the company do (a member resigns,
// a customer scans a contact way, refuses a transfer, blocks a kf account, a session ends).
import { api, attempt, clear, h, options, toast, world } from './core.js';
import { refreshHeader } from './main.js';

let root;

export function open(el) {
  root = el;
  render();
}

export function shown() { render(); }

const done = (what) => () => { toast(what); refreshHeader().catch(() => {}); render(); };

async function render() {
  const state = await attempt('state', () => refreshHeader());
  if (!state) return;
  clear(root, h('div', { class: 'split' },
    h('div', {}, clock(state.clock), faults(state.faults.faults), reset()),
    h('div', {}, people(), settings(state.settings, state.defaults))));
}

function clock(c) {
  const seconds = h('input', { type: 'number', id: 'clock-seconds', value: '7260', style: 'width:8rem' });
  const advance = (s) => attempt('advance the clock', async () => {
    await api('POST', '/mock/clock/advance', { seconds: Number(s) });
    done(`the mock clock moved ${s} s`)();
  });
  return h('div', { class: 'card' },
    h('h3', {}, 'Mock clock'),
    h('p', {}, new Date(c.now_ms).toLocaleString(undefined, { hour12: false }), h('span', { class: 'muted' }, ` · offset ${Math.round(c.offset_ms / 1000)} s`)),
    h('p', { class: 'muted' }, 'Tokens last 7200 s: past that, the next call with an old token gets 42001.'),
    h('div', { class: 'row' },
      h('button', { type: 'button', onclick: () => advance(60) }, '+1 min'),
      h('button', { type: 'button', onclick: () => advance(3600) }, '+1 h'),
      h('button', { type: 'button', id: 'clock-expire', onclick: () => advance(7260) }, '+2 h 1 min (tokens expire)'),
      h('label', {}, seconds, 's'),
      h('button', { type: 'button', class: 'primary', id: 'clock-advance', onclick: () => advance(seconds.value) }, 'Advance')));
}

function faults(list) {
  const path = h('input', { type: 'text', id: 'fault-path', placeholder: '/cgi-bin/message/send', size: 26 });
  const errcode = h('input', { type: 'number', id: 'fault-errcode', placeholder: 'errcode', style: 'width:7rem' });
  const delay = h('input', { type: 'number', id: 'fault-delay', placeholder: 'delay ms', style: 'width:7rem' });
  const ratio = h('input', { type: 'number', id: 'fault-ratio', value: '1', step: '0.05', min: '0', max: '1', style: 'width:5rem' });
  const set = (e) => {
    e.preventDefault();
    const f = { path: path.value.trim(), ratio: Number(ratio.value) };
    if (errcode.value) f.errcode = Number(errcode.value);
    if (delay.value) f.delay_ms = Number(delay.value);
    attempt('set the fault', async () => { await api('POST', '/mock/faults', f); done(`fault on ${f.path}`)(); });
  };
  return h('div', { class: 'card' },
    h('h3', {}, 'Faults'),
    list.length ? h('table', {}, h('tbody', {}, list.map((f) => h('tr', {},
      h('td', {}, h('code', {}, f.path)), h('td', {}, f.errcode !== null && f.errcode !== undefined ? `errcode ${f.errcode}` : ''),
      h('td', {}, f.delay_ms ? `+${f.delay_ms} ms` : ''), h('td', {}, `${Math.round(f.ratio * 100)}% of calls`),
      h('td', {}, h('button', {
        type: 'button', class: 'small',
        onclick: () => attempt('clear', async () => { await api('DELETE', `/mock/faults?path=${encodeURIComponent(f.path)}`); done('cleared')(); }),
      }, 'clear')))))) : h('p', { class: 'muted' }, 'none in force'),
    h('form', { class: 'row', onsubmit: set }, path, errcode, delay, h('label', {}, 'share', ratio),
      h('button', { type: 'submit', class: 'primary' }, 'Set'),
      list.length ? h('button', { type: 'button', onclick: () => attempt('clear', async () => { await api('DELETE', '/mock/faults'); done('all faults cleared')(); }) }, 'Clear all') : null));
}

function reset() {
  return h('div', { class: 'card' },
    h('h3', {}, 'Reset'),
    h('p', { class: 'muted' }, 'Back to the fixture: inboxes, journal, tokens, sessions, faults and settings.'),
    h('button', {
      type: 'button', id: 'reset',
      onclick: () => confirm('Reset the mock to its fixture?') && attempt('reset', async () => {
        await api('POST', '/mock/reset');
        await world.load();
        done('reset')();
      }),
    }, 'Reset the mock'));
}

function settings(current, defaults) {
  const rows = Object.keys(current).sort().map((k) => {
    const changed = JSON.stringify(current[k]) !== JSON.stringify(defaults[k]);
    const input = typeof current[k] === 'boolean'
      ? h('input', { type: 'checkbox', checked: current[k], dataset: { key: k } })
      : h('input', { type: 'number', value: String(current[k]), dataset: { key: k }, style: 'width:10rem' });
    const save = () => {
      const value = input.type === 'checkbox' ? input.checked : Number(input.value);
      attempt(`set ${k}`, async () => { await api('PATCH', '/mock/settings', { [k]: value }); done(`${k} = ${value}`)(); });
    };
    input.addEventListener('change', save);
    return h('tr', { class: changed ? 'warn' : '' }, h('td', {}, h('code', {}, k)), h('td', {}, input),
      h('td', { class: 'muted' }, changed ? `default ${JSON.stringify(defaults[k])}` : ''));
  });
  return h('div', { class: 'card' }, h('h3', {}, 'Settings'), h('p', { class: 'muted' }, 'A change applies at once; the changed ones are marked, and shown in the header.'),
    h('div', { class: 'scroll' }, h('table', {}, h('tbody', {}, rows))));
}

function people() {
  const c = world.corp();
  const customer = () => h('select', {}, options(c.customers.map((x) => [x.external_userid, x.name])));
  const member = () => h('select', {}, options(c.users.map((u) => [u.userid, u.name])));
  const kf = () => h('select', {}, options((c.kf ? c.kf.accounts : []).map((k) => [k.open_kfid, k.name])));
  const enc = encodeURIComponent;
  const act = (label, fields, run) => h('form', {
    class: 'row', onsubmit: (e) => { e.preventDefault(); attempt(label, async () => { const a = await run(...fields.map((f) => f.value)); toast(`${label}: ${JSON.stringify(a)}`); }); },
  }, fields, h('button', { type: 'submit' }, label));
  const resigner = member();
  const scanner = customer();
  const way = h('input', { type: 'text', placeholder: 'config_id (from add_contact_way)', size: 30 });
  const refuser = customer();
  const [bc, bk] = [customer(), kf()];
  const [ec, ek] = [customer(), kf()];
  const kfAction = h('select', {}, options([['block', 'blocks'], ['unblock', 'unblocks']]));
  return h('div', { class: 'card' },
    h('h3', {}, 'People'),
    h('div', {}, h('span', { class: 'muted' }, 'A member resigns '),
      act('Resign', [resigner], (u) => api('POST', `/mock/members/${enc(u)}/resign`))),
    h('div', {}, h('span', { class: 'muted' }, 'A customer scans a contact way '),
      act('Scan', [scanner, way], (x, id) => api('POST', `/mock/contact_ways/${enc(id)}/scan`, { customer: x }))),
    h('div', {}, h('span', { class: 'muted' }, 'A customer refuses a transfer '),
      act('Refuse', [refuser], (x) => api('POST', `/mock/customers/${enc(x)}/refuse_transfer`))),
    h('div', {}, h('span', { class: 'muted' }, 'A customer blocks a kf account '),
      act('Apply', [bc, kfAction, bk], (x, a, k) => api('POST', `/mock/kf/${enc(k)}/sessions/${enc(x)}`, { action: a }))),
    h('div', {}, h('span', { class: 'muted' }, 'A kf session ends '),
      act('End', [ec, ek], (x, k) => api('POST', `/mock/kf/${enc(k)}/sessions/${enc(x)}`, { action: 'end' }))));
}
