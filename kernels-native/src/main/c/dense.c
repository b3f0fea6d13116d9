/*
 * Dense float32 kernels. Batch one is a dot product per row, bound by memory bandwidth: several
 * independent accumulators keep the loads streaming. Larger batches reuse each X vector across four
 * rows held in registers.
 */
#include "tersor_internal.h"

#ifdef TK_X86
#include "tersor_avx2.h"
#endif

/* Batch columns per panel of the batched AVX-512 kernel: 128 columns of X stay in L2 for rows of up to a few thousand inputs. */
#define TK_DENSE_PANEL 128
/*
 * Floats ahead of an AVX-512 tile's position in W that each of its rows prefetches, once per cache
 * line. The tile walks eight to twelve rows of W side by side, more streams than the hardware
 * prefetchers follow well: at a few tokens, where W streams from memory once per product, MiniLM fp32
 * at 11 tokens went from 3.5-3.9 to 2.5-2.6 ms a pass (AMD EPYC; 128, 256 and 512 floats ahead gained
 * less). The AVX2 tile's four rows gained nothing from it.
 */
#define TK_DENSE_PREFETCH 384
#ifdef TK_NEON_PATH
#include "tersor_neon.h"
#endif

/* ---------------------------------------------------------------------------------------------- */
/* Portable C. Eight-lane partial sums give the auto-vectoriser independent chains to work with. */

static float dot_portable(const void *w, const void *x, int64_t n) {
    float s[8] = {0};
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        for (int l = 0; l < 8; l++) {
            s[l] += tk_f32(w, j + l) * tk_f32(x, j + l);
        }
    }
    float acc = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
    for (; j < n; j++) {
        acc += tk_f32(w, j) * tk_f32(x, j);
    }
    return acc;
}

/* Batch columns [b0, b0 + n), n <= TK_BLOCK. */
TK_INLINE void dense_block_portable(const tk_dense_args *a, int64_t b0, const int64_t n) {
    const int64_t cols = a->cols, batch = a->batch;
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        float acc[TK_BLOCK] = {0};
        for (int64_t j = 0; j < cols; j++) {
            const float wj = tk_f32(a->w, r * cols + j);
            const char *xj = (const char *) a->x + 4 * (j * batch + b0);
            for (int64_t b = 0; b < n; b++) {
                acc[b] += wj * tk_f32(xj, b);
            }
        }
        for (int64_t b = 0; b < n; b++) {
            tk_set_f32(a->y, r * batch + b0 + b, acc[b]);
        }
    }
}

void tk_dense_portable(const tk_dense_args *a) {
    const int64_t cols = a->cols, batch = a->batch;
    if (batch == 1) {
        for (int64_t r = a->row_start; r < a->row_end; r++) {
            tk_set_f32(a->y, r, dot_portable((const char *) a->w + 4 * r * cols, a->x, cols));
        }
        return;
    }
    TK_PORTABLE_BATCHED(batch, dense_block_portable, a);
}

/* ---------------------------------------------------------------------------------------------- */
/* AVX2 + FMA. */
#ifdef TK_X86


TK_AVX2 static float dot_avx2(const void *w, const void *x, int64_t n) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 32 <= n; j += 32) {
        a0 = _mm256_fmadd_ps(tk8_load(w, j), tk8_load(x, j), a0);
        a1 = _mm256_fmadd_ps(tk8_load(w, j + 8), tk8_load(x, j + 8), a1);
        a2 = _mm256_fmadd_ps(tk8_load(w, j + 16), tk8_load(x, j + 16), a2);
        a3 = _mm256_fmadd_ps(tk8_load(w, j + 24), tk8_load(x, j + 24), a3);
    }
    for (; j + 8 <= n; j += 8) {
        a0 = _mm256_fmadd_ps(tk8_load(w, j), tk8_load(x, j), a0);
    }
    if (j < n) {
        const __m256i m = tk8_mask(n - j);
        a1 = _mm256_fmadd_ps(tk8_load_masked(w, j, m), tk8_load_masked(x, j, m), a1);
    }
    return tk8_sum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

/*
 * Rows [r, r + R) × batch columns [b0, b0 + 8V), R <= 4 and V <= 2, the last vector partial when
 * `masked`. Each W element is broadcast once and feeds V vectors of X, so up to sixteen batch
 * columns cost one pass over W. Every output lane is one FMA chain over j in the same order whatever
 * R and V are, so a row's result does not depend on how threads or blocks split the work.
 */
TK_AVX2_INLINE void dense_tile_avx2(const tk_dense_args *a, int64_t r, const int R, int64_t b0, const int V,
                                    __m256i m, const int masked) {
    const int64_t cols = a->cols, batch = a->batch;
    const char *w = (const char *) a->w + 4 * r * cols;
    const int64_t stride = 4 * cols;
    __m256 acc[4][2];
    for (int i = 0; i < 4; i++) {
        acc[i][0] = _mm256_setzero_ps();
        acc[i][1] = _mm256_setzero_ps();
    }
    for (int64_t j = 0; j < cols; j++) {
        const int64_t xo = j * batch + b0;
        __m256 xv[2];
        for (int v = 0; v < V; v++) {
            xv[v] = tk8_load_block(a->x, xo + 8 * v, v, V, masked, m);
        }
        for (int i = 0; i < R; i++) {
            const __m256 wv = _mm256_set1_ps(tk_f32(w + i * stride, j));
            for (int v = 0; v < V; v++) {
                acc[i][v] = _mm256_fmadd_ps(wv, xv[v], acc[i][v]);
            }
        }
    }
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) {
            tk8_store_block(a->y, (r + i) * batch + b0 + 8 * v, v, V, masked, m, acc[i][v]);
        }
    }
}

/* Rows [r, r + R) across the whole batch: sixteen columns at a time, then the rest. */
TK_AVX2_INLINE void dense_rows_avx2(const tk_dense_args *a, int64_t r, const int R) {
    const int64_t batch = a->batch;
    int64_t b0 = 0;
    for (; b0 + 16 <= batch; b0 += 16) {
        dense_tile_avx2(a, r, R, b0, 2, tk8_mask(8), 0);
    }
    const int64_t n = batch - b0;
    if (n > 8) {
        dense_tile_avx2(a, r, R, b0, 2, tk8_mask(n - 8), n < 16);
    } else if (n == 8) {
        dense_tile_avx2(a, r, R, b0, 1, tk8_mask(8), 0);
    } else if (n > 0) {
        dense_tile_avx2(a, r, R, b0, 1, tk8_mask(n), 1);
    }
}

/*
 * Rows go outermost: a block of four W rows stays in L1 while the batch columns stream past it, so
 * W is read from memory once whatever the batch.
 */
TK_AVX2 void tk_dense_avx2(const tk_dense_args *a) {
    const int64_t cols = a->cols, batch = a->batch;
    if (batch == 1) {
        for (int64_t r = a->row_start; r < a->row_end; r++) {
            tk_set_f32(a->y, r, dot_avx2((const char *) a->w + 4 * r * cols, a->x, cols));
        }
        return;
    }
    int64_t r = a->row_start;
    for (; r + 4 <= a->row_end; r += 4) {
        dense_rows_avx2(a, r, 4);
    }
    for (; r < a->row_end; r++) {
        dense_rows_avx2(a, r, 1);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* AVX-512 F. */

#define TK_AVX512 __attribute__((target("avx2,fma,avx512f")))

/* Prefetches, for rows [0, R) of a tile (`stride` bytes apart from w), the line TK_DENSE_PREFETCH floats past column j. */
TK_INLINE void dense_prefetch_rows(const char *w, int64_t stride, int R, int64_t j) {
    for (int i = 0; i < R; i++) {
        _mm_prefetch(w + i * stride + 4 * (j + TK_DENSE_PREFETCH), _MM_HINT_T0);
    }
}

/*
 * Rows [r, r + R) × batch columns [b0, b0 + 16V), the last vector's lanes under `last`. The AVX2
 * tile's scheme with twice the lanes and up to three times the rows: twelve rows of one vector for
 * batches up to sixteen (a handful of tokens), eight rows of two vectors beyond, so each X load
 * feeds eight to twelve FMAs. Every output lane is the same FMA chain over j as in the AVX2 tile,
 * so the two paths give the same bits.
 */
TK_AVX512 TK_INLINE void dense_tile_avx512(const tk_dense_args *a, int64_t r, const int R, int64_t b0, const int V,
                                           __mmask16 last) {
    const int64_t cols = a->cols, batch = a->batch;
    const char *w = (const char *) a->w + 4 * r * cols;
    const int64_t stride = 4 * cols;
    const float *x = (const float *) a->x;
    float *y = (float *) a->y;
    __m512 acc[12][2];
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) {
            acc[i][v] = _mm512_setzero_ps();
        }
    }
    for (int64_t j = 0; j < cols; j++) {
        if ((j & 15) == 0) {
            dense_prefetch_rows(w, stride, R, j);
        }
        const int64_t xo = j * batch + b0;
        __m512 xv[2];
        for (int v = 0; v < V; v++) {
            xv[v] = v == V - 1 ? _mm512_maskz_loadu_ps(last, x + xo + 16 * v) : _mm512_loadu_ps(x + xo + 16 * v);
        }
        for (int i = 0; i < R; i++) {
            const __m512 wv = _mm512_set1_ps(tk_f32(w + i * stride, j));
            for (int v = 0; v < V; v++) {
                acc[i][v] = _mm512_fmadd_ps(wv, xv[v], acc[i][v]);
            }
        }
    }
    for (int i = 0; i < R; i++) {
        for (int v = 0; v < V; v++) {
            float *out = y + (r + i) * batch + b0 + 16 * v;
            if (v == V - 1) {
                _mm512_mask_storeu_ps(out, last, acc[i][v]);
            } else {
                _mm512_storeu_ps(out, acc[i][v]);
            }
        }
    }
}

TK_AVX512 TK_INLINE __mmask16 dense_mask_avx512(int64_t n) {
    return (__mmask16) (n >= 16 ? 0xFFFF : (1u << n) - 1);
}

/* Rows [r, r + R) × batch columns [b_start, b_end): 32 columns at a time (R ≤ 8), then the rest. */
TK_AVX512 TK_INLINE void dense_rows_avx512(const tk_dense_args *a, int64_t r, int64_t b_start, int64_t b_end,
                                           const int R) {
    int64_t b0 = b_start;
    if (b_end - b_start > 16) {
        for (; b0 + 32 <= b_end; b0 += 32) {
            dense_tile_avx512(a, r, R < 8 ? R : 8, b0, 2, 0xFFFF);
        }
    }
    const int64_t n = b_end - b0;
    if (n > 16) {
        dense_tile_avx512(a, r, R < 8 ? R : 8, b0, 2, dense_mask_avx512(n - 16));
    } else if (n > 0) {
        dense_tile_avx512(a, r, R, b0, 1, dense_mask_avx512(n));
    }
}

/*
 * Batch one is the AVX2 dot product: it is bound by memory bandwidth, which wider vectors do not raise.
 * Larger batches go a panel of TK_DENSE_PANEL columns at a time, every row tile over one panel before
 * the next: X's panel then stays in cache while W streams past it, where rows outermost re-read all
 * of X, megabytes at a few thousand tokens, once per row tile. Each output is the same FMA chain
 * over j either way, so the order changes no bit.
 */
TK_AVX512 void tk_dense_avx512(const tk_dense_args *a) {
    if (a->batch == 1) {
        tk_dense_avx2(a);
        return;
    }
    /* twelve rows of one vector for a few batch columns; eight rows of two vectors for more */
    const int block = a->batch <= 16 ? 12 : 8;
    for (int64_t p0 = 0; p0 < a->batch; p0 += TK_DENSE_PANEL) {
        const int64_t p1 = p0 + TK_DENSE_PANEL < a->batch ? p0 + TK_DENSE_PANEL : a->batch;
        int64_t r = a->row_start;
        /* the row count must be a constant at each call, or the tile's accumulators leave the registers */
        if (block == 12) {
            for (; r + 12 <= a->row_end; r += 12) {
                dense_rows_avx512(a, r, p0, p1, 12);
            }
        } else {
            for (; r + 8 <= a->row_end; r += 8) {
                dense_rows_avx512(a, r, p0, p1, 8);
            }
        }
        if (r < a->row_end) {
            TK_ROWS_UP_TO_12(a->row_end - r, dense_rows_avx512, a, r, p0, p1)
        }
    }
}

#endif

/* ---------------------------------------------------------------------------------------------- */
/* NEON. */
#ifdef TK_NEON_PATH

static float dot_neon(const void *w, const void *x, int64_t n) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0), a2 = vdupq_n_f32(0), a3 = vdupq_n_f32(0);
    int64_t j = 0;
    for (; j + 16 <= n; j += 16) {
        a0 = vfmaq_f32(a0, tk4_load(w, j), tk4_load(x, j));
        a1 = vfmaq_f32(a1, tk4_load(w, j + 4), tk4_load(x, j + 4));
        a2 = vfmaq_f32(a2, tk4_load(w, j + 8), tk4_load(x, j + 8));
        a3 = vfmaq_f32(a3, tk4_load(w, j + 12), tk4_load(x, j + 12));
    }
    for (; j + 4 <= n; j += 4) {
        a0 = vfmaq_f32(a0, tk4_load(w, j), tk4_load(x, j));
    }
    float acc = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
    for (; j < n; j++) {
        acc += tk_f32(w, j) * tk_f32(x, j);
    }
    return acc;
}

/* Rows [r, r + rowCount) with rowCount <= 4, batch columns [b0, b0 + 4). */
static void dense_rows_neon(const tk_dense_args *a, int64_t r, int rowCount, int64_t b0) {
    const int64_t cols = a->cols, batch = a->batch;
    float32x4_t acc[4] = {vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0), vdupq_n_f32(0)};
    for (int64_t j = 0; j < cols; j++) {
        const float32x4_t xv = tk4_load(a->x, j * batch + b0);
        for (int i = 0; i < rowCount; i++) {
            acc[i] = vfmaq_n_f32(acc[i], xv, tk_f32(a->w, (r + i) * cols + j));
        }
    }
    for (int i = 0; i < rowCount; i++) {
        tk4_store(a->y, (r + i) * batch + b0, acc[i]);
    }
}

void tk_dense_neon(const tk_dense_args *a) {
    const int64_t cols = a->cols, batch = a->batch;
    if (batch == 1) {
        for (int64_t r = a->row_start; r < a->row_end; r++) {
            tk_set_f32(a->y, r, dot_neon((const char *) a->w + 4 * r * cols, a->x, cols));
        }
        return;
    }
    const int64_t whole = batch - batch % 4;
    for (int64_t b0 = 0; b0 < whole; b0 += 4) {
        for (int64_t r = a->row_start; r < a->row_end; r += 4) {
            const int64_t left = a->row_end - r;
            dense_rows_neon(a, r, left < 4 ? (int) left : 4, b0);
        }
    }
    if (whole < batch) {
        dense_block_portable(a, whole, batch - whole);
    }
}

#endif
