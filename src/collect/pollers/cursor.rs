//! placeholder
use super::{ApiSpec, PollError, PollReport};
use crate::collect::http::Secret;
use crate::domain::UnixMillis;
use crate::store::Store;

pub async fn poll(
    _spec: &ApiSpec,
    _key: Secret,
    _store: &Store,
    _now: UnixMillis,
) -> Result<PollReport, PollError> {
    Ok(PollReport::default())
}
