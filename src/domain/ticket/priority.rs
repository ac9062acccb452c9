//! Impact × urgency → priority, as a configurable matrix.

use serde::{Deserialize, Serialize};

use super::{Level, Priority};

/// Rows are impact (high, medium, low), columns urgency (high, medium, low).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityMatrix(pub [[Priority; 3]; 3]);

impl Default for PriorityMatrix {
    /// The common ITIL matrix.
    fn default() -> Self {
        use Priority::{Critical, High, Low, Medium};
        Self([[Critical, High, Medium], [High, Medium, Low], [Medium, Low, Low]])
    }
}

fn index(level: Level) -> usize {
    match level {
        Level::High => 0,
        Level::Medium => 1,
        Level::Low => 2,
    }
}

impl PriorityMatrix {
    pub fn priority(&self, impact: Level, urgency: Level) -> Priority {
        self.0[index(impact)][index(urgency)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_matrix_is_symmetric_and_ordered() {
        let matrix = PriorityMatrix::default();
        assert_eq!(matrix.priority(Level::High, Level::High), Priority::Critical);
        assert_eq!(matrix.priority(Level::High, Level::Low), Priority::Medium);
        assert_eq!(matrix.priority(Level::Low, Level::High), Priority::Medium);
        assert_eq!(matrix.priority(Level::Low, Level::Low), Priority::Low);
        for impact in Level::ALL {
            for urgency in Level::ALL {
                assert_eq!(matrix.priority(*impact, *urgency), matrix.priority(*urgency, *impact));
            }
        }
    }

    #[test]
    fn a_configured_matrix_is_used() {
        let matrix = PriorityMatrix([[Priority::Low; 3]; 3]);
        assert_eq!(matrix.priority(Level::High, Level::High), Priority::Low);
    }
}
