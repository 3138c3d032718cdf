/* The libFuzzer entry point every target in tests/fuzz/ defines. The same source builds into a
 * libFuzzer binary (clang, -DFANTASY_FUZZ=ON) and into a replayer of its committed seed corpus
 * that ctest runs on every build (replay.c). */
#ifndef FANTASY_TESTS_FUZZ_H
#define FANTASY_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes this name.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise of the library: crash so both libFuzzer and ctest report the input. */
#define FUZZ_REQUIRE(cond)    \
    do {                      \
        if (!(cond)) {        \
            __builtin_trap(); \
        }                     \
    } while (0)

#endif
