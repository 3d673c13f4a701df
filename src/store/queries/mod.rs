//! One module per question a report or screen asks. Each adds methods to [`super::Reader`]
//! and returns plain structs; nothing outside the store sees SQL.

pub mod alerts_admin;
pub mod sessions;
pub mod source_status;
pub mod sync;
pub mod usage;
pub mod view_adoption;
pub mod view_costs;
pub mod view_live;
pub mod view_overview;
pub mod view_quality;
