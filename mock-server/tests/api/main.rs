//! Integration tests: the whole server on 127.0.0.1:0, driven over HTTP (and in-process where noted).

mod helpers;

mod appchat;
mod callbacks;
mod contacts;
mod contacts_edges;
mod continuity;
mod control;
mod directory;
mod directory_batch;
mod directory_reads;
mod directory_sync;
mod events;
mod flaky;
mod frequency;
mod group_config;
mod groupmsg;
mod groups;
mod kf;
mod kf_sessions;
mod media;
mod message;
mod official_codes;
mod onboarding;
mod props;
mod statistics;
mod tenancy;
mod token;
mod trusted_ips;
mod webhook;
mod xml_chars;
