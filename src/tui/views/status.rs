//! The status bar's model: each source's health with its age, the age of the newest data,
//! and how many alerts are firing. Built off the UI task like every view model.

use crate::domain::alerts::AlertState;
use crate::store::Reader;
use crate::store::queries::source_status::SourceStatus;
use crate::tui::format;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceBadge {
    pub name: String,
    pub failing: bool,
    /// Time since the last success (or "never").
    pub age: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusModel {
    pub sources: Vec<SourceBadge>,
    pub data_age: String,
    pub firing: usize,
    /// Whether the store holds any agent activity (`None` until the first status query):
    /// empty tables say "no data at all" only when it does not.
    pub has_data: Option<bool>,
}

impl Default for StatusModel {
    fn default() -> Self {
        StatusModel {
            sources: Vec::new(),
            data_age: "–".into(),
            firing: 0,
            has_data: None,
        }
    }
}

pub fn badges(sources: &[SourceStatus], now_ms: i64) -> Vec<SourceBadge> {
    sources
        .iter()
        .map(|s| SourceBadge {
            name: s.source.clone(),
            failing: s.is_failing(),
            age: s
                .last_success
                .map(|t| format::duration(now_ms - t))
                .unwrap_or_else(|| "never".into()),
        })
        .collect()
}

pub fn load(reader: &Reader, now_ms: i64) -> crate::store::Result<StatusModel> {
    let sources = reader.source_status()?;
    let latest = reader.latest_activity_ms()?;
    let firing = reader.alerts(&[AlertState::Firing])?.len();
    Ok(StatusModel {
        sources: badges(&sources, now_ms),
        data_age: latest
            .map(|t| format!("{} old", format::duration(now_ms - t)))
            .unwrap_or_else(|| "none yet".into()),
        firing,
        has_data: Some(latest.is_some()),
    })
}
