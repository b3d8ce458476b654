//! Which shard of a run this process is: `--shard i/N`, or `--shards N` with the index read from an environment
//! variable (`--shard-index-env JOB_COMPLETION_INDEX`), so every job of an orchestrator's indexed job runs the
//! same command line, with no shell to build `i/N` in a manifest.

use std::ffi::OsString;

use crate::run::Options;

/// `--shard i/N`.
pub fn parse(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{s:?}: expected i/n with 0 <= i < n, e.g. 0/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
    if i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// (i, N) as the report and its overrides write it: `i/N`.
pub fn text((i, n): (u64, u64)) -> String {
    format!("{i}/{n}")
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ShardError {
    #[error("--shard-index-env {var}: {var} is not set (a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX; elsewhere give --shard i/N)")]
    Unset { var: String },
    #[error("--shard-index-env {var}: {var}={value:?} is not a shard index, a whole number from 0 to {last} (--shards {n})", last = n.saturating_sub(1))]
    NotAnIndex { var: String, value: String, n: u64 },
    #[error("--shard-index-env {var}: {var}={index} is out of range for --shards {n} (0 to {last})", last = n.saturating_sub(1))]
    OutOfRange { var: String, index: u64, n: u64 },
}

/// Shard (i, `n`) where i is the value of `var`, as `lookup` finds it.
pub fn from_env(
    n: u64,
    var: &str,
    lookup: impl Fn(&str) -> Option<OsString>,
) -> Result<(u64, u64), ShardError> {
    let value = lookup(var).ok_or_else(|| ShardError::Unset { var: var.into() })?;
    let value = value.to_string_lossy();
    let index: u64 = value.trim().parse().map_err(|_| ShardError::NotAnIndex {
        var: var.into(),
        value: value.clone().into_owned(),
        n,
    })?;
    if index >= n {
        return Err(ShardError::OutOfRange {
            var: var.into(),
            index,
            n,
        });
    }
    Ok((index, n))
}

impl Options {
    /// With `--shards N --shard-index-env VAR`, reads VAR from the process's environment into `shard`: call it
    /// before [`crate::run::execute`], which knows only `shard` (the binary does, at start).
    pub fn resolve_shard(&mut self) -> Result<(), ShardError> {
        self.resolve_shard_with(|v| std::env::var_os(v))
    }

    /// [`Options::resolve_shard`] with the environment given.
    pub fn resolve_shard_with(
        &mut self,
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Result<(), ShardError> {
        if let (Some(n), Some(var)) = (self.shards, &self.shard_index_env) {
            self.shard = Some(from_env(n, var, lookup)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        opts: Options,
    }

    fn cli(args: &[&str]) -> Result<Options, clap::Error> {
        Cli::try_parse_from(std::iter::once("loadgen").chain(args.iter().copied())).map(|c| c.opts)
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |var| pairs.iter().find(|(k, _)| k == var).map(|(_, v)| v.into())
    }

    #[test]
    fn shards_and_the_index_variable_come_together() {
        let o = cli(&["--shards", "4", "--shard-index-env", "JOB_COMPLETION_INDEX"]).unwrap();
        assert_eq!(
            (o.shards, o.shard_index_env.as_deref(), o.shard),
            (Some(4), Some("JOB_COMPLETION_INDEX"), None)
        );
        for alone in [&["--shards", "4"][..], &["--shard-index-env", "X"]] {
            let e = cli(alone).err().unwrap();
            assert_eq!(e.kind(), clap::error::ErrorKind::MissingRequiredArgument);
        }
        let e = cli(&["--shard", "0/4", "--shards", "4", "--shard-index-env", "X"])
            .err()
            .unwrap();
        assert_eq!(e.kind(), clap::error::ErrorKind::ArgumentConflict);
        assert!(cli(&["--shards", "0", "--shard-index-env", "X"]).is_err());
        assert_eq!(cli(&["--shard", "1/4"]).unwrap().shard, Some((1, 4)));
        assert!(cli(&["--shard", "4/4"]).is_err());
    }

    #[test]
    fn the_index_is_read_from_the_variable() {
        let mut o = cli(&["--shards", "3", "--shard-index-env", "JOB_COMPLETION_INDEX"]).unwrap();
        o.resolve_shard_with(env(&[("JOB_COMPLETION_INDEX", "2")]))
            .unwrap();
        assert_eq!(o.shard, Some((2, 3)));
        // Without the two flags nothing is read.
        let mut whole = cli(&[]).unwrap();
        whole
            .resolve_shard_with(env(&[("JOB_COMPLETION_INDEX", "2")]))
            .unwrap();
        assert_eq!(whole.shard, None);
    }

    #[test]
    fn a_missing_bad_or_out_of_range_index_is_refused_by_name() {
        let var = "JOB_COMPLETION_INDEX";
        let e = from_env(3, var, env(&[])).unwrap_err();
        assert_eq!(e, ShardError::Unset { var: var.into() });
        assert!(
            e.to_string().contains("JOB_COMPLETION_INDEX is not set"),
            "{e}"
        );
        for bad in ["", "one", "-1", "1.0"] {
            let e = from_env(3, var, env(&[(var, bad)])).unwrap_err();
            assert!(matches!(e, ShardError::NotAnIndex { .. }), "{bad:?}: {e}");
            assert!(e.to_string().contains("from 0 to 2"), "{e}");
        }
        let e = from_env(3, var, env(&[(var, "3")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--shard-index-env JOB_COMPLETION_INDEX: JOB_COMPLETION_INDEX=3 is out of range for --shards 3 (0 to 2)"
        );
        assert_eq!(from_env(3, var, env(&[(var, "0")])), Ok((0, 3)));
    }
}
