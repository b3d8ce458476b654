// The company as /mock/world gives it: apps with their live callback URLs and credentials, departments and
// members, customers and whom they follow, kf accounts and servicers, customer groups, robots.
import { api, clear, copyable, h, world, attempt } from './core.js';

let root;

export function open(el) {
  root = el;
  render();
}

export function shown() { render(); }

async function render() {
  const w = await attempt('world', () => world.load());
  if (!w) return;
  clear(root, w.corps.map(corp));
}

function table(head, rows) {
  return h('div', { class: 'scroll' }, h('table', {},
    h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows)));
}

function corp(c) {
  const members = new Map(c.users.map((u) => [u.userid, u.name]));
  const dept = new Map(c.departments.map((d) => [d.id, d.name]));
  return h('div', { class: 'corp' },
    h('h2', {}, `${c.name} `, h('span', { class: 'muted' }, 'corpid '), copyable(c.corpid)),
    h('h3', {}, 'Apps'),
    table(['agentid', 'name', 'secret', 'callback URL (live)', 'Token', 'EncodingAESKey'], c.apps.map((a) => h('tr', {},
      h('td', {}, String(a.agentid)), h('td', {}, a.name), h('td', {}, copyable(a.secret)),
      h('td', {}, a.callback && a.callback.url ? copyable(a.callback.url) : h('span', { class: 'muted' }, 'none set'),
        a.callback && a.callback.fixture_url && a.callback.url !== a.callback.fixture_url
          ? h('div', { class: 'muted' }, `fixture: ${a.callback.fixture_url}`) : null),
      h('td', {}, a.callback ? copyable(a.callback.token) : '–'),
      h('td', {}, a.callback ? copyable(a.callback.encoding_aes_key) : '–')))),
    c.contact_sync_secret ? h('p', {}, 'Contacts sync secret ', copyable(c.contact_sync_secret),
      c.contact_sync_callback && c.contact_sync_callback.url ? [' · receiver ', copyable(c.contact_sync_callback.url)] : null) : null,
    h('h3', {}, `Departments (${c.departments.length})`),
    table(['id', 'name', 'parent'], c.departments.map((d) => h('tr', {},
      h('td', {}, String(d.id)), h('td', {}, d.name), h('td', {}, d.parentid ? `${d.parentid} ${dept.get(d.parentid) || ''}` : '–')))),
    h('h3', {}, `Members (${c.users.length})`),
    table(['userid', 'name', 'departments'], c.users.map((u) => h('tr', {},
      h('td', {}, copyable(u.userid)), h('td', {}, u.name),
      h('td', {}, u.department.map((id) => dept.get(id) || id).join(', '))))),
    c.tags.length ? h('p', {}, 'Member tags: ', c.tags.map((t) => `${t.tagname} (${t.tagid})`).join(', ')) : null,
    customers(c, members),
    c.kf ? [
      h('h3', {}, `微信客服 accounts (managed by app ${c.kf.agentid})`),
      table(['open_kfid', 'name', 'servicers'], c.kf.accounts.map((k) => h('tr', {},
        h('td', {}, copyable(k.open_kfid)), h('td', {}, k.name),
        h('td', {}, k.servicers.map((s) => members.get(s) || s).join(', ') || '–')))),
    ] : null,
    c.customer_groups.length ? [
      h('h3', {}, `Customer groups (${c.customer_groups.length})`),
      table(['chat_id', 'name', 'opengid'], c.customer_groups.map((g) => h('tr', {},
        h('td', {}, copyable(g.chat_id)), h('td', {}, g.name), h('td', {}, g.opengid || '–')))),
    ] : null,
    c.aibots && c.aibots.length ? [
      h('h3', {}, '智能机器人 (AI bots)'),
      table(['name', 'botid', 'secret', 'for'], c.aibots.map((b) => h('tr', {},
        h('td', {}, b.name), h('td', {}, copyable(b.botid)), h('td', {}, copyable(b.secret)),
        h('td', {}, b.members ? b.members.map((u) => members.get(u) || u).join(', ') : 'every member')))),
    ] : null,
    c.robots.length ? [
      h('h3', {}, 'Group robots'),
      table(['name', 'webhook URL'], c.robots.map((r) => h('tr', {},
        h('td', {}, r.name), h('td', {}, copyable(`${location.origin}/cgi-bin/webhook/send?key=${r.key}`))))),
    ] : null);
}

function customers(c, members) {
  const more = h('div', {});
  const rows = c.customers.map((x) => {
    const now = h('td', {}, h('button', {
      type: 'button', class: 'small relations',
      onclick: (e) => attempt('relations', async () => {
        const seen = await api('GET', `/mock/customers/${encodeURIComponent(x.external_userid)}`);
        clear(now, relations(seen.follow_user, members));
        e.target.remove();
      }),
    }, 'now'));
    return h('tr', {},
      h('td', {}, copyable(x.external_userid)), h('td', {}, x.name), h('td', {}, x.kind === 2 ? 'WeCom' : 'WeChat'),
      h('td', {}, x.follow.map((u) => members.get(u) || u).join(', ') || '–'), now);
  });
  const rest = c.n_customers - c.customers.length;
  let offset = c.customers.length;
  const loadMore = h('button', {
    type: 'button',
    onclick: () => attempt('customers', async () => {
      const page = await api('GET', `/mock/customers?corpid=${encodeURIComponent(c.corpid)}&offset=${offset}&limit=500`);
      offset += page.customers.length;
      more.append(h('p', { class: 'mono' }, page.customers.join(' ')));
      if (offset >= page.n_customers) loadMore.remove();
    }),
  }, 'more ids');
  return [
    h('h3', {}, `Customers (${c.n_customers})`),
    table(['external_userid', 'name', 'type', 'followed (fixture)', 'relations now'], rows),
    rest > 0 ? [h('p', { class: 'muted' }, `${rest} more, generated from the seed: `, loadMore), more] : null,
  ];
}

/** A customer's relations as they are now: who, remark, tags, how and when added. */
function relations(follows, members) {
  if (!follows.length) return h('span', { class: 'muted' }, 'no member has them now');
  return follows.map((f) => h('div', { class: 'relation' },
    h('strong', {}, members.get(f.userid) || f.userid),
    f.remark ? ` · “${f.remark}”` : '',
    f.tags.length ? ` · tags: ${f.tags.map((t) => `${t.group_name}/${t.tag_name}`).join(', ')}` : '',
    h('span', { class: 'muted' }, ` · add_way ${f.add_way}${f.state ? `, state ${f.state}` : ''}, since ${new Date(f.createtime * 1000).toLocaleDateString()}`)));
}
