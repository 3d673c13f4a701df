//! One module per question a report or screen asks. Each adds methods to [`super::Reader`]
//! and returns plain structs; nothing outside the store sees SQL.

pub mod sessions;
pub mod sync;
pub mod usage;
