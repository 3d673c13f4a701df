//! Console performance (design.md §7): one frame of each view at 200×60, and each view's
//! query + view-model build, on the demo organisation (45 days) at a fixed instant.
//! Run with `cargo bench --bench render`; numbers go in the README.

use agentdeck::tui::harness::Harness;
use agentdeck::tui::load;
use agentdeck::tui::msg::QueryRequest;
use agentdeck::tui::state::{CostGroup, Period, ScreenKind, ViewId};
use agentdeck::tui::views;
use chrono::TimeZone;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let now = chrono::Utc
        .with_ymd_and_hms(2026, 1, 15, 14, 30, 0)
        .unwrap();
    let (_dir, store) = agentdeck::demo::temp_store().expect("temp store");
    agentdeck::demo::build(&store, now, agentdeck::demo::DEFAULT_SEED).expect("demo build");
    let mut h = Harness::new(&store, now, chrono_tz::UTC, false).expect("harness");
    let Ok(mut term) = Terminal::new(TestBackend::new(200, 60));
    let mut frames = c.benchmark_group("frame_200x60");
    for view in ViewId::ALL {
        h.press(&view.number().to_string());
        h.resize(200, 60);
        frames.bench_function(view.name(), |b| {
            b.iter(|| {
                let _ =
                    term.draw(|f| views::draw(f, black_box(&h.state), &h.theme, &h.state.keymap));
            })
        });
    }
    frames.finish();
    let reader = store.reader().expect("reader");
    let mut queries = c.benchmark_group("query_and_model");
    for view in ViewId::ALL {
        let req = QueryRequest {
            screen: ScreenKind::root(view),
            period: Period::Month,
            group: CostGroup::Team,
            now_ms: now.timestamp_millis(),
        };
        queries.bench_function(view.name(), |b| {
            b.iter(|| load::load(&reader, black_box(&req), chrono_tz::UTC).map(|_| ()))
        });
    }
    queries.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
