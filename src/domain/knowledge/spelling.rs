//! Near spellings: how many edits a word may be from an indexed term and
//! still stand for it (a search reads a misspelt word as its near terms).

/// The edits allowed for a word of this many letters: none below four
/// (too many short words are one edit apart), one up to seven, two above.
fn allowed_edits(letters: usize) -> usize {
    match letters {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Whether `candidate` is within the allowed edits of `written`.
pub fn is_near(written: &str, candidate: &str) -> bool {
    near_edits(written, candidate).is_some()
}

/// How many edits `candidate` is from `written`, when within the allowed.
pub(crate) fn near_edits(written: &str, candidate: &str) -> Option<usize> {
    let letters = written.chars().count();
    let allowed = allowed_edits(letters);
    // Lengths further apart than the edits allowed need no alignment.
    if allowed == 0 || candidate == written || candidate.chars().count().abs_diff(letters) > allowed {
        return None;
    }
    Some(edit_distance(written, candidate)).filter(|edits| *edits <= allowed)
}

/// Optimal string alignment distance: insertions, deletions,
/// substitutions and swaps of neighbours (`pasowrd`), one edit each.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_spellings_within_the_allowed_edits() {
        assert_eq!(edit_distance("pasowrd", "password"), 2);
        assert_eq!(edit_distance("pasword", "password"), 1);
        assert!(is_near("pasword", "password"));
        assert!(is_near("simpge", "simpeg"));
        assert!(!is_near("vpn", "vpm"), "short words are not corrected");
        assert!(!is_near("printer", "pointer2x"));
        assert_eq!(near_edits("printr", "printer"), Some(1));
        assert_eq!(near_edits("printr", "printers"), None, "lengths too far apart");
    }
}
