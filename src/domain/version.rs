//! Conditional writes on versioned resources: the `If-Match` rules of
//! RFC 9110 §13.1.1, and what a write that lost a race answers.
//!
//! Every versioned resource is served with the strong entity-tag
//! `"<version>"` ([`opaque_tag`]). A write carries a [`Precondition`]; the
//! store checks it against the version it read ([`Precondition::check`]) and
//! asks [`Precondition::lost_race`] what to answer when the row's version
//! moved between that read and its conditional `UPDATE`.

/// The opaque part of the entity-tag of a resource at `version` (`3` for
/// the tag `"3"`); the edge quotes it, [`Precondition::admits`] compares it.
pub fn opaque_tag(version: i64) -> String {
    version.to_string()
}

/// An entity-tag as a client sent it in `If-Match`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag {
    weak: bool,
    opaque: String,
}

impl EntityTag {
    /// A strong tag, `"opaque"`.
    pub fn strong(opaque: impl Into<String>) -> Self {
        Self { weak: false, opaque: opaque.into() }
    }

    /// A weak tag, `W/"opaque"`.
    pub fn weak(opaque: impl Into<String>) -> Self {
        Self { weak: true, opaque: opaque.into() }
    }

    /// Strong comparison (RFC 9110 §8.8.3.2) with our tag for `version`: both
    /// strong and the opaque tags equal character by character, so `W/"3"`,
    /// `"03"` and `"abc"` never match.
    fn matches(&self, version: i64) -> bool {
        !self.weak && self.opaque == opaque_tag(version)
    }
}

/// What a write asks of the version it replaces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// No `If-Match`: the write applies to whatever version the store reads.
    #[default]
    None,
    /// `If-Match: *`: any current representation will do.
    Any,
    /// `If-Match: "3", "4"`: the current version must match one of these.
    OneOf(Vec<EntityTag>),
}

/// Why a versioned write was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionConflict {
    /// The client's `If-Match` names no current version (412).
    Stale,
    /// Another write changed the row between the read and the write, and
    /// the client had named no version that could now be stale (409).
    Concurrent,
}

impl Precondition {
    /// Whether the precondition holds for a resource at `current_version`.
    pub fn admits(&self, current_version: i64) -> bool {
        match self {
            Precondition::None | Precondition::Any => true,
            Precondition::OneOf(tags) => tags.iter().any(|tag| tag.matches(current_version)),
        }
    }

    /// The check against the version just read: stale when not admitted.
    pub fn check(&self, read_version: i64) -> Result<(), VersionConflict> {
        if self.admits(read_version) {
            Ok(())
        } else {
            Err(VersionConflict::Stale)
        }
    }

    /// What a write that passed [`Self::check`] answers when its
    /// conditional `UPDATE … WHERE version = read` found the version moved.
    ///
    /// Named tags admitted the version read, which is no longer current:
    /// stale (a list naming a version not yet written is not worth a re-read).
    /// Without `If-Match` the client asked nothing of the version, and `*`
    /// only that the resource exists, which it still does: both are a
    /// conflict with a concurrent write, to read again and retry.
    pub fn lost_race(&self) -> VersionConflict {
        match self {
            Precondition::OneOf(_) => VersionConflict::Stale,
            Precondition::None | Precondition::Any => VersionConflict::Concurrent,
        }
    }
}

/// Whether one field of a partial update leaves the stored value as it is:
/// not given, or given with the value already stored. A write whose every
/// field does so is a no-op: no new version, no journal entry.
pub fn keeps<T: PartialEq>(given: Option<T>, stored: T) -> bool {
    given.is_none_or(|value| value == stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_of(tags: &[EntityTag]) -> Precondition {
        Precondition::OneOf(tags.to_vec())
    }

    #[test]
    fn without_if_match_any_version_is_admitted() {
        assert!(Precondition::None.admits(1));
        assert!(Precondition::None.admits(42));
    }

    #[test]
    fn a_star_admits_any_existing_version() {
        assert!(Precondition::Any.admits(1));
        assert!(Precondition::Any.admits(9000));
    }

    #[test]
    fn a_strong_tag_admits_exactly_its_version() {
        let three = one_of(&[EntityTag::strong("3")]);
        assert!(three.admits(3));
        assert!(!three.admits(2));
        assert!(!three.admits(4));
    }

    #[test]
    fn a_weak_tag_never_matches_even_with_the_current_version() {
        assert!(!one_of(&[EntityTag::weak("3")]).admits(3));
    }

    #[test]
    fn a_tag_that_is_not_one_of_ours_never_matches() {
        for foreign in ["03", "+3", "3.0", " 3", "abc", ""] {
            assert!(!one_of(&[EntityTag::strong(foreign)]).admits(3), "{foreign:?}");
        }
    }

    #[test]
    fn any_tag_of_a_list_may_match() {
        let list = one_of(&[EntityTag::strong("7"), EntityTag::weak("2"), EntityTag::strong("1")]);
        assert!(list.admits(1));
        assert!(list.admits(7));
        assert!(!list.admits(2), "the weak member does not count");
        assert!(!list.admits(3));
    }

    #[test]
    fn an_empty_list_admits_nothing() {
        assert!(!one_of(&[]).admits(1));
    }

    #[test]
    fn a_stale_if_match_is_refused_as_stale() {
        assert_eq!(one_of(&[EntityTag::strong("1")]).check(2), Err(VersionConflict::Stale));
        assert_eq!(one_of(&[EntityTag::weak("2")]).check(2), Err(VersionConflict::Stale));
        assert_eq!(one_of(&[EntityTag::strong("2")]).check(2), Ok(()));
        assert_eq!(Precondition::None.check(2), Ok(()));
        assert_eq!(Precondition::Any.check(2), Ok(()));
    }

    #[test]
    fn a_lost_race_without_if_match_is_a_conflict_and_with_named_tags_is_stale() {
        assert_eq!(Precondition::None.lost_race(), VersionConflict::Concurrent);
        assert_eq!(Precondition::Any.lost_race(), VersionConflict::Concurrent);
        assert_eq!(one_of(&[EntityTag::strong("1")]).lost_race(), VersionConflict::Stale);
    }

    #[test]
    fn our_tags_are_the_version_in_decimal() {
        assert_eq!(opaque_tag(1), "1");
        assert_eq!(opaque_tag(1234), "1234");
    }

    #[test]
    fn a_field_is_kept_when_left_out_or_given_as_stored() {
        assert!(keeps(None, "Bappeda"));
        assert!(keeps(Some("Bappeda"), "Bappeda"));
        assert!(!keeps(Some("Dinkes"), "Bappeda"));
        assert!(keeps(Some(None::<u8>), None));
        assert!(!keeps(Some(Some(1)), None));
    }
}
