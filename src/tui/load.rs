//! Runs a view query on a reader and builds the view model: called off the UI task (in
//! `spawn_blocking`) by the app, and directly by tests and benches. A detail pane loads its
//! parent screen and takes the row it names.

use super::msg::QueryRequest;
use super::state::ScreenKind;
use super::views::detail::{DetailModel, When};
use super::views::{self, Model};
use crate::store::{Reader, Result};
use chrono_tz::Tz;

pub fn load(reader: &Reader, req: &QueryRequest, tz: Tz) -> Result<Model> {
    load_screen(reader, &req.screen, req, tz)
}

fn load_screen(reader: &Reader, screen: &ScreenKind, req: &QueryRequest, tz: Tz) -> Result<Model> {
    let now = req.now_ms;
    let period = req.period;
    Ok(match screen {
        ScreenKind::Overview => Model::Overview(views::overview::load(reader, period, now, tz)?),
        ScreenKind::Live => Model::Live(views::live::load(reader, now)?),
        ScreenKind::Session { id } => {
            Model::Timeline(views::timeline::load(reader, &[*id], now, tz)?)
        }
        ScreenKind::WorkSession { ids } => {
            Model::Timeline(views::timeline::load(reader, ids, now, tz)?)
        }
        ScreenKind::Costs { path } => Model::Costs(views::costs::load(
            reader, path, req.group, period, req.billed, now, tz,
        )?),
        ScreenKind::Adoption => Model::Adoption(views::adoption::load(reader, period, now, tz)?),
        ScreenKind::Quality => Model::Quality(views::quality::load(reader, period, now, tz)?),
        ScreenKind::Replay => Model::Replay(views::replay::load(reader, period, now, tz)?),
        ScreenKind::Alerts => Model::Alerts(views::alerts::load(reader, now)?),
        ScreenKind::Sources => Model::Sources(views::sources::load(reader, now)?),
        ScreenKind::Detail { parent, key } => {
            let model = load_screen(reader, parent, req, tz)?;
            let when = When { now_ms: now, tz };
            Model::Detail(
                model
                    .find(key)
                    .and_then(|i| model.detail(i, when))
                    .unwrap_or_else(|| DetailModel::gone(key)),
            )
        }
    })
}
