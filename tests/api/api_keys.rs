//! Placeholder; a scenario module is being written here.
