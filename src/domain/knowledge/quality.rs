//! How well a search answers labelled queries: recall at k (the share of
//! each query's relevant articles among its first k results, averaged) and
//! the mean reciprocal rank (1 / the rank of its first relevant result, 0
//! when none is found, averaged). The figures `docs/benchmarks.md` reports.

use std::collections::BTreeSet;

/// What a search returned for one query, against what answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub relevant: BTreeSet<String>,
    /// The results, best first.
    pub ranked: Vec<String>,
}

impl Judged {
    /// The share of the relevant articles among the first `k` results.
    pub fn recall_at(&self, k: usize) -> f64 {
        if self.relevant.is_empty() {
            return 0.0;
        }
        let found = self.ranked.iter().take(k).filter(|r| self.relevant.contains(*r)).count();
        found as f64 / self.relevant.len() as f64
    }

    /// 1 / the rank of the first relevant result; 0 when none is returned.
    pub fn reciprocal_rank(&self) -> f64 {
        self.ranked.iter().position(|r| self.relevant.contains(r)).map_or(0.0, |i| 1.0 / (i + 1) as f64)
    }
}

/// The figures of a labelled set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub queries: usize,
    pub recall_at_5: f64,
    pub mrr: f64,
}

/// Averages the judged queries.
pub fn figures(judged: &[Judged]) -> Figures {
    let n = judged.len().max(1) as f64;
    Figures {
        queries: judged.len(),
        recall_at_5: judged.iter().map(|j| j.recall_at(5)).sum::<f64>() / n,
        mrr: judged.iter().map(Judged::reciprocal_rank).sum::<f64>() / n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(relevant: &[&str], ranked: &[&str]) -> Judged {
        Judged {
            relevant: relevant.iter().map(|s| (*s).to_owned()).collect(),
            ranked: ranked.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn recall_counts_relevant_results_within_k() {
        assert_eq!(judged(&["a", "b"], &["x", "a", "y"]).recall_at(5), 0.5);
        assert_eq!(judged(&["a"], &["1", "2", "3", "4", "5", "a"]).recall_at(5), 0.0);
        assert_eq!(judged(&["a"], &[]).recall_at(5), 0.0);
    }

    #[test]
    fn the_reciprocal_rank_is_that_of_the_first_relevant_result() {
        assert_eq!(judged(&["a", "b"], &["x", "b", "a"]).reciprocal_rank(), 0.5);
        assert_eq!(judged(&["a"], &["x"]).reciprocal_rank(), 0.0);
    }

    #[test]
    fn figures_average_over_queries() {
        let f = figures(&[judged(&["a"], &["a"]), judged(&["b"], &["x", "y", "z", "b"])]);
        assert_eq!(f.queries, 2);
        assert_eq!(f.recall_at_5, 1.0);
        assert_eq!(f.mrr, (1.0 + 0.25) / 2.0);
    }
}
