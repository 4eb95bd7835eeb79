# fuzz/: fuzz targets (libFuzzer with clang; replay drivers with gcc).
