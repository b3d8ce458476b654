//! An iteration's variables, looked up as templates ask for them.

use serde_json::Value;

use super::rng;
use crate::executor::Ctx;
use crate::scenario::plan::Pick;
use crate::template::Lookup;

/// An iteration's variables, found when a template asks: captures (the latest first), the built-ins, the data
/// pools (each picked by iteration number and seed), the scenario's `vars`. Nothing is built or cloned up front.
pub(super) struct Vars<'a> {
    ctx: &'a Ctx,
    phase: usize,
    k: u64,
    iteration: Value,
    vu: Value,
    pub(super) captures: Vec<(String, Value)>,
}

impl Lookup for Vars<'_> {
    fn get(&self, name: &str) -> Option<&Value> {
        if let Some((_, v)) = self.captures.iter().rev().find(|(n, _)| n == name) {
            return Some(v);
        }
        match name {
            "iteration" => return Some(&self.iteration),
            "vu" => return Some(&self.vu),
            "phase" => return self.ctx.phase_names.get(self.phase),
            _ => {}
        }
        let plan = &self.ctx.plan;
        if let Some(j) = plan.pools.iter().position(|p| p.name == name) {
            let (pool, values) = (&plan.pools[j], &self.ctx.target.pools[j]);
            let i = match pool.pick {
                Pick::Sequential => (self.k as usize).wrapping_add(pool.offset) % values.len(),
                // Each pool its own stream, so adding a pool changes no other pool's picks.
                Pick::Random => {
                    rng(plan.seed, self.phase, self.k, 100 + j as u64).usize(..values.len())
                }
            };
            return values.get(i);
        }
        plan.vars.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

impl<'a> Vars<'a> {
    pub(super) fn new(ctx: &'a Ctx, phase: usize, k: u64, vu: usize) -> Vars<'a> {
        Vars {
            ctx,
            phase,
            k,
            iteration: Value::from(k),
            vu: Value::from(vu),
            captures: Vec::new(),
        }
    }
}
