// What happened on the wire: every push with its decrypted body and the bot's answer, the request journal with
// request and response bodies, and the raw event stream. Lists are capped; what was left out is counted.
import { api, attempt, clear, events, h, ms, pretty, when } from './core.js';
import { attemptView } from './chat.js';

const MAX_SHOWN = 200;
let root;
let journalList;
let journalNote;
let eventList;
let eventNote;
let callbackList;
let auto = true;

export function open(el) {
  root = el;
  const path = h('input', { type: 'text', id: 'journal-path', placeholder: '/cgi-bin/kf/sync_msg', size: 28 });
  const errcode = h('input', { type: 'number', id: 'journal-errcode', placeholder: 'errcode', style: 'width:7rem' });
  const refresh = () => loadJournal(path.value.trim(), errcode.value.trim());
  journalList = h('div', { class: 'list', id: 'journal' });
  journalNote = h('span', { class: 'muted' });
  callbackList = h('div', { class: 'list', id: 'callbacks' });
  eventList = h('div', { class: 'list mono', id: 'events' });
  eventNote = h('span', { class: 'muted' });
  clear(root,
    h('div', { class: 'split' },
      h('div', {},
        h('h2', {}, 'Callback pushes'),
        h('p', { class: 'muted' }, 'Newest first. Open one for the plaintext the mock encrypted and the bot\'s status and body.'),
        callbackList),
      h('div', {},
        h('h2', {}, 'Request journal'),
        h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); refresh(); } },
          h('label', {}, 'path', path), h('label', {}, 'errcode', errcode),
          h('button', { type: 'submit' }, 'Filter'),
          h('label', {}, h('input', { type: 'checkbox', checked: true, id: 'journal-auto', onchange: (e) => { auto = e.target.checked; } }), 'live'),
          journalNote),
        journalList)),
    h('h2', {}, 'Event stream ', eventNote),
    eventList);
  loadCallbacks();
  refresh();
  onEvents(events.recent.slice(), true);
  // The journal is not on the event stream: read again while shown, not faster than once a second.
  setInterval(() => { if (auto && !root.hidden) refresh(); }, 1000);
  events.on(onEvents);
}

export function shown() { loadCallbacks(); }

async function loadCallbacks() {
  const answer = await attempt('callbacks', () => api('GET', '/mock/callbacks?limit=100'));
  if (!answer) return;
  clear(callbackList, answer.attempts.length ? answer.attempts.map(callbackRow) : h('p', { class: 'muted' }, 'no push yet'));
}

function callbackRow(a) {
  const good = a.outcome === 'acknowledged' || a.outcome === 'passive_reply';
  let detail = null;
  const row = h('div', {
    class: 'entry callback',
    onclick: (e) => {
      if (detail && detail.contains(e.target)) return;
      if (detail) { detail.remove(); detail = null; return; }
      detail = h('div', { class: 'detail' }, attemptView(a));
      row.append(detail);
    },
  }, h('span', { class: good ? 'ok' : 'bad' }, `${a.status || '–'} ${a.outcome}`),
  ` push #${a.n} ${a.aibotid ? `aibot ${a.aibotid}` : `app ${a.agentid}`} · ${a.msgid} · ${ms(a.duration_us)} · ${when(a.at_ms)}`);
  return row;
}

async function loadJournal(path, errcode) {
  const q = new URLSearchParams({ limit: String(MAX_SHOWN) });
  if (path) q.set('path', path);
  if (errcode) q.set('errcode', errcode);
  const page = await attempt('journal', () => api('GET', `/mock/journal?${q}`));
  if (!page) return;
  const open = new Set([...journalList.querySelectorAll('.entry.open')].map((el) => el.dataset.seq));
  clear(journalList, page.entries.map((e) => journalRow(e, open.has(String(e.seq)))));
  const rest = page.n_recorded - page.entries.length;
  journalNote.textContent = `${page.n_recorded} recorded${rest > 0 ? `, newest ${page.entries.length} shown` : ''}${page.n_evicted ? `, ${page.n_evicted} evicted` : ''}`;
}

function journalRow(e, isOpen) {
  const bad = e.errcode !== null && e.errcode !== undefined && e.errcode !== 0;
  const row = h('div', { class: `entry journal${isOpen ? ' open' : ''}`, dataset: { seq: String(e.seq), errcode: String(e.errcode ?? '') } },
    h('span', { class: bad || e.status >= 400 ? 'bad' : 'ok' }, `${e.status} ${e.errcode ?? '–'}`),
    ` ${e.method} ${e.path} · ${ms(e.duration_us)} · ${e.errmsg || ''}`);
  const detail = () => h('div', { class: 'detail' },
    h('div', { class: 'muted' }, `${when(e.at_ms)} from ${e.caller_ip || 'in-process'}${e.query ? ` · ?${e.query}` : ''}`),
    h('div', { class: 'muted' }, `request (${e.body_bytes} bytes)`), h('pre', { class: 'request' }, pretty(e.body) || '(empty)'),
    h('div', { class: 'muted' }, `response (${e.response_bytes ?? '?'} bytes${e.response_truncated ? ', cut' : ''})`),
    h('pre', { class: 'response' }, e.response !== undefined ? pretty(e.response) || '(empty)' : '(not kept: not text)'));
  if (isOpen) row.append(detail());
  row.addEventListener('click', (ev) => {
    const d = row.querySelector('.detail');
    if (d && d.contains(ev.target)) return;
    if (d) { d.remove(); row.classList.remove('open'); } else { row.append(detail()); row.classList.add('open'); }
  });
  return row;
}

function onEvents(batch, past) {
  if (!past && batch.some((e) => e.kind === 'attempt') && !root.hidden) loadCallbacks();
  // The newest MAX_SHOWN, newest first: at thousands a second the rest is counted, not drawn.
  const shown = batch.slice(-MAX_SHOWN);
  const rows = shown.reverse().map((e) => h('div', { class: 'entry' },
    `${e.kind} ${e.route} ${e.msgid} → ${e.receiver}${e.customer ? ` (${e.customer})` : ''}${e.detail ? ` ${JSON.stringify(e.detail)}` : ''}`));
  eventList.prepend(...rows);
  while (eventList.children.length > MAX_SHOWN) eventList.lastElementChild.remove();
  const skipped = events.n - eventList.children.length;
  eventNote.textContent = `(${events.n} seen, newest ${eventList.children.length} shown${skipped > 0 ? `, ${skipped} not shown` : ''})`;
}
