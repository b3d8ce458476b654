// What every view shares: calls to the control API, a DOM builder that never parses HTML (every name and
// message shown is data, not markup), the event stream as a hub, and small helpers.

/** A control-API call; resolves to the answer's JSON (or text), rejects with the API's own `error`. */
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const text = await r.text();
  let json = text;
  try { json = JSON.parse(text); } catch { /* a text answer stays text */ }
  if (!r.ok) throw new Error((json && json.error) || text || `HTTP ${r.status}`);
  return json;
}

/** `h('td', {class: 'x', onclick: f}, 'text', child…)`: children are nodes or strings, strings become text. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
  return el;
}

export function toast(message, bad) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.className = bad ? 'bad' : '';
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, bad ? 6000 : 2500);
}

/** Runs an action, says its error in the toast instead of losing it. */
export async function attempt(what, f) {
  try {
    return await f();
  } catch (e) {
    toast(`${what}: ${e.message}`, true);
    return undefined;
  }
}

export function copyButton(text) {
  return h('button', {
    class: 'small copy', title: 'Copy', type: 'button',
    onclick: async () => {
      try { await navigator.clipboard.writeText(text); toast('copied'); } catch { toast('copy: not allowed here', true); }
    },
  }, 'copy');
}

/** A value with its copy button. */
export function copyable(text) {
  return h('span', {}, h('code', {}, text), copyButton(text));
}

export const ms = (us) => (us / 1000).toFixed(us < 10000 ? 1 : 0) + ' ms';

export function when(atMs) {
  return new Date(atMs).toLocaleString(undefined, { hour12: false });
}

/** Pretty JSON when the text is JSON, XML an element a line, the text itself otherwise. */
export function pretty(text) {
  if (text === undefined || text === null) return '';
  const t = String(text);
  if (t.startsWith('<')) return t.replace(/^<xml>(?=<)/, '<xml>\n').replace(/(<\/[^>]+>)(?=<)/g, '$1\n');
  try { return JSON.stringify(JSON.parse(t), null, 2); } catch { return t; }
}

/** The stream of /mock/events: listeners get each event; the last events of each msgid are kept for views
 *  opened later. Both are bounded, so hours of traffic at thousands a second cost a fixed amount. */
export const events = {
  listeners: new Set(),
  byMsgid: new Map(),
  n: 0,
  /** The newest events, for a list opened after they came. */
  recent: [],
  MAX_RECENT: 200,
  MAX_MSGIDS: 5000,
  on(f) { this.listeners.add(f); return () => this.listeners.delete(f); },
  of(msgid) { return this.byMsgid.get(msgid) || []; },
  keep(e) {
    for (const id of [e.msgid, e.detail && e.detail.in_reply_to]) {
      if (!id) continue;
      let list = this.byMsgid.get(id);
      if (!list) {
        if (this.byMsgid.size >= this.MAX_MSGIDS) this.byMsgid.delete(this.byMsgid.keys().next().value);
        list = [];
        this.byMsgid.set(id, list);
      }
      if (list.length < 50) list.push(e);
    }
  },
  start(onState) {
    const source = new EventSource('/mock/events');
    let queue = [];
    source.onopen = () => onState('live');
    source.onerror = () => onState('reconnecting');
    source.onmessage = (m) => {
      try { queue.push(JSON.parse(m.data)); } catch { /* not an event */ }
    };
    // Delivered in batches: at thousands of events a second one render per batch, not one per event.
    setInterval(() => {
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      this.n += batch.length;
      for (const e of batch) this.keep(e);
      this.recent.push(...batch.slice(-this.MAX_RECENT));
      if (this.recent.length > this.MAX_RECENT) this.recent.splice(0, this.recent.length - this.MAX_RECENT);
      for (const f of this.listeners) {
        try { f(batch); } catch (err) { console.warn('event listener', err); }
      }
    }, 100);
  },
};

/** The world (`/mock/world`), read once and again after a reset. */
export const world = {
  value: null,
  async load() { this.value = await api('GET', '/mock/world'); return this.value; },
  corp() { return this.value && this.value.corps[0]; },
  customerName(id) {
    for (const c of (this.value ? this.value.corps : [])) {
      const found = c.customers.find((x) => x.external_userid === id);
      if (found) return found.name;
    }
    return id;
  },
  memberName(id) {
    for (const c of (this.value ? this.value.corps : [])) {
      const found = c.users.find((x) => x.userid === id);
      if (found) return found.name;
    }
    return id;
  },
};

/** Options for a <select>, each [value, label]; the first is chosen unless `selected` names another. */
export function options(pairs, selected) {
  return pairs.map(([v, label]) => h('option', { value: v, selected: v === selected }, label));
}
