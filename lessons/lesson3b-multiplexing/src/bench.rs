//! The benchmark: many idle connections against each model. (Being written.)

/// `lesson3b bench`'s options.
#[derive(Debug, clap::Args)]
pub struct Options {}

pub fn run(_options: Options) -> anyhow::Result<()> {
    anyhow::bail!("the benchmark is not written yet")
}
