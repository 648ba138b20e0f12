//! The Conun data plane (work in progress).
