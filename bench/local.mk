# bench/: benchmark programs and scripts.
