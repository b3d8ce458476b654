//! The app itself: `agent/get` (the fixture's app with what `agent/set` changed), `agent/list` (a token sees its
//! own app), `agent/set`, and the app's menu: `menu/create|get|delete?agentid=`.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::directory::{self as dir, AllowParties, AllowTags, AllowUsers, UserRef};
use wecom_wire::envelope::Empty;
use wecom_wire::menu::{AgentBrief, AgentList, AgentSet, RawMenu};
use wecom_wire::Errcode;

use super::message::check_media;
use super::{caller, json, ok, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::apps::AgentSettings;
use crate::store::links::{Link, PIC_HOST};
use crate::world::App;

/// The app `?agentid=` names, which must be the caller's (40056 unknown or absent, 301002 another app's).
fn queried_app<'s>(sim: &'s Sim, who: Caller, q: &Params) -> Result<&'s App, ApiError> {
    let agentid = q.get("agentid").and_then(|a| a.trim().parse::<i64>().ok());
    super::message::agent(&sim.world.corps[who.corp], who, agentid)
}

fn settings(sim: &Sim, who: Caller) -> AgentSettings {
    sim.store
        .apps
        .settings
        .get(&(who.corp, who.agentid))
        .map(|s| s.clone())
        .unwrap_or_default()
}

pub async fn get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let sim = st.sim();
    let corp = &sim.world.corps[who.corp];
    let app = queried_app(&sim, who, &q)?;
    let (users, parties) = if app.can_see_all() {
        let roots = corp.departments.iter().filter(|d| d.parentid == 0);
        (Vec::new(), roots.map(|d| d.id).collect())
    } else {
        let users = app
            .scope_users
            .iter()
            .map(|u| UserRef { userid: u.clone() });
        (users.collect(), app.scope_departments.clone())
    };
    let s = settings(&sim, who);
    ok(dir::Agent {
        agentid: app.agentid,
        name: s.name.unwrap_or_else(|| app.name.clone()),
        square_logo_url: s.square_logo_url.unwrap_or_default(),
        description: s.description.unwrap_or_else(|| app.description.clone()),
        allow_userinfos: AllowUsers { user: users },
        allow_partys: AllowParties { partyid: parties },
        allow_tags: AllowTags {
            tagid: app.scope_tags.clone(),
        },
        close: 0,
        redirect_domain: s.redirect_domain.unwrap_or_default(),
        report_location_flag: s.report_location_flag.unwrap_or(0),
        isreportenter: s.isreportenter.unwrap_or(0),
        home_url: s.home_url.unwrap_or_default(),
        customized_publish_status: 1,
    })
}

/// A self-built app's token lists that app only (WeCom: "仅可获取当前凭证对应的应用").
pub async fn list(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let sim = st.sim();
    let app = sim.world.corps[who.corp]
        .app(who.agentid)
        .ok_or(Errcode::INVALID_AGENTID)?;
    let s = settings(&sim, who);
    ok(AgentList {
        agentlist: vec![AgentBrief {
            agentid: app.agentid,
            name: s.name.unwrap_or_else(|| app.name.clone()),
            square_logo_url: s.square_logo_url.unwrap_or_default(),
        }],
    })
}

pub async fn set(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = caller(&st, &q)?;
    let req: AgentSet = json(&body)?;
    let sim = st.sim();
    super::message::agent(&sim.world.corps[who.corp], who, req.agentid)?;
    req.check()?;
    if let Some(m) = &req.logo_mediaid {
        check_media(&sim, &st, who.corp, std::slice::from_ref(m))?;
    }
    // The logo becomes a picture on WeCom's host, which the mock serves at `/wwpic/{id}` (see /mock/links/resolve).
    let logo = req.logo_mediaid.as_ref().and_then(|m| {
        let data = sim.store.media.get(m.as_str()).map(|x| x.data.clone())?;
        let id = st.ids.media_id();
        let url = format!("{PIC_HOST}{}", st.ids.picture_path(st.clock.now_s()));
        sim.store.add_image(id.clone(), data);
        sim.store.links.add(&url, Link::Image { id });
        Some(url)
    });
    let mut s = sim
        .store
        .apps
        .settings
        .entry((who.corp, who.agentid))
        .or_default();
    s.name = req.name.or(s.name.take());
    s.description = req.description.or(s.description.take());
    s.redirect_domain = req.redirect_domain.or(s.redirect_domain.take());
    s.report_location_flag = req.report_location_flag.or(s.report_location_flag);
    s.isreportenter = req.isreportenter.or(s.isreportenter);
    s.home_url = req.home_url.or(s.home_url.take());
    s.square_logo_url = logo.or(s.square_logo_url.take());
    ok(Empty {})
}

pub async fn menu_create(
    State(st): State<Arc<Shared>>,
    q: Params,
    RawBody(body): RawBody,
) -> ApiResult {
    let who = caller(&st, &q)?;
    let sim = st.sim();
    queried_app(&sim, who, &q)?;
    let raw: RawMenu = json(&body)?;
    let menu = raw.check()?;
    sim.store.apps.menus.insert((who.corp, who.agentid), menu);
    ok(Empty {})
}

pub async fn menu_get(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let sim = st.sim();
    queried_app(&sim, who, &q)?;
    let menu = sim
        .store
        .apps
        .menus
        .get(&(who.corp, who.agentid))
        .map(|m| m.clone());
    ok(menu.ok_or(Errcode::MENU_NOT_SET)?)
}

/// Deleting a menu that is not there is not refused [U].
pub async fn menu_delete(State(st): State<Arc<Shared>>, q: Params) -> ApiResult {
    let who = caller(&st, &q)?;
    let sim = st.sim();
    queried_app(&sim, who, &q)?;
    sim.store.apps.menus.remove(&(who.corp, who.agentid));
    ok(Empty {})
}
