//! Per-bucket statistics (filled in below).
