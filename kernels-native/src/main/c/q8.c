/*
 * Kernels of 8-bit integer rows (dev.tersor.kernels.arrays.Q8Arrays): row r holds cols signed byte
 * codes, zero-padded to a stride of cols rounded up to 64, a float scale and the int32 sum of its
 * codes. The codes lie in panels of sixteen rows: code (r, j) at byte (r / 16)·16·stride + (j / 4)·64
 * + (r % 16)·4 + j % 4, so the 64 bytes of one group hold four columns of sixteen rows, the last
 * panel padded with zero rows. Reference semantics: dev.tersor.kernels.q8.Q8ScalarKernel.
 *
 * Int8 activations: each batch column of X is quantized to int8 exactly as
 * dev.tersor.kernels.q8.TokenQuantizer does (same float32 operations, round half to even; its few
 * outlier entries quantize to 0 and are added in float to each output, as Q8Patches does). One pass
 * over X finds the scales of up to Q8_SCALE_GROUP columns; then each tile of a path's width in
 * columns (16 for AVX-512, 8 for the ymm paths, 16 elsewhere) is quantized into an interleaved
 * buffer, byte (j, t) at (j / 4)·4·tile + 4t + j % 4, so four k of one column are one int32. Every
 * path multiplies one panel at a time: a group of the panel (four k of sixteen rows) against the
 * int32 of four k of one column broadcast to every lane, so each lane sums one row and no sum is
 * reduced across lanes, and the weights stream through once per tile in memory order:
 *   portable      plain C, s8 × s8
 *   avx2          vpmaddubsw(|w|, sign(q, w)) then vpmaddwd with ones; |q| ≤ 127, so no int16 pair
 *                 saturates (2·128·127 < 2^15); half a panel (8 rows) a ymm
 *   avx-vnni      vpdpbusd ymm, u8 = q + 128 against s8 codes, 128·row_sum[r] subtracted at the end
 *   avx512-vnni   the same with zmm, a whole panel a register
 *   neon          vmull_s8 and pairwise widening adds, four rows a register
 *   neon-dotprod  vdotq_s32 (SDOT), s8 × s8
 * All compute the same exact int32 sums and finish each output with the same two float
 * multiplications, so every path gives the bits of the Java scalar kernel. The u8 paths pad
 * activations with 0, not 128, so a padding code never contributes whatever it holds. Rows longer
 * than a tile's buffer holds are cut into K chunks whose int32 sums wait in Y's slots until the last
 * chunk converts them.
 *
 * Float activations: y = row_scale[r]·Σ_j code·x_j in float, each row's products added in column
 * order as the Java scalar kernel adds them, on every path.
 */
#include <float.h>
#include <math.h>

#include "tersor_internal.h"

#ifdef TK_X86
#include "tersor_avx2.h"
#endif
#ifdef TK_NEON_PATH
#include <arm_neon.h>
#endif

/* Rows of a panel, and bytes of one of its groups (four codes of each row). */
#define Q8_PANEL_ROWS 16
#define Q8_GROUP_BYTES 64
/* Quantized activations of one tile and K chunk: tile·chunk bytes at most. */
#define Q8_TILE_BYTES 32768
/* Batch columns of the widest tile: one zmm of int32 sums. */
#define Q8_WIDE_TILE 16
/* Batch columns whose scales one pass over X finds: all of one block of Linear's tokens. */
#define Q8_SCALE_GROUP 128

TK_INLINE int64_t q8_stride(int64_t cols) {
    return (cols + 63) / 64 * 64;
}

/* The first code of panel p. */
TK_INLINE const int8_t *q8_panel(const tk_q8_args *a, int64_t p) {
    return (const int8_t *) a->codes + p * Q8_PANEL_ROWS * q8_stride(a->cols);
}

/* Code (r, j). */
TK_INLINE int8_t q8_code(const tk_q8_args *a, int64_t r, int64_t j) {
    return q8_panel(a, r / Q8_PANEL_ROWS)[(j / 4) * Q8_GROUP_BYTES + (r % Q8_PANEL_ROWS) * 4 + j % 4];
}

/* The rows of panel p inside the call's range: [*lo, *hi). */
TK_INLINE void q8_panel_rows(const tk_q8_args *a, int64_t p, int64_t *lo, int64_t *hi) {
    const int64_t first = p * Q8_PANEL_ROWS;
    *lo = a->row_start > first ? a->row_start : first;
    *hi = a->row_end < first + Q8_PANEL_ROWS ? a->row_end : first + Q8_PANEL_ROWS;
}

/* ---------------------------------------------------------------------------------------------- */
/* Quantization (TokenQuantizer), shared by every path. */

/* TokenQuantizer.OUTLIER_FACTOR and MAX_OUTLIERS: the entries Java multiplies in float afterwards. */
#define Q8_OUTLIER_FACTOR 6.0f
#define Q8_MAX_OUTLIERS 8

/* Each column's scale from its largest non-outlier magnitude: NaN with no outliers for a column holding
 * a NaN or an infinity, 0 (all zeros) below TokenQuantizer's TINY. */
static void q8_scales_of(int nt, const int *bad, const float *max, float *scale, float *inverse, int *zero,
                         int *count) {
    for (int t = 0; t < nt; t++) {
        zero[t] = 1;
        inverse[t] = 0.0f;
        if (bad[t]) {
            count[t] = 0;
            scale[t] = NAN;
        } else if (max[t] < 1e-30f) {
            scale[t] = 0.0f;
        } else {
            zero[t] = 0;
            inverse[t] = 127.0f / max[t];
            scale[t] = max[t] / 127.0f;
        }
    }
}

/*
 * Scales of the tile's columns b0 .. b0+nt (nt ≤ Q8_WIDE_TILE), whether each quantizes to zeros, and
 * each one's outliers (at most Q8_MAX_OUTLIERS, count in count[t]): the first entries in index order
 * whose magnitude exceeds Q8_OUTLIER_FACTOR times the column's mean magnitude, summed in float in
 * index order as Java sums it. A scale comes from the largest magnitude among the other entries. X is
 * read a row of the tile at a time ([cols][batch] layout), so each pass streams X once instead of
 * once per column.
 */
static void q8_tile_scales(const void *x, int64_t cols, int64_t batch, int64_t b0, int nt, float *scale,
                           float *inverse, int *zero, int64_t outliers[][Q8_MAX_OUTLIERS],
                           float outlier_x[][Q8_MAX_OUTLIERS], int *count) {
    float sum[Q8_WIDE_TILE], threshold[Q8_WIDE_TILE], max[Q8_WIDE_TILE];
    int bad[Q8_WIDE_TILE];
    for (int t = 0; t < nt; t++) {
        sum[t] = 0.0f;
        max[t] = 0.0f;
        bad[t] = 0;
    }
    for (int64_t j = 0; j < cols; j++) {
        for (int t = 0; t < nt; t++) {
            const float v = fabsf(tk_f32(x, j * batch + b0 + t));
            bad[t] |= !(v <= FLT_MAX);
            sum[t] += v;
        }
    }
    for (int t = 0; t < nt; t++) {
        threshold[t] = Q8_OUTLIER_FACTOR * (sum[t] / (float) cols);
        count[t] = 0;
    }
    for (int64_t j = 0; j < cols; j++) {
        for (int t = 0; t < nt; t++) {
            const float value = tk_f32(x, j * batch + b0 + t);
            const float v = fabsf(value);
            if (v > threshold[t] && count[t] < Q8_MAX_OUTLIERS) {
                outlier_x[t][count[t]] = value;
                outliers[t][count[t]++] = j;
            } else {
                max[t] = v > max[t] ? v : max[t];
            }
        }
    }
    q8_scales_of(nt, bad, max, scale, inverse, zero, count);
}

/*
 * rint, half to even, for |s| < 2^22: adding 1.5·2^23 moves s into a binade whose ulp is 1. This file
 * is compiled with -ffp-contract=off, so the product s = x·inverse is rounded before the addition.
 */
TK_INLINE int32_t q8_round(float s) {
    const float magic = 12582912.0f;
    return (int32_t) ((s + magic) - magic);
}

/* The scales of a group of nc columns, a tile of sixteen at a time. */
static void q8_group_scales_portable(const void *x, int64_t cols, int64_t batch, int64_t b0, int nc, float *scale,
                                     float *inverse, int *zero, int64_t outliers[][Q8_MAX_OUTLIERS],
                                     float outlier_x[][Q8_MAX_OUTLIERS], int *count) {
    for (int c = 0; c < nc; c += Q8_WIDE_TILE) {
        q8_tile_scales(x, cols, batch, b0 + c, nc - c < Q8_WIDE_TILE ? nc - c : Q8_WIDE_TILE, scale + c, inverse + c,
                       zero + c, outliers + c, outlier_x + c, count + c);
    }
}

/*
 * Columns [k0, k0 + len) of a tile of nt ≤ 16 columns, interleaved for sixteen: byte (j, t) at
 * (j / 4)·64 + 4t + j % 4, q + bias (bias 0: s8, 128: u8), outliers and all-zero columns as q = 0
 * (the byte `bias`), 0 past cols and in the unused columns.
 */
static void q8_quantize_columns_portable(const void *x, int64_t cols, int64_t batch, int64_t b0, int nt,
                                         const float *inverse, const int *zero, int64_t outliers[][Q8_MAX_OUTLIERS],
                                         const int *count, int64_t k0, int64_t len, int bias, uint8_t *qbuf) {
    const int64_t end = cols - k0 < len ? cols - k0 : len;
    memset(qbuf, 0, (size_t) (len * Q8_WIDE_TILE));
    for (int64_t j = 0; j < end; j++) {
        uint8_t *quad = qbuf + (j / 4) * Q8_GROUP_BYTES + j % 4;
        for (int t = 0; t < nt; t++) {
            int32_t q = 0;
            if (!zero[t]) { /* a zero column's values may be NaN, which no int conversion may see */
                q = q8_round(tk_f32(x, (k0 + j) * batch + b0 + t) * inverse[t]);
                q = q < -127 ? -127 : q > 127 ? 127 : q;
            }
            quad[4 * t] = (uint8_t) (q + bias);
        }
    }
    for (int t = 0; t < nt; t++) {
        for (int o = 0; o < count[t]; o++) { /* outliers quantize to 0 */
            const int64_t j = outliers[t][o] - k0;
            if (j >= 0 && j < end) {
                qbuf[(j / 4) * Q8_GROUP_BYTES + 4 * t + j % 4] = (uint8_t) bias;
            }
        }
    }
}

/*
 * A tile's outliers, for the kernels to add as they finish each output: the union of the columns'
 * outlier indices in ascending order (the channels), where each channel's codes lie in a panel, and
 * each column's own outliers in index order, as slots in that list with their activations. The
 * ymm paths add them channel by channel with the columns in the lanes: x[u] holds the activations of
 * the columns that have channel u and +0 in the others, so a lane adds the reference's products in
 * the reference's order, and the others add ±0 to a sum that started at +0 and so can never be −0:
 * a no-op, with no mask needed. Adding the finished term does need one (`any`): an output may be −0,
 * and −0 + +0 is +0.
 */
typedef struct {
    int n;
    uint32_t any; /* columns with at least one outlier */
    int64_t channel[Q8_WIDE_TILE * Q8_MAX_OUTLIERS];
    /*
     * Where each channel's codes lie in a panel: byte `group` starts the channel's group, whose int32
     * lanes hold the four codes of each row; shifted left by `shift` bits, a lane holds the channel's
     * code in its top byte.
     */
    int32_t group[Q8_WIDE_TILE * Q8_MAX_OUTLIERS], shift[Q8_WIDE_TILE * Q8_MAX_OUTLIERS];
    int count[Q8_WIDE_TILE];                                /* each column's outliers */
    uint8_t slot[Q8_WIDE_TILE][Q8_MAX_OUTLIERS];             /* ... as channels of the list */
    float value[Q8_WIDE_TILE][Q8_MAX_OUTLIERS];              /* ... and their activations */
    _Alignas(64) float x[Q8_WIDE_TILE * Q8_MAX_OUTLIERS][Q8_WIDE_TILE];
} q8_tile_outliers;

/* The widest row: tersor_q8_matmul's limit on cols. */
#define Q8_MAX_COLS 65536

/*
 * The plan of a tile's outliers: the channels from a bit set over the columns of W (each channel's
 * slot is the number of set bits below it), so building it costs a pass over the outliers and over
 * the set's words, whatever the columns' outliers share.
 */
static void q8_plan_outliers(int64_t cols, int nt, int64_t outliers[][Q8_MAX_OUTLIERS],
                             float outlier_x[][Q8_MAX_OUTLIERS], const int *count, q8_tile_outliers *plan) {
    uint64_t bits[Q8_MAX_COLS / 64];
    int32_t below[Q8_MAX_COLS / 64]; /* set bits in the words before each */
    const int64_t words = (cols + 63) / 64;
    memset(bits, 0, (size_t) words * sizeof bits[0]);
    plan->any = 0;
    for (int t = 0; t < nt; t++) {
        plan->count[t] = count[t];
        plan->any |= count[t] > 0 ? 1u << t : 0;
        for (int o = 0; o < count[t]; o++) {
            bits[outliers[t][o] / 64] |= 1ull << (outliers[t][o] % 64);
        }
    }
    plan->n = 0;
    if (plan->any == 0) {
        return;
    }
    for (int64_t w = 0; w < words; w++) {
        below[w] = plan->n;
        for (uint64_t b = bits[w]; b != 0; b &= b - 1) {
            const int64_t channel = w * 64 + __builtin_ctzll(b);
            const int u = plan->n++;
            plan->channel[u] = channel;
            plan->group[u] = (int32_t) (channel / 4 * Q8_GROUP_BYTES);
            plan->shift[u] = (int32_t) (24 - 8 * (channel % 4));
            memset(plan->x[u], 0, sizeof plan->x[u]);
        }
    }
    for (int t = 0; t < nt; t++) {
        for (int o = 0; o < count[t]; o++) {
            const int64_t channel = outliers[t][o];
            const int u = below[channel / 64] + __builtin_popcountll(bits[channel / 64] & ((1ull << (channel % 64)) - 1));
            plan->slot[t][o] = (uint8_t) u;
            plan->value[t][o] = outlier_x[t][o];
            plan->x[u][t] = outlier_x[t][o];
        }
    }
}

/*
 * Panel p against the tile's nt columns (quantized at q) over K chunk [k0, k0 + len): its rows inside
 * the call's range finished (outliers included) into Y, or their partial sums kept in Y's slots.
 */
typedef void (*q8_panel_fn)(const tk_q8_args *a, int64_t p, int64_t k0, const uint8_t *q, int64_t len, int64_t b0,
                            int nt, const float *scale, const q8_tile_outliers *plan, int first, int last);

/* What a path brings to the shared driver: its tile width, activation offset and steps. */
typedef struct {
    int tile; /* batch columns per tile */
    int bias; /* 0: s8 activations, 128: u8 */
    void (*scales)(const void *x, int64_t cols, int64_t batch, int64_t b0, int nc, float *scale, float *inverse,
                   int *zero, int64_t outliers[][Q8_MAX_OUTLIERS], float outlier_x[][Q8_MAX_OUTLIERS], int *count);
    void (*quantize)(const void *x, int64_t cols, int64_t batch, int64_t b0, int nt, const float *inverse,
                     const int *zero, int64_t outliers[][Q8_MAX_OUTLIERS], const int *count, int64_t k0, int64_t len,
                     int bias, uint8_t *qbuf);
    q8_panel_fn panel;
} q8_path;

/*
 * The quantization parameters of a group of batch columns, indexed by column from the group's first:
 * scales, all-zero columns, outliers. Scales and inverses past the group's columns stay 0, so a
 * tile's full vector of them can be loaded.
 */
typedef struct {
    float scale[Q8_SCALE_GROUP], inverse[Q8_SCALE_GROUP];
    int zero[Q8_SCALE_GROUP], count[Q8_SCALE_GROUP];
    int64_t outliers[Q8_SCALE_GROUP][Q8_MAX_OUTLIERS];
    float outlier_x[Q8_SCALE_GROUP][Q8_MAX_OUTLIERS];
} q8_column_group;

/*
 * Int8 activations on any path: groups of up to Q8_SCALE_GROUP batch columns, whose scales one pass
 * over X finds; then tiles of path->tile columns, each quantized once (K cut into chunks that fit the
 * buffer), against every panel that holds rows of the range.
 */
static void q8_int8(const tk_q8_args *a, const q8_path *path) {
    const int64_t batch = a->batch, stride = q8_stride(a->cols);
    if (a->row_start >= a->row_end) {
        return;
    }
    if (stride == 0) { /* no columns: an empty sum, scaled as the reference scales it */
        for (int64_t r = a->row_start; r < a->row_end; r++) {
            for (int64_t b = 0; b < batch; b++) {
                tk_set_f32(a->y, r * batch + b, ((float) 0 * tk_f32(a->row_scale, r)) * 0.0f);
            }
        }
        return;
    }
    const int tile = path->tile;
    const int64_t chunk = stride < Q8_TILE_BYTES / tile ? stride : Q8_TILE_BYTES / tile;
    const int64_t first_panel = a->row_start / Q8_PANEL_ROWS, end_panel = (a->row_end - 1) / Q8_PANEL_ROWS + 1;
    _Alignas(64) uint8_t qbuf[Q8_TILE_BYTES];
    q8_column_group group;
    q8_tile_outliers plan;
    for (int64_t g0 = 0; g0 < batch; g0 += Q8_SCALE_GROUP) {
        const int nc = (int) (batch - g0 < Q8_SCALE_GROUP ? batch - g0 : Q8_SCALE_GROUP);
        memset(group.scale, 0, sizeof group.scale);
        memset(group.inverse, 0, sizeof group.inverse);
        path->scales(a->x, a->cols, batch, g0, nc, group.scale, group.inverse, group.zero, group.outliers,
                     group.outlier_x, group.count);
        for (int c = 0; c < nc; c += tile) {
            const int nt = nc - c < tile ? nc - c : tile;
            q8_plan_outliers(a->cols, nt, group.outliers + c, group.outlier_x + c, group.count + c, &plan);
            for (int64_t k0 = 0; k0 < stride; k0 += chunk) {
                const int64_t len = stride - k0 < chunk ? stride - k0 : chunk;
                path->quantize(a->x, a->cols, batch, g0 + c, nt, group.inverse + c, group.zero + c, group.outliers + c,
                               group.count + c, k0, len, path->bias, qbuf);
                for (int64_t p = first_panel; p < end_panel; p++) {
                    path->panel(a, p, k0, qbuf, len, g0 + c, nt, group.scale + c, &plan, k0 == 0, k0 + len == stride);
                }
            }
        }
    }
}

/*
 * The end of panel p for the tile at b0, from its int32 sums (sums[t][i]: column t, row i of the panel)
 * in plain C: each row of the range gets the earlier chunks' sums from Y's slot, then keeps the total
 * there or finishes it, ((float) (acc − bias·row_sum) · row_scale) · scale, plus the column's
 * outliers, row_scale · Σ_o code·x_o in index order: Q8Patches's outlier pass, operation for
 * operation.
 */
static void q8_finish_sums(const tk_q8_args *a, int64_t p, int32_t sums[Q8_WIDE_TILE][Q8_PANEL_ROWS], int64_t b0,
                           int nt, const float *scale, const q8_tile_outliers *plan, int bias, int first, int last) {
    int64_t lo, hi;
    q8_panel_rows(a, p, &lo, &hi);
    for (int64_t r = lo; r < hi; r++) {
        const int i = (int) (r - p * Q8_PANEL_ROWS);
        const float rs = tk_f32(a->row_scale, r);
        for (int t = 0; t < nt; t++) {
            void *slot = (char *) a->y + 4 * (r * a->batch + b0 + t);
            int32_t acc = sums[t][i];
            if (!first) {
                int32_t before;
                memcpy(&before, slot, sizeof before);
                acc = (int32_t) ((uint32_t) acc + (uint32_t) before);
            }
            if (!last) {
                memcpy(slot, &acc, sizeof acc);
                continue;
            }
            const float product = (float) (acc - bias * tk_i32(a->row_sum, r)) * rs;
            float y = product * scale[t];
            if (plan->count[t] > 0) {
                float sum = 0.0f;
                for (int o = 0; o < plan->count[t]; o++) {
                    const float term = (float) q8_code(a, r, plan->channel[plan->slot[t][o]]) * plan->value[t][o];
                    sum += term;
                }
                const float outlying = rs * sum;
                y = y + outlying;
            }
            memcpy(slot, &y, sizeof y);
        }
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* Float activations, and the portable path. */

/*
 * Float activations on every path: a panel's rows side by side, each summing its products in column
 * order as the scalar reference does (this file is compiled with -ffp-contract=off, so each product
 * is rounded before it is added), a block of batch columns at a time.
 */
static void q8_float(const tk_q8_args *a) {
    const int64_t cols = a->cols, batch = a->batch;
    if (a->row_start >= a->row_end) {
        return;
    }
    const int64_t end_panel = (a->row_end - 1) / Q8_PANEL_ROWS + 1;
    for (int64_t p = a->row_start / Q8_PANEL_ROWS; p < end_panel; p++) {
        const int8_t *panel = q8_panel(a, p);
        int64_t lo, hi;
        q8_panel_rows(a, p, &lo, &hi);
        for (int64_t b0 = 0; b0 < batch; b0 += TK_BLOCK) {
            const int n = batch - b0 < TK_BLOCK ? (int) (batch - b0) : TK_BLOCK;
            float acc[TK_BLOCK][Q8_PANEL_ROWS] = {{0}};
            for (int64_t j = 0; j < cols; j++) {
                const int8_t *column = panel + (j / 4) * Q8_GROUP_BYTES + j % 4;
                for (int l = 0; l < n; l++) {
                    const float xj = tk_f32(a->x, j * batch + b0 + l);
                    for (int i = 0; i < Q8_PANEL_ROWS; i++) {
                        const float product = (float) column[4 * i] * xj;
                        acc[l][i] += product;
                    }
                }
            }
            for (int64_t r = lo; r < hi; r++) {
                const float rs = tk_f32(a->row_scale, r);
                for (int l = 0; l < n; l++) {
                    tk_set_f32(a->y, r * batch + b0 + l, acc[l][r - p * Q8_PANEL_ROWS] * rs);
                }
            }
        }
    }
}

static void q8_panel_portable(const tk_q8_args *a, int64_t p, int64_t k0, const uint8_t *q, int64_t len, int64_t b0,
                              int nt, const float *scale, const q8_tile_outliers *plan, int first, int last) {
    const int8_t *w = q8_panel(a, p) + k0 / 4 * Q8_GROUP_BYTES;
    int32_t sums[Q8_WIDE_TILE][Q8_PANEL_ROWS] = {{0}};
    for (int64_t g = 0; g < len / 4; g++) {
        const int8_t *codes = w + g * Q8_GROUP_BYTES;
        const int8_t *x = (const int8_t *) q + g * Q8_GROUP_BYTES;
        for (int t = 0; t < nt; t++) {
            for (int i = 0; i < Q8_PANEL_ROWS; i++) {
                int32_t s = 0;
                for (int u = 0; u < 4; u++) {
                    s += (int32_t) codes[4 * i + u] * (int32_t) x[4 * t + u];
                }
                sums[t][i] += s;
            }
        }
    }
    q8_finish_sums(a, p, sums, b0, nt, scale, plan, 0, first, last);
}

void tk_q8_portable(const tk_q8_args *a) {
    if (a->int8_activations) {
        static const q8_path path = {Q8_WIDE_TILE, 0, q8_group_scales_portable, q8_quantize_columns_portable,
                                     q8_panel_portable};
        q8_int8(a, &path);
    } else {
        q8_float(a);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* x86-64: AVX2, AVX-VNNI, AVX-512 VNNI. */

#ifdef TK_X86

/*
 * acc + the products of four byte pairs of q and w a lane. AVX2 has no integer dot product: |w| times
 * q with w's sign (vpmaddubsw; |q| <= 127, so no int16 pair saturates), then pairs of pairs.
 */
TK_AVX2_INLINE __m256i q8_dot_avx2(__m256i acc, __m256i q, __m256i w) {
    const __m256i p = _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(q, w));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, _mm256_set1_epi16(1)));
}

/* v[i][j] becomes v[j][i]: eight int32 vectors of eight lanes, transposed. */
TK_AVX2_INLINE void q8_transpose8(__m256i v[8]) {
    __m256i t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_epi32(v[i], v[i + 1]);
        t[i + 1] = _mm256_unpackhi_epi32(v[i], v[i + 1]);
    }
    for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        v[i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
        v[i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
    }
}

/* Batch columns of a ymm tile. */
#define Q8_NARROW_TILE 8

/* The scales of a tile of nt ≤ 8 columns, as q8_tile_scales computes them, with the columns in the lanes. */
TK_AVX2 static void q8_tile_scales_avx2(const void *x, int64_t cols, int64_t batch, int64_t b0, int nt, float *scale,
                                        float *inverse, int *zero, int64_t outliers[][Q8_MAX_OUTLIERS],
                                        float outlier_x[][Q8_MAX_OUTLIERS], int *count) {
    const __m256i lanes = tk8_mask(nt);
    const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF));
    const __m256 largest_finite = _mm256_set1_ps(FLT_MAX);
    __m256 sum = _mm256_setzero_ps();
    int finite = 0xFF;
    for (int64_t j = 0; j < cols; j++) {
        const __m256 v = _mm256_and_ps(tk8_load_masked(x, j * batch + b0, lanes), magnitude);
        finite &= _mm256_movemask_ps(_mm256_cmp_ps(v, largest_finite, _CMP_LE_OQ));
        sum = _mm256_add_ps(sum, v);
    }
    float sums[Q8_NARROW_TILE], threshold[Q8_NARROW_TILE] = {0}, max[Q8_NARROW_TILE];
    int bad[Q8_NARROW_TILE];
    _mm256_storeu_ps(sums, sum);
    for (int t = 0; t < nt; t++) {
        threshold[t] = Q8_OUTLIER_FACTOR * (sums[t] / (float) cols);
        bad[t] = !(finite >> t & 1);
        count[t] = 0;
    }
    const __m256 limit = _mm256_loadu_ps(threshold);
    __m256 top = _mm256_setzero_ps();
    int open = (1 << nt) - 1; /* columns with fewer than Q8_MAX_OUTLIERS outliers so far */
    for (int64_t j = 0; j < cols; j++) {
        const __m256 value = tk8_load_masked(x, j * batch + b0, lanes);
        const __m256 v = _mm256_and_ps(value, magnitude);
        const __m256 beyond = _mm256_cmp_ps(v, limit, _CMP_GT_OQ);
        const int out = _mm256_movemask_ps(beyond) & open;
        __m256 keep = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
        if (out) {
            float values[Q8_NARROW_TILE];
            _mm256_storeu_ps(values, value);
            for (int t = 0; t < nt; t++) {
                if (out >> t & 1) {
                    outlier_x[t][count[t]] = values[t];
                    outliers[t][count[t]++] = j;
                    if (count[t] == Q8_MAX_OUTLIERS) {
                        open &= ~(1 << t);
                    }
                }
            }
            keep = _mm256_castsi256_ps(_mm256_cmpeq_epi32(
                    _mm256_and_si256(_mm256_set1_epi32(out), _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128)),
                    _mm256_setzero_si256()));
        }
        /* a NaN lane may differ from the scalar max here, but its column is bad and gets no scale */
        top = _mm256_blendv_ps(top, _mm256_max_ps(top, v), keep);
    }
    _mm256_storeu_ps(max, top);
    q8_scales_of(nt, bad, max, scale, inverse, zero, count);
}

/* The scales of a group of nc columns, a tile of eight at a time. */
TK_AVX2 static void q8_group_scales_avx2(const void *x, int64_t cols, int64_t batch, int64_t b0, int nc, float *scale,
                                         float *inverse, int *zero, int64_t outliers[][Q8_MAX_OUTLIERS],
                                         float outlier_x[][Q8_MAX_OUTLIERS], int *count) {
    for (int c = 0; c < nc; c += Q8_NARROW_TILE) {
        q8_tile_scales_avx2(x, cols, batch, b0 + c, nc - c < Q8_NARROW_TILE ? nc - c : Q8_NARROW_TILE, scale + c,
                            inverse + c, zero + c, outliers + c, outlier_x + c, count + c);
    }
}

/*
 * Columns [k0, k0 + len) of the tile, interleaved: byte (j, t) at (j / 4)·32 + 4t + j % 4, q + bias
 * (outliers and all-zero columns: bias), 0 past cols and in unused columns.
 */
TK_AVX2 static void q8_quantize_columns_avx2(const void *x, int64_t cols, int64_t batch, int64_t b0, int nt,
                                             const float *inverse, const int *zero,
                                             int64_t outliers[][Q8_MAX_OUTLIERS], const int *count, int64_t k0,
                                             int64_t len, int bias, uint8_t *qbuf) {
    const int64_t end = cols - k0 < len ? cols - k0 : len;
    const __m256i lanes = tk8_mask(nt);
    int32_t zeros_lanes[Q8_NARROW_TILE] = {0};
    for (int t = 0; t < nt; t++) {
        zeros_lanes[t] = zero[t] ? -1 : 0;
    }
    const __m256i zeros = _mm256_loadu_si256((const __m256i *) zeros_lanes);
    const __m256 inv = tk8_load_masked(inverse, 0, lanes), magic = _mm256_set1_ps(12582912.0f);
    const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127), offset = _mm256_set1_epi32(bias);
    const __m256i byte = _mm256_set1_epi32(0xFF);
    const int64_t quads = (end + 3) / 4;
    for (int64_t g = 0; g < quads; g++) {
        __m256i packed = _mm256_setzero_si256();
        for (int u = 0; u < 4 && 4 * g + u < end; u++) {
            /* q8_round lane by lane: the product rounded, then the magic constant added and removed */
            const __m256 s = _mm256_mul_ps(tk8_load_masked(x, (k0 + 4 * g + u) * batch + b0, lanes), inv);
            __m256i q = _mm256_cvtps_epi32(_mm256_sub_ps(_mm256_add_ps(s, magic), magic));
            q = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(q, lo), hi), offset);
            q = _mm256_blendv_epi8(q, offset, zeros); /* all-zero (or NaN) columns: code 0 */
            q = _mm256_and_si256(_mm256_and_si256(q, lanes), byte);
            packed = _mm256_or_si256(packed, _mm256_slli_epi32(q, 8 * u));
        }
        _mm256_store_si256((__m256i *) (qbuf + g * 32), packed);
    }
    memset(qbuf + quads * 32, 0, (size_t) ((len / 4 - quads) * 32));
    for (int t = 0; t < nt; t++) {
        for (int o = 0; o < count[t]; o++) { /* outliers quantize to 0 */
            const int64_t j = outliers[t][o] - k0;
            if (j >= 0 && j < end) {
                qbuf[(j / 4) * 32 + 4 * t + j % 4] = (uint8_t) bias;
            }
        }
    }
}

/* The lanes of a tile's column bit set (bit t: lane t) as an AVX2 mask. */
TK_AVX2_INLINE __m256 q8_columns8_mask(uint32_t bits) {
    const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int) bits), bit), bit));
}

/*
 * Row r's sums over the tile's eight columns (in the lanes): kept in Y's slots, or finished as
 * q8_finish_sums finishes them, the outliers summed channel by channel (see q8_tile_outliers).
 */
TK_AVX2_INLINE void q8_columns8_store(const tk_q8_args *a, int64_t r, __m256i acc, int64_t b0, __m256i lanes,
                                      __m256 scale, const q8_tile_outliers *plan, int bias, int last) {
    void *out = (char *) a->y + 4 * (r * a->batch + b0);
    if (!last) { /* the earlier chunks' sums wait in Y's slots */
        _mm256_maskstore_epi32((int *) out, lanes, acc);
        return;
    }
    const __m256i exact = _mm256_sub_epi32(acc, _mm256_set1_epi32(bias * tk_i32(a->row_sum, r)));
    const __m256 row_scale = _mm256_set1_ps(tk_f32(a->row_scale, r));
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(exact), row_scale), scale);
    if (plan->n > 0) {
        __m256 sum = _mm256_setzero_ps();
        for (int u = 0; u < plan->n; u++) {
            const __m256 code = _mm256_set1_ps((float) q8_code(a, r, plan->channel[u]));
            const __m256 product = _mm256_mul_ps(code, _mm256_load_ps(plan->x[u]));
            sum = _mm256_add_ps(sum, product);
        }
        y = _mm256_blendv_ps(y, _mm256_add_ps(y, _mm256_mul_ps(row_scale, sum)), q8_columns8_mask(plan->any));
    }
    _mm256_maskstore_ps((float *) out, lanes, y);
}

/*
 * The panel step of the ymm paths (see q8_panel_fn), tiles of eight columns: each half of the panel
 * (eight rows, 32 bytes of each group) against the T columns, four k of a column broadcast a step, T
 * accumulators with the rows in the lanes; then one transpose puts each row's sums in a vector with the
 * columns in the lanes, as Y holds them. name##_rt and its dispatcher name, compiled for ATTR;
 * DOT(acc, q, w) adds the products of four byte pairs of activations q and codes w to each int32
 * lane; bias: the offset the path's quantized activations carry (128 for vpdpbusd's u8).
 */
#define Q8_PANEL8_KERNEL(ATTR, name, DOT, bias)                                                                 \
    ATTR TK_INLINE void name##_rt(const tk_q8_args *a, int64_t p, int64_t k0, const uint8_t *q, int64_t len,  \
                                  int64_t b0, int nt, const float *scale, const q8_tile_outliers *plan,       \
                                  int first, int last, const int T) {                                         \
        const __m256i lanes = tk8_mask(nt);                                                                     \
        const __m256 scales = _mm256_loadu_ps(scale);                                                           \
        int64_t lo, hi;                                                                                         \
        q8_panel_rows(a, p, &lo, &hi);                                                                          \
        for (int half = 0; half < 2; half++) {                                                                  \
            const int64_t r0 = p * Q8_PANEL_ROWS + 8 * half;                                                    \
            if (r0 + 8 <= lo || r0 >= hi) {                                                                     \
                continue;                                                                                       \
            }                                                                                                   \
            const int8_t *w = q8_panel(a, p) + k0 / 4 * Q8_GROUP_BYTES + 32 * half;                             \
            __m256i acc[8];                                                                                     \
            for (int i = 0; i < 8; i++) {                                                                       \
                const int64_t r = r0 + i;                                                                       \
                acc[i] = first || r < lo || r >= hi                                                             \
                                 ? _mm256_setzero_si256()                                                       \
                                 : _mm256_maskload_epi32((const int *) ((const char *) a->y + 4 * (r * a->batch + b0)), \
                                                         lanes);                                                \
            }                                                                                                   \
            if (!first) {                                                                                       \
                q8_transpose8(acc);                                                                             \
            }                                                                                                   \
            /* below four columns, odd groups go to a second set of sums: twice the chains in flight */  \
            const int odd_columns = T < 4 ? T : 0;                                                              \
            __m256i odd[4];                                                                                     \
            for (int t = 0; t < odd_columns; t++) {                                                             \
                odd[t] = _mm256_setzero_si256();                                                                \
            }                                                                                                   \
            for (int64_t k = 0; k < len; k += odd_columns > 0 ? 8 : 4) {                                        \
                const __m256i wv = _mm256_loadu_si256((const __m256i *) (w + k * 16));                          \
                for (int t = 0; t < T; t++) {                                                                   \
                    int32_t quad;                                                                               \
                    memcpy(&quad, q + k * 8 + 4 * t, sizeof quad);                                              \
                    acc[t] = DOT(acc[t], _mm256_set1_epi32(quad), wv);                                          \
                }                                                                                               \
                if (odd_columns > 0) {                                                                          \
                    const __m256i wo = _mm256_loadu_si256((const __m256i *) (w + (k + 4) * 16));               \
                    for (int t = 0; t < odd_columns; t++) {                                                     \
                        int32_t quad;                                                                           \
                        memcpy(&quad, q + (k + 4) * 8 + 4 * t, sizeof quad);                                    \
                        odd[t] = DOT(odd[t], _mm256_set1_epi32(quad), wo);                                      \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
            for (int t = 0; t < odd_columns; t++) { /* int32 sums wrap: the order changes no bit */             \
                acc[t] = _mm256_add_epi32(acc[t], odd[t]);                                                      \
            }                                                                                                   \
            for (int t = T; t < 8; t++) {                                                                       \
                acc[t] = _mm256_setzero_si256();                                                                \
            }                                                                                                   \
            q8_transpose8(acc);                                                                                 \
            for (int i = 0; i < 8; i++) {                                                                       \
                if (r0 + i >= lo && r0 + i < hi) {                                                              \
                    q8_columns8_store(a, r0 + i, acc[i], b0, lanes, scales, plan, bias, last);                  \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
    }                                                                                                           \
                                                                                                                \
    ATTR static void name(const tk_q8_args *a, int64_t p, int64_t k0, const uint8_t *q, int64_t len, int64_t b0, \
                          int nt, const float *scale, const q8_tile_outliers *plan, int first, int last) {      \
        TK_ROWS_UP_TO_8(nt, name##_rt, a, p, k0, q, len, b0, nt, scale, plan, first, last)                     \
    }

Q8_PANEL8_KERNEL(TK_AVX2, q8_panel8_avx2, q8_dot_avx2, 0)

void tk_q8_avx2(const tk_q8_args *a) {
    if (a->int8_activations) {
        static const q8_path path = {Q8_NARROW_TILE, 0, q8_group_scales_avx2, q8_quantize_columns_avx2,
                                     q8_panel8_avx2};
        q8_int8(a, &path);
    } else {
        q8_float(a);
    }
}

#define TK_AVX_VNNI __attribute__((target("avx2,fma,avxvnni")))

/*
 * vpdpbusd: u8 activations (the codes + 128) against s8 weight codes. Inline asm with a tied
 * accumulator, as q8_dpbusd for zmm: gcc 12 copies the intrinsic's accumulator at every step.
 */
TK_AVX_VNNI TK_INLINE __m256i q8_dot_avxvnni(__m256i acc, __m256i q, __m256i w) {
    __asm__("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(q), "x"(w));
    return acc;
}

Q8_PANEL8_KERNEL(TK_AVX_VNNI, q8_panel8_avxvnni, q8_dot_avxvnni, 128)

void tk_q8_avxvnni(const tk_q8_args *a) {
    if (a->int8_activations) {
        static const q8_path path = {Q8_NARROW_TILE, 128, q8_group_scales_avx2, q8_quantize_columns_avx2,
                                     q8_panel8_avxvnni};
        q8_int8(a, &path);
    } else {
        q8_float(a);
    }
}

#define TK_AVX512_VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))

/*
 * q8_tile_scales for a group of T tiles of sixteen columns (nc columns in all), the columns in the
 * lanes: each lane sums its column in index order, as the scalar passes do, so the scales and the
 * outliers are the same. The tiles' sums are independent chains of additions, so with several tiles
 * the pass runs at the adder's throughput instead of its latency.
 */
TK_AVX512_VNNI TK_INLINE void q8_group_scales_rt(const void *x, int64_t cols, int64_t batch, int64_t b0, int nc,
                                                 float *scale, float *inverse, int *zero,
                                                 int64_t outliers[][Q8_MAX_OUTLIERS],
                                                 float outlier_x[][Q8_MAX_OUTLIERS], int *count, const int T) {
    const float *xf = (const float *) x + b0;
    __mmask16 lanes[8], finite[8], open[8]; /* open: columns with fewer than Q8_MAX_OUTLIERS outliers so far */
    __m512 sum[8];
    for (int t = 0; t < T; t++) {
        lanes[t] = nc - 16 * t >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (nc - 16 * t)) - 1);
        finite[t] = lanes[t];
        open[t] = lanes[t];
        sum[t] = _mm512_setzero_ps();
    }
    for (int64_t j = 0; j < cols; j++) {
        for (int t = 0; t < T; t++) {
            const __m512 v = _mm512_abs_ps(_mm512_maskz_loadu_ps(lanes[t], xf + j * batch + 16 * t));
            finite[t] &= _mm512_cmp_ps_mask(v, _mm512_set1_ps(FLT_MAX), _CMP_LE_OQ);
            sum[t] = _mm512_add_ps(sum[t], v);
        }
    }
    float sums[Q8_SCALE_GROUP] = {0}, threshold[Q8_SCALE_GROUP] = {0}, max[Q8_SCALE_GROUP];
    int bad[Q8_SCALE_GROUP];
    for (int t = 0; t < T; t++) {
        _mm512_storeu_ps(sums + 16 * t, sum[t]);
    }
    for (int c = 0; c < nc; c++) {
        threshold[c] = Q8_OUTLIER_FACTOR * (sums[c] / (float) cols);
        bad[c] = !(finite[c / 16] >> (c % 16) & 1);
        count[c] = 0;
    }
    __m512 limit[8], largest[8];
    for (int t = 0; t < T; t++) {
        limit[t] = _mm512_loadu_ps(threshold + 16 * t);
        largest[t] = _mm512_setzero_ps();
    }
    for (int64_t j = 0; j < cols; j++) {
        for (int t = 0; t < T; t++) {
            const __m512 value = _mm512_maskz_loadu_ps(lanes[t], xf + j * batch + 16 * t);
            const __m512 v = _mm512_abs_ps(value);
            const __mmask16 out = _mm512_mask_cmp_ps_mask(open[t], v, limit[t], _CMP_GT_OQ);
            if (out) {
                float values[16];
                _mm512_storeu_ps(values, value);
                for (unsigned bits = out; bits != 0; bits &= bits - 1) { /* the outlying lanes only */
                    const int l = __builtin_ctz(bits), c = 16 * t + l;
                    outlier_x[c][count[c]] = values[l];
                    outliers[c][count[c]++] = j;
                    if (count[c] == Q8_MAX_OUTLIERS) {
                        open[t] &= (__mmask16) ~(1u << l);
                    }
                }
            }
            /* a NaN lane may differ from the scalar max here, but its column is bad and gets no scale */
            largest[t] = _mm512_mask_max_ps(largest[t], (__mmask16) ~out, largest[t], v);
        }
    }
    for (int t = 0; t < T; t++) {
        _mm512_storeu_ps(max + 16 * t, largest[t]);
    }
    q8_scales_of(nc, bad, max, scale, inverse, zero, count);
}

TK_AVX512_VNNI static void q8_group_scales_avx512vnni(const void *x, int64_t cols, int64_t batch, int64_t b0, int nc,
                                                      float *scale, float *inverse, int *zero,
                                                      int64_t outliers[][Q8_MAX_OUTLIERS],
                                                      float outlier_x[][Q8_MAX_OUTLIERS], int *count) {
    TK_ROWS_UP_TO_8((nc + 15) / 16, q8_group_scales_rt, x, cols, batch, b0, nc, scale, inverse, zero, outliers,
                    outlier_x, count)
}

/*
 * Quantized columns [k0, k0 + len) of a tile of nt ≤ 16 batch columns, interleaved for the column
 * kernel: byte (j, t) at (j / 4)·64 + 4t + j % 4, so one 64-byte load holds four consecutive k of all
 * sixteen columns. u8 codes q + 128 as q8_quantize_tile makes them (outliers and all-zero columns
 * 128), 0 past cols and in the unused columns.
 */
TK_AVX512_VNNI static void q8_quantize_columns_avx512vnni(const void *x, int64_t cols, int64_t batch, int64_t b0,
                                                          int nt, const float *inverse, const int *zero,
                                                          int64_t outliers[][Q8_MAX_OUTLIERS], const int *count,
                                                          int64_t k0, int64_t len, int bias, uint8_t *qbuf) {
    const int64_t end = cols - k0 < len ? cols - k0 : len;
    const float *xf = (const float *) x + k0 * batch + b0;
    const __mmask16 lanes = (__mmask16) ((1u << nt) - 1);
    __mmask16 zeros = 0;
    for (int t = 0; t < nt; t++) {
        zeros |= (__mmask16) (zero[t] ? 1u << t : 0);
    }
    const __m512 inv = _mm512_maskz_loadu_ps(lanes, inverse), magic = _mm512_set1_ps(12582912.0f);
    const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127), offset = _mm512_set1_epi32(bias);
    const int64_t quads = (end + 3) / 4;
    for (int64_t g = 0; g < quads; g++) {
        __m512i packed = _mm512_setzero_si512();
        for (int u = 0; u < 4 && 4 * g + u < end; u++) {
            /* q8_round lane by lane: the product rounded, then the magic constant added and removed */
            const __m512 s = _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes, xf + (4 * g + u) * batch), inv);
            __m512i q = _mm512_cvtps_epi32(_mm512_sub_ps(_mm512_add_ps(s, magic), magic));
            q = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(q, lo), hi), offset);
            q = _mm512_mask_mov_epi32(q, zeros, offset); /* all-zero (or NaN) columns: code 0 */
            packed = _mm512_or_si512(packed, _mm512_slli_epi32(_mm512_maskz_mov_epi32(lanes, q), 8 * u));
        }
        _mm512_store_si512((void *) (qbuf + g * 64), packed);
    }
    memset(qbuf + quads * 64, 0, (size_t) ((len / 4 - quads) * 64));
    for (int t = 0; t < nt; t++) {
        for (int o = 0; o < count[t]; o++) { /* outliers quantize to 0 */
            const int64_t j = outliers[t][o] - k0;
            if (j >= 0 && j < end) {
                qbuf[(j / 4) * 64 + 4 * t + j % 4] = (uint8_t) bias;
            }
        }
    }
}

/* v[i][j] becomes v[j][i]: sixteen int32 vectors of sixteen lanes, transposed. */
TK_AVX512_VNNI TK_INLINE void q8_transpose16(__m512i v[16]) {
    __m512i t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_epi32(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(v[i], v[i + 1]);
    }
    /* u[4g + c]: in each 128-bit lane L, element 4L + c of rows 4g .. 4g + 3 */
    for (int i = 0; i < 16; i += 4) {
        u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int c = 0; c < 4; c++) {
        const __m512i s0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44), s1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xEE);
        const __m512i s2 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44);
        const __m512i s3 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xEE);
        v[c] = _mm512_shuffle_i32x4(s0, s2, 0x88);
        v[4 + c] = _mm512_shuffle_i32x4(s0, s2, 0xDD);
        v[8 + c] = _mm512_shuffle_i32x4(s1, s3, 0x88);
        v[12 + c] = _mm512_shuffle_i32x4(s1, s3, 0xDD);
    }
}

/*
 * acc + the products of four byte pairs of u8 a and s8 b a lane: _mm512_dpbusd_epi32, written out
 * because gcc 12 gives the intrinsic's result a register other than its accumulator's and copies it
 * back, two register moves per vpdpbusd in a loop of a dozen accumulators (0.9 of the speed on an
 * AMD EPYC); the tied operand keeps each accumulator in its own register.
 */
TK_AVX512_VNNI TK_INLINE __m512i q8_dpbusd(__m512i acc, __m512i a, __m512i b) {
    __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
    return acc;
}

/*
 * acc[0 .. T) += panel codes w (a group of four k of sixteen rows a step) times the int32 of four k of
 * each of the tile's T columns broadcast, one function for each T, so each loop has its T
 * accumulators in registers. Below eight columns, consecutive groups go to U = 2 or 4 sets of
 * accumulators in turn, so that at least eight vpdpbusd chains overlap (one chain waits out the
 * instruction's latency at every step); the groups of a panel come in multiples of sixteen, and
 * int32 sums wrap as vpdpbusd's do, so the order of the additions changes no bit.
 */
typedef void (*q8_panel_sums_fn)(const int8_t *w, const uint8_t *q, int64_t len, __m512i *acc);
#define Q8_PANEL_SUMS(T)                                                                                      \
    TK_AVX512_VNNI __attribute__((noinline)) static void q8_panel_sums_##T(const int8_t *w, const uint8_t *q, \
                                                                          int64_t len, __m512i *acc) {       \
        enum { U = T >= 8 ? 1 : T >= 4 ? 2 : 4 };                                                            \
        __m512i sum[U][T];                                                                                   \
        for (int c = 0; c < U; c++) {                                                                        \
            for (int t = 0; t < T; t++) {                                                                    \
                sum[c][t] = _mm512_setzero_si512();                                                          \
            }                                                                                                \
        }                                                                                                    \
        for (int64_t k = 0; k < len; k += 4 * U) {                                                           \
            for (int c = 0; c < U; c++) {                                                                    \
                const __m512i wv = _mm512_loadu_si512((const void *) (w + (k + 4 * c) * 16));                \
                for (int t = 0; t < T; t++) {                                                                \
                    int32_t quad;                                                                            \
                    memcpy(&quad, q + (k + 4 * c) * 16 + 4 * t, sizeof quad);                                \
                    sum[c][t] = q8_dpbusd(sum[c][t], _mm512_set1_epi32(quad), wv);                           \
                }                                                                                            \
            }                                                                                                \
        }                                                                                                    \
        for (int t = 0; t < T; t++) {                                                                        \
            for (int c = 0; c < U; c++) {                                                                    \
                acc[t] = _mm512_add_epi32(acc[t], sum[c][t]);                                                \
            }                                                                                                \
        }                                                                                                    \
    }
Q8_PANEL_SUMS(1) Q8_PANEL_SUMS(2) Q8_PANEL_SUMS(3) Q8_PANEL_SUMS(4) Q8_PANEL_SUMS(5) Q8_PANEL_SUMS(6)
Q8_PANEL_SUMS(7) Q8_PANEL_SUMS(8) Q8_PANEL_SUMS(9) Q8_PANEL_SUMS(10) Q8_PANEL_SUMS(11) Q8_PANEL_SUMS(12)
Q8_PANEL_SUMS(13) Q8_PANEL_SUMS(14) Q8_PANEL_SUMS(15) Q8_PANEL_SUMS(16)
static const q8_panel_sums_fn Q8_PANEL_SUMS_BY_COLUMNS[Q8_WIDE_TILE + 1] = {
    NULL, q8_panel_sums_1, q8_panel_sums_2, q8_panel_sums_3, q8_panel_sums_4, q8_panel_sums_5, q8_panel_sums_6,
    q8_panel_sums_7, q8_panel_sums_8, q8_panel_sums_9, q8_panel_sums_10, q8_panel_sums_11, q8_panel_sums_12,
    q8_panel_sums_13, q8_panel_sums_14, q8_panel_sums_15, q8_panel_sums_16};

/*
 * Panel p against the tile's nt columns (see q8_panel_fn): a group (four k of sixteen rows, one zmm)
 * a step, the int32 of four k of each column broadcast against it into one accumulator per column
 * with the rows in the lanes. The outputs are finished in that orientation, as q8_finish_sums
 * finishes them: row sums, row scales and each channel's sixteen outlier codes (one load of the
 * channel's group and two shifts) are vectors over the rows, and a column's outlier products are
 * added only for the channels it has, in index order. One transpose then puts each row's outputs in a
 * vector with the columns in the lanes, as Y holds them (none for a batch of one, whose rows are
 * consecutive in Y). Partial sums of a K chunk that is not the last are kept in Y's slots as int32,
 * transposed on the way out and in.
 */
TK_AVX512_VNNI static void q8_panel_avx512vnni(const tk_q8_args *a, int64_t p, int64_t k0, const uint8_t *q,
                                               int64_t len, int64_t b0, int nt, const float *scale,
                                               const q8_tile_outliers *plan, int first, int last) {
    const __mmask16 lanes = (__mmask16) ((1u << nt) - 1);
    const int8_t *panel = q8_panel(a, p);
    const int64_t r0 = p * Q8_PANEL_ROWS, out_stride = 4 * a->batch;
    int64_t lo, hi;
    q8_panel_rows(a, p, &lo, &hi);
    const __mmask16 rows = (__mmask16) (((1u << (hi - r0)) - 1) & ~((1u << (lo - r0)) - 1));
    char *out = (char *) a->y + 4 * (r0 * a->batch + b0);
    __m512i acc[Q8_PANEL_ROWS];
    for (int i = 0; i < (first ? nt : Q8_PANEL_ROWS); i++) {
        acc[i] = _mm512_setzero_si512();
    }
    if (!first) { /* the earlier chunks' sums, row by row in Y */
        for (int i = (int) (lo - r0); i < hi - r0; i++) {
            acc[i] = _mm512_maskz_loadu_epi32(lanes, out + i * out_stride);
        }
        q8_transpose16(acc);
    }
    Q8_PANEL_SUMS_BY_COLUMNS[nt](panel + k0 / 4 * Q8_GROUP_BYTES, q, len, acc);
    if (!last) {
        for (int t = nt; t < Q8_PANEL_ROWS; t++) {
            acc[t] = _mm512_setzero_si512();
        }
        q8_transpose16(acc);
        for (int i = (int) (lo - r0); i < hi - r0; i++) {
            _mm512_mask_storeu_epi32(out + i * out_stride, lanes, acc[i]);
        }
        return;
    }
    /* masked loads read no row past the range, so none past the arrays */
    const __m512i correction = _mm512_slli_epi32(_mm512_maskz_loadu_epi32(rows, (const int32_t *) a->row_sum + r0), 7);
    const __m512 row_scale = _mm512_maskz_loadu_ps(rows, (const float *) a->row_scale + r0);
    __m512 y[Q8_PANEL_ROWS];
    for (int t = 0; t < nt; t++) {
        const __m512 exact = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[t], correction));
        y[t] = _mm512_mul_ps(_mm512_mul_ps(exact, row_scale), _mm512_set1_ps(scale[t]));
    }
    if (plan->any != 0) {
        /* each channel's sixteen codes as floats, then each column's outliers in index order */
        __m512 code[Q8_WIDE_TILE * Q8_MAX_OUTLIERS];
        for (int u = 0; u < plan->n; u++) {
            const __m512i held = _mm512_loadu_si512((const void *) (panel + plan->group[u]));
            code[u] = _mm512_cvtepi32_ps(
                    _mm512_srai_epi32(_mm512_sllv_epi32(held, _mm512_set1_epi32(plan->shift[u])), 24));
        }
        for (int t = 0; t < nt; t++) {
            if (plan->count[t] == 0) {
                continue;
            }
            __m512 sum = _mm512_setzero_ps();
            for (int o = 0; o < plan->count[t]; o++) {
                sum = _mm512_add_ps(sum, _mm512_mul_ps(code[plan->slot[t][o]], _mm512_set1_ps(plan->value[t][o])));
            }
            y[t] = _mm512_add_ps(y[t], _mm512_mul_ps(row_scale, sum));
        }
    }
    if (a->batch == 1) {
        _mm512_mask_storeu_ps(out, rows, y[0]);
        return;
    }
    __m512i transposed[Q8_PANEL_ROWS];
    for (int t = 0; t < Q8_PANEL_ROWS; t++) {
        transposed[t] = t < nt ? _mm512_castps_si512(y[t]) : _mm512_setzero_si512();
    }
    q8_transpose16(transposed);
    for (int i = (int) (lo - r0); i < hi - r0; i++) {
        _mm512_mask_storeu_epi32(out + i * out_stride, lanes, transposed[i]);
    }
}

void tk_q8_avx512vnni(const tk_q8_args *a) {
    if (a->int8_activations) {
        static const q8_path path = {Q8_WIDE_TILE, 128, q8_group_scales_avx512vnni, q8_quantize_columns_avx512vnni,
                                     q8_panel_avx512vnni};
        q8_int8(a, &path);
    } else {
        q8_float(a);
    }
}

#endif

/* ---------------------------------------------------------------------------------------------- */
/* AArch64: NEON, and NEON with the dot product (SDOT). */

#ifdef TK_NEON_PATH

/*
 * The panel step of the NEON paths (see q8_panel_fn): a group's 64 bytes are four registers of four
 * rows (four k each), each against the int32 of four k of a column broadcast, four columns at a time;
 * the sums finish in q8_finish_sums. name##_rt and its dispatcher name, compiled for ATTR;
 * DOT(acc, w, q) adds to each int32 lane the products of the four byte pairs of w and q in that lane.
 */
#define Q8_NEON_PANEL_KERNEL(ATTR, name, DOT)                                                                   \
    ATTR TK_INLINE void name##_rt(const int8_t *w, const uint8_t *q, int64_t len, int t0,                     \
                                  int32_t sums[Q8_WIDE_TILE][Q8_PANEL_ROWS], const int T) {                   \
        int32x4_t acc[4][4];                                                                                   \
        for (int v = 0; v < 4; v++) {                                                                          \
            for (int t = 0; t < T; t++) {                                                                      \
                acc[v][t] = vdupq_n_s32(0);                                                                    \
            }                                                                                                  \
        }                                                                                                      \
        for (int64_t k = 0; k < len; k += 4) {                                                                 \
            int8x16_t xq[4];                                                                                   \
            for (int t = 0; t < T; t++) {                                                                      \
                int32_t quad;                                                                                  \
                memcpy(&quad, q + k * 16 + 4 * (t0 + t), sizeof quad);                                         \
                xq[t] = vreinterpretq_s8_s32(vdupq_n_s32(quad));                                               \
            }                                                                                                  \
            for (int v = 0; v < 4; v++) {                                                                      \
                const int8x16_t wv = vld1q_s8(w + k * 16 + 16 * v);                                            \
                for (int t = 0; t < T; t++) {                                                                  \
                    acc[v][t] = DOT(acc[v][t], wv, xq[t]);                                                     \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        for (int v = 0; v < 4; v++) {                                                                          \
            for (int t = 0; t < T; t++) {                                                                      \
                vst1q_s32(&sums[t0 + t][4 * v], acc[v][t]);                                                    \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
                                                                                                               \
    ATTR static void name(const tk_q8_args *a, int64_t p, int64_t k0, const uint8_t *q, int64_t len, int64_t b0, \
                          int nt, const float *scale, const q8_tile_outliers *plan, int first, int last) {     \
        const int8_t *w = q8_panel(a, p) + k0 / 4 * Q8_GROUP_BYTES;                                            \
        int32_t sums[Q8_WIDE_TILE][Q8_PANEL_ROWS];                                                             \
        for (int t0 = 0; t0 < nt; t0 += 4) {                                                                   \
            switch (nt - t0) {                                                                                 \
                case 1: name##_rt(w, q, len, t0, sums, 1); break;                                              \
                case 2: name##_rt(w, q, len, t0, sums, 2); break;                                              \
                case 3: name##_rt(w, q, len, t0, sums, 3); break;                                              \
                default: name##_rt(w, q, len, t0, sums, 4); break;                                             \
            }                                                                                                  \
        }                                                                                                      \
        q8_finish_sums(a, p, sums, b0, nt, scale, plan, 0, first, last);                                       \
    }

/*
 * Four rows' sums of four byte products each: the sixteen products as int16 (at most 128·128), pairs
 * of them into int32, then pairs of those, which are each row's four.
 */
TK_INLINE int32x4_t q8_dot_neon(int32x4_t acc, int8x16_t w, int8x16_t q) {
    const int32x4_t low = vpaddlq_s16(vmull_s8(vget_low_s8(w), vget_low_s8(q)));
    const int32x4_t high = vpaddlq_s16(vmull_high_s8(w, q));
    return vaddq_s32(acc, vpaddq_s32(low, high));
}

/* The baseline ISA: no attribute. */
Q8_NEON_PANEL_KERNEL(, q8_panel_neon, q8_dot_neon)

void tk_q8_neon(const tk_q8_args *a) {
    if (a->int8_activations) {
        static const q8_path path = {Q8_WIDE_TILE, 0, q8_group_scales_portable, q8_quantize_columns_portable,
                                     q8_panel_neon};
        q8_int8(a, &path);
    } else {
        q8_float(a);
    }
}

/* vdotq_s32 is declared for armv8.2-a+dotprod; every CPU with SDOT implements at least v8.2. */
#define TK_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))

TK_DOTPROD TK_INLINE int32x4_t q8_dot_dotprod(int32x4_t acc, int8x16_t w, int8x16_t q) {
    return vdotq_s32(acc, w, q);
}

Q8_NEON_PANEL_KERNEL(TK_DOTPROD, q8_panel_dotprod, q8_dot_dotprod)

void tk_q8_neondot(const tk_q8_args *a) {
    if (a->int8_activations) {
        static const q8_path path = {Q8_WIDE_TILE, 0, q8_group_scales_portable, q8_quantize_columns_portable,
                                     q8_panel_dotprod};
        q8_int8(a, &path);
    } else {
        q8_float(a);
    }
}

#endif
