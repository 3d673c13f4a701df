//! placeholder
pub fn run(
    _ctx: &crate::cli::context::Context,
    _args: &crate::cli::args::ReportArgs,
) -> anyhow::Result<()> {
    Ok(())
}
