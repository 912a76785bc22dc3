/// Options.
#[derive(clap::Args, Debug)]
pub struct Options {}
pub fn run(_o: &Options) -> anyhow::Result<()> {
    Ok(())
}
