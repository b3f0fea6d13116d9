/*
 * Products of rows that a format has decoded into chunks of (column, weight) entries: the driver
 * shared by HAM, sHAM, XOR and the bit-packed format's larger batches, and its arithmetic for each
 * instruction-set path.
 *
 * Batch one gathers x through the chunk's columns. Larger batches take TK_SUPER batch columns per
 * pass over the rows (so the ω0·Σx sums fit on the stack) and, within a pass, apply each chunk to
 * blocks of up to 32 batch columns, accumulating in Y's row between chunks; every row is decoded
 * once per pass. A row's arithmetic depends only on its own entries, never on the row range.
 */
#include "tersor_decoded.h"

#ifdef TK_X86
#include "tersor_avx2.h"
#endif
#ifdef TK_NEON_PATH
#include "tersor_neon.h"
#endif

void tk_decoded_rows(const tk_apply *ap, tk_row_decoder *d, int64_t cols, int64_t batch, const void *x, void *y,
                     float implicit, const void *row_scale, int64_t row_start, int64_t row_end) {
    tk_chunk chunk;
    if (batch == 1) {
        const float implicit_sum = implicit == 0 ? 0 : implicit * ap->sum(x, cols);
        for (int64_t r = row_start; r < row_end; r++) {
            d->begin(d, r);
            float acc = 0;
            int done = 0;
            do {
                const int n = d->decode(d, &chunk, &done);
                acc += ap->dot(&chunk, n, x);
            } while (!done);
            const float scale = row_scale == NULL ? 1.0f : tk_f32(row_scale, r);
            tk_set_f32(y, r, (acc + implicit_sum) * scale);
        }
        return;
    }
    float colsum[TK_SUPER];
    for (int64_t b0 = 0; b0 < batch; b0 += TK_SUPER) {
        const int nb = (int) (batch - b0 < TK_SUPER ? batch - b0 : TK_SUPER);
        if (implicit != 0) {
            ap->colsum(x, cols, batch, b0, nb, colsum);
        } else {
            memset(colsum, 0, sizeof colsum);
        }
        for (int64_t r = row_start; r < row_end; r++) {
            d->begin(d, r);
            const float scale = row_scale == NULL ? 1.0f : tk_f32(row_scale, r);
            int first = 1, done = 0;
            do {
                const int n = d->decode(d, &chunk, &done);
                ap->block(&chunk, n, x, batch, b0, nb, y, r * batch, first, done, implicit, colsum, scale);
                first = 0;
            } while (!done);
        }
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Portable C. */

static float dot_portable(const tk_chunk *c, int n, const void *x) {
    float s[4] = {0};
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int l = 0; l < 4; l++) {
            s[l] += c->w[i + l] * tk_f32(x, c->col[i + l]);
        }
    }
    float acc = (s[0] + s[2]) + (s[1] + s[3]);
    for (; i < n; i++) {
        acc += c->w[i] * tk_f32(x, c->col[i]);
    }
    return acc;
}

/*
 * Batch columns [b0 + b, b0 + b + nb) of the pass that starts at b0 (whose column sums start at
 * colsum), nb <= TK_BLOCK; a compile-time nb after inlining keeps acc in registers.
 */
TK_INLINE void block_portable_n(const tk_chunk *c, int n, const void *x, int64_t batch, int64_t b0, void *y,
                                int64_t yo, int first, int last, float implicit, const float *colsum, float scale,
                                int64_t b, const int nb) {
    const int64_t from = b0 + b;
    float acc[TK_BLOCK];
    for (int l = 0; l < nb; l++) {
        acc[l] = first ? 0 : tk_f32(y, yo + from + l);
    }
    for (int i = 0; i < n; i++) {
        const char *xj = (const char *) x + 4 * ((int64_t) c->col[i] * batch + from);
        const float w = c->w[i];
        for (int l = 0; l < nb; l++) {
            acc[l] += w * tk_f32(xj, l);
        }
    }
    for (int l = 0; l < nb; l++) {
        tk_set_f32(y, yo + from + l, last ? (acc[l] + implicit * colsum[b + l]) * scale : acc[l]);
    }
}

static void block_portable(const tk_chunk *c, int n, const void *x, int64_t batch, int64_t b0, int nb, void *y,
                           int64_t yo, int first, int last, float implicit, const float *colsum, float scale) {
    TK_PORTABLE_BATCHED(nb, block_portable_n, c, n, x, batch, b0, y, yo, first, last, implicit, colsum, scale);
}

static void colsum_portable(const void *x, int64_t cols, int64_t batch, int64_t b0, int nb, float *out) {
    memset(out, 0, sizeof(float) * TK_SUPER);
    for (int64_t j = 0; j < cols; j++) {
        for (int b = 0; b < nb; b++) {
            out[b] += tk_f32(x, j * batch + b0 + b);
        }
    }
}

const tk_apply TK_APPLY_PORTABLE = {dot_portable, block_portable, tk_sum_portable, colsum_portable};

/* ---------------------------------------------------------------------------------------------- */
/* AVX2 + FMA. */
#ifdef TK_X86

TK_AVX2 static float dot_avx2(const tk_chunk *c, int n, const void *x) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(c->w + i), tk8_collect(x, c->col, 4, i), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(c->w + i + 8), tk8_collect(x, c->col, 4, i + 8), a1);
    }
    if (i + 8 <= n) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(c->w + i), tk8_collect(x, c->col, 4, i), a0);
        i += 8;
    }
    float acc = tk8_sum(_mm256_add_ps(a0, a1));
    for (; i < n; i++) {
        acc += c->w[i] * tk_f32(x, c->col[i]);
    }
    return acc;
}

/*
 * Batch columns [b0 + b, b0 + b + 8·nv) of the pass that starts at b0 (whose column sums start at
 * colsum), the last vector partial under mask m when `masked`. With one or two
 * vectors, consecutive entries go to u independent accumulators so that FMAs do not wait on each other.
 */
TK_AVX2_INLINE void block_avx2_n(const tk_chunk *c, int n, const void *x, int64_t batch, int64_t b0, void *y,
                                 int64_t yo, int first, int last, float implicit, const float *colsum, float scale,
                                 int64_t b, const int nv, const int masked, __m256i m) {
    const int64_t from = b0 + b;
    const int u = nv == 1 ? 4 : nv == 2 ? 2 : 1;
    __m256 acc[4][4];
    for (int v = 0; v < nv; v++) {
        for (int k = 0; k < u; k++) {
            acc[v][k] = _mm256_setzero_ps();
        }
        if (!first) {
            acc[v][0] = tk8_load_block(y, yo + from + 8 * v, v, nv, masked, m);
        }
    }
    int i = 0;
    for (; i + u <= n; i += u) {
        for (int k = 0; k < u; k++) {
            const int64_t xo = (int64_t) c->col[i + k] * batch + from;
            const __m256 w = _mm256_broadcast_ss(c->w + i + k);
            for (int v = 0; v < nv; v++) {
                const __m256 xv = tk8_load_block(x, xo + 8 * v, v, nv, masked, m);
                acc[v][k] = _mm256_fmadd_ps(w, xv, acc[v][k]);
            }
        }
    }
    for (; i < n; i++) {
        const int64_t xo = (int64_t) c->col[i] * batch + from;
        const __m256 w = _mm256_broadcast_ss(c->w + i);
        for (int v = 0; v < nv; v++) {
            const __m256 xv = tk8_load_block(x, xo + 8 * v, v, nv, masked, m);
            acc[v][0] = _mm256_fmadd_ps(w, xv, acc[v][0]);
        }
    }
    for (int v = 0; v < nv; v++) {
        __m256 out = tk8_sum_partials(acc[v], u);
        if (last) {
            out = _mm256_mul_ps(_mm256_fmadd_ps(_mm256_loadu_ps(colsum + b + 8 * v), _mm256_set1_ps(implicit), out),
                                _mm256_set1_ps(scale));
        }
        tk8_store_block(y, yo + from + 8 * v, v, nv, masked, m, out);
    }
}

TK_AVX2 static void block_avx2(const tk_chunk *c, int n, const void *x, int64_t batch, int64_t b0, int nb, void *y,
                               int64_t yo, int first, int last, float implicit, const float *colsum, float scale) {
    TK_AVX2_BATCHED(nb, block_avx2_n, c, n, x, batch, b0, y, yo, first, last, implicit, colsum, scale);
}

TK_AVX2 static void colsum_avx2(const void *x, int64_t cols, int64_t batch, int64_t b0, int nb, float *out) {
    memset(out, 0, sizeof(float) * TK_SUPER);
    for (int b = 0; b < nb; b += 8) {
        const __m256i m = tk8_mask(nb - b < 8 ? nb - b : 8);
        __m256 s = _mm256_setzero_ps();
        for (int64_t j = 0; j < cols; j++) {
            s = _mm256_add_ps(s, tk8_load_masked(x, j * batch + b0 + b, m));
        }
        _mm256_storeu_ps(out + b, s);
    }
}

const tk_apply TK_APPLY_AVX2 = {dot_avx2, block_avx2, tk_sum_avx2, colsum_avx2};

#endif

/* ---------------------------------------------------------------------------------------------- */
/* NEON. */
#ifdef TK_NEON_PATH

static float dot_neon(const tk_chunk *c, int n, const void *x) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        a0 = vfmaq_f32(a0, vld1q_f32(c->w + i), tk4_gather(x, c->col, 4, i));
        a1 = vfmaq_f32(a1, vld1q_f32(c->w + i + 4), tk4_gather(x, c->col, 4, i + 4));
    }
    if (i + 4 <= n) {
        a0 = vfmaq_f32(a0, vld1q_f32(c->w + i), tk4_gather(x, c->col, 4, i));
        i += 4;
    }
    float acc = vaddvq_f32(vaddq_f32(a0, a1));
    for (; i < n; i++) {
        acc += c->w[i] * tk_f32(x, c->col[i]);
    }
    return acc;
}

/* Batch columns [b0, b0 + 4·nv), whole vectors only. */
TK_INLINE void block_neon_n(const tk_chunk *c, int n, const void *x, int64_t batch, int64_t b0, const int nv,
                            void *y, int64_t yo, int first, int last, float implicit, const float *colsum,
                            float scale) {
    float32x4_t acc[4];
    for (int v = 0; v < nv; v++) {
        acc[v] = first ? vdupq_n_f32(0) : tk4_load(y, yo + b0 + 4 * v);
    }
    for (int i = 0; i < n; i++) {
        const int64_t xo = (int64_t) c->col[i] * batch + b0;
        const float w = c->w[i];
        for (int v = 0; v < nv; v++) {
            acc[v] = vfmaq_n_f32(acc[v], tk4_load(x, xo + 4 * v), w);
        }
    }
    for (int v = 0; v < nv; v++) {
        float32x4_t out = acc[v];
        if (last) {
            out = vmulq_n_f32(vfmaq_n_f32(out, vld1q_f32(colsum + 4 * v), implicit), scale);
        }
        tk4_store(y, yo + b0 + 4 * v, out);
    }
}

static void block_neon(const tk_chunk *c, int n, const void *x, int64_t batch, int64_t b0, int nb, void *y,
                       int64_t yo, int first, int last, float implicit, const float *colsum, float scale) {
    const int whole = nb - nb % 4;
    for (int b = 0; b < whole; b += 16) {
        const int nv = (whole - b) / 4 < 4 ? (whole - b) / 4 : 4;
        switch (nv) {
            case 1: block_neon_n(c, n, x, batch, b0 + b, 1, y, yo, first, last, implicit, colsum + b, scale); break;
            case 2: block_neon_n(c, n, x, batch, b0 + b, 2, y, yo, first, last, implicit, colsum + b, scale); break;
            case 3: block_neon_n(c, n, x, batch, b0 + b, 3, y, yo, first, last, implicit, colsum + b, scale); break;
            default: block_neon_n(c, n, x, batch, b0 + b, 4, y, yo, first, last, implicit, colsum + b, scale); break;
        }
    }
    if (whole < nb) {
        /* The last nb % 4 columns: the portable kernel handles any width. */
        block_portable_n(c, n, x, batch, b0, y, yo, first, last, implicit, colsum, scale, whole, nb - whole);
    }
}

const tk_apply TK_APPLY_NEON = {dot_neon, block_neon, tk_sum_neon, colsum_portable};

#endif
