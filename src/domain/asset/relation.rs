//! Relations between assets, and the rule that keeps the graph of the
//! relations that mean "needs" free of cycles.
//!
//! Every relation reads "`from` needs `to`": an application runs on a
//! server, a server is connected to a switch, an application depends on
//! the data centre, software is licensed by a licence. A cycle among
//! `runs_on`, `depends_on` and `licensed_by` would say a thing needs
//! itself; `connected_to` may form rings (a redundant network does).

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

use crate::domain::text_enum::text_enum;

text_enum! {
    /// How one asset needs another.
    RelationKind {
        RunsOn => "runs_on",
        ConnectedTo => "connected_to",
        DependsOn => "depends_on",
        LicensedBy => "licensed_by",
    }
}

impl RelationKind {
    /// Whether relations of this kind must not form a cycle (with the
    /// other acyclic kinds).
    pub fn acyclic(self) -> bool {
        match self {
            RelationKind::RunsOn | RelationKind::DependsOn | RelationKind::LicensedBy => true,
            // Network links form rings on purpose (redundant uplinks).
            RelationKind::ConnectedTo => false,
        }
    }
}

/// Whether adding `from → to` to the graph `needs` (each node to what it
/// needs) would close a cycle: the path `to → … → from` that already
/// exists (just `[from]` for a relation of an asset to itself), or `None`.
pub fn closing_path<N>(needs: &HashMap<N, Vec<N>>, from: N, to: N) -> Option<Vec<N>>
where
    N: Copy + Eq + Hash,
{
    if from == to {
        return Some(vec![from]);
    }
    let mut came_from: HashMap<N, N> = HashMap::new();
    let mut seen: HashSet<N> = HashSet::from([to]);
    let mut queue = VecDeque::from([to]);
    while let Some(node) = queue.pop_front() {
        for next in needs.get(&node).into_iter().flatten().copied() {
            if !seen.insert(next) {
                continue;
            }
            came_from.insert(next, node);
            if next == from {
                let mut path = vec![from];
                let mut at = from;
                while let Some(previous) = came_from.get(&at).copied() {
                    path.push(previous);
                    at = previous;
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(next);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn graph(edges: &[(u8, u8)]) -> HashMap<u8, Vec<u8>> {
        let mut needs: HashMap<u8, Vec<u8>> = HashMap::new();
        for (from, to) in edges {
            needs.entry(*from).or_default().push(*to);
        }
        needs
    }

    /// Kahn's algorithm: a graph is acyclic when every node can be removed
    /// once nothing points at it.
    fn acyclic(needs: &HashMap<u8, Vec<u8>>) -> bool {
        let mut indegree: HashMap<u8, usize> = HashMap::new();
        for (from, tos) in needs {
            indegree.entry(*from).or_default();
            for to in tos {
                *indegree.entry(*to).or_default() += 1;
            }
        }
        let mut ready: Vec<u8> = indegree.iter().filter(|(_, d)| **d == 0).map(|(n, _)| *n).collect();
        let mut removed = 0;
        while let Some(node) = ready.pop() {
            removed += 1;
            for to in needs.get(&node).into_iter().flatten() {
                let d = indegree.entry(*to).or_default();
                *d -= 1;
                if *d == 0 {
                    ready.push(*to);
                }
            }
        }
        removed == indegree.len()
    }

    #[test]
    fn a_relation_that_closes_a_loop_is_found_with_the_loop() {
        let needs = graph(&[(1, 2), (2, 3)]);
        assert_eq!(closing_path(&needs, 3, 1), Some(vec![1, 2, 3]));
        assert_eq!(closing_path(&needs, 1, 3), None, "a shortcut is no cycle");
        assert_eq!(closing_path(&needs, 4, 4), Some(vec![4]));
        assert!(RelationKind::DependsOn.acyclic() && !RelationKind::ConnectedTo.acyclic());
    }

    proptest! {
        /// Whatever relations are offered, those the check lets in leave
        /// the graph acyclic, and each refusal names a real path back.
        #[test]
        fn the_check_keeps_every_graph_acyclic(offered in proptest::collection::vec((0u8..10, 0u8..10), 0..60)) {
            let mut needs: HashMap<u8, Vec<u8>> = HashMap::new();
            for (from, to) in offered {
                match closing_path(&needs, from, to) {
                    None => needs.entry(from).or_default().push(to),
                    Some(path) => {
                        prop_assert_eq!(path.first().copied(), Some(to));
                        prop_assert_eq!(path.last().copied(), Some(from));
                        for step in path.windows(2) {
                            prop_assert!(needs.get(&step[0]).is_some_and(|n| n.contains(&step[1])));
                        }
                    }
                }
                prop_assert!(acyclic(&needs));
            }
        }
    }
}
