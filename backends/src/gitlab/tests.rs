//! Tests of the GitLab backend.
