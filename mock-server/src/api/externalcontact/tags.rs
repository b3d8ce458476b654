//! The customer tag library: `get_corp_tag_list`, `add_corp_tag`, `edit_corp_tag`, `del_corp_tag`. Deleting a tag
//! takes it off every customer; a group left without tags goes too.

use axum::extract::State;
use std::sync::Arc;

use wecom_wire::envelope::Empty;
use wecom_wire::externalcontact::{
    check_tag_list, check_tag_name, AddCorpTag, AddCorpTagResponse, EditCorpTag, Tag, TagGroup,
    TagIds, TagListResponse,
};
use wecom_wire::{Errcode, WireError};

use super::contacts_caller;
use crate::api::{json, ok, ApiError, ApiResult, Params, RawBody};
use crate::state::{Sim, State as Shared};

fn unknown(id: &str) -> ApiError {
    WireError::with_detail(Errcode::INVALID_TAGID, format!("invalid tagid {id}")).into()
}

fn exists() -> ApiError {
    Errcode::TAG_NAME_EXISTS.into()
}

pub async fn list(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TagIds = if body.is_empty() {
        TagIds::default()
    } else {
        json(&body)?
    };
    let sim = st.sim();
    let groups = sim.store.contacts.tags[who.corp].lock().clone();
    let tag_group = if req.tag_id.is_empty() && req.group_id.is_empty() {
        groups
    } else {
        groups
            .into_iter()
            .filter_map(|mut g| {
                if req.group_id.contains(&g.group_id) {
                    return Some(g);
                }
                g.tag.retain(|t| req.tag_id.contains(&t.id));
                (!g.tag.is_empty()).then_some(g)
            })
            .collect()
    };
    ok(TagListResponse { tag_group })
}

pub async fn add(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: AddCorpTag = json(&body)?;
    if req.tag.is_empty() {
        return Err(WireError::invalid_field("tag").into());
    }
    check_tag_list("tag", &req.tag)?;
    // (name, order); several tags of one name in a call make one tag, the first.
    let mut wanted: Vec<(String, i64)> = Vec::with_capacity(req.tag.len());
    for t in &req.tag {
        let name = t.name.clone().unwrap_or_default();
        check_tag_name("tag.name", &name)?;
        if !wanted.iter().any(|(n, _)| *n == name) {
            wanted.push((name, t.order.unwrap_or(0)));
        }
    }
    let sim = st.sim();
    let now_s = st.clock.now_s();
    let mut groups = sim.store.contacts.tags[who.corp].lock();
    let at = match req.group_id.as_deref().filter(|g| !g.is_empty()) {
        Some(id) => Some(
            groups
                .iter()
                .position(|g| g.group_id == id)
                .ok_or_else(|| unknown(id))?,
        ),
        None => {
            let name = req.group_name.clone().unwrap_or_default();
            check_tag_name("group_name", &name)?;
            groups.iter().position(|g| g.group_name == name)
        }
    };
    if let Some(gi) = at {
        if groups[gi]
            .tag
            .iter()
            .any(|t| wanted.iter().any(|(n, _)| *n == t.name))
        {
            return Err(exists());
        }
    }
    let tag: Vec<Tag> = wanted
        .into_iter()
        .map(|(name, order)| Tag {
            id: format!("et{}", st.ids.tag_id()),
            name,
            create_time: now_s,
            order,
            deleted: false,
        })
        .collect();
    let gi = match at {
        Some(gi) => gi,
        None => {
            groups.push(TagGroup {
                group_id: format!("et{}", st.ids.tag_id()),
                group_name: req.group_name.unwrap_or_default(),
                create_time: now_s,
                order: req.order.unwrap_or(0),
                deleted: false,
                tag: Vec::new(),
            });
            groups.len() - 1
        }
    };
    groups[gi].tag.extend(tag.iter().cloned());
    let mut tag_group = groups[gi].clone();
    tag_group.tag = tag;
    ok(AddCorpTagResponse { tag_group })
}

pub async fn edit(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: EditCorpTag = json(&body)?;
    let id = req.id.unwrap_or_default();
    if let Some(name) = &req.name {
        check_tag_name("name", name)?;
    }
    let sim = st.sim();
    let mut groups = sim.store.contacts.tags[who.corp].lock();
    if let Some(gi) = groups.iter().position(|g| g.group_id == id) {
        if let Some(name) = req.name {
            if groups
                .iter()
                .any(|g| g.group_id != id && g.group_name == name)
            {
                return Err(exists());
            }
            groups[gi].group_name = name;
        }
        if let Some(order) = req.order {
            groups[gi].order = order;
        }
        return ok(Empty {});
    }
    let found = groups
        .iter()
        .enumerate()
        .find_map(|(gi, g)| g.tag.iter().position(|t| t.id == id).map(|ti| (gi, ti)));
    let (gi, ti) = found.ok_or_else(|| unknown(&id))?;
    if let Some(name) = req.name {
        if groups[gi].tag.iter().any(|t| t.id != id && t.name == name) {
            return Err(exists());
        }
        groups[gi].tag[ti].name = name;
    }
    if let Some(order) = req.order {
        groups[gi].tag[ti].order = order;
    }
    ok(Empty {})
}

pub async fn del(State(st): State<Arc<Shared>>, q: Params, RawBody(body): RawBody) -> ApiResult {
    let who = contacts_caller(&st, &q)?;
    let req: TagIds = json(&body)?;
    if req.tag_id.is_empty() && req.group_id.is_empty() {
        return Err(WireError::invalid_field("tag_id").into());
    }
    check_tag_list("tag_id", &req.tag_id)?;
    check_tag_list("group_id", &req.group_id)?;
    let sim = st.sim();
    let removed: Vec<String> = {
        let mut groups = sim.store.contacts.tags[who.corp].lock();
        for id in &req.group_id {
            if !groups.iter().any(|g| &g.group_id == id) {
                return Err(unknown(id));
            }
        }
        for id in &req.tag_id {
            if !groups.iter().any(|g| g.tag.iter().any(|t| &t.id == id)) {
                return Err(unknown(id));
            }
        }
        let mut removed = Vec::new();
        groups.retain_mut(|g| {
            let whole = req.group_id.contains(&g.group_id);
            g.tag.retain(|t| {
                let gone = whole || req.tag_id.contains(&t.id);
                if gone {
                    removed.push(t.id.clone());
                }
                !gone
            });
            !g.tag.is_empty()
        });
        removed
    };
    // Customers keep no tag that no longer exists.
    sim.store
        .contacts
        .edit_held(|f| f.tags.retain(|t| !removed.contains(t)));
    ok(Empty {})
}

/// A tag filter within the limits, naming tags that exist: a filter with an unknown tag would silently match
/// nobody, so it is refused with 40068 as `mark_tag` refuses one.
pub(super) fn check_tag_filter(
    sim: &Sim,
    corp: usize,
    f: &wecom_wire::externalcontact::groupmsg::TagFilter,
) -> Result<(), ApiError> {
    check_tag_list("tag_filter.group_list", &f.group_list)?;
    for g in &f.group_list {
        check_tag_list("tag_filter.group_list.tag_list", &g.tag_list)?;
        if let Some(id) = g
            .tag_list
            .iter()
            .find(|id| sim.store.contacts.tag_names(corp, id).is_none())
        {
            return Err(WireError::with_detail(
                Errcode::INVALID_TAGID,
                format!("invalid tagid {id}"),
            )
            .into());
        }
    }
    Ok(())
}
