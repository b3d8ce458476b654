// Conversations: play a WeChat customer writing to a kf account or a member, a member writing in an app or to an
// AI bot, someone in a customer group, or watch a robot's group. The other side's answers arrive live (the event stream says
// when an inbox changed; the inbox says what arrived), and each message sent shows its lifecycle.
import { api, attempt, clear, events, h, ms, options, pretty, world } from './core.js';

const KINDS = [
  ['kf', 'Customer → 微信客服'],
  ['member', 'Customer ↔ member'],
  ['app', 'Member in an app'],
  ['aibot', 'Member → AI bot'],
  ['group', 'Customer group'],
  ['robot', 'Robot group'],
];
const TYPES = ['text', 'image', 'file', 'voice', 'video'];

let root;
let picker;
let pane;
let current = null;

export function open(el) {
  root = el;
  picker = h('div', { class: 'card row', id: 'chat-picker' });
  pane = h('div', {});
  clear(root, picker, pane);
  renderPicker('kf');
  events.on(onEvents);
}

function select(id, pairs, selected, onchange) {
  return h('select', { id, onchange }, options(pairs, selected));
}

function renderPicker(kind, chosen = {}) {
  const c = world.corp();
  const customers = c.customers.map((x) => [x.external_userid, `${x.name} (${x.external_userid})`]);
  const members = c.users.map((u) => [u.userid, `${u.name} (${u.userid})`]);
  const fields = [h('label', {}, 'Chat ', select('chat-kind', KINDS, kind, (e) => renderPicker(e.target.value)))];
  const field = (label, id, pairs) => {
    fields.push(h('label', {}, label, select(id, pairs, chosen[id], () => openChat())));
  };
  if (kind === 'kf') {
    field('as customer', 'chat-customer', customers);
    field('to', 'chat-kf', (c.kf ? c.kf.accounts : []).map((k) => [k.open_kfid, k.name]));
  } else if (kind === 'member') {
    field('customer', 'chat-customer', customers);
    field('member', 'chat-member', members);
  } else if (kind === 'app') {
    field('as member', 'chat-member', members);
    field('in app', 'chat-app', c.apps.map((a) => [String(a.agentid), `${a.name} (${a.agentid})`]));
  } else if (kind === 'aibot') {
    field('as member', 'chat-member', members);
    field('to', 'chat-aibot', (c.aibots || []).map((b) => [b.botid, b.name || b.botid]));
  } else if (kind === 'group') {
    field('group', 'chat-group', c.customer_groups.map((g) => [g.chat_id, g.name || g.chat_id]));
    field('as', 'chat-member', [...members, ...customers]);
  } else if (kind === 'robot') {
    field('robot', 'chat-robot', c.robots.map((r) => [r.key, r.name]));
  }
  clear(picker, fields);
  openChat();
}

const val = (id) => { const el = document.getElementById(id); return el ? el.value : ''; };

/** The conversation the picker names: where its messages go, which inboxes hold the other side's, and which
 *  event receivers mean one of those inboxes changed. */
function conversation() {
  const kind = val('chat-kind');
  const customer = val('chat-customer');
  const member = val('chat-member');
  const enc = encodeURIComponent;
  switch (kind) {
    case 'kf': {
      const kf = val('chat-kf');
      return {
        kind, title: `${world.customerName(customer)} → ${kfName(kf)}`,
        send: (m) => api('POST', `/mock/kf/${enc(kf)}/messages`, { from: customer, ...m }),
        inboxes: [`/mock/inboxes/customer/${enc(customer)}`],
        mine: (d) => d.from.kind === 'kf' && d.from.open_kfid === kf,
        receivers: [`customer:${customer}`],
      };
    }
    case 'member':
      return {
        kind, title: `${world.customerName(customer)} ↔ ${world.memberName(member)}`, twoSided: true,
        send: (m, asMember) => asMember
          ? api('POST', `/mock/members/${enc(member)}/messages`, { to: customer, ...m })
          : api('POST', `/mock/customers/${enc(customer)}/messages`, { to: member, ...m }),
        inboxes: [`/mock/inboxes/customer/${enc(customer)}`, `/mock/inboxes/user/${enc(member)}`],
        mine: (d) => (d.from.kind === 'member' && d.from.userid === member)
          || (d.from.kind === 'customer' && d.from.external_userid === customer),
        receivers: [`customer:${customer}`, `user:${member}`],
      };
    case 'app': {
      const agentid = Number(val('chat-app'));
      return {
        kind, title: `${world.memberName(member)} in app ${agentid}`,
        send: (m) => api('POST', `/mock/apps/${agentid}/messages`, { from: member, ...m }),
        inboxes: [`/mock/inboxes/user/${enc(member)}`],
        mine: (d) => d.from.kind === 'app' && d.from.agentid === agentid,
        receivers: [`user:${member}`],
      };
    }
    case 'aibot': {
      const bot = val('chat-aibot');
      return {
        kind, title: `${world.memberName(member)} → AI bot ${bot}`,
        note: 'The bot answers on its long connection (ws:// this address); its stream shows as "first chunk", then the finished answer.',
        types: ['text', 'image', 'file', 'video'],
        send: (m) => api('POST', `/mock/aibots/${enc(bot)}/messages`, { from: member, ...m }),
        inboxes: [`/mock/inboxes/user/${enc(member)}`],
        mine: (d) => d.from.kind === 'aibot' && d.from.botid === bot,
        receivers: [`user:${member}`],
      };
    }
    case 'group': {
      const group = val('chat-group');
      return {
        kind, title: `group ${group}`, textless: true,
        note: 'WeCom pushes nothing for what people say in a customer group, and keeps no content: a message here counts in groupchat/statistic.',
        send: () => api('POST', `/mock/groups/${enc(group)}/messages`, { from: member }),
        inboxes: [], mine: () => false, receivers: [],
      };
    }
    default: {
      const key = val('chat-robot');
      return {
        kind, title: `robot ${key}`, readOnly: true,
        note: 'What the bot posts to this robot\'s webhook, as the group sees it.',
        inboxes: [`/mock/inboxes/robot/${enc(key)}`], mine: () => true, receivers: [`robot:${key}`],
      };
    }
  }
}

function kfName(openKfid) {
  const c = world.corp();
  const k = c.kf && c.kf.accounts.find((a) => a.open_kfid === openKfid);
  return k ? k.name : openKfid;
}

function openChat() {
  const conv = conversation();
  const log = h('div', { class: 'log', id: 'chat-log' });
  current = { conv, log, seen: new Set(), sent: new Map() };
  const form = conv.readOnly ? null : composer(conv);
  clear(pane,
    h('h2', {}, conv.title),
    conv.note ? h('p', { class: 'muted' }, conv.note) : null,
    h('div', { class: 'chat' }, log, form));
  refreshInboxes();
}

function composer(conv) {
  const text = h('input', { type: 'text', id: 'chat-text', placeholder: conv.textless ? '(no content is kept)' : 'Write a message', disabled: conv.textless, autocomplete: 'off' });
  const type = h('select', { id: 'chat-type', title: 'What to send: text, or a placeholder picture, file, voice or video', disabled: conv.textless }, options((conv.types || TYPES).map((t) => [t, t])));
  const asMember = conv.twoSided ? h('select', { id: 'chat-as' }, options([['customer', 'as the customer'], ['member', 'as the member']])) : null;
  return h('form', {
    onsubmit: (e) => {
      e.preventDefault();
      const msgtype = type.value;
      if (!conv.textless && msgtype === 'text' && !text.value) return;
      const body = conv.textless ? {} : msgtype === 'text' ? { content: text.value } : { msgtype };
      const shown = msgtype === 'text' ? text.value : `[${msgtype}]`;
      const mine = asMember && asMember.value === 'member';
      attempt('send', async () => {
        const t0 = performance.now();
        const answer = await conv.send(body, mine);
        text.value = '';
        addSent(answer && answer.msgid, conv.textless ? '(said something)' : shown, performance.now() - t0, mine);
      });
    },
  }, asMember, type, text, h('button', { class: 'primary', id: 'chat-send', type: 'submit' }, 'Send'));
}

function addSent(msgid, text, callMs, asOther) {
  const life = h('div', { class: 'life' });
  const bubble = h('div', { class: `bubble me${asOther ? ' other' : ''}`, dataset: { msgid: msgid || '' } },
    h('div', { class: 'who' }, asOther ? 'the member' : 'you', msgid ? ` · ${msgid}` : ''),
    h('div', { class: 'text' }, text), life);
  if (msgid) {
    current.seen.add(msgid);
    current.sent.set(msgid, { life, callMs, bubble });
    renderLife(msgid);
  }
  append(bubble);
}

function append(node) {
  const log = current.log;
  const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(node);
  // Bounded: hours of a scenario through one conversation keep the newest 500.
  while (log.children.length > 500) log.firstElementChild.remove();
  if (atEnd) log.scrollTop = log.scrollHeight;
}

function contentText(d) {
  const c = d.content || {};
  if (d.msgtype === 'text' || d.msgtype === 'markdown') return c.content || '';
  if (d.msgtype === 'news' && c.articles) return c.articles.map((a) => a.title).join(' · ');
  return `[${d.msgtype}] ${JSON.stringify(c)}`;
}

async function refreshInboxes() {
  const mine = current;
  for (const path of mine.conv.inboxes) {
    const inbox = await attempt('inbox', () => api('GET', path));
    if (!inbox || mine !== current) return;
    // Newest first in the answer: shown oldest first.
    for (const d of [...inbox.messages].reverse()) {
      if (mine.seen.has(d.msgid) || !mine.conv.mine(d)) continue;
      mine.seen.add(d.msgid);
      const from = d.from.open_kfid ? kfName(d.from.open_kfid) : d.from.userid ? world.memberName(d.from.userid)
        : d.from.external_userid ? world.customerName(d.from.external_userid) : d.from.agentid ? `app ${d.from.agentid}` : d.from.kind;
      const replyTo = events.of(d.msgid).map((e) => e.detail && e.detail.in_reply_to).find(Boolean);
      append(h('div', { class: 'bubble them', dataset: { msgid: d.msgid } },
        h('div', { class: 'who' }, from, replyTo ? ` · in reply to ${replyTo}` : '', d.recalled ? ' · recalled' : ''),
        h('div', { class: 'text' }, contentText(d))));
    }
  }
}

let pending = false;
function onEvents(batch) {
  if (!current) return;
  const receivers = current.conv.receivers;
  let touched = false;
  const lives = new Set();
  for (const e of batch) {
    if (e.kind === 'delivered' && receivers.includes(e.receiver)) touched = true;
    for (const id of [e.msgid, e.detail && e.detail.in_reply_to]) if (id && current.sent.has(id)) lives.add(id);
  }
  for (const id of lives) renderLife(id);
  if (touched && !pending) {
    pending = true;
    refreshInboxes().finally(() => { pending = false; });
  }
}

/** The chips under a sent message: each step of its route, with times from the server's clock. */
function renderLife(msgid) {
  const s = current.sent.get(msgid);
  if (!s) return;
  const evs = events.of(msgid);
  const first = evs.find((e) => e.kind === 'accepted' && e.msgid === msgid);
  const since = (e) => (first ? ` +${ms(e.mono_us - first.mono_us)}` : '');
  const chips = [h('span', { class: 'chip', title: 'the control call, as this page timed it' }, `sent ${s.callMs.toFixed(1)} ms`)];
  for (const e of evs) {
    if (e.msgid === msgid && e.kind === 'accepted') chips.push(h('span', { class: 'chip' }, `accepted (${e.route})`));
    else if (e.kind === 'attempt') {
      const d = e.detail || {};
      const good = d.outcome === 'acknowledged' || d.outcome === 'passive_reply';
      chips.push(h('span', {
        class: `chip link attempt ${good ? 'ok' : 'bad'}`, title: 'open the push: the decrypted XML and the bot\'s answer',
        onclick: () => showAttempts(msgid, s.bubble),
      }, `push #${d.n} → ${d.status || '–'} ${d.outcome} ${ms(d.duration_us || 0)}`));
    } else if (e.kind === 'acknowledged') chips.push(h('span', { class: 'chip ok' }, `acknowledged${since(e)}`));
    else if (e.kind === 'failed') chips.push(h('span', { class: 'chip bad' }, `push failed${since(e)}`));
    else if (e.kind === 'first_chunk') chips.push(h('span', { class: 'chip ok', title: 'the bot\'s first streamed chunk' }, `first chunk${since(e)}`));
    else if (e.kind === 'dropped') chips.push(h('span', { class: 'chip bad' }, `dropped${since(e)}`));
    else if (e.kind === 'delivered' && e.msgid === msgid) chips.push(h('span', { class: 'chip ok' }, `delivered${since(e)}`));
    else if (e.kind === 'delivered') {
      chips.push(h('span', { class: 'chip ok roundtrip', title: 'from accepted to the answer in the inbox' }, `answered · round trip${since(e)}`));
    }
  }
  clear(s.life, chips);
}

async function showAttempts(msgid, bubble) {
  const old = bubble.querySelector('.attempt-detail');
  if (old) { old.remove(); return; }
  const answer = await attempt('callbacks', () => api('GET', `/mock/callbacks?msgid=${encodeURIComponent(msgid)}`));
  if (!answer) return;
  bubble.append(h('div', { class: 'attempt-detail' }, answer.attempts.map(attemptView)));
}

export function attemptView(a) {
  return h('div', { class: 'card' },
    h('div', {}, `push #${a.n} to `, h('code', {}, a.url || '(no URL)'), ` → ${a.status || '–'} ${a.outcome} in ${ms(a.duration_us)}`),
    a.plaintext ? [h('div', { class: 'muted' }, 'decrypted, as pushed:'), h('pre', { class: 'plaintext' }, pretty(a.plaintext))] : null,
    a.reply !== undefined && a.reply !== null ? [h('div', { class: 'muted' }, 'the bot answered:'), h('pre', { class: 'reply' }, a.reply || '(empty body)')] : null);
}

export function shown() {}
