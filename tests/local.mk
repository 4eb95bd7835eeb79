# tests/: integration tests (real kernel, root; exit 77 = skipped) and the
# helpers they share. Unit tests are registered by each stage's fragment.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = bash
