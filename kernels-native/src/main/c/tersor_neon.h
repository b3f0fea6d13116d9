/* Helpers of the NEON path (AArch64 Advanced SIMD). */
#ifndef TERSOR_NEON_H
#define TERSOR_NEON_H

#include <arm_neon.h>

#include "tersor_internal.h"

/* LD1/ST1 accept any address, so these serve unaligned arrays as well. */
TK_INLINE float32x4_t tk4_load(const void *base, int64_t i) {
    return vld1q_f32((const float *) ((const char *) base + 4 * i));
}

TK_INLINE void tk4_store(void *base, int64_t i, float32x4_t v) {
    vst1q_f32((float *) ((char *) base + 4 * i), v);
}

/* x[col_idx[p .. p + 4)]: NEON has no gather, so four lane loads. */
TK_INLINE float32x4_t tk4_gather(const void *x, const void *idx, int32_t width, int64_t p) {
    float32x4_t v = vdupq_n_f32(tk_f32(x, tk_at(idx, width, p)));
    v = vsetq_lane_f32(tk_f32(x, tk_at(idx, width, p + 1)), v, 1);
    v = vsetq_lane_f32(tk_f32(x, tk_at(idx, width, p + 2)), v, 2);
    return vsetq_lane_f32(tk_f32(x, tk_at(idx, width, p + 3)), v, 3);
}

/* The sum of x[0 .. n), the implicit value's ω0·Σx term of the NEON path (see tk_sum_portable). */
static inline float tk_sum_neon(const void *x, int64_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0);
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        s0 = vaddq_f32(s0, tk4_load(x, j));
        s1 = vaddq_f32(s1, tk4_load(x, j + 4));
    }
    float acc = vaddvq_f32(vaddq_f32(s0, s1));
    for (; j < n; j++) {
        acc += tk_f32(x, j);
    }
    return acc;
}

/*
 * The batched driver of the NEON kernels: batch columns in blocks of up to four whole vectors (16
 * columns), block(args…, b, nv) with b the block's first column, then the last total % 4 columns,
 * which no whole vector covers, through rest(args…, b, width): the portable block kernel, which
 * handles any width.
 */
#define TK_NEON_BATCHED(total, block, rest, ...)                                  \
    do {                                                                          \
        const int64_t tk_whole = (total) - (total) % 4;                           \
        for (int64_t tk_b = 0; tk_b < tk_whole; tk_b += 16) {                     \
            const int64_t tk_vectors = (tk_whole - tk_b) / 4;                     \
            block(__VA_ARGS__, tk_b, tk_vectors < 4 ? (int) tk_vectors : 4);      \
        }                                                                         \
        if (tk_whole < (total)) {                                                 \
            rest(__VA_ARGS__, tk_whole, (total) - tk_whole);                      \
        }                                                                         \
    } while (0)

#endif
