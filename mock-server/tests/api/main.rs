//! Integration tests: the whole server on 127.0.0.1:0, driven over HTTP (and in-process where noted).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test may panic on what it does not expect"
)]
mod browser;
mod helpers;
mod raw;

mod agents;
mod aibot;
mod aibot_callback;
mod appchat;
mod binary;
mod callbacks;
mod cards;
mod conn_bodies;
mod conn_cap;
mod conn_timeouts;
mod console;
mod console_aibot;
mod contacts;
mod contacts_edges;
mod continuity;
mod control;
mod directory;
mod directory_batch;
mod directory_parties;
mod directory_reads;
mod directory_sync;
mod events;
mod frequency;
mod group_config;
mod groupmsg;
mod groups;
mod kf;
mod kf_sessions;
mod kf_stats;
mod kf_upgrade;
mod links;
mod long_runs;
mod media;
mod message;
mod moments;
mod official_codes;
mod onboarding;
mod passive_replies;
mod proxy;
mod readme;
mod statistics;
mod tenancy;
mod token;
mod trusted_ips;
mod webhook;
mod wire_detail;
mod xml_chars;
