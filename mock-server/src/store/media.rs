//! Uploaded media and pictures: who may use them, and the byte budget they share (past it, the oldest go and
//! answer as expired media do), besides WeCom's 3-day life for temporary media.

use bytes::Bytes;
use std::sync::Arc;

use wecom_wire::media::MediaType;

use super::Store;

/// Who may use an upload: the corp's apps, or only the robot (the AI bot) that uploaded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Corp(usize),
    Robot { corp: usize, robot: usize },
    Aibot { corp: usize, bot: usize },
}

#[derive(Debug)]
pub struct Media {
    pub owner: Owner,
    pub kind: MediaType,
    pub data: Bytes,
    pub filename: String,
    pub created_s: i64,
    /// Stamped by the media budget.
    pub seq: u64,
}

impl Media {
    /// What the media budget charges for it.
    pub fn cost_bytes(&self) -> usize {
        std::mem::size_of::<Media>() + self.data.len() + self.filename.len()
    }
}

/// An `uploadimg` picture.
#[derive(Debug, Clone)]
pub struct Image {
    pub data: Bytes,
    pub seq: u64,
}

impl Image {
    pub fn cost_bytes(&self) -> usize {
        std::mem::size_of::<Image>() + self.data.len()
    }
}

impl Store {
    /// Keeps an upload, stamped and charged to the media budget.
    pub fn add_media(&self, id: String, mut m: Media) {
        m.seq = self.media_budget.charge(m.cost_bytes());
        if let Some(old) = self.media.insert(id, Arc::new(m)) {
            self.media_budget.release(old.cost_bytes());
        }
        self.keep_media_in_budget();
    }

    pub fn add_image(&self, id: String, data: Bytes) {
        let mut image = Image { data, seq: 0 };
        image.seq = self.media_budget.charge(image.cost_bytes());
        if let Some(old) = self.images.insert(id, image) {
            self.media_budget.release(old.cost_bytes());
        }
        self.keep_media_in_budget();
    }

    /// Past the media budget, the oldest uploads go; they answer as expired media do.
    fn keep_media_in_budget(&self) {
        let b = &self.media_budget;
        while let Some(sweep) = b.sweep() {
            let keep = |seq: u64, cost: usize| {
                let keep = seq >= sweep.below;
                if !keep {
                    b.evicted(cost);
                }
                keep
            };
            self.media.retain(|_, m| keep(m.seq, m.cost_bytes()));
            self.images.retain(|_, i| keep(i.seq, i.cost_bytes()));
        }
    }

    /// Drops media past its 3-day life (checked whenever the count reaches a multiple of 64).
    pub fn prune_media(&self, now_s: i64) {
        if self.media.len() % 64 == 0 {
            self.media.retain(|_, m| {
                let live = now_s < m.created_s + wecom_wire::media::MEDIA_TTL_S;
                if !live {
                    self.media_budget.release(m.cost_bytes());
                }
                live
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::limits;

    #[test]
    fn media_and_images_stay_under_their_budget() {
        let (world, _) = crate::world::World::demo().unwrap_or_else(|e| panic!("{e}"));
        let max = 10 * 1024 * 1024;
        let s = Store::new(&world, limits(10, max), 0);
        let mb = Bytes::from(vec![0u8; 1024 * 1024]);
        for i in 0..50 {
            let m = Media {
                owner: Owner::Corp(0),
                kind: MediaType::File,
                data: mb.clone(),
                filename: "f".into(),
                created_s: 0,
                seq: 0,
            };
            s.add_media(format!("m{i}"), m);
            s.add_image(format!("i{i}"), mb.clone());
        }
        assert!(
            s.media_budget.kept_bytes() <= max,
            "{}",
            s.media_budget.kept_bytes()
        );
        assert!(
            s.media.contains_key("m49") && s.images.contains_key("i49"),
            "the newest stay"
        );
        assert!(
            !s.media.contains_key("m0") && !s.images.contains_key("i0"),
            "the oldest go"
        );
        let held: usize = s.media.iter().map(|m| m.cost_bytes()).sum::<usize>()
            + s.images.iter().map(|i| i.cost_bytes()).sum::<usize>();
        assert_eq!(held, s.media_budget.kept_bytes());
    }
}
