use agentdeck::domain::alerts::AlertState;
use chrono::{TimeZone, Utc};
#[test]
fn odd_clocks() {
    for (y, m, d, h, mi) in [(2026, 12, 1, 0, 5), (2027, 3, 6, 23, 59), (2026, 1, 1, 0, 0)] {
        let (_d, store) = agentdeck::demo::temp_store().unwrap();
        let now = Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap();
        let s = agentdeck::demo::build(&store, now, 42).unwrap();
        let alerts = store.reader().unwrap().alerts(&[]).unwrap();
        let states: Vec<_> = AlertState::ALL.iter().map(|st| alerts.iter().filter(|a| a.row.state == *st).count()).collect();
        let rules: std::collections::BTreeSet<_> = alerts.iter().map(|a| a.row.rule.clone()).collect();
        eprintln!("{now}: req {} cost {} alerts {states:?} {rules:?}", s.requests, s.cost_micro_usd / 1_000_000);
        let conn = rusqlite::Connection::open(store.path()).unwrap();
        let max: i64 = conn.query_row("SELECT max(ts) FROM requests", [], |r| r.get(0)).unwrap();
        let maxe: i64 = conn.query_row("SELECT max(ts) FROM events", [], |r| r.get(0)).unwrap();
        assert!(max < now.timestamp_millis() && maxe <= now.timestamp_millis(), "future rows");
    }
}
