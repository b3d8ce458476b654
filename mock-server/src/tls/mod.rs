//! HTTPS as WeCom's hosts: the mock's own CA ([`ca`]), leaf certificates for the hosts it models made on demand
//! ([`leaves`]), for the proxy's `CONNECT` tunnels and the TLS listener.

pub mod ca;
pub mod leaves;

pub use ca::{Ca, CaError};
pub use leaves::Leaves;

#[cfg(test)]
mod tests;
