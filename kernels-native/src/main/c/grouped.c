/*
 * Kernels of the grouped-row formats, CER and CSER (Wiedemann et al.). Each (row, value) group costs
 * additions only plus one multiplication:
 *
 *     y_r = s_r · (Σ_g (ω_g − ω_0) · Σ_{p∈g} x_{col_p} + ω_0 · Σ_j x_j)
 *
 * where the ω_0 term is skipped when the implicit value is 0 and s_r is 1 without row scales. CSER
 * names each group's value (group_value); CER, passed group_value.data == NULL, gives the t-th group
 * of a row ω_{t+1}, and may store empty groups, which are skipped.
 *
 * Batch one: a group's inputs are collected and summed eight lanes at a time (the last chunk under
 * a mask), and the sum vector meets the group's value in one FMA; lanes are reduced once per row.
 * Larger batches sum whole batch vectors per group and multiply once per group and vector.
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

/* The value of group g, first group of its row g0, minus the implicit value. */
TK_INLINE float group_value(const tk_grouped_args *a, int64_t g, int64_t g0, float omega0) {
    const int64_t k = a->group_value.data == NULL ? g - g0 + 1 : tk_get(a->group_value, g);
    return tk_f32(a->omega, k) - omega0;
}

TK_INLINE float row_scale(const tk_grouped_args *a, int64_t r) {
    return a->row_scale == NULL ? 1.0f : tk_f32(a->row_scale, r);
}

/* ---------------------------------------------------------------------------------------------- */
/* Portable C. */

TK_INLINE void grouped_vec_portable(const tk_grouped_args *a, const int32_t cw) {
    const void *ci = a->col_idx.data;
    const float omega0 = tk_f32(a->omega, 0);
    const float implicit = omega0 == 0 ? 0 : omega0 * tk_sum_portable(a->x, a->cols);
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t g0 = tk_get(a->row_ptr, r), g1 = tk_get(a->row_ptr, r + 1);
        int64_t p = tk_get(a->group_ptr, g0);
        float acc = 0;
        for (int64_t g = g0; g < g1; g++) {
            const int64_t end = tk_get(a->group_ptr, g + 1);
            if (p == end) {
                continue;
            }
            float s0 = 0, s1 = 0;
            for (; p + 2 <= end; p += 2) {
                s0 += tk_f32(a->x, tk_at(ci, cw, p));
                s1 += tk_f32(a->x, tk_at(ci, cw, p + 1));
            }
            if (p < end) {
                s0 += tk_f32(a->x, tk_at(ci, cw, p));
                p++;
            }
            acc += group_value(a, g, g0, omega0) * (s0 + s1);
        }
        tk_set_f32(a->y, r, (acc + implicit) * row_scale(a, r));
    }
}

TK_INLINE void grouped_block_portable(const tk_grouped_args *a, const int32_t cw, int64_t b0, const int64_t n) {
    const void *ci = a->col_idx.data;
    const int64_t batch = a->batch;
    const float omega0 = tk_f32(a->omega, 0);
    float colsum[TK_BLOCK] = {0};
    if (omega0 != 0) {
        for (int64_t j = 0; j < a->cols; j++) {
            for (int64_t b = 0; b < n; b++) {
                colsum[b] += tk_f32(a->x, j * batch + b0 + b);
            }
        }
    }
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t g0 = tk_get(a->row_ptr, r), g1 = tk_get(a->row_ptr, r + 1);
        int64_t p = tk_get(a->group_ptr, g0);
        float acc[TK_BLOCK] = {0};
        for (int64_t g = g0; g < g1; g++) {
            const int64_t end = tk_get(a->group_ptr, g + 1);
            if (p == end) {
                continue;
            }
            float s[TK_BLOCK] = {0};
            for (; p < end; p++) {
                const char *xj = (const char *) a->x + 4 * (tk_at(ci, cw, p) * batch + b0);
                for (int64_t b = 0; b < n; b++) {
                    s[b] += tk_f32(xj, b);
                }
            }
            const float v = group_value(a, g, g0, omega0);
            for (int64_t b = 0; b < n; b++) {
                acc[b] += v * s[b];
            }
        }
        const float scale = row_scale(a, r);
        for (int64_t b = 0; b < n; b++) {
            tk_set_f32(a->y, r * batch + b0 + b, (acc[b] + omega0 * colsum[b]) * scale);
        }
    }
}

TK_INLINE void grouped_portable(const tk_grouped_args *a, const int32_t cw) {
    if (a->batch == 1) {
        grouped_vec_portable(a, cw);
        return;
    }
    TK_PORTABLE_BATCHED(a->batch, grouped_block_portable, a, cw);
}

void tk_grouped_portable(const tk_grouped_args *a) {
    TK_BY_WIDTH(a->col_idx.width, grouped_portable, a)
}

/* ---------------------------------------------------------------------------------------------- */
/* AVX2 + FMA. */
#ifdef TK_X86

TK_AVX2_INLINE void grouped_vec_avx2(const tk_grouped_args *a, const int32_t cw) {
    const void *ci = a->col_idx.data;
    const float omega0 = tk_f32(a->omega, 0);
    const float implicit = omega0 == 0 ? 0 : omega0 * tk_sum_avx2(a->x, a->cols);
    /* Eight indices may be read at p only while p + 8 <= nnz; lanes past the group are masked to 0. */
    const int64_t nnz = tk_get(a->group_ptr, tk_get(a->row_ptr, a->rows));
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t g0 = tk_get(a->row_ptr, r), g1 = tk_get(a->row_ptr, r + 1);
        int64_t p = tk_get(a->group_ptr, g0);
        __m256 acc = _mm256_setzero_ps();
        float tail = 0;
        for (int64_t g = g0; g < g1; g++) {
            const int64_t end = tk_get(a->group_ptr, g + 1);
            if (p == end) {
                continue;
            }
            const float v = group_value(a, g, g0, omega0);
            /* One loop of masked chunks: groups are short and uneven, and a separate tail loop
             * would cost a mispredicted branch per group. */
            __m256 s = _mm256_setzero_ps();
            for (; p < end && p + 8 <= nnz; p += 8) {
                s = _mm256_add_ps(s, tk8_keep(tk8_collect(a->x, ci, cw, p), tk8_mask(end - p)));
            }
            if (p >= end) {
                p = end;
            } else {
                float t = 0;
                for (; p < end; p++) {
                    t += tk_f32(a->x, tk_at(ci, cw, p));
                }
                tail += v * t;
            }
            acc = _mm256_fmadd_ps(s, _mm256_set1_ps(v), acc);
        }
        tk_set_f32(a->y, r, (tk8_sum(acc) + tail + implicit) * row_scale(a, r));
    }
}

/*
 * Batch columns [b0, b0 + 8·nv): nv vectors, the last one partial under mask m when `masked`. Group
 * sums use u accumulators per vector so that consecutive additions do not wait on each other.
 */
TK_AVX2_INLINE void grouped_block_avx2(const tk_grouped_args *a, const int32_t cw, int64_t b0,
                                       const int nv, const int masked, __m256i m) {
    const void *ci = a->col_idx.data;
    const int64_t batch = a->batch;
    const int u = nv == 1 ? 4 : nv == 2 ? 2 : 1;
    const float omega0 = tk_f32(a->omega, 0);
    __m256 colsum[4];
    for (int v = 0; v < nv; v++) {
        colsum[v] = _mm256_setzero_ps();
    }
    if (omega0 != 0) {
        for (int64_t j = 0; j < a->cols; j++) {
            for (int v = 0; v < nv; v++) {
                const int64_t xo = j * batch + b0 + 8 * v;
                colsum[v] = _mm256_add_ps(colsum[v], tk8_load_block(a->x, xo, v, nv, masked, m));
            }
        }
    }
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t g0 = tk_get(a->row_ptr, r), g1 = tk_get(a->row_ptr, r + 1);
        int64_t p = tk_get(a->group_ptr, g0);
        __m256 acc[4];
        for (int v = 0; v < nv; v++) {
            acc[v] = _mm256_setzero_ps();
        }
        for (int64_t g = g0; g < g1; g++) {
            const int64_t end = tk_get(a->group_ptr, g + 1);
            if (p == end) {
                continue;
            }
            __m256 s[4][4];
            for (int v = 0; v < nv; v++) {
                for (int k = 0; k < u; k++) {
                    s[v][k] = _mm256_setzero_ps();
                }
            }
            for (; p + u <= end; p += u) {
                for (int k = 0; k < u; k++) {
                    const int64_t xo = tk_at(ci, cw, p + k) * batch + b0;
                    for (int v = 0; v < nv; v++) {
                        s[v][k] = _mm256_add_ps(s[v][k], tk8_load_block(a->x, xo + 8 * v, v, nv, masked, m));
                    }
                }
            }
            for (; p < end; p++) {
                const int64_t xo = tk_at(ci, cw, p) * batch + b0;
                for (int v = 0; v < nv; v++) {
                    s[v][0] = _mm256_add_ps(s[v][0], tk8_load_block(a->x, xo + 8 * v, v, nv, masked, m));
                }
            }
            const __m256 vb = _mm256_set1_ps(group_value(a, g, g0, omega0));
            for (int v = 0; v < nv; v++) {
                acc[v] = _mm256_fmadd_ps(tk8_sum_partials(s[v], u), vb, acc[v]);
            }
        }
        const __m256 scale = _mm256_set1_ps(row_scale(a, r));
        const __m256 implicit = _mm256_set1_ps(omega0);
        const int64_t yo = r * batch + b0;
        for (int v = 0; v < nv; v++) {
            const __m256 out = _mm256_mul_ps(_mm256_fmadd_ps(colsum[v], implicit, acc[v]), scale);
            tk8_store_block(a->y, yo + 8 * v, v, nv, masked, m, out);
        }
    }
}

TK_AVX2_INLINE void grouped_avx2(const tk_grouped_args *a, const int32_t cw) {
    if (a->batch == 1) {
        grouped_vec_avx2(a, cw);
        return;
    }
    TK_AVX2_BATCHED(a->batch, grouped_block_avx2, a, cw);
}

TK_AVX2 void tk_grouped_avx2(const tk_grouped_args *a) {
    TK_BY_WIDTH(a->col_idx.width, grouped_avx2, a)
}

#endif

/* ---------------------------------------------------------------------------------------------- */
/* NEON. */
#ifdef TK_NEON_PATH

TK_INLINE void grouped_vec_neon(const tk_grouped_args *a, const int32_t cw) {
    const void *ci = a->col_idx.data;
    const float omega0 = tk_f32(a->omega, 0);
    const float implicit = omega0 == 0 ? 0 : omega0 * tk_sum_neon(a->x, a->cols);
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t g0 = tk_get(a->row_ptr, r), g1 = tk_get(a->row_ptr, r + 1);
        int64_t p = tk_get(a->group_ptr, g0);
        float32x4_t acc = vdupq_n_f32(0);
        float tail = 0;
        for (int64_t g = g0; g < g1; g++) {
            const int64_t end = tk_get(a->group_ptr, g + 1);
            if (p == end) {
                continue;
            }
            const float v = group_value(a, g, g0, omega0);
            float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0);
            for (; p + 8 <= end; p += 8) {
                s0 = vaddq_f32(s0, tk4_gather(a->x, ci, cw, p));
                s1 = vaddq_f32(s1, tk4_gather(a->x, ci, cw, p + 4));
            }
            if (p + 4 <= end) {
                s0 = vaddq_f32(s0, tk4_gather(a->x, ci, cw, p));
                p += 4;
            }
            float s = 0;
            for (; p < end; p++) {
                s += tk_f32(a->x, tk_at(ci, cw, p));
            }
            acc = vfmaq_n_f32(acc, vaddq_f32(s0, s1), v);
            tail += v * s;
        }
        tk_set_f32(a->y, r, (vaddvq_f32(acc) + tail + implicit) * row_scale(a, r));
    }
}

/* Batch columns [b0, b0 + 4·nv), all whole vectors. */
TK_INLINE void grouped_block_neon(const tk_grouped_args *a, const int32_t cw, int64_t b0, int nv) {
    const void *ci = a->col_idx.data;
    const int64_t batch = a->batch;
    const float omega0 = tk_f32(a->omega, 0);
    float32x4_t colsum[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    if (omega0 != 0) {
        for (int64_t j = 0; j < a->cols; j++) {
            for (int k = 0; k < nv; k++) {
                colsum[k] = vaddq_f32(colsum[k], tk4_load(a->x, j * batch + b0 + 4 * k));
            }
        }
    }
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int64_t g0 = tk_get(a->row_ptr, r), g1 = tk_get(a->row_ptr, r + 1);
        int64_t p = tk_get(a->group_ptr, g0);
        float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
        for (int64_t g = g0; g < g1; g++) {
            const int64_t end = tk_get(a->group_ptr, g + 1);
            if (p == end) {
                continue;
            }
            float32x4_t s[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
            for (; p < end; p++) {
                const int64_t xo = tk_at(ci, cw, p) * batch + b0;
                for (int k = 0; k < nv; k++) {
                    s[k] = vaddq_f32(s[k], tk4_load(a->x, xo + 4 * k));
                }
            }
            const float v = group_value(a, g, g0, omega0);
            for (int k = 0; k < nv; k++) {
                acc[k] = vfmaq_n_f32(acc[k], s[k], v);
            }
        }
        const float scale = row_scale(a, r);
        for (int k = 0; k < nv; k++) {
            tk4_store(a->y, r * batch + b0 + 4 * k, vmulq_n_f32(vfmaq_n_f32(acc[k], colsum[k], omega0), scale));
        }
    }
}

TK_INLINE void grouped_neon(const tk_grouped_args *a, const int32_t cw) {
    if (a->batch == 1) {
        grouped_vec_neon(a, cw);
        return;
    }
    TK_NEON_BATCHED(a->batch, grouped_block_neon, grouped_block_portable, a, cw);
}

void tk_grouped_neon(const tk_grouped_args *a) {
    TK_BY_WIDTH(a->col_idx.width, grouped_neon, a)
}

#endif
