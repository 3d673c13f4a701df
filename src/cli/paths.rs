//! Where files live by default (XDG): the store, the config, logs, imported prices.

use etcetera::BaseStrategy;
use std::path::PathBuf;

pub struct Paths {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
}

impl Paths {
    pub fn discover() -> Paths {
        match etcetera::choose_base_strategy() {
            Ok(base) => Paths {
                data_dir: base.data_dir().join("agentdeck"),
                config_dir: base.config_dir().join("agentdeck"),
                state_dir: base
                    .state_dir()
                    .unwrap_or_else(|| base.data_dir())
                    .join("agentdeck"),
            },
            Err(_) => {
                let fallback = std::env::temp_dir().join("agentdeck");
                Paths {
                    data_dir: fallback.clone(),
                    config_dir: fallback.clone(),
                    state_dir: fallback,
                }
            }
        }
    }

    pub fn default_db(&self) -> PathBuf {
        self.data_dir.join("agentdeck.db")
    }

    pub fn default_config(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
}
