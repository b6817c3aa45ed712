//! The ready queue of apply: which operations may start now. Pure (no I/O, no clock), like
//! cargo's `DependencyQueue`.
//!
//! Each operation waits for the operations it depends on to *succeed*; one that fails releases
//! nothing, so what depends on it never becomes ready. Among the ready ones, [`ReadyQueue::next`]
//! hands out the first (in the order they became ready) whose group still has room, while fewer
//! than the global limit are running.
//!
//! # Guarantees
//! * An operation is handed out at most once, and only after every operation it depends on was
//!   reported done with success.
//! * Never more than `limit` operations running, nor more than `per_group` of one group.
//! * When every operation succeeds, every operation is handed out.

use std::collections::{BTreeMap, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Ready,
    Running,
    Succeeded,
    Failed,
}

pub struct ReadyQueue {
    /// Per operation, how many of its dependencies have not succeeded yet.
    waiting: Vec<usize>,
    /// Per operation, the operations that depend on it.
    dependents: Vec<Vec<usize>>,
    state: Vec<State>,
    group: Vec<usize>,
    running_in_group: Vec<usize>,
    ready: VecDeque<usize>,
    running: usize,
    limit: usize,
    per_group: usize,
}

impl ReadyQueue {
    /// `deps[i]`: what operation `i` waits for; `groups[i]`: its group (a service). Limits below
    /// 1 count as 1.
    pub fn new<G: Ord>(deps: &[Vec<usize>], groups: &[G], limit: usize, per_group: usize) -> ReadyQueue {
        let mut ids: BTreeMap<&G, usize> = BTreeMap::new();
        let group: Vec<usize> = groups
            .iter()
            .map(|g| {
                let next = ids.len();
                *ids.entry(g).or_insert(next)
            })
            .collect();
        let mut dependents = vec![Vec::new(); deps.len()];
        for (op, needs) in deps.iter().enumerate() {
            needs.iter().for_each(|&d| dependents[d].push(op));
        }
        let waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
        let ready = (0..deps.len()).filter(|&op| waiting[op] == 0).collect();
        let state = waiting.iter().map(|&w| if w == 0 { State::Ready } else { State::Waiting }).collect();
        ReadyQueue {
            waiting,
            dependents,
            state,
            running_in_group: vec![0; ids.len()],
            group,
            ready,
            running: 0,
            limit: limit.max(1),
            per_group: per_group.max(1),
        }
    }

    /// The next operation to start, now marked running; `None` when nothing may start now.
    pub fn next(&mut self) -> Option<usize> {
        if self.running >= self.limit {
            return None;
        }
        let pos = self.ready.iter().position(|&op| self.running_in_group[self.group[op]] < self.per_group)?;
        let op = self.ready.remove(pos)?;
        self.state[op] = State::Running;
        self.running += 1;
        self.running_in_group[self.group[op]] += 1;
        Some(op)
    }

    /// A running operation finished; on success, what waited only for it becomes ready.
    pub fn done(&mut self, op: usize, succeeded: bool) {
        debug_assert_eq!(self.state[op], State::Running, "operation {op} was not running");
        self.running -= 1;
        self.running_in_group[self.group[op]] -= 1;
        if !succeeded {
            self.state[op] = State::Failed;
            return;
        }
        self.state[op] = State::Succeeded;
        for i in 0..self.dependents[op].len() {
            let d = self.dependents[op][i];
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 {
                self.state[d] = State::Ready;
                self.ready.push_back(d);
            }
        }
    }

    /// Operations running now.
    #[cfg(test)]
    pub fn running(&self) -> usize {
        self.running
    }

    /// Whether `op` finished with success.
    pub fn succeeded(&self, op: usize) -> bool {
        self.state[op] == State::Succeeded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn dependents_start_after_their_dependencies_and_a_failure_releases_nothing() {
        // 0 → 1 → 2, and 3 independent.
        let mut q = ReadyQueue::new(&[vec![], vec![0], vec![1], vec![]], &["a", "a", "a", "b"], 10, 10);
        assert_eq!((q.next(), q.next(), q.next()), (Some(0), Some(3), None));
        q.done(0, true);
        assert_eq!(q.next(), Some(1));
        q.done(1, false);
        q.done(3, true);
        assert_eq!((q.next(), q.running()), (None, 0));
        assert!(q.succeeded(0) && !q.succeeded(1) && !q.succeeded(2) && q.succeeded(3));
    }

    #[test]
    fn a_full_group_lets_other_groups_through() {
        let mut q = ReadyQueue::new(&[vec![], vec![], vec![], vec![]], &["ec2", "ec2", "ec2", "s3"], 10, 2);
        assert_eq!((q.next(), q.next(), q.next(), q.next()), (Some(0), Some(1), Some(3), None));
        q.done(1, true);
        assert_eq!(q.next(), Some(2));
    }

    /// A random DAG (each operation depends on some earlier ones), groups, limits, outcomes.
    fn scenario() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<u8>, usize, usize, Vec<bool>)> {
        (1usize..30).prop_flat_map(|n| {
            let deps = (0..n)
                .map(|i| {
                    proptest::collection::vec(0..i.max(1), 0..3.min(i + 1))
                        .prop_map(move |d| if i == 0 { vec![] } else { d })
                })
                .collect::<Vec<_>>();
            (
                deps,
                proptest::collection::vec(0u8..3, n),
                1usize..5,
                1usize..4,
                proptest::collection::vec(proptest::bool::weighted(0.85), n),
            )
        })
    }

    proptest! {
        #[test]
        fn limits_and_order_hold_whatever_the_graph((deps, groups, limit, per_group, outcome) in scenario()) {
            let mut deps = deps;
            deps.iter_mut().for_each(|d| { d.sort(); d.dedup(); });
            let mut q = ReadyQueue::new(&deps, &groups, limit, per_group);
            let mut running: Vec<usize> = Vec::new();
            let mut launched = vec![false; deps.len()];
            let mut ok = vec![false; deps.len()];
            loop {
                while let Some(op) = q.next() {
                    prop_assert!(!launched[op], "handed out twice");
                    prop_assert!(deps[op].iter().all(|&d| ok[d]), "started before its dependencies succeeded");
                    launched[op] = true;
                    running.push(op);
                    prop_assert!(running.len() <= limit);
                    prop_assert!(running.iter().filter(|&&r| groups[r] == groups[op]).count() <= per_group);
                }
                let Some(op) = running.pop() else { break };
                ok[op] = outcome[op];
                q.done(op, outcome[op]);
            }
            // Everything whose dependencies all succeeded was started.
            for op in 0..deps.len() {
                prop_assert_eq!(launched[op], deps[op].iter().all(|&d| ok[d]), "operation {}", op);
                prop_assert_eq!(q.succeeded(op), ok[op]);
            }
        }
    }
}
