# tests/: integration tests and shared test helpers.
