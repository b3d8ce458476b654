//! The `change_contact` events WeCom pushes to the contacts-sync receiver when the directory changes (docs
//! 90970 成员变更, 90971 部门变更, 90972 标签变更): which fields each change type carries, named as WeCom names
//! them. An update carries only what changed.

use crate::callback::Value;

use super::edit::change_contact_xml;

/// A member as announced: `None` fields are left out (an update names only what changed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberChange {
    pub userid: String,
    pub new_userid: Option<String>,
    pub name: Option<String>,
    pub department: Option<Vec<i64>>,
    pub main_department: Option<i64>,
    pub is_leader_in_dept: Option<Vec<i64>>,
    pub position: Option<String>,
    pub mobile: Option<String>,
    pub gender: Option<u8>,
    pub email: Option<String>,
    pub status: Option<i64>,
    pub alias: Option<String>,
    pub telephone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactChange {
    CreateUser(MemberChange),
    UpdateUser(MemberChange),
    DeleteUser {
        userid: String,
    },
    CreateParty {
        id: i64,
        name: String,
        parentid: i64,
        order: i64,
    },
    UpdateParty {
        id: i64,
        name: Option<String>,
        parentid: Option<i64>,
    },
    DeleteParty {
        id: i64,
    },
    UpdateTag {
        tagid: i64,
        add_users: Vec<String>,
        del_users: Vec<String>,
        add_parties: Vec<i64>,
        del_parties: Vec<i64>,
    },
}

fn joined<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl ContactChange {
    pub fn change_type(&self) -> &'static str {
        match self {
            ContactChange::CreateUser(_) => "create_user",
            ContactChange::UpdateUser(_) => "update_user",
            ContactChange::DeleteUser { .. } => "delete_user",
            ContactChange::CreateParty { .. } => "create_party",
            ContactChange::UpdateParty { .. } => "update_party",
            ContactChange::DeleteParty { .. } => "delete_party",
            ContactChange::UpdateTag { .. } => "update_tag",
        }
    }

    /// The plaintext event for the corp's contacts-sync receiver.
    pub fn xml(&self, corpid: &str, now_s: i64) -> String {
        // Texts are built first so the field list can borrow them.
        let texts: Vec<(&str, String)> = self.text_fields();
        let mut fields: Vec<(&str, Value<'_>)> = Vec::with_capacity(texts.len() + 2);
        match self {
            ContactChange::CreateParty { id, .. }
            | ContactChange::UpdateParty { id, .. }
            | ContactChange::DeleteParty { id } => fields.push(("Id", Value::Number(*id))),
            ContactChange::UpdateTag { tagid, .. } => fields.push(("TagId", Value::Number(*tagid))),
            _ => {}
        }
        for (name, text) in &texts {
            fields.push((name, Value::Text(text)));
        }
        if let ContactChange::CreateParty { order, .. } = self {
            fields.push(("Order", Value::Number(*order)));
        }
        change_contact_xml(corpid, now_s, self.change_type(), &fields)
    }

    fn text_fields(&self) -> Vec<(&'static str, String)> {
        match self {
            ContactChange::CreateUser(m) | ContactChange::UpdateUser(m) => member_fields(m),
            ContactChange::DeleteUser { userid } => vec![("UserID", userid.clone())],
            ContactChange::CreateParty { name, parentid, .. } => {
                vec![("Name", name.clone()), ("ParentId", parentid.to_string())]
            }
            ContactChange::UpdateParty { name, parentid, .. } => {
                let mut v = Vec::new();
                v.extend(name.clone().map(|n| ("Name", n)));
                v.extend(parentid.map(|p| ("ParentId", p.to_string())));
                v
            }
            ContactChange::DeleteParty { .. } => Vec::new(),
            ContactChange::UpdateTag {
                add_users,
                del_users,
                add_parties,
                del_parties,
                ..
            } => [
                ("AddUserItems", joined(add_users)),
                ("DelUserItems", joined(del_users)),
                ("AddPartyItems", joined(add_parties)),
                ("DelPartyItems", joined(del_parties)),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect(),
        }
    }
}

fn member_fields(m: &MemberChange) -> Vec<(&'static str, String)> {
    let mut v = vec![("UserID", m.userid.clone())];
    let mut put = |name: &'static str, value: Option<String>| v.extend(value.map(|x| (name, x)));
    put("NewUserID", m.new_userid.clone());
    put("Name", m.name.clone());
    put("Department", m.department.as_deref().map(joined));
    put("MainDepartment", m.main_department.map(|d| d.to_string()));
    put("IsLeaderInDept", m.is_leader_in_dept.as_deref().map(joined));
    put("Position", m.position.clone());
    put("Mobile", m.mobile.clone());
    put("Gender", m.gender.map(|g| g.to_string()));
    put("Email", m.email.clone());
    put("Status", m.status.map(|s| s.to_string()));
    put("Alias", m.alias.clone());
    put("Telephone", m.telephone.clone());
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::parse_fields;

    #[test]
    fn update_user_names_only_what_changed() {
        let c = ContactChange::UpdateUser(MemberChange {
            userid: "zhangsan".into(),
            new_userid: Some("zhangsan2".into()),
            department: Some(vec![1, 2]),
            ..Default::default()
        });
        let f = parse_fields(&c.xml("wwcorp", 1)).unwrap_or_default();
        assert_eq!(f.get("ChangeType"), Some("update_user"));
        assert_eq!(f.get("NewUserID"), Some("zhangsan2"));
        assert_eq!(f.get("Department"), Some("1,2"));
        assert_eq!(f.get("Name"), None);
    }

    #[test]
    fn party_and_tag_changes() {
        let c = ContactChange::CreateParty {
            id: 7,
            name: "广州".into(),
            parentid: 1,
            order: 3,
        };
        let f = parse_fields(&c.xml("wwcorp", 1)).unwrap_or_default();
        assert_eq!(
            (f.get("Id"), f.get("ParentId"), f.get("Order")),
            (Some("7"), Some("1"), Some("3"))
        );
        let t = ContactChange::UpdateTag {
            tagid: 2,
            add_users: vec!["a".into(), "b".into()],
            del_users: vec![],
            add_parties: vec![],
            del_parties: vec![4],
        };
        let f = parse_fields(&t.xml("wwcorp", 1)).unwrap_or_default();
        assert_eq!(f.get("AddUserItems"), Some("a,b"));
        assert_eq!(f.get("DelPartyItems"), Some("4"));
        assert_eq!(f.get("DelUserItems"), None);
    }
}
