//! Which waiting jobs commit together: a batch takes jobs whose developers no batch in flight
//! touches, so concurrent transactions never wait on each other's per-developer locks; jobs of
//! busy developers wait and are merged into one larger batch once those are free. Jobs of one
//! developer commit in the order they arrived.

use std::collections::{HashSet, VecDeque};

/// Something with owners (developers) and a size in rows.
pub trait Owned {
    fn owners(&self) -> &HashSet<String>;
    fn rows(&self) -> usize;
}

/// Takes the next batch out of `pending` (in arrival order): jobs none of whose owners are
/// `busy`, skipping (and keeping) a job that touches a busy owner, and then every later job
/// sharing an owner with a skipped one, so a developer's jobs never overtake each other.
/// `None` when every waiting job touches a busy owner.
pub fn next_batch<J: Owned>(
    pending: &mut VecDeque<J>,
    busy: &HashSet<String>,
    max_rows: usize,
) -> Option<Vec<J>> {
    let mut blocked: HashSet<String> = busy.clone();
    let mut taken = Vec::new();
    let mut kept = VecDeque::with_capacity(pending.len());
    let mut rows = 0;
    while let Some(job) = pending.pop_front() {
        let free = job.owners().iter().all(|o| !blocked.contains(o));
        if free && (taken.is_empty() || rows + job.rows() <= max_rows) {
            rows += job.rows();
            taken.push(job);
        } else {
            blocked.extend(job.owners().iter().cloned());
            kept.push_back(job);
        }
    }
    *pending = kept;
    (!taken.is_empty()).then_some(taken)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct J(HashSet<String>, usize, &'static str);

    impl Owned for J {
        fn owners(&self) -> &HashSet<String> {
            &self.0
        }
        fn rows(&self) -> usize {
            self.1
        }
    }

    fn j(owners: &[&str], name: &'static str) -> J {
        J(owners.iter().map(|o| o.to_string()).collect(), 10, name)
    }

    fn names(batch: &[J]) -> Vec<&'static str> {
        batch.iter().map(|j| j.2).collect()
    }

    #[test]
    fn busy_developers_wait_and_their_jobs_keep_their_order() {
        let mut pending: VecDeque<J> = VecDeque::from(vec![
            j(&["ana", "bob"], "1"),
            j(&["ana"], "2"),
            j(&["cy"], "3"),
            j(&["bob"], "4"),
        ]);
        let busy: HashSet<String> = ["bob".to_string()].into();
        let first = next_batch(&mut pending, &busy, 100).unwrap();
        assert_eq!(
            names(&first),
            vec!["3"],
            "ana's job 2 may not overtake job 1"
        );
        let second = next_batch(&mut pending, &HashSet::new(), 100).unwrap();
        assert_eq!(names(&second), vec!["1", "2", "4"], "merged once free");
        assert!(pending.is_empty());
    }

    #[test]
    fn a_batch_stops_at_the_row_limit_but_always_takes_one_job() {
        let mut pending: VecDeque<J> =
            VecDeque::from(vec![j(&["a"], "1"), j(&["b"], "2"), j(&["c"], "3")]);
        let batch = next_batch(&mut pending, &HashSet::new(), 15).unwrap();
        assert_eq!(names(&batch), vec!["1"]);
        assert_eq!(pending.len(), 2);
        let all_busy: HashSet<String> = ["b", "c"].iter().map(|s| s.to_string()).collect();
        assert!(next_batch(&mut pending, &all_busy, 15).is_none());
    }
}
