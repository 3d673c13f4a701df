//! Themes: every built-in parses, `default` stays within the 16 ANSI colours, `mono` has no
//! colour, roles fall back, `extends` inherits, user files shadow built-ins, and a broken
//! file is reported with file, line and column.

use agentdeck::tui::theme::{BUILTIN_THEMES, Theme, ThemeCatalog, colours, is_ansi16};
use ratatui::style::Modifier;

#[test]
fn every_builtin_theme_loads() {
    let c = ThemeCatalog::builtin();
    for (name, _) in BUILTIN_THEMES {
        let t = c.load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(t.name, name);
        assert!(!t.heatmap_ramp.is_empty());
    }
    let names: Vec<String> = c.names().into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names,
        ["default", "mono", "high-contrast", "dusk", "daylight"]
    );
}

#[test]
fn default_uses_only_ansi_colours_and_truecolor_themes_do_not() {
    let c = ThemeCatalog::builtin();
    assert!(
        colours(&c.load("default").unwrap())
            .into_iter()
            .all(is_ansi16)
    );
    assert!(
        colours(&c.load("high-contrast").unwrap())
            .into_iter()
            .all(is_ansi16)
    );
    assert!(!colours(&c.load("dusk").unwrap()).into_iter().all(is_ansi16));
    assert!(
        !colours(&c.load("daylight").unwrap())
            .into_iter()
            .all(is_ansi16)
    );
}

#[test]
fn mono_has_no_colour_and_matches_the_code_fallback() {
    let mono = ThemeCatalog::builtin().load("mono").unwrap();
    assert!(colours(&mono).is_empty());
    assert!(mono.selection.add_modifier.contains(Modifier::REVERSED));
    assert_eq!(mono.critical, Theme::mono().critical);
    let stripped = ThemeCatalog::builtin()
        .load("dusk")
        .unwrap()
        .without_colour();
    assert!(colours(&stripped).is_empty());
    assert!(
        stripped.title.add_modifier.contains(Modifier::BOLD),
        "stripping colour keeps bold"
    );
}

#[test]
fn roles_fall_back_and_extends_inherits() {
    let c = ThemeCatalog::builtin();
    // daylight sets no status_bar: it falls back to text.
    let d = c.load("daylight").unwrap();
    assert_eq!(d.status_bar, d.text);
    // high-contrast extends default and overrides the palette's accent.
    let hc = c.load("high-contrast").unwrap();
    let def = c.load("default").unwrap();
    assert_ne!(hc.title, def.title);
    assert_eq!(hc.key_hint.add_modifier, def.key_hint.add_modifier);
    let t = c
        .parse(
            "x.toml",
            "name = \"x\"\n[roles]\ntitle = { fg = \"red\" }\n",
        )
        .unwrap();
    assert_eq!(
        t.border_focused, t.title,
        "border_focused falls back to title"
    );
}

#[test]
fn broken_theme_names_file_line_and_column() {
    let c = ThemeCatalog::builtin();
    let e = c
        .parse(
            "/cfg/themes/bad.toml",
            "name = \"bad\"\n[roles]\ntitle = { fg = \"chartreuse-ish\" }\n",
        )
        .unwrap_err();
    assert_eq!(
        (e.file.as_str(), e.line),
        ("/cfg/themes/bad.toml", 3),
        "{e}"
    );
    assert!(e.column > 1);
    assert!(e.to_string().starts_with("/cfg/themes/bad.toml:3:"), "{e}");
    let e = c
        .parse("syntax.toml", "name = \"s\"\n[roles\n")
        .unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    let e = c
        .parse("role.toml", "[roles]\ntitel = \"red\"\n")
        .unwrap_err();
    assert!(e.message.contains("unknown role `titel`"), "{e}");
    assert_eq!(e.line, 2);
}

#[test]
fn user_themes_shadow_builtins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("default.toml"),
        "name = \"default\"\ndescription = \"mine\"\nextends = \"mono\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ocean.toml"), "name = \"ocean\"\n[palette]\nsea = \"#0077be\"\n[roles]\ntitle = { fg = \"sea\", bold = true }\n").unwrap();
    let c = ThemeCatalog::with_user_dir(dir.path());
    let t = c.load("default").unwrap();
    assert_eq!(t.description, "mine");
    assert!(colours(&t).is_empty(), "it extends mono");
    assert!(c.load("ocean").is_ok());
    assert_eq!(c.names().len(), 6);
}

fn context(args: &[&str]) -> agentdeck::cli::context::Context {
    use clap::Parser;
    let mut argv = vec!["agentdeck"];
    argv.extend_from_slice(args);
    let cli = agentdeck::cli::args::Cli::try_parse_from(argv).unwrap();
    agentdeck::cli::context::Context::new(cli.global).unwrap()
}

#[test]
fn color_never_selects_mono_and_strips_every_theme() {
    let ctx = context(&["--color", "never", "--tz", "UTC"]);
    let (themes, index, warnings) = agentdeck::cli::commands::console::resolve_themes(&ctx);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(themes[index].name, "mono");
    assert!(themes.iter().all(|t| colours(t).is_empty()));
}

#[test]
fn a_broken_theme_file_falls_back_to_default_with_a_located_warning() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"bad\"\n[roles]\ntitle = { fg = 12.5 }\n").unwrap();
    let ctx = context(&[
        "--color",
        "always",
        "--tz",
        "UTC",
        "--theme",
        bad.to_str().unwrap(),
    ]);
    let (themes, index, warnings) = agentdeck::cli::commands::console::resolve_themes(&ctx);
    assert_eq!(themes[index].name, "default");
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].contains(&format!("{}:3:", bad.display())),
        "{warnings:?}"
    );
}
