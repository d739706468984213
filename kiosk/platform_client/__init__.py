"""HTTP client of the central-platform API (requests): signing, timeouts, error translation."""
