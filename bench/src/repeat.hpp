// Preprocessor repetition: PB_REPEAT_<N>(X) expands X() N times, N in
// 1, 4, 16, 64, 256, 1024. Each expansion of a static branch is its own site,
// exactly like the kernel's inlined copies.
#pragma once

#define PB_REPEAT_1(X) X()
#define PB_REPEAT_4(X) X() X() X() X()
#define PB_REPEAT_16(X) PB_REPEAT_4(X) PB_REPEAT_4(X) PB_REPEAT_4(X) PB_REPEAT_4(X)
#define PB_REPEAT_64(X) PB_REPEAT_16(X) PB_REPEAT_16(X) PB_REPEAT_16(X) PB_REPEAT_16(X)
#define PB_REPEAT_256(X) PB_REPEAT_64(X) PB_REPEAT_64(X) PB_REPEAT_64(X) PB_REPEAT_64(X)
#define PB_REPEAT_1024(X) PB_REPEAT_256(X) PB_REPEAT_256(X) PB_REPEAT_256(X) PB_REPEAT_256(X)
