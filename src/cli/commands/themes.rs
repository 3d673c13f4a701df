//! `agentdeck themes list|show NAME|check FILE`: the built-in and user themes, one theme's
//! source, and a validity check that names file, line and column of any problem.

use crate::cli::args::ThemesCommand;
use crate::cli::context::Context;
use crate::tui::theme::{ThemeCatalog, ThemeSource, colours, is_ansi16};
use std::io::Write;

pub fn run(ctx: &Context, action: Option<&ThemesCommand>) -> anyhow::Result<()> {
    let catalog = ThemeCatalog::with_user_dir(&ctx.paths.config_dir.join("themes"));
    let mut out = std::io::stdout().lock();
    match action {
        None | Some(ThemesCommand::List) => {
            for (name, source) in catalog.names() {
                let (origin, description) = match catalog.load(&name) {
                    Ok(t) => (
                        match &source {
                            ThemeSource::Builtin => "built-in".to_string(),
                            ThemeSource::User(p) => p.display().to_string(),
                        },
                        t.description,
                    ),
                    Err(e) => ("broken".to_string(), e.to_string()),
                };
                let depth = match catalog.load(&name) {
                    Ok(t) if colours(&t).is_empty() => "no colour",
                    Ok(t) if colours(&t).into_iter().all(is_ansi16) => "16 colours",
                    Ok(_) => "truecolor",
                    Err(_) => "",
                };
                writeln!(out, "{name:<16} {depth:<11} {origin:<10} {description}")?;
            }
        }
        Some(ThemesCommand::Show { name }) => {
            let text = catalog.source_text(name).ok_or_else(|| {
                anyhow::anyhow!("no theme named `{name}` (agentdeck themes list)")
            })?;
            catalog.load(name)?;
            write!(out, "{text}")?;
        }
        Some(ThemesCommand::Check { file }) => {
            let theme = catalog.load_file(file)?;
            writeln!(
                out,
                "{}: ok (theme `{}`, {} colours)",
                file.display(),
                theme.name,
                colours(&theme).len()
            )?;
        }
    }
    Ok(())
}
