//! loadgen: replays scenario files against the mock WeCom server (and the bot behind it) and records latency in
//! HdrHistogram.
//!
//! [`scenario::load`] turns a file into a checked plan; [`run::execute`] brings up the target, executes the plan's
//! phases and returns the report. The binary is glue over these.

pub mod events;
pub mod executor;
pub mod http;
pub mod progress;
pub mod recorder;
pub mod report;
pub mod run;
pub mod scenario;
pub mod select;
pub mod shard;
pub mod target;
pub mod template;
