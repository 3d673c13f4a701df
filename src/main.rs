//! Thin entry point: everything lives in the library (`agentdeck::cli`).

fn main() {
    std::process::exit(agentdeck::cli::run());
}
