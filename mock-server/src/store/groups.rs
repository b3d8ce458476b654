//! Customer groups as they live: members join and leave, owners change by transfer. One lock per corp: groups
//! are listed in order and changed rarely, so a list under a lock is simplest.

use parking_lot::Mutex;

use crate::world::{GroupMember, World};

/// When the fixture's groups are said to have been made: 2025-01-01.
const SEEDED_S: i64 = 1_735_689_600;

#[derive(Debug, Clone)]
pub struct Member {
    pub who: GroupMember,
    pub join_time: i64,
    /// 1 invited directly, 2 by link, 3 by QR code.
    pub join_scene: i64,
    pub invitor: Option<usize>,
    /// The `state` of the join way they came in by.
    pub state: String,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub chat_id: String,
    pub name: String,
    pub owner: usize,
    pub create_time: i64,
    pub notice: String,
    pub members: Vec<Member>,
    /// Bumped on every change of members, as `member_version` is.
    pub version: u64,
    /// Taken over from a member who resigned.
    pub inherited: bool,
}

#[derive(Debug)]
pub struct Groups {
    pub corps: Vec<Mutex<Vec<Group>>>,
}

impl Groups {
    pub fn new(world: &World) -> Groups {
        let corps = world
            .corps
            .iter()
            .map(|c| {
                let groups = c
                    .groups
                    .iter()
                    .map(|g| Group {
                        chat_id: g.chat_id.clone(),
                        name: g.name.clone(),
                        owner: g.owner,
                        create_time: SEEDED_S,
                        notice: g.notice.clone(),
                        members: g
                            .members
                            .iter()
                            .map(|&who| Member {
                                who,
                                join_time: SEEDED_S,
                                join_scene: 1,
                                invitor: (who != GroupMember::User(g.owner)).then_some(g.owner),
                                state: String::new(),
                            })
                            .collect(),
                        version: 1,
                        inherited: false,
                    })
                    .collect();
                Mutex::new(groups)
            })
            .collect();
        Groups { corps }
    }
}
