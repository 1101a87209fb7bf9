//! Helpers for the integration and conformance tests.
