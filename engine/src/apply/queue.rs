//! The ready queue of apply: which operations may start now. Pure (no I/O, no clock), like
//! cargo's `DependencyQueue`.
//!
//! Each operation waits for the operations it depends on to *succeed*; one that fails releases
//! nothing, so what depends on it never becomes ready. Among the ready ones, [`ReadyQueue::next`]
//! hands out the one with the highest priority (ties: the first to become ready) whose group
//! still has room, while fewer than the global limit are running.
//!
//! The priority of an operation is the length of the longest chain of operations from it to
//! the end of the plan, itself included (cargo's `DependencyQueue` does the same with its
//! "depth"): when a service is at its limit, or the run at `--parallel`, the operations on the
//! critical path go first and the leaves that nothing waits for last.
//!
//! Ready operations wait in one queue per group (throttling group: a service), and the heads of
//! the groups that have room are kept ordered by priority and by when they became ready: handing
//! one out or finishing one costs O(log n), however many operations are ready. (One shared queue
//! rescanned on every completion made `up` of 10,000 resources quadratic once `--parallel`
//! exceeded the per-service limit.)
//!
//! # Guarantees
//! * An operation is handed out at most once, and only after every operation it depends on was
//!   reported done with success.
//! * Never more than `limit` operations running, nor more than `per_group` of one group.
//! * When every operation succeeds, every operation is handed out.
//! * The order is that of a single list of ready operations sorted by priority (then by when
//!   they became ready) scanned front to back for the first whose group has room
//!   (property-tested against that model).
//!
//! # Assumptions
//! * `deps` has no cycle (`ops::build_ops` checks); operations on a cycle would get priority 1
//!   and, as before, never become ready.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Ready,
    Running,
    Succeeded,
    Failed,
}

/// Where a ready operation sorts: higher priority first, then the older ticket.
type Rank = (Reverse<usize>, u64);

pub struct ReadyQueue {
    /// Per operation, how many of its dependencies have not succeeded yet.
    waiting: Vec<usize>,
    /// Per operation, the operations that depend on it.
    dependents: Vec<Vec<usize>>,
    /// Per operation, the longest chain of operations from it to the end (itself included).
    priority: Vec<usize>,
    state: Vec<State>,
    group: Vec<usize>,
    running_in_group: Vec<usize>,
    /// Per group, its ready operations by rank.
    ready: Vec<BTreeSet<(Rank, usize)>>,
    /// `(rank, group)` of the head of every group that has ready operations and room.
    eligible: BTreeSet<(Rank, usize)>,
    /// The next ticket: the order in which operations became ready.
    tickets: u64,
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
        let mut queue = ReadyQueue {
            state: vec![State::Waiting; deps.len()],
            priority: longest_chains(deps, &dependents),
            waiting,
            dependents,
            running_in_group: vec![0; ids.len()],
            ready: vec![BTreeSet::new(); ids.len()],
            group,
            eligible: BTreeSet::new(),
            tickets: 0,
            running: 0,
            limit: limit.max(1),
            per_group: per_group.max(1),
        };
        for op in 0..deps.len() {
            if queue.waiting[op] == 0 {
                queue.make_ready(op);
            }
        }
        queue
    }

    /// The next operation to start, now marked running; `None` when nothing may start now.
    pub fn next(&mut self) -> Option<usize> {
        if self.running >= self.limit {
            return None;
        }
        let (_, g) = self.eligible.pop_first()?;
        let (_, op) = self.ready[g].pop_first()?;
        self.state[op] = State::Running;
        self.running += 1;
        self.running_in_group[g] += 1;
        self.offer_head(g);
        Some(op)
    }

    /// A running operation finished; on success, what waited only for it becomes ready.
    pub fn done(&mut self, op: usize, succeeded: bool) {
        debug_assert_eq!(self.state[op], State::Running, "operation {op} was not running");
        let g = self.group[op];
        self.running -= 1;
        self.running_in_group[g] -= 1;
        if self.running_in_group[g] + 1 == self.per_group {
            // The group had no room; its head may go again.
            self.offer_head(g);
        }
        if !succeeded {
            self.state[op] = State::Failed;
            return;
        }
        self.state[op] = State::Succeeded;
        for i in 0..self.dependents[op].len() {
            let d = self.dependents[op][i];
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 {
                self.make_ready(d);
            }
        }
    }

    fn make_ready(&mut self, op: usize) {
        let g = self.group[op];
        self.state[op] = State::Ready;
        let rank = (Reverse(self.priority[op]), self.tickets);
        self.tickets += 1;
        let old_head = self.ready[g].first().map(|&(r, _)| r);
        self.ready[g].insert((rank, op));
        if old_head.is_none_or(|head| rank < head) {
            // A new head: it replaces the old one among the eligible (when the group has room).
            if let Some(head) = old_head {
                self.eligible.remove(&(head, g));
            }
            self.offer_head(g);
        }
    }

    /// Makes group `g`'s first ready operation eligible when the group has room.
    fn offer_head(&mut self, g: usize) {
        if self.running_in_group[g] < self.per_group {
            if let Some(&(rank, _)) = self.ready[g].first() {
                self.eligible.insert((rank, g));
            }
        }
    }

    /// Operations running now.
    #[cfg(test)]
    pub fn running(&self) -> usize {
        self.running
    }

    /// The priority of `op`: the longest chain of operations from it to the end.
    #[cfg(test)]
    pub fn priority(&self, op: usize) -> usize {
        self.priority[op]
    }

    /// Whether `op` finished with success.
    pub fn succeeded(&self, op: usize) -> bool {
        self.state[op] == State::Succeeded
    }
}

/// Per operation, the number of operations on the longest chain from it through what depends on
/// it (itself included): 1 for an operation nothing waits for. Kahn's order from the leaves, so
/// O(operations + edges).
fn longest_chains(deps: &[Vec<usize>], dependents: &[Vec<usize>]) -> Vec<usize> {
    let mut chain = vec![1; deps.len()];
    let mut unsettled: Vec<usize> = dependents.iter().map(Vec::len).collect();
    let mut settled: Vec<usize> = (0..deps.len()).filter(|&op| unsettled[op] == 0).collect();
    while let Some(op) = settled.pop() {
        for &d in &deps[op] {
            chain[d] = chain[d].max(chain[op] + 1);
            unsettled[d] -= 1;
            if unsettled[d] == 0 {
                settled.push(d);
            }
        }
    }
    chain
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

    #[test]
    fn at_a_full_group_the_longest_chain_goes_first() {
        // Ready at once, all "ec2": two leaves (0, 1) and the head of a chain 2 → 3 → 4 (a VPC's
        // flow log and default ACL vs its security group, database, parameter). One ec2 call in
        // flight: the chain's head goes first although it became ready last.
        let deps = [vec![], vec![], vec![], vec![2], vec![3]];
        let mut q = ReadyQueue::new(&deps, &["ec2", "ec2", "ec2", "rds", "ssm"], 10, 1);
        assert_eq!((0..5).map(|op| q.priority(op)).collect::<Vec<_>>(), [1, 1, 3, 2, 1]);
        assert_eq!((q.next(), q.next()), (Some(2), None), "the group is full");
        q.done(2, true);
        // The chain's next step is another service: it starts beside the first leaf.
        assert_eq!((q.next(), q.next(), q.next()), (Some(3), Some(0), None));
        q.done(3, true);
        q.done(0, true);
        assert_eq!((q.next(), q.next(), q.next()), (Some(1), Some(4), None), "equal priorities: first ready first");
        // At the global limit the same holds across services.
        let deps = [vec![], vec![], vec![1]];
        let mut q = ReadyQueue::new(&deps, &["s3", "ec2", "rds"], 1, 8);
        assert_eq!((q.next(), q.next()), (Some(1), None));
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

    /// The model: one list of ready operations, sorted by priority (the longest chain to the
    /// end, computed by plain recursion) and then by when they became ready, scanned front to
    /// back for the first whose group has room.
    struct Model {
        waiting: Vec<usize>,
        dependents: Vec<Vec<usize>>,
        priority: Vec<usize>,
        groups: Vec<u8>,
        /// (priority, ticket, operation)
        ready: Vec<(usize, u64, usize)>,
        tickets: u64,
        running: Vec<usize>,
        limit: usize,
        per_group: usize,
    }

    fn chain(dependents: &[Vec<usize>], op: usize) -> usize {
        1 + dependents[op].iter().map(|&d| chain(dependents, d)).max().unwrap_or(0)
    }

    impl Model {
        fn new(deps: &[Vec<usize>], groups: &[u8], limit: usize, per_group: usize) -> Model {
            let mut dependents = vec![Vec::new(); deps.len()];
            for (op, needs) in deps.iter().enumerate() {
                needs.iter().for_each(|&d| dependents[d].push(op));
            }
            let priority = (0..deps.len()).map(|op| chain(&dependents, op)).collect();
            let waiting = deps.iter().map(Vec::len).collect();
            let mut model = Model {
                waiting,
                dependents,
                priority,
                groups: groups.to_vec(),
                ready: vec![],
                tickets: 0,
                running: vec![],
                limit,
                per_group,
            };
            (0..deps.len()).filter(|&op| deps[op].is_empty()).for_each(|op| model.make_ready(op));
            model
        }

        fn make_ready(&mut self, op: usize) {
            self.ready.push((self.priority[op], self.tickets, op));
            self.tickets += 1;
        }

        fn next(&mut self) -> Option<usize> {
            if self.running.len() >= self.limit {
                return None;
            }
            let room = |op: usize| {
                self.running.iter().filter(|&&r| self.groups[r] == self.groups[op]).count() < self.per_group
            };
            self.ready.sort_by_key(|&(priority, ticket, _)| (Reverse(priority), ticket));
            let pos = self.ready.iter().position(|&(_, _, op)| room(op))?;
            let (_, _, op) = self.ready.remove(pos);
            self.running.push(op);
            Some(op)
        }

        fn done(&mut self, op: usize, succeeded: bool) {
            self.running.retain(|&r| r != op);
            if succeeded {
                for i in 0..self.dependents[op].len() {
                    let d = self.dependents[op][i];
                    self.waiting[d] -= 1;
                    if self.waiting[d] == 0 {
                        self.make_ready(d);
                    }
                }
            }
        }
    }

    proptest! {
        /// Whatever the graph, the outcomes and the order in which running operations finish,
        /// the per-group queues hand out exactly what the single sorted list would, in order.
        #[test]
        fn per_group_queues_hand_out_what_one_scanned_queue_would(
            (deps, groups, limit, per_group, outcome) in scenario(),
            finish_order in proptest::collection::vec(0usize..8, 0..64),
        ) {
            let mut deps = deps;
            deps.iter_mut().for_each(|d| { d.sort(); d.dedup(); });
            let mut q = ReadyQueue::new(&deps, &groups, limit, per_group);
            let mut model = Model::new(&deps, &groups, limit, per_group);
            let mut running: Vec<usize> = Vec::new();
            let mut picks = finish_order.into_iter().cycle();
            loop {
                loop {
                    let (got, want) = (q.next(), model.next());
                    prop_assert_eq!(got, want);
                    match got {
                        Some(op) => running.push(op),
                        None => break,
                    }
                }
                if running.is_empty() {
                    break;
                }
                // Finish any running operation, not only the last one started.
                let op = running.remove(picks.next().unwrap_or(0) % running.len());
                q.done(op, outcome[op]);
                model.done(op, outcome[op]);
            }
        }

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
