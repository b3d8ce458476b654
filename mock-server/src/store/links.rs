//! Every link the mock hands out in WeCom's shape (kf contact links, contact-way QR codes, `uploadimg` pictures,
//! 获客助手 links), with what each one stands for, so the control API can resolve or "open" it. The links name
//! WeCom's hosts and are never fetched by the mock: this table is their only meaning here.

use dashmap::DashMap;

/// The host of WeCom's kf and acquisition links.
pub const WORK_HOST: &str = wecom_wire::hosts::WEB_ORIGIN;
/// The host of WeCom's pictures (uploadimg answers and QR codes come as `https://wework.qpic.cn/wwpic/…/0`).
pub const PIC_HOST: &str = wecom_wire::hosts::PICTURES_ORIGIN;

/// What a link stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// `kf/add_contact_way`: the account and the scene the link carries.
    Kf {
        corp: usize,
        open_kfid: String,
        scene: String,
    },
    /// The QR code of a contact way (`externalcontact/add_contact_way`).
    ContactWay { corp: usize, config_id: String },
    /// A `media/uploadimg` picture, served by the mock at `/wwpic/{id}`.
    Image { id: String },
    /// A 获客助手 link.
    Acquisition { corp: usize, link_id: String },
}

#[derive(Debug, Default)]
pub struct Links {
    /// The link as handed out, without its query string → what it is.
    by_url: DashMap<String, Link>,
}

/// A link without its query string and fragment, which is how it is keyed (callers may append `scene_param` or
/// `customer_channel`).
pub fn base(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    &url[..end]
}

impl Links {
    /// Records a link handed out (keyed without its query).
    pub fn add(&self, url: &str, link: Link) {
        self.by_url.insert(base(url).to_owned(), link);
    }

    pub fn resolve(&self, url: &str) -> Option<Link> {
        self.by_url.get(base(url.trim())).map(|l| l.clone())
    }

    /// A link stops standing for anything when what it names goes (a deleted way or acquisition link).
    pub fn remove_where(&self, f: impl Fn(&Link) -> bool) {
        self.by_url.retain(|_, l| !f(l));
    }

    /// Every link, sorted, for comparing two stores.
    pub fn snapshot(&self) -> Vec<(String, Link)> {
        let mut v: Vec<(String, Link)> = self
            .by_url
            .iter()
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_whatever_query_is_appended() {
        let l = Links::default();
        let url = format!("{WORK_HOST}/kfid/kfc0123?enc_scene=ENCabc");
        let kf = Link::Kf {
            corp: 0,
            open_kfid: "wk1".into(),
            scene: "s".into(),
        };
        l.add(&url, kf.clone());
        assert_eq!(l.resolve(&url), Some(kf.clone()));
        assert_eq!(l.resolve(&format!("{url}&scene_param=x")), Some(kf));
        assert_eq!(l.resolve(&format!("{WORK_HOST}/kfid/kfc9")), None);
        l.remove_where(|k| matches!(k, Link::Kf { .. }));
        assert!(l.snapshot().is_empty());
    }
}
