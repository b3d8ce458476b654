//! The mock's own wire — its event stream and control-API answers — shared by mock-server and loadgen; not
//! WeCom's. Nothing here is what WeCom sends: it is what the mock says about itself, under `/mock/`.

pub mod control;
pub mod events;
pub mod yaml;
