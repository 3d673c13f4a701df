//! The alert engine: rules from config over the built-ins (`config`), one evaluation that
//! moves every (rule, subject) through its lifecycle (`engine`), webhook delivery with
//! retries and a dead-letter record (`webhook`), and the background task that evaluates
//! when collected data changes (`task`). Depends on domain, store and the shared HTTP client.

pub mod config;
pub mod engine;
pub mod sync;
pub mod task;
pub mod webhook;
pub mod wire;

pub use engine::{Engine, Evaluation, Inputs, Target};
pub use webhook::{DeliveryReport, Format, RetryPolicy, Webhook};
