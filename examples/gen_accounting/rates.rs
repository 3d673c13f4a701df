//! Published rates, $ per million tokens (input, output, 5m write, 1h write, cache read),
//! and the long-context tier: a request whose prompt (input + cache writes + cache reads)
//! is above the threshold pays the tier's rates for every token. Kept apart from
//! agentdeck's table on purpose: the oracle must not share the code it checks.

pub type Rates = (f64, f64, f64, f64, f64);

pub fn rates(model: &str) -> (Rates, Option<(i64, Rates)>) {
    match model {
        "gemini-2.5-pro" => (
            (1.25, 10.0, 0.0, 0.0, 0.125),
            Some((200_000, (2.5, 15.0, 0.0, 0.0, 0.25))),
        ),
        "gemini-3-pro-preview" => (
            (2.0, 12.0, 0.0, 0.0, 0.2),
            Some((200_000, (4.0, 18.0, 0.0, 0.0, 0.4))),
        ),
        "gemini-2.5-flash" => ((0.30, 2.50, 0.0, 0.0, 0.03), None),
        "claude-sonnet-4-5-20250929" => (
            (3.0, 15.0, 3.75, 6.0, 0.30),
            Some((200_000, (6.0, 22.5, 7.5, 12.0, 0.60))),
        ),
        "claude-opus-4-6" => ((5.0, 25.0, 6.25, 10.0, 0.50), None),
        "claude-haiku-4-5-20251001" => ((1.0, 5.0, 1.25, 2.0, 0.10), None),
        other => panic!("no rates for {other}"),
    }
}
