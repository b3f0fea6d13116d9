/*
 * Helpers of the AVX2+FMA path. Each is compiled for that target only, so a source file may include
 * this and still keep its portable functions at the baseline ISA.
 */
#ifndef TERSOR_AVX2_H
#define TERSOR_AVX2_H

#include <immintrin.h>

#include "tersor_internal.h"

#define TK_AVX2_INLINE TK_AVX2 TK_INLINE

TK_AVX2_INLINE __m256 tk8_load(const void *base, int64_t i) {
    return _mm256_loadu_ps((const float *) ((const char *) base + 4 * i));
}

TK_AVX2_INLINE void tk8_store(void *base, int64_t i, __m256 v) {
    _mm256_storeu_ps((float *) ((char *) base + 4 * i), v);
}

/* Lanes [0, n) set, for 0 <= n <= 8. */
TK_AVX2_INLINE __m256i tk8_mask(int64_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int) n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Masked-off lanes read as 0 and never touch memory, so a partial vector may end at any address. */
TK_AVX2_INLINE __m256 tk8_load_masked(const void *base, int64_t i, __m256i mask) {
    return _mm256_maskload_ps((const float *) ((const char *) base + 4 * i), mask);
}

TK_AVX2_INLINE void tk8_store_masked(void *base, int64_t i, __m256i mask, __m256 v) {
    _mm256_maskstore_ps((float *) ((char *) base + 4 * i), mask, v);
}

TK_AVX2_INLINE float tk8_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/*
 * x[idx[p .. p + 8)] as one vector, from eight scalar loads. On the Zen CPUs this was tuned on, this
 * is nearly twice as fast as vpgatherdd (CSR 4096², density 0.1: 0.33 against 0.60 ms). Reads
 * exactly eight indices.
 */
TK_AVX2_INLINE __m256 tk8_collect(const void *x, const void *idx, int32_t width, int64_t p) {
    return _mm256_setr_ps(tk_f32(x, tk_at(idx, width, p)), tk_f32(x, tk_at(idx, width, p + 1)),
                          tk_f32(x, tk_at(idx, width, p + 2)), tk_f32(x, tk_at(idx, width, p + 3)),
                          tk_f32(x, tk_at(idx, width, p + 4)), tk_f32(x, tk_at(idx, width, p + 5)),
                          tk_f32(x, tk_at(idx, width, p + 6)), tk_f32(x, tk_at(idx, width, p + 7)));
}

/*
 * Vector v of a batched block of nv vectors at base + i (see TK_AVX2_BATCHED): the last one partial
 * under mask m when `masked`. All three are compile-time constants in the unrolled block kernels, so
 * each access is one plain or one masked instruction.
 */
TK_AVX2_INLINE __m256 tk8_load_block(const void *base, int64_t i, int v, int nv, int masked, __m256i m) {
    return masked && v == nv - 1 ? tk8_load_masked(base, i, m) : tk8_load(base, i);
}

TK_AVX2_INLINE void tk8_store_block(void *base, int64_t i, int v, int nv, int masked, __m256i m, __m256 x) {
    if (masked && v == nv - 1) {
        tk8_store_masked(base, i, m, x);
    } else {
        tk8_store(base, i, x);
    }
}

/*
 * acc[0] + … + acc[u - 1] for the u = 1, 2 or 4 independent accumulators of one vector of a batched
 * block, paired in the one order every batched kernel uses.
 */
TK_AVX2_INLINE __m256 tk8_sum_partials(const __m256 *acc, const int u) {
    if (u == 4) {
        return _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    }
    return u == 2 ? _mm256_add_ps(acc[0], acc[1]) : acc[0];
}

/* v with the lanes outside mask set to +0.0, whatever they held (NaN and infinities included). */
TK_AVX2_INLINE __m256 tk8_keep(__m256 v, __m256i mask) {
    return _mm256_and_ps(v, _mm256_castsi256_ps(mask));
}

/* The sum of x[0 .. n), the implicit value's ω0·Σx term of the AVX2 path (see tk_sum_portable). */
TK_AVX2 static inline float tk_sum_avx2(const void *x, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        s0 = _mm256_add_ps(s0, tk8_load(x, j));
        s1 = _mm256_add_ps(s1, tk8_load(x, j + 8));
    }
    if (j < n) {
        const int64_t left = n - j;
        s0 = _mm256_add_ps(s0, tk8_load_masked(x, j, tk8_mask(left < 8 ? left : 8)));
        if (left > 8) {
            s1 = _mm256_add_ps(s1, tk8_load_masked(x, j + 8, tk8_mask(left - 8)));
        }
    }
    return tk8_sum(_mm256_add_ps(s0, s1));
}

/*
 * The batched driver of the AVX2 kernels: batch columns in blocks of up to 32, block(args…, b, nv,
 * masked, m) for each, b the block's first column, nv its vectors of 8, the last one partial under
 * mask m when `masked`. nv and masked are compile-time constants in each of the eight cases, so the
 * block kernel's loops over vectors unroll and its accumulators stay in registers.
 */
#define TK_AVX2_BATCHED(total, block, ...)                                   \
    for (int64_t tk_b = 0; tk_b < (total); tk_b += 32) {                     \
        const int64_t tk_width = (total) - tk_b < 32 ? (total) - tk_b : 32;  \
        const int tk_vectors = (int) ((tk_width + 7) / 8);                   \
        const __m256i tk_m = tk8_mask(tk_width - 8 * (tk_vectors - 1));     \
        switch (2 * tk_vectors + (tk_width % 8 != 0)) {                      \
            case 2: block(__VA_ARGS__, tk_b, 1, 0, tk_m); break;             \
            case 3: block(__VA_ARGS__, tk_b, 1, 1, tk_m); break;             \
            case 4: block(__VA_ARGS__, tk_b, 2, 0, tk_m); break;             \
            case 5: block(__VA_ARGS__, tk_b, 2, 1, tk_m); break;             \
            case 6: block(__VA_ARGS__, tk_b, 3, 0, tk_m); break;             \
            case 7: block(__VA_ARGS__, tk_b, 3, 1, tk_m); break;             \
            case 8: block(__VA_ARGS__, tk_b, 4, 0, tk_m); break;             \
            default: block(__VA_ARGS__, tk_b, 4, 1, tk_m); break;            \
        }                                                                    \
    }

#endif
