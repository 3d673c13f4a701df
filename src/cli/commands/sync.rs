//! `agentdeck sync [--server URL] [--json]`: one pass of pulling the rows the token's role
//! may see from the team server into the local store, then a line (or JSON) saying what
//! arrived. `report` and the console use the same pass (see `collect::sources::team_server`).

use crate::cli::args::SyncArgs;
use crate::cli::context::Context;

pub fn run(ctx: &Context, args: &SyncArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        !ctx.global.offline,
        "--offline: agentdeck sync needs the network"
    );
    let Some(server) = ctx.team_server(args.server.as_deref())? else {
        anyhow::bail!(
            "no team server configured: add [server] url = \"https://…\" to {} or pass --server URL",
            ctx.config_path.display()
        );
    };
    let store = ctx.open_store()?;
    let got = server.sync_blocking(&store)?;
    if args.json {
        let doc = serde_json::json!({
            "server": server.url(),
            "pages": got.pages,
            "sessions": got.sessions,
            "requests": got.requests,
            "events": got.events,
            "requests_added": got.requests_added,
            "events_added": got.events_added,
        });
        println!("{doc}");
    } else {
        println!(
            "agentdeck sync: received {} sessions, {} requests, {} events from {} ({} new requests, {} new events)",
            got.sessions,
            got.requests,
            got.events,
            server.url(),
            got.requests_added,
            got.events_added
        );
    }
    Ok(())
}
