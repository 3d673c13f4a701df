//! The console (docs/architecture.md, the console's loop): an Elm-style loop with one owner. Keys map to [`action::Action`]s
//! through the [`keymap`]; [`update::update`] turns messages into state changes and effects;
//! [`app`] runs effects (queries off the UI task, writes through the store) and draws
//! [`views`] — pure functions of view models, state and [`theme`] — only after a change.
//! This module talks to the store through `Reader` methods and change counters only.

pub mod action;
pub mod app;
pub mod clock;
pub mod command;
pub mod events;
pub mod export;
pub mod format;
pub mod harness;
pub mod input;
pub mod keymap;
pub mod load;
pub mod msg;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod views;
pub mod widgets;
