//! What stops if an asset stops: every asset that needs it, directly or
//! through others, each with the shortest chain of relations that
//! explains why.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use super::relation::RelationKind;

/// One relation on an explaining path: `from` needs `to` as `relation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<N> {
    pub from: N,
    pub relation: RelationKind,
    pub to: N,
}

/// An asset that needs the root, and the path from it to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<N> {
    pub asset: N,
    /// From the hit to the root, one relation per step; the shortest such.
    pub path: Vec<Step<N>>,
}

/// The assets that need `root` through `needed_by` (each asset to those
/// that need it, and how), nearest first, at most `limit` of them; the
/// walk is breadth-first, so each hit's path is a shortest one, and each
/// asset is reached once however many rings the network has.
pub fn impact<N>(needed_by: &HashMap<N, Vec<(N, RelationKind)>>, root: N, limit: usize) -> Vec<Hit<N>>
where
    N: Copy + Eq + Hash,
{
    // Each reached asset keeps the step that reached it; paths are read
    // back from these.
    let mut reached_by: HashMap<N, Option<Step<N>>> = HashMap::from([(root, None)]);
    let mut order = Vec::new();
    let mut queue = VecDeque::from([root]);
    while let Some(node) = queue.pop_front() {
        for (dependent, relation) in needed_by.get(&node).into_iter().flatten().copied() {
            if reached_by.contains_key(&dependent) || order.len() >= limit {
                continue;
            }
            reached_by.insert(dependent, Some(Step { from: dependent, relation, to: node }));
            order.push(dependent);
            queue.push_back(dependent);
        }
    }
    order.into_iter().map(|asset| Hit { asset, path: path_of(&reached_by, asset) }).collect()
}

fn path_of<N: Copy + Eq + Hash>(reached_by: &HashMap<N, Option<Step<N>>>, asset: N) -> Vec<Step<N>> {
    let mut path = Vec::new();
    let mut at = asset;
    while let Some(Some(step)) = reached_by.get(&at) {
        path.push(*step);
        at = step.to;
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use RelationKind as R;

    fn needed_by(edges: &[(u8, RelationKind, u8)]) -> HashMap<u8, Vec<(u8, RelationKind)>> {
        let mut map: HashMap<u8, Vec<(u8, RelationKind)>> = HashMap::new();
        for (from, relation, to) in edges {
            map.entry(*to).or_default().push((*from, *relation));
        }
        map
    }

    #[test]
    fn everything_that_needs_the_root_is_found_with_its_shortest_path() {
        // 1 app runs on 2 server, connected to 3 switch; 4 app depends on 3 directly.
        let graph = needed_by(&[(1, R::RunsOn, 2), (2, R::ConnectedTo, 3), (4, R::DependsOn, 3), (5, R::RunsOn, 9)]);
        let hits = impact(&graph, 3, 100);
        let assets: Vec<u8> = hits.iter().map(|h| h.asset).collect();
        assert_eq!(assets, [2, 4, 1]);
        let app = &hits[2];
        assert_eq!(
            app.path,
            [Step { from: 1, relation: R::RunsOn, to: 2 }, Step { from: 2, relation: R::ConnectedTo, to: 3 }]
        );
        assert!(impact(&graph, 1, 100).is_empty(), "nothing needs the application");
    }

    #[test]
    fn rings_are_walked_once_and_the_walk_is_bounded() {
        let graph = needed_by(&[(1, R::ConnectedTo, 2), (2, R::ConnectedTo, 3), (3, R::ConnectedTo, 1)]);
        let hits = impact(&graph, 1, 100);
        assert_eq!(hits.iter().map(|h| h.asset).collect::<Vec<_>>(), [3, 2]);
        assert_eq!(impact(&graph, 1, 1).len(), 1);
    }
}
