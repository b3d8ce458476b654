//! The WeCom wire: request and response types, the errcode table, the `{errcode, errmsg}` envelope and the
//! validation rules that decide which errcode a request earns. No I/O, no async, no web framework: everything
//! that must look exactly like WeCom lives here, once, so the mock server and the load generator agree on it.

pub mod aibot;
pub mod appchat;
pub mod callback;
pub mod crypto;
pub mod directory;
pub mod envelope;
pub mod errcode;
pub mod externalcontact;
pub mod hosts;
pub mod kf;
pub mod lenient;
pub mod media;
pub mod menu;
pub mod message;
pub mod mock;
pub mod token;
pub mod webhook;

pub use envelope::{Envelope, Hint};
pub use errcode::{Errcode, WireError};
