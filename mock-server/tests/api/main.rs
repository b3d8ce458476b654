//! Integration tests: the whole server on 127.0.0.1:0, driven over HTTP (and in-process where noted).

mod helpers;

mod agents;
mod appchat;
mod callbacks;
mod cards;
mod contacts;
mod contacts_edges;
mod continuity;
mod control;
mod directory;
mod events;
mod flaky;
mod groupmsg;
mod groups;
mod kf;
mod kf_sessions;
mod kf_stats;
mod kf_upgrade;
mod links;
mod media;
mod message;
mod moments;
mod onboarding;
mod props;
mod tenancy;
mod token;
mod webhook;
