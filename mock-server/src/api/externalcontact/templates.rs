//! 入群欢迎语素材: `group_welcome_template/{add,edit,get,del}`. At most 100 per corp (41055); only the app that
//! made a template may edit or delete it (41058); media must be the corp's uploads of the right type; `notify`
//! (the default) tells the members who own customer groups, as a notice in their inboxes.

use axum::extract::State;
use bytes::Bytes;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::externalcontact::templates::{
    AddResponse, GroupWelcome, TemplateRequest, MAX_TEMPLATES,
};
use wecom_wire::{Errcode, WireError};

use super::contacts_caller;
use crate::api::{json, ok, ApiError, ApiResult, Caller, Params, RawBody};
use crate::state::{Sim, State as Shared};
use crate::store::templates::Template;
use crate::store::{Delivery, InboxId, Owner, Source};

/// The parts' rules, then their media: each an upload of this corp, of the type the part needs; an image by
/// `pic_url` must be a picture `media/uploadimg` handed out.
fn check(sim: &Sim, who: Caller, w: &GroupWelcome) -> Result<(), ApiError> {
    for (field, id, kind) in w.check()? {
        let fits = sim
            .store
            .media
            .get(id)
            .is_some_and(|m| m.owner == Owner::Corp(who.corp) && m.kind == kind);
        if !fits {
            return Err(WireError::with_detail(
                Errcode::INVALID_MEDIA_ID,
                format!("{field} invalid. invalid media_id"),
            )
            .into());
        }
    }
    if let Some(url) = w.image.as_ref().and_then(|i| i.pic_url.as_deref()) {
        let known = url
            .rsplit_once("/wwpic/")
            .is_some_and(|(_, id)| sim.store.images.contains_key(id));
        let by_media = w
            .image
            .as_ref()
            .and_then(|i| i.media_id.as_deref())
            .is_some_and(|m| !m.is_empty());
        if !known && !by_media {
            return Err(WireError::invalid_field("image.pic_url").into());
        }
    }
    Ok(())
}

/// The template, if this app made it: another app's is 41058, an unknown id 40058 [U].
fn own(sim: &Sim, who: Caller, template_id: &str) -> Result<Template, ApiError> {
    let t = sim
        .store
        .templates
        .welcome
        .get(&(who.corp, template_id.to_owned()))
        .map(|t| t.clone())
        .ok_or_else(|| WireError::invalid_field("template_id"))?;
    if t.agentid != who.agentid {
        return Err(Errcode::NOT_TEMPLATE_OWNER.into());
    }
    Ok(t)
}

/// Tells every owner of a customer group that a template is there to use.
fn notify_owners(st: &Shared, sim: &Sim, who: Caller, template_id: &str) {
    let owners: std::collections::BTreeSet<usize> = sim.store.groups.corps[who.corp]
        .lock()
        .iter()
        .map(|g| g.owner)
        .collect();
    let body = serde_json::json!({
        "msgtype": "group_welcome_template",
        "group_welcome_template": { "template_id": template_id },
    })
    .to_string();
    for user in owners {
        let d = Delivery::new(
            st.ids.msgid(st.ids.next_seq()),
            Source::App {
                agentid: who.agentid,
            },
            "group_welcome_template",
            Bytes::from(body.clone()),
            st.clock.now_s(),
        );
        sim.store.deliver(
            InboxId::User {
                corp: who.corp,
                user,
            },
            &d,
        );
    }
}

pub async fn add(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TemplateRequest = json(&body)?;
    let notify = match req.notify.unwrap_or(1) {
        0 => false,
        1 => true,
        _ => return Err(WireError::invalid_field("notify").into()),
    };
    let sim = st.sim();
    check(&sim, who, &req.welcome)?;
    if sim.store.templates.n_welcome(who.corp) >= MAX_TEMPLATES {
        return Err(Errcode::WELCOME_TEMPLATE_LIMIT.into());
    }
    let template_id = st.ids.groupmsg_id();
    sim.store.templates.welcome.insert(
        (who.corp, template_id.clone()),
        Template {
            welcome: req.welcome,
            agentid: who.agentid,
            notify,
            created_s: st.clock.now_s(),
        },
    );
    if notify {
        notify_owners(&st, &sim, who, &template_id);
    }
    ok(AddResponse { template_id })
}

/// The parts sent replace the template's; the others stay.
pub async fn edit(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TemplateRequest = json(&body)?;
    let sim = st.sim();
    let id = req.template_id.clone().unwrap_or_default();
    let old = own(&sim, who, &id)?;
    let welcome = old.welcome.patched(req.welcome);
    check(&sim, who, &welcome)?;
    sim.store
        .templates
        .welcome
        .insert((who.corp, id), Template { welcome, ..old });
    ok(Empty {})
}

/// Any 客户联系 app of the corp may read a template.
pub async fn get(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TemplateRequest = json(&body)?;
    let sim = st.sim();
    let id = req.template_id.unwrap_or_default();
    let t = sim
        .store
        .templates
        .welcome
        .get(&(who.corp, id))
        .map(|t| t.welcome.clone())
        .ok_or_else(|| WireError::invalid_field("template_id"))?;
    ok(t)
}

pub async fn del(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TemplateRequest = json(&body)?;
    let sim = st.sim();
    let id = req.template_id.unwrap_or_default();
    own(&sim, who, &id)?;
    sim.store.templates.welcome.remove(&(who.corp, id));
    ok(Empty {})
}
