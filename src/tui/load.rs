//! Runs a view query on a reader and builds the view model: called off the UI task (in
//! `spawn_blocking`) by the app, and directly by tests and benches.

use super::msg::QueryRequest;
use super::state::ScreenKind;
use super::views::{self, Model};
use crate::store::{Reader, Result};
use chrono_tz::Tz;

pub fn load(reader: &Reader, req: &QueryRequest, tz: Tz) -> Result<Model> {
    let now = req.now_ms;
    Ok(match &req.screen {
        ScreenKind::Overview => Model::Overview(views::overview::load(reader, now, tz)?),
        ScreenKind::Live => Model::Live(views::live::load(reader, now)?),
        ScreenKind::Session { id } => {
            Model::Timeline(views::timeline::load(reader, &[*id], now, tz)?)
        }
        ScreenKind::WorkSession { ids } => {
            Model::Timeline(views::timeline::load(reader, ids, now, tz)?)
        }
        ScreenKind::Costs { path } => Model::Costs(views::costs::load(
            reader, path, req.group, req.period, now, tz,
        )?),
        ScreenKind::Adoption => Model::Adoption(views::adoption::load(reader, now, tz)?),
        ScreenKind::Quality => Model::Quality(views::quality::load(reader, now, tz)?),
        ScreenKind::Replay => Model::Replay(views::replay::load(reader, now, tz)?),
        ScreenKind::Alerts => Model::Alerts(views::alerts::load(reader, now)?),
        ScreenKind::Sources => Model::Sources(views::sources::load(reader, now)?),
        ScreenKind::SourceDetail { source } => {
            Model::Sources(views::sources::load_detail(reader, now, source)?)
        }
    })
}
