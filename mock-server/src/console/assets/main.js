// The page: tabs by the URL's hash, the header's live status, clock and what is in force, and each view.
import { api, clear, events, h, world, toast } from './core.js';
import * as company from './company.js';
import * as chat from './chat.js';
import * as wire from './wire.js';
import * as controls from './controls.js';

const views = { chats: chat, company, wire, controls };
const opened = new Set();

function show() {
  const tab = (location.hash.slice(1) || 'chats').split('/')[0];
  const name = views[tab] ? tab : 'chats';
  for (const t of Object.keys(views)) {
    document.getElementById(`tab-${t}`).hidden = t !== name;
    document.querySelector(`nav a[data-tab=${t}]`).classList.toggle('active', t === name);
  }
  if (!opened.has(name)) {
    opened.add(name);
    views[name].open(document.getElementById(`tab-${name}`));
  } else if (views[name].shown) {
    views[name].shown();
  }
}

/** The clock, the faults in force and the settings a fresh mock would not have, in the header. */
export async function refreshHeader() {
  const [clock, faults, settings, defaults] = await Promise.all([
    api('GET', '/mock/clock'), api('GET', '/mock/faults'), api('GET', '/mock/settings'),
    refreshHeader.defaults || api('GET', '/mock/ui/defaults.json'),
  ]);
  refreshHeader.defaults = defaults;
  const offset = clock.offset_ms ? ` (+${Math.round(clock.offset_ms / 1000)} s)` : '';
  document.getElementById('clock').textContent = `mock clock ${new Date(clock.now_ms).toLocaleString(undefined, { hour12: false })}${offset}`;
  const changed = Object.keys(settings).filter((k) => JSON.stringify(settings[k]) !== JSON.stringify(defaults[k]));
  const notices = [];
  if (faults.faults.length) {
    notices.push(h('a', { class: 'chip bad', href: '#controls', id: 'notice-faults' },
      `${faults.faults.length} fault${faults.faults.length > 1 ? 's' : ''} in force: ${faults.faults.map((f) => f.path).join(', ')}`));
  }
  if (changed.length) {
    notices.push(h('a', { class: 'chip warn', href: '#controls', id: 'notice-settings' },
      `changed settings: ${changed.map((k) => `${k}=${JSON.stringify(settings[k])}`).join(', ')}`));
  }
  clear(document.getElementById('notices'), notices);
  return { clock, faults, settings, defaults, changed };
}

async function start() {
  try {
    await world.load();
  } catch (e) {
    toast(`cannot read /mock/world: ${e.message}`, true);
    return;
  }
  let last = 0;
  let state = 'connecting';
  const status = document.getElementById('status');
  const say = () => {
    const rate = events.n - last;
    last = events.n;
    status.textContent = `events ${state} · ${events.n} seen · ${rate}/s`;
    status.className = state === 'live' ? 'ok' : 'warn';
  };
  events.start((s) => { state = s; say(); });
  setInterval(say, 1000);
  addEventListener('hashchange', show);
  show();
  const header = () => refreshHeader().catch(() => {});
  header();
  setInterval(header, 2000);
}

start();
