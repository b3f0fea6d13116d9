/*
 * CSR kernels. Batch one is bound by gathering x through the column indices: the AVX2 path
 * collects eight at a time into a vector for an FMA with eight values, two vectors in flight, and
 * finishes a row with one masked vector instead of a scalar loop. Larger batches turn each gather
 * into contiguous loads of X's batch vector, with enough independent accumulators to hide the FMA
 * latency.
 *
 * Every row is computed by the same operations in the same order whatever the row range, so results
 * do not depend on how threads split the rows.
 */
#include "tersor_internal.h"

#ifdef TK_X86
#include "tersor_avx2.h"
#endif
#ifdef TK_NEON_PATH
#include "tersor_neon.h"
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Portable C. */

/* Batch columns [b0, b0 + n), n <= TK_BLOCK. */
TK_INLINE void csr_block_portable(const tk_csr_args *a, const int32_t cw, int64_t b0, const int64_t n) {
    const int64_t batch = a->batch;
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        float acc[TK_BLOCK] = {0};
        const int64_t end = tk_get(a->row_ptr, r + 1);
        for (int64_t p = tk_get(a->row_ptr, r); p < end; p++) {
            const float v = tk_f32(a->values, p);
            const char *xj = (const char *) a->x + 4 * (tk_at(a->col_idx.data, cw, p) * batch + b0);
            for (int64_t b = 0; b < n; b++) {
                acc[b] += v * tk_f32(xj, b);
            }
        }
        for (int64_t b = 0; b < n; b++) {
            tk_set_f32(a->y, r * batch + b0 + b, acc[b]);
        }
    }
}

TK_INLINE void csr_portable(const tk_csr_args *a, const int32_t cw) {
    const void *ci = a->col_idx.data;
    const int64_t batch = a->batch;
    if (batch == 1) {
        for (int64_t r = a->row_start; r < a->row_end; r++) {
            const int64_t end = tk_get(a->row_ptr, r + 1);
            int64_t p = tk_get(a->row_ptr, r);
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (; p + 4 <= end; p += 4) {
                s0 += tk_f32(a->values, p) * tk_f32(a->x, tk_at(ci, cw, p));
                s1 += tk_f32(a->values, p + 1) * tk_f32(a->x, tk_at(ci, cw, p + 1));
                s2 += tk_f32(a->values, p + 2) * tk_f32(a->x, tk_at(ci, cw, p + 2));
                s3 += tk_f32(a->values, p + 3) * tk_f32(a->x, tk_at(ci, cw, p + 3));
            }
            for (; p < end; p++) {
                s0 += tk_f32(a->values, p) * tk_f32(a->x, tk_at(ci, cw, p));
            }
            tk_set_f32(a->y, r, (s0 + s1) + (s2 + s3));
        }
        return;
    }
    TK_PORTABLE_BATCHED(batch, csr_block_portable, a, cw);
}

void tk_csr_portable(const tk_csr_args *a) {
    TK_BY_WIDTH(a->col_idx.width, csr_portable, a)
}

/* ---------------------------------------------------------------------------------------------- */
/* AVX2 + FMA. */
#ifdef TK_X86

TK_AVX2_INLINE void csr_vec_avx2(const tk_csr_args *a, const int32_t cw) {
    const void *ci = a->col_idx.data;
    /* Eight indices may be read at p only while p + 8 <= nnz; lanes past the row are masked to 0. */
    const int64_t nnz = tk_get(a->row_ptr, a->rows);
    int64_t p = tk_get(a->row_ptr, a->row_start);
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t end = tk_get(a->row_ptr, r + 1);
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        for (; p + 16 <= end; p += 16) {
            a0 = _mm256_fmadd_ps(tk8_load(a->values, p), tk8_collect(a->x, ci, cw, p), a0);
            a1 = _mm256_fmadd_ps(tk8_load(a->values, p + 8), tk8_collect(a->x, ci, cw, p + 8), a1);
        }
        if (p + 8 <= end) {
            a0 = _mm256_fmadd_ps(tk8_load(a->values, p), tk8_collect(a->x, ci, cw, p), a0);
            p += 8;
        }
        if (p < end && p + 8 <= nnz) {
            const __m256i m = tk8_mask(end - p);
            a1 = _mm256_fmadd_ps(tk8_load_masked(a->values, p, m), tk8_keep(tk8_collect(a->x, ci, cw, p), m), a1);
            p = end;
        }
        float tail = 0;
        for (; p < end; p++) {
            tail += tk_f32(a->values, p) * tk_f32(a->x, tk_at(ci, cw, p));
        }
        tk_set_f32(a->y, r, tk8_sum(_mm256_add_ps(a0, a1)) + tail);
    }
}

/*
 * Batch columns [b0, b0 + 8·nv): nv vectors, the last one partial under mask m when `masked`. With
 * few vectors, consecutive entries go to separate accumulators (u of them) to hide FMA latency.
 */
TK_AVX2_INLINE void csr_block_avx2(const tk_csr_args *a, const int32_t cw, int64_t b0,
                                   const int nv, const int masked, __m256i m) {
    const void *ci = a->col_idx.data;
    const int64_t batch = a->batch;
    const int u = nv == 1 ? 4 : nv == 2 ? 2 : 1;
    int64_t p = tk_get(a->row_ptr, a->row_start);
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t end = tk_get(a->row_ptr, r + 1);
        __m256 acc[4][4];
        for (int v = 0; v < nv; v++) {
            for (int k = 0; k < u; k++) {
                acc[v][k] = _mm256_setzero_ps();
            }
        }
        for (; p + u <= end; p += u) {
            for (int k = 0; k < u; k++) {
                const __m256 wv = _mm256_set1_ps(tk_f32(a->values, p + k));
                const int64_t xo = tk_at(ci, cw, p + k) * batch + b0;
                for (int v = 0; v < nv; v++) {
                    const __m256 xv = tk8_load_block(a->x, xo + 8 * v, v, nv, masked, m);
                    acc[v][k] = _mm256_fmadd_ps(wv, xv, acc[v][k]);
                }
            }
        }
        for (; p < end; p++) {
            const __m256 wv = _mm256_set1_ps(tk_f32(a->values, p));
            const int64_t xo = tk_at(ci, cw, p) * batch + b0;
            for (int v = 0; v < nv; v++) {
                const __m256 xv = tk8_load_block(a->x, xo + 8 * v, v, nv, masked, m);
                acc[v][0] = _mm256_fmadd_ps(wv, xv, acc[v][0]);
            }
        }
        const int64_t yo = r * batch + b0;
        for (int v = 0; v < nv; v++) {
            tk8_store_block(a->y, yo + 8 * v, v, nv, masked, m, tk8_sum_partials(acc[v], u));
        }
    }
}

TK_AVX2_INLINE void csr_avx2(const tk_csr_args *a, const int32_t cw) {
    if (a->batch == 1) {
        csr_vec_avx2(a, cw);
        return;
    }
    TK_AVX2_BATCHED(a->batch, csr_block_avx2, a, cw);
}

TK_AVX2 void tk_csr_avx2(const tk_csr_args *a) {
    TK_BY_WIDTH(a->col_idx.width, csr_avx2, a)
}

#endif

/* ---------------------------------------------------------------------------------------------- */
/* NEON. */
#ifdef TK_NEON_PATH

TK_INLINE void csr_vec_neon(const tk_csr_args *a, const int32_t cw) {
    const void *ci = a->col_idx.data;
    int64_t p = tk_get(a->row_ptr, a->row_start);
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t end = tk_get(a->row_ptr, r + 1);
        float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
        for (; p + 8 <= end; p += 8) {
            a0 = vfmaq_f32(a0, tk4_load(a->values, p), tk4_gather(a->x, ci, cw, p));
            a1 = vfmaq_f32(a1, tk4_load(a->values, p + 4), tk4_gather(a->x, ci, cw, p + 4));
        }
        if (p + 4 <= end) {
            a0 = vfmaq_f32(a0, tk4_load(a->values, p), tk4_gather(a->x, ci, cw, p));
            p += 4;
        }
        float acc = vaddvq_f32(vaddq_f32(a0, a1));
        for (; p < end; p++) {
            acc += tk_f32(a->values, p) * tk_f32(a->x, tk_at(ci, cw, p));
        }
        tk_set_f32(a->y, r, acc);
    }
}

/* Batch columns [b0, b0 + 4·nv), all whole vectors. */
TK_INLINE void csr_block_neon(const tk_csr_args *a, const int32_t cw, int64_t b0, int nv) {
    const void *ci = a->col_idx.data;
    const int64_t batch = a->batch;
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
        const int64_t end = tk_get(a->row_ptr, r + 1);
        for (int64_t p = tk_get(a->row_ptr, r); p < end; p++) {
            const float v = tk_f32(a->values, p);
            const int64_t xo = tk_at(ci, cw, p) * batch + b0;
            for (int k = 0; k < nv; k++) {
                acc[k] = vfmaq_n_f32(acc[k], tk4_load(a->x, xo + 4 * k), v);
            }
        }
        for (int k = 0; k < nv; k++) {
            tk4_store(a->y, r * batch + b0 + 4 * k, acc[k]);
        }
    }
}

TK_INLINE void csr_neon(const tk_csr_args *a, const int32_t cw) {
    if (a->batch == 1) {
        csr_vec_neon(a, cw);
        return;
    }
    TK_NEON_BATCHED(a->batch, csr_block_neon, csr_block_portable, a, cw);
}

void tk_csr_neon(const tk_csr_args *a) {
    TK_BY_WIDTH(a->col_idx.width, csr_neon, a)
}

#endif
