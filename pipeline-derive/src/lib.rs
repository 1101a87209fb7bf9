//! Derive macros for pipeline constructs.
