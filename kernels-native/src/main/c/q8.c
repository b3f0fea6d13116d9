/*
 * Kernels of 8-bit integer rows (dev.tersor.kernels.arrays.Q8Arrays): row r holds cols signed byte
 * codes, zero-padded to a stride of cols rounded up to 64, a float scale and the int32 sum of its
 * codes. Reference semantics: dev.tersor.kernels.q8.Q8ScalarKernel.
 *
 * Int8 activations: each batch column of X is quantized to int8 exactly as
 * dev.tersor.kernels.q8.TokenQuantizer does (same float32 operations, round half to even; its few
 * outlier entries quantize to 0 and are added in float to each output, as Q8Patches does), a tile of
 * up to eight columns at a time into a stack buffer of at most 32 KiB laid out [token][stride], zero
 * padded. Every path then computes the same exact int32 dot products, register-blocked as R rows ×
 * T tokens of accumulators with K in the lanes (reduced horizontally once per row and token; the
 * AVX-512 path reduces a whole 4 × 4 block in one shuffle tree), and finishes each output with the
 * same two float multiplications, so every path gives the bits of the Java scalar kernel:
 *   portable      plain C, s8 × s8
 *   avx2          vpmaddubsw(|w|, sign(q, w)) then vpmaddwd with ones; |q| ≤ 127, so no int16 pair
 *                 saturates (2·128·127 < 2^15)
 *   avx-vnni      vpdpbusd ymm, u8 = q + 128 against s8 codes, 128·row_sum[r] subtracted at the end
 *   avx512-vnni   the same with zmm
 *   neon          vmull_s8 + vpadalq_s16
 *   neon-dotprod  vdotq_s32 (SDOT), s8 × s8
 * From a few batch columns on, the x86 paths switch to a column kernel instead: the batch in the
 * lanes (tiles of 16 columns for AVX-512, 8 for AVX2 and AVX-VNNI, quantized into an interleaved
 * layout, four k per int32), four k of one row broadcast against them, 8 or 12 rows at a time, so no
 * sum is reduced across lanes and each output row of a tile is finished with vector operations; same
 * sums, same bits. With more than one tile of columns, AVX-512 takes two tiles per pass over the
 * rows (six rows of 32 columns), reading W once for both.
 * The u8 paths pad activations with 0, not 128, so a padding code never contributes whatever it
 * holds. Rows longer than 32 KiB are cut into K chunks whose int32 sums are added in Y's slots
 * before the last chunk converts them.
 *
 * Float activations: y = row_scale[r]·Σ_j code·x_j in float, lanes over the columns (batch 1) or
 * over batch columns, in an order fixed per row; the VNNI paths use the AVX2 kernel.
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

/* Quantized activations of one tile: T·chunk bytes at most. */
#define Q8_TILE_BYTES 32768
#define Q8_MAX_TILE 8
/* Batch columns of one tile of the AVX-512 column kernel: one zmm of int32 sums. */
#define Q8_WIDE_TILE 16
/* Batch columns whose scales one pass over X finds: eight tiles of the AVX-512 column kernels, and
 * all of one block of Linear's tokens. A multiple of two tiles of every column kernel. */
#define Q8_GROUP_COLUMNS 128
/* Largest register block of any path: rows × tokens. */
#define Q8_MAX_R 4
#define Q8_MAX_T 4

TK_INLINE int64_t q8_stride(int64_t cols) {
    return (cols + 63) / 64 * 64;
}

/*
 * Sums of rows [0, nr) (codes at w, `stride` apart) against tokens [0, nt) (quantized at q, `qs`
 * apart) over len bytes (a multiple of 64) into out[i][t].
 */
typedef void (*q8_block_fn)(const int8_t *w, int64_t stride, int nr, const uint8_t *q, int64_t qs, int nt,
                            int64_t len, int32_t out[Q8_MAX_R][Q8_MAX_T]);

/* ---------------------------------------------------------------------------------------------- */
/* Quantization (TokenQuantizer) and the int8 driver, shared by every path. */

/* TokenQuantizer.OUTLIER_FACTOR and MAX_OUTLIERS: the entries Java multiplies in float afterwards. */
#define Q8_OUTLIER_FACTOR 6.0f
#define Q8_MAX_OUTLIERS 8

/*
 * Scales of the tile's columns b0 .. b0+nt (nt ≤ Q8_WIDE_TILE), whether each quantizes to zeros, and each one's outliers
 * (at most Q8_MAX_OUTLIERS, count in count[t]): the first entries in index order whose magnitude
 * exceeds Q8_OUTLIER_FACTOR times the column's mean magnitude, summed in float in index order as Java
 * sums it. A scale comes from the largest magnitude among the other entries. X is read a row of the
 * tile at a time ([cols][batch] layout), so each pass streams X once instead of once per column.
 */
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

/*
 * Columns [k0, k0 + len) of the tile's columns into qbuf (column t at t·len, len bytes each): q + bias
 * for the real columns (bias 0: s8, 128: u8), outliers and all-zero columns as q = 0, and 0 past cols.
 */
static void q8_quantize_tile(const void *x, int64_t cols, int64_t batch, int64_t b0, int nt, const float *inverse,
                             const int *zero, int64_t outliers[][Q8_MAX_OUTLIERS], const int *count, int64_t k0,
                             int64_t len, int bias, uint8_t *qbuf) {
    const int64_t end = cols - k0 < len ? cols - k0 : len;
    for (int64_t j = 0; j < end; j++) {
        for (int t = 0; t < nt; t++) {
            if (zero[t]) { /* written below; its values may be NaN, which no int conversion may see */
                continue;
            }
            int32_t q = q8_round(tk_f32(x, (k0 + j) * batch + b0 + t) * inverse[t]);
            q = q < -127 ? -127 : q > 127 ? 127 : q;
            qbuf[t * len + j] = (uint8_t) (q + bias);
        }
    }
    for (int t = 0; t < nt; t++) {
        uint8_t *dst = qbuf + t * len;
        if (zero[t]) {
            memset(dst, bias, (size_t) end);
        }
        memset(dst + end, 0, (size_t) (len - end));
        for (int o = 0; o < count[t]; o++) { /* outliers quantize to 0 */
            if (outliers[t][o] >= k0 && outliers[t][o] < k0 + end) {
                dst[outliers[t][o] - k0] = (uint8_t) bias;
            }
        }
    }
}

/*
 * The output of a finished exact sum, ((float) acc · row_scale[r]) · scale, plus the column's outliers
 * in float, row_scale[r] · Σ_o code·x_o in index order: Q8Patches's outlier pass, operation for
 * operation.
 */
TK_INLINE float q8_output(int32_t acc, float row_scale, float scale, const int8_t *row, const int64_t *outliers,
                          const float *outlier_x, int count) {
    const float p = (float) acc * row_scale;
    float y = p * scale;
    if (count > 0) {
        float sum = 0.0f;
        for (int o = 0; o < count; o++) {
            const float product = (float) row[outliers[o]] * outlier_x[o];
            sum += product;
        }
        const float term = row_scale * sum;
        y = y + term;
    }
    return y;
}

/*
 * The outputs of a block whose sums cover the whole row: ((float) (acc − bias·row_sum) · row_scale) ·
 * scale, as q8_output computes them, four tokens at a time in fixed-width loops the compiler turns
 * into vector code. Outliers are added afterwards by q8_add_outliers.
 */
static void q8_finish_block(const tk_q8_args *a, int32_t out[Q8_MAX_R][Q8_MAX_T], int64_t r0, int nr, int64_t b,
                            int nt, const float *scale, int bias) {
    float s[Q8_MAX_T] = {0};
    memcpy(s, scale, sizeof(float) * (size_t) nt);
    for (int i = 0; i < nr; i++) {
        const int32_t correction = bias * tk_i32(a->row_sum, r0 + i);
        const float rs = tk_f32(a->row_scale, r0 + i);
        float y[Q8_MAX_T];
        for (int t = 0; t < Q8_MAX_T; t++) {
            const float p = (float) (out[i][t] - correction) * rs;
            y[t] = p * s[t];
        }
        memcpy((char *) a->y + 4 * ((r0 + i) * a->batch + b), y, sizeof(float) * (size_t) nt);
    }
}

/* Adds a column's outlier term to rows [r0, r0 + nr) of a finished output, as q8_output does. */
static void q8_add_outliers(const tk_q8_args *a, int64_t r0, int nr, int64_t b, const int64_t *outliers,
                            const float *outlier_x, int count) {
    const int8_t *codes = a->codes;
    const int64_t stride = q8_stride(a->cols);
    for (int i = 0; i < nr; i++) {
        const int64_t r = r0 + i;
        const int64_t slot = r * a->batch + b;
        float sum = 0.0f;
        for (int o = 0; o < count; o++) {
            const float product = (float) codes[r * stride + outliers[o]] * outlier_x[o];
            sum += product;
        }
        const float term = tk_f32(a->row_scale, r) * sum;
        tk_set_f32(a->y, slot, tk_f32(a->y, slot) + term);
    }
}

static void q8_int8(const tk_q8_args *a, q8_block_fn block, int rmax, int tmax, int bias) {
    const int64_t cols = a->cols, batch = a->batch, stride = q8_stride(cols);
    const int8_t *codes = a->codes;
    if (a->row_start >= a->row_end) {
        return;
    }
    if (stride == 0) {
        for (int64_t r = a->row_start; r < a->row_end; r++) {
            for (int64_t b = 0; b < batch; b++) {
                tk_set_f32(a->y, r * batch + b, q8_output(0, tk_f32(a->row_scale, r), 0.0f, codes, NULL, NULL, 0));
            }
        }
        return;
    }
    const int64_t chunk = stride < Q8_TILE_BYTES ? stride : Q8_TILE_BYTES;
    const int64_t tile = Q8_TILE_BYTES / chunk < Q8_MAX_TILE ? Q8_TILE_BYTES / chunk : Q8_MAX_TILE;
    _Alignas(64) uint8_t qbuf[Q8_TILE_BYTES];
    for (int64_t b0 = 0; b0 < batch; b0 += tile) {
        const int nt = (int) (batch - b0 < tile ? batch - b0 : tile);
        float scale[Q8_MAX_TILE], inverse[Q8_MAX_TILE];
        int zero[Q8_MAX_TILE], count[Q8_MAX_TILE];
        int64_t outliers[Q8_MAX_TILE][Q8_MAX_OUTLIERS];
        float outlier_x[Q8_MAX_TILE][Q8_MAX_OUTLIERS];
        q8_tile_scales(a->x, cols, batch, b0, nt, scale, inverse, zero, outliers, outlier_x, count);
        for (int64_t k0 = 0; k0 < stride; k0 += chunk) {
            const int64_t len = stride - k0 < chunk ? stride - k0 : chunk;
            const int first = k0 == 0, last = k0 + len == stride;
            q8_quantize_tile(a->x, cols, batch, b0, nt, inverse, zero, outliers, count, k0, len, bias, qbuf);
            for (int64_t r0 = a->row_start; r0 < a->row_end; r0 += rmax) {
                const int nr = (int) (a->row_end - r0 < rmax ? a->row_end - r0 : rmax);
                for (int t0 = 0; t0 < nt; t0 += tmax) {
                    const int ntt = nt - t0 < tmax ? nt - t0 : tmax;
                    int32_t out[Q8_MAX_R][Q8_MAX_T] = {{0}};
                    block(codes + r0 * stride + k0, stride, nr, qbuf + t0 * len, len, ntt, len, out);
                    if (first && last && ntt > 1) {
                        q8_finish_block(a, out, r0, nr, b0 + t0, ntt, scale + t0, bias);
                        for (int t = 0; t < ntt; t++) {
                            if (count[t0 + t] > 0) {
                                q8_add_outliers(a, r0, nr, b0 + t0 + t, outliers[t0 + t], outlier_x[t0 + t],
                                                count[t0 + t]);
                            }
                        }
                        continue;
                    }
                    for (int i = 0; i < nr; i++) {
                        const int64_t r = r0 + i;
                        for (int t = 0; t < ntt; t++) {
                            const int64_t slot = r * batch + b0 + t0 + t;
                            int32_t acc = out[i][t];
                            if (!first) { /* the earlier chunks' sum waits in Y's slot */
                                int32_t before;
                                memcpy(&before, (char *) a->y + 4 * slot, sizeof before);
                                acc = (int32_t) ((uint32_t) acc + (uint32_t) before);
                            }
                            if (last) {
                                acc -= bias * tk_i32(a->row_sum, r);
                                tk_set_f32(a->y, slot, q8_output(acc, tk_f32(a->row_scale, r), scale[t0 + t],
                                                                 codes + r * stride, outliers[t0 + t],
                                                                 outlier_x[t0 + t], count[t0 + t]));
                            } else {
                                memcpy((char *) a->y + 4 * slot, &acc, sizeof acc);
                            }
                        }
                    }
                }
            }
        }
    }
}

/* Calls fn(args…, R, T) with compile-time constants for nr in 1..4 and nt in 1..TMAX (2 or 4). */
#define Q8_BLOCKS_2(nr, nt, fn, ...)                                                    \
    switch ((nr) * 8 + (nt)) {                                                          \
        case 9: fn(__VA_ARGS__, 1, 1); break;    case 10: fn(__VA_ARGS__, 1, 2); break; \
        case 17: fn(__VA_ARGS__, 2, 1); break;   case 18: fn(__VA_ARGS__, 2, 2); break; \
        case 25: fn(__VA_ARGS__, 3, 1); break;   case 26: fn(__VA_ARGS__, 3, 2); break; \
        case 33: fn(__VA_ARGS__, 4, 1); break;   default: fn(__VA_ARGS__, 4, 2); break; \
    }
#define Q8_BLOCKS_4(nr, nt, fn, ...)                                                    \
    switch ((nr) * 8 + (nt)) {                                                          \
        case 9: fn(__VA_ARGS__, 1, 1); break;    case 10: fn(__VA_ARGS__, 1, 2); break; \
        case 11: fn(__VA_ARGS__, 1, 3); break;   case 12: fn(__VA_ARGS__, 1, 4); break; \
        case 17: fn(__VA_ARGS__, 2, 1); break;   case 18: fn(__VA_ARGS__, 2, 2); break; \
        case 19: fn(__VA_ARGS__, 2, 3); break;   case 20: fn(__VA_ARGS__, 2, 4); break; \
        case 25: fn(__VA_ARGS__, 3, 1); break;   case 26: fn(__VA_ARGS__, 3, 2); break; \
        case 27: fn(__VA_ARGS__, 3, 3); break;   case 28: fn(__VA_ARGS__, 3, 4); break; \
        case 33: fn(__VA_ARGS__, 4, 1); break;   case 34: fn(__VA_ARGS__, 4, 2); break; \
        case 35: fn(__VA_ARGS__, 4, 3); break;   default: fn(__VA_ARGS__, 4, 4); break; \
    }

/* ---------------------------------------------------------------------------------------------- */
/* Float activations, and the portable path. */

static void q8_float_portable(const tk_q8_args *a) {
    const int64_t cols = a->cols, batch = a->batch, stride = q8_stride(cols);
    const int8_t *codes = a->codes;
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int8_t *w = codes + r * stride;
        const float rs = tk_f32(a->row_scale, r);
        if (batch == 1) {
            float acc[8] = {0};
            int64_t j = 0;
            for (; j + 8 <= cols; j += 8) {
                for (int l = 0; l < 8; l++) {
                    acc[l] += (float) w[j + l] * tk_f32(a->x, j + l);
                }
            }
            for (int l = 0; j < cols; j++, l++) {
                acc[l] += (float) w[j] * tk_f32(a->x, j);
            }
            const float s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
            tk_set_f32(a->y, r, s * rs);
            continue;
        }
        for (int64_t b0 = 0; b0 < batch; b0 += TK_BLOCK) {
            const int n = batch - b0 < TK_BLOCK ? (int) (batch - b0) : TK_BLOCK;
            float acc[TK_BLOCK] = {0};
            if (n == TK_BLOCK) {
                for (int64_t j = 0; j < cols; j++) {
                    const float c = (float) w[j];
                    for (int l = 0; l < TK_BLOCK; l++) {
                        acc[l] += c * tk_f32(a->x, j * batch + b0 + l);
                    }
                }
            } else {
                for (int64_t j = 0; j < cols; j++) {
                    const float c = (float) w[j];
                    for (int l = 0; l < n; l++) {
                        acc[l] += c * tk_f32(a->x, j * batch + b0 + l);
                    }
                }
            }
            for (int l = 0; l < n; l++) {
                tk_set_f32(a->y, r * batch + b0 + l, acc[l] * rs);
            }
        }
    }
}

static void q8_block_portable(const int8_t *w, int64_t stride, int nr, const uint8_t *q, int64_t qs, int nt,
                              int64_t len, int32_t out[Q8_MAX_R][Q8_MAX_T]) {
    for (int i = 0; i < nr; i++) {
        for (int t = 0; t < nt; t++) {
            int32_t s = 0;
            for (int64_t k = 0; k < len; k++) {
                s += (int32_t) w[i * stride + k] * (int32_t) (int8_t) q[t * qs + k];
            }
            out[i][t] = s;
        }
    }
}

void tk_q8_portable(const tk_q8_args *a) {
    if (a->int8_activations) {
        q8_int8(a, q8_block_portable, Q8_MAX_R, Q8_MAX_T, 0);
    } else {
        q8_float_portable(a);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* x86-64: AVX2, AVX-VNNI, AVX-512 VNNI. */

#ifdef TK_X86

TK_AVX2_INLINE int32_t q8_hsum8(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/*
 * acc + the products of four byte pairs of q and w a lane. AVX2 has no integer dot product: |w| times
 * q with w's sign (vpmaddubsw; |q| <= 127, so no int16 pair saturates), then pairs of pairs.
 */
TK_AVX2_INLINE __m256i q8_dot_avx2(__m256i acc, __m256i q, __m256i w) {
    const __m256i p = _mm256_maddubs_epi16(_mm256_abs_epi8(w), _mm256_sign_epi8(q, w));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, _mm256_set1_epi16(1)));
}

/*
 * A register block of the ymm paths (see q8_block_fn), 32 codes a step, and its dispatcher over
 * R × T up to 4 × 2: name##_rt and name, compiled for ATTR. DOT(acc, q, w) adds the products of four
 * byte pairs of activations q and codes w to each int32 lane of acc; it is all AVX2 and AVX-VNNI
 * differ in.
 */
#define Q8_YMM_BLOCK_KERNEL(ATTR, name, DOT)                                                                   \
    ATTR TK_INLINE void name##_rt(const int8_t *w, int64_t stride, const uint8_t *q, int64_t qs, int64_t len, \
                                  int32_t out[Q8_MAX_R][Q8_MAX_T], const int R, const int T) {                \
        __m256i acc[4][2];                                                                                     \
        for (int i = 0; i < R; i++) {                                                                          \
            for (int t = 0; t < T; t++) {                                                                      \
                acc[i][t] = _mm256_setzero_si256();                                                            \
            }                                                                                                  \
        }                                                                                                      \
        for (int64_t k = 0; k < len; k += 32) {                                                                \
            __m256i qv[2];                                                                                     \
            for (int t = 0; t < T; t++) {                                                                      \
                qv[t] = _mm256_load_si256((const __m256i *) (q + t * qs + k));                                 \
            }                                                                                                  \
            for (int i = 0; i < R; i++) {                                                                      \
                const __m256i wv = _mm256_loadu_si256((const __m256i *) (w + i * stride + k));                 \
                for (int t = 0; t < T; t++) {                                                                  \
                    acc[i][t] = DOT(acc[i][t], qv[t], wv);                                                     \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        for (int i = 0; i < R; i++) {                                                                          \
            for (int t = 0; t < T; t++) {                                                                      \
                out[i][t] = q8_hsum8(acc[i][t]);                                                               \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
                                                                                                               \
    ATTR static void name(const int8_t *w, int64_t stride, int nr, const uint8_t *q, int64_t qs, int nt,       \
                          int64_t len, int32_t out[Q8_MAX_R][Q8_MAX_T]) {                                      \
        Q8_BLOCKS_2(nr, nt, name##_rt, w, stride, q, qs, len, out)                                             \
    }

Q8_YMM_BLOCK_KERNEL(TK_AVX2, q8_block_avx2, q8_dot_avx2)

/*
 * Float activations: row r (codes w, scale rs) at nv vectors of 8 batch columns from b0, the last under
 * mask m when `masked`.
 */
TK_AVX2_INLINE void q8_float_block_avx2(const tk_q8_args *a, const int8_t *w, int64_t r, __m256 rs, int64_t b0,
                                        const int nv, const int masked, __m256i m) {
    const int64_t batch = a->batch;
    __m256 acc[4];
    for (int v = 0; v < nv; v++) {
        acc[v] = _mm256_setzero_ps();
    }
    for (int64_t j = 0; j < a->cols; j++) {
        const __m256 c = _mm256_set1_ps((float) w[j]);
        for (int v = 0; v < nv; v++) {
            const __m256 xv = tk8_load_block(a->x, j * batch + b0 + 8 * v, v, nv, masked, m);
            acc[v] = _mm256_fmadd_ps(c, xv, acc[v]);
        }
    }
    for (int v = 0; v < nv; v++) {
        tk8_store_block(a->y, r * batch + b0 + 8 * v, v, nv, masked, m, _mm256_mul_ps(acc[v], rs));
    }
}

TK_AVX2 static void q8_float_avx2(const tk_q8_args *a) {
    const int64_t cols = a->cols, batch = a->batch, stride = q8_stride(cols);
    const int8_t *codes = a->codes;
    for (int64_t r = a->row_start; r < a->row_end; r++) {
        const int8_t *w = codes + r * stride;
        const __m256 rs = _mm256_set1_ps(tk_f32(a->row_scale, r));
        if (batch == 1) {
            /* codes are padded to 64, so 8 codes from any j < cols lie inside the row */
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            int64_t j = 0;
            for (; j + 32 <= cols; j += 32) {
                const __m256i c = _mm256_loadu_si256((const __m256i *) (w + j));
                const __m128i lo = _mm256_castsi256_si128(c), hi = _mm256_extracti128_si256(c, 1);
                acc[0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo)), tk8_load(a->x, j), acc[0]);
                acc[1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8))),
                                         tk8_load(a->x, j + 8), acc[1]);
                acc[2] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi)), tk8_load(a->x, j + 16), acc[2]);
                acc[3] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8))),
                                         tk8_load(a->x, j + 24), acc[3]);
            }
            for (int v = 0; j < cols; j += 8, v++) {
                const __m256 c = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *) (w + j))));
                const __m256 xv = cols - j >= 8 ? tk8_load(a->x, j) : tk8_load_masked(a->x, j, tk8_mask(cols - j));
                acc[v] = _mm256_fmadd_ps(c, xv, acc[v]);
            }
            const float s = tk8_sum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3])));
            tk_set_f32(a->y, r, s * tk_f32(a->row_scale, r));
            continue;
        }
        TK_AVX2_BATCHED(batch, q8_float_block_avx2, a, w, r, rs);
    }
}

/*
 * The column kernel (see the AVX-512 VNNI one below) with eight batch columns in a ymm: tiles of
 * eight columns, 32 bytes per four k. Quantization and finishing are shared by the AVX2 path (s8
 * activations, bias 0) and the AVX-VNNI path (u8, bias 128); each path brings its row blocks.
 */
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

/*
 * A tile's outliers by channel, for the column kernels to add while each finished row is still in
 * registers: the union of the columns' outlier indices in ascending order, and for each channel the
 * activations of the columns that have it, +0 in the other lanes. Each column's own outliers keep
 * their index order, so a lane adds q8_output's products in q8_output's order, and the others add
 * ±0 to a sum that started at +0 and so can never be −0: a no-op, with no mask needed. Adding the
 * finished term does need one (`any`): an output may be −0, and −0 + +0 is +0.
 */
typedef struct {
    int n;
    uint32_t any; /* columns with at least one outlier */
    int64_t channel[Q8_WIDE_TILE * Q8_MAX_OUTLIERS];
    /*
     * Where a gather finds each channel's code in a row: the int32 at byte `word` (channel − 3, or 0
     * for the first three channels, so it never reads past the channel nor before the row) holds it
     * in its top byte once shifted left by `shift` bits.
     */
    int32_t word[Q8_WIDE_TILE * Q8_MAX_OUTLIERS], shift[Q8_WIDE_TILE * Q8_MAX_OUTLIERS];
    _Alignas(64) float x[Q8_WIDE_TILE * Q8_MAX_OUTLIERS][Q8_WIDE_TILE];
} q8_tile_outliers;

static void q8_plan_outliers(int nt, int64_t outliers[][Q8_MAX_OUTLIERS], float outlier_x[][Q8_MAX_OUTLIERS],
                             const int *count, q8_tile_outliers *plan) {
    int next[Q8_WIDE_TILE] = {0}; /* each column's first outlier not yet merged */
    plan->n = 0;
    plan->any = 0;
    for (;;) {
        int64_t lowest = INT64_MAX;
        for (int t = 0; t < nt; t++) {
            if (next[t] < count[t] && outliers[t][next[t]] < lowest) {
                lowest = outliers[t][next[t]];
            }
        }
        if (lowest == INT64_MAX) {
            return;
        }
        const int u = plan->n++;
        plan->channel[u] = lowest;
        plan->word[u] = (int32_t) (lowest >= 3 ? lowest - 3 : 0);
        plan->shift[u] = (int32_t) (24 - 8 * (lowest - plan->word[u]));
        for (int t = 0; t < Q8_WIDE_TILE; t++) {
            plan->x[u][t] = 0.0f;
            if (t < nt && next[t] < count[t] && outliers[t][next[t]] == lowest) {
                plan->x[u][t] = outlier_x[t][next[t]++];
                plan->any |= 1u << t;
            }
        }
    }
}

/* Rows [r0, r0 + nr) of one tile and chunk, nr ≤ 12: a path's row blocks, sums finished (outliers
 * included) or kept in Y. */
typedef void (*q8_column_rows_fn)(const tk_q8_args *a, int64_t r0, int nr, int64_t k0, const uint8_t *q,
                                  int64_t len, int64_t b0, int nt, const float *scale, const q8_tile_outliers *plan,
                                  int first, int last);

/* Rows [r0, r0 + nr) of two neighbouring tiles (columns b0 .. b0 + nt[0] and b0 + tile .. + nt[1]) at once. */
typedef void (*q8_column_pair_fn)(const tk_q8_args *a, int64_t r0, int nr, int64_t k0, const uint8_t *const q[2],
                                  int64_t len, int64_t b0, const int nt[2], const float *const scale[2],
                                  const q8_tile_outliers *const plan[2], int first, int last);

/*
 * What a column kernel brings to the shared driver: its tile width, code offset, row block and steps.
 * `scales` finds the quantization parameters of the group of nc ≤ Q8_GROUP_COLUMNS columns from b0.
 */
typedef struct {
    int tile;  /* batch columns per tile: the lanes of one vector of int32 sums */
    int bias;  /* 0: s8 activations, 128: u8 */
    int block; /* rows per register block */
    void (*scales)(const void *x, int64_t cols, int64_t batch, int64_t b0, int nt, float *scale, float *inverse,
                   int *zero, int64_t outliers[][Q8_MAX_OUTLIERS], float outlier_x[][Q8_MAX_OUTLIERS], int *count);
    void (*quantize)(const void *x, int64_t cols, int64_t batch, int64_t b0, int nt, const float *inverse,
                     const int *zero, int64_t outliers[][Q8_MAX_OUTLIERS], const int *count, int64_t k0, int64_t len,
                     int bias, uint8_t *qbuf);
    q8_column_rows_fn rows;
    q8_column_pair_fn pair; /* two tiles per pass over the rows, or NULL */
} q8_column_path;

/*
 * The quantization parameters of a group of batch columns, indexed by column from the group's first:
 * scales, all-zero columns, outliers. Scales and inverses past the group's columns stay 0, so a
 * tile's full vector of them can be loaded.
 */
typedef struct {
    float scale[Q8_GROUP_COLUMNS], inverse[Q8_GROUP_COLUMNS];
    int zero[Q8_GROUP_COLUMNS], count[Q8_GROUP_COLUMNS];
    int64_t outliers[Q8_GROUP_COLUMNS][Q8_MAX_OUTLIERS];
    float outlier_x[Q8_GROUP_COLUMNS][Q8_MAX_OUTLIERS];
} q8_column_group;

/*
 * Int8 activations through a column kernel: groups of up to Q8_GROUP_COLUMNS batch columns, whose
 * scales one pass over X finds; then tiles of path->tile columns, each quantized once into the
 * interleaved layout (K cut into chunks that fit the buffer), and every row of the range in the path's
 * row blocks, which add the outliers as they finish each row. A path with a pair kernel takes two
 * tiles per pass over the rows, so each code loaded from W feeds twice the columns. The sums, and the
 * two float multiplications that finish them, are those of q8_int8, so the result has the same bits.
 */
static void q8_int8_columns(const tk_q8_args *a, const q8_column_path *path) {
    const int64_t batch = a->batch, stride = q8_stride(a->cols);
    const int64_t chunk = stride < Q8_TILE_BYTES / path->tile ? stride : Q8_TILE_BYTES / path->tile;
    const int tile = path->tile, per_pass = path->pair != NULL ? 2 : 1;
    _Alignas(64) uint8_t qbuf[2][Q8_TILE_BYTES];
    q8_column_group group;
    q8_tile_outliers plans[2];
    for (int64_t g0 = 0; g0 < batch; g0 += Q8_GROUP_COLUMNS) {
        const int nc = (int) (batch - g0 < Q8_GROUP_COLUMNS ? batch - g0 : Q8_GROUP_COLUMNS);
        memset(group.scale, 0, sizeof group.scale);
        memset(group.inverse, 0, sizeof group.inverse);
        path->scales(a->x, a->cols, batch, g0, nc, group.scale, group.inverse, group.zero, group.outliers,
                     group.outlier_x, group.count);
        for (int c0 = 0; c0 < nc; c0 += per_pass * tile) {
            const int first_column[2] = {c0, c0 + tile};
            int nt[2] = {nc - c0 < tile ? nc - c0 : tile, 0};
            if (per_pass == 2 && first_column[1] < nc) {
                nt[1] = nc - first_column[1] < tile ? nc - first_column[1] : tile;
            }
            const int count = nt[1] > 0 ? 2 : 1;
            for (int t = 0; t < count; t++) {
                const int c = first_column[t];
                q8_plan_outliers(nt[t], group.outliers + c, group.outlier_x + c, group.count + c, &plans[t]);
            }
            const uint8_t *const q[2] = {qbuf[0], qbuf[1]};
            const float *const scale[2] = {group.scale + c0, count == 2 ? group.scale + first_column[1] : NULL};
            const q8_tile_outliers *const plan[2] = {&plans[0], &plans[1]};
            for (int64_t k0 = 0; k0 < stride; k0 += chunk) {
                const int64_t len = stride - k0 < chunk ? stride - k0 : chunk;
                for (int t = 0; t < count; t++) {
                    const int c = first_column[t];
                    path->quantize(a->x, a->cols, batch, g0 + c, nt[t], group.inverse + c, group.zero + c,
                                   group.outliers + c, group.count + c, k0, len, path->bias, qbuf[t]);
                }
                for (int64_t r0 = a->row_start; r0 < a->row_end; r0 += path->block) {
                    const int nr = (int) (a->row_end - r0 < path->block ? a->row_end - r0 : path->block);
                    if (count == 2) {
                        path->pair(a, r0, nr, k0, q, len, g0 + c0, nt, scale, plan, k0 == 0, k0 + len == stride);
                    } else {
                        path->rows(a, r0, nr, k0, qbuf[0], len, g0 + c0, nt[0], scale[0], plan[0], k0 == 0,
                                   k0 + len == stride);
                    }
                }
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
 * The end of a row block: partial sums into Y's slots, or the finished outputs with their outliers,
 * as q8_output finishes them (see q8_tile_outliers).
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
        const int8_t *row = (const int8_t *) a->codes + r * q8_stride(a->cols);
        __m256 sum = _mm256_setzero_ps();
        for (int u = 0; u < plan->n; u++) {
            const __m256 code = _mm256_set1_ps((float) row[plan->channel[u]]);
            const __m256 product = _mm256_mul_ps(code, _mm256_load_ps(plan->x[u]));
            sum = _mm256_add_ps(sum, product);
        }
        y = _mm256_blendv_ps(y, _mm256_add_ps(y, _mm256_mul_ps(row_scale, sum)), q8_columns8_mask(plan->any));
    }
    _mm256_maskstore_ps((float *) out, lanes, y);
}

/*
 * The column block of the ymm paths (see q8_column_rows_fn): four k of one row broadcast against
 * four k of each of the tile's eight columns, R rows at once, up to ROWS_UP_TO's limit: name##_rt and
 * its dispatcher name, compiled for ATTR. DOT as in Q8_YMM_BLOCK_KERNEL; bias: the offset the path's
 * quantized activations carry (128 for vpdpbusd's u8).
 */
#define Q8_COLUMNS8_KERNEL(ATTR, name, DOT, bias, ROWS_UP_TO)                                                  \
    ATTR TK_INLINE void name##_rt(const tk_q8_args *a, int64_t r0, int64_t k0, const uint8_t *q, int64_t len, \
                                  int64_t b0, int nt, const float *scale, const q8_tile_outliers *plan,      \
                                  int first, int last, const int R) {                                        \
        const int64_t stride = q8_stride(a->cols);                                                             \
        const int8_t *w = (const int8_t *) a->codes + r0 * stride + k0;                                        \
        const __m256i lanes = tk8_mask(nt);                                                                    \
        __m256i acc[12];                                                                                       \
        for (int i = 0; i < R; i++) {                                                                          \
            acc[i] = first ? _mm256_setzero_si256()                                                            \
                           : _mm256_maskload_epi32(                                                            \
                                     (const int *) ((const char *) a->y + 4 * ((r0 + i) * a->batch + b0)),     \
                                     lanes);                                                                   \
        }                                                                                                      \
        for (int64_t k = 0; k < len; k += 4) {                                                                 \
            const __m256i xq = _mm256_load_si256((const __m256i *) (q + k * 8));                               \
            for (int i = 0; i < R; i++) {                                                                      \
                int32_t quad;                                                                                  \
                memcpy(&quad, w + i * stride + k, sizeof quad);                                                \
                acc[i] = DOT(acc[i], xq, _mm256_set1_epi32(quad));                                             \
            }                                                                                                  \
        }                                                                                                      \
        const __m256 scales = _mm256_loadu_ps(scale);                                                          \
        for (int i = 0; i < R; i++) {                                                                          \
            q8_columns8_store(a, r0 + i, acc[i], b0, lanes, scales, plan, bias, last);                         \
        }                                                                                                      \
    }                                                                                                          \
                                                                                                               \
    ATTR static void name(const tk_q8_args *a, int64_t r0, int nr, int64_t k0, const uint8_t *q, int64_t len,  \
                          int64_t b0, int nt, const float *scale, const q8_tile_outliers *plan, int first,     \
                          int last) {                                                                          \
        ROWS_UP_TO(nr, name##_rt, a, r0, k0, q, len, b0, nt, scale, plan, first, last)                         \
    }

Q8_COLUMNS8_KERNEL(TK_AVX2, q8_columns8_rows_avx2, q8_dot_avx2, 0, TK_ROWS_UP_TO_8)

/*
 * Below these many batch columns the row kernels' K-in-lanes blocks waste fewer lanes (measured on
 * an AMD EPYC with both paths; AVX2's column block has no integer dot product to gain from).
 */
#define Q8_AVX2_COLUMN_MIN_BATCH 8
#define Q8_AVXVNNI_COLUMN_MIN_BATCH 6

void tk_q8_avx2(const tk_q8_args *a) {
    if (!a->int8_activations) {
        q8_float_avx2(a);
    } else if (a->batch >= Q8_AVX2_COLUMN_MIN_BATCH && a->cols > 0 && a->row_start < a->row_end) {
        static const q8_column_path path = {Q8_NARROW_TILE, 0, 8, q8_group_scales_avx2, q8_quantize_columns_avx2,
                                            q8_columns8_rows_avx2, NULL};
        q8_int8_columns(a, &path);
    } else {
        q8_int8(a, q8_block_avx2, 4, 2, 0);
    }
}

#define TK_AVX_VNNI __attribute__((target("avx2,fma,avxvnni")))

/* vpdpbusd: u8 activations (the codes + 128) against s8 weight codes. */
TK_AVX_VNNI TK_INLINE __m256i q8_dot_avxvnni(__m256i acc, __m256i q, __m256i w) {
    return _mm256_dpbusd_avx_epi32(acc, q, w);
}

Q8_YMM_BLOCK_KERNEL(TK_AVX_VNNI, q8_block_avxvnni, q8_dot_avxvnni)
Q8_COLUMNS8_KERNEL(TK_AVX_VNNI, q8_columns8_rows_avxvnni, q8_dot_avxvnni, 128, TK_ROWS_UP_TO_12)

void tk_q8_avxvnni(const tk_q8_args *a) {
    if (!a->int8_activations) {
        q8_float_avx2(a);
    } else if (a->batch >= Q8_AVXVNNI_COLUMN_MIN_BATCH && a->cols > 0 && a->row_start < a->row_end) {
        static const q8_column_path path = {Q8_NARROW_TILE, 128, 12, q8_group_scales_avx2, q8_quantize_columns_avx2,
                                            q8_columns8_rows_avxvnni, NULL};
        q8_int8_columns(a, &path);
    } else {
        q8_int8(a, q8_block_avxvnni, 4, 2, 128);
    }
}

#define TK_AVX512_VNNI __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni")))

/*
 * out[i][t] = the sum of acc[i][t]'s lanes for all sixteen accumulators at once, in a tree of 128-bit
 * lane shuffles and adds: halves of token pairs, then quarters of all four tokens of a row, then the
 * four ints of each quarter across rows, so the result comes out token-major and one permutation
 * puts it row-major. Accumulators outside R × T are zero.
 */
TK_AVX512_VNNI TK_INLINE void q8_sums_avx512vnni(__m512i acc[4][4], const int R, const int T,
                                                 int32_t out[Q8_MAX_R][Q8_MAX_T]) {
    if (T < 3) { /* batch 1 and narrow edge blocks: few sums, where plain reductions are shorter */
        for (int i = 0; i < R; i++) {
            for (int t = 0; t < T; t++) {
                out[i][t] = _mm512_reduce_add_epi32(acc[i][t]);
            }
        }
        return;
    }
    __m512i quarters[4];
    for (int i = 0; i < 4; i++) {
        __m512i half[2];
        for (int h = 0; h < 2; h++) {
            const __m512i a = acc[i][2 * h], b = acc[i][2 * h + 1];
            half[h] = _mm512_add_epi32(_mm512_shuffle_i64x2(a, b, 0x44), _mm512_shuffle_i64x2(a, b, 0xEE));
        }
        quarters[i] = _mm512_add_epi32(_mm512_shuffle_i64x2(half[0], half[1], 0x88),
                                       _mm512_shuffle_i64x2(half[0], half[1], 0xDD));
    }
    const __m512i u = _mm512_add_epi32(_mm512_unpacklo_epi32(quarters[0], quarters[1]),
                                       _mm512_unpackhi_epi32(quarters[0], quarters[1]));
    const __m512i v = _mm512_add_epi32(_mm512_unpacklo_epi32(quarters[2], quarters[3]),
                                       _mm512_unpackhi_epi32(quarters[2], quarters[3]));
    const __m512i token_major = _mm512_add_epi32(_mm512_unpacklo_epi64(u, v), _mm512_unpackhi_epi64(u, v));
    const __m512i row_major = _mm512_permutexvar_epi32(
            _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), token_major);
    _mm512_storeu_si512((void *) out, row_major);
}

TK_AVX512_VNNI TK_INLINE void q8_block_avx512vnni_rt(const int8_t *w, int64_t stride, const uint8_t *q, int64_t qs,
                                                     int64_t len, int32_t out[Q8_MAX_R][Q8_MAX_T], const int R,
                                                     const int T) {
    __m512i acc[4][4];
    for (int i = 0; i < 4; i++) {
        for (int t = 0; t < 4; t++) {
            acc[i][t] = _mm512_setzero_si512();
        }
    }
    for (int64_t k = 0; k < len; k += 64) {
        __m512i qv[4];
        for (int t = 0; t < T; t++) {
            qv[t] = _mm512_load_si512((const void *) (q + t * qs + k));
        }
        for (int i = 0; i < R; i++) {
            const __m512i wv = _mm512_loadu_si512((const void *) (w + i * stride + k));
            for (int t = 0; t < T; t++) {
                acc[i][t] = _mm512_dpbusd_epi32(acc[i][t], qv[t], wv);
            }
        }
    }
    q8_sums_avx512vnni(acc, R, T, out);
}

TK_AVX512_VNNI static void q8_block_avx512vnni(const int8_t *w, int64_t stride, int nr, const uint8_t *q,
                                               int64_t qs, int nt, int64_t len, int32_t out[Q8_MAX_R][Q8_MAX_T]) {
    Q8_BLOCKS_4(nr, nt, q8_block_avx512vnni_rt, w, stride, q, qs, len, out)
}

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
    float sums[Q8_GROUP_COLUMNS] = {0}, threshold[Q8_GROUP_COLUMNS] = {0}, max[Q8_GROUP_COLUMNS];
    int bad[Q8_GROUP_COLUMNS];
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

/*
 * Rows [r, r + R) against the tile's sixteen columns over len bytes: four k of one row broadcast as an
 * int32 against four k of every column, so the sums land with the batch in the lanes and need no
 * horizontal reduction. Twelve accumulators keep vpdpbusd, not loads, the limit.
 */
TK_AVX512_VNNI TK_INLINE void q8_columns_block_rt(const int8_t *w, int64_t stride, const uint8_t *q, int64_t len,
                                                  __m512i acc[12], const int R) {
    for (int64_t k = 0; k < len; k += 4) {
        const __m512i xq = _mm512_load_si512((const void *) (q + k * 16));
        for (int i = 0; i < R; i++) {
            int32_t quad;
            memcpy(&quad, w + i * stride + k, sizeof quad);
            acc[i] = _mm512_dpbusd_epi32(acc[i], xq, _mm512_set1_epi32(quad));
        }
    }
}

/*
 * Rows [r, r + R) × the two tiles' columns (up to 32) over len bytes: q8_columns_block_rt with each
 * broadcast code quad feeding both tiles' accumulators (two per row), so W is read once for twice the
 * columns. Every sum is the same int32 sum as the one-tile kernel's. R is at most 8, the largest
 * block TK_ROWS_UP_TO_8 instantiates; the driver passes Q8_PAIR_ROWS.
 */
TK_AVX512_VNNI TK_INLINE void q8_columns_block2_rt(const int8_t *w, int64_t stride, const uint8_t *q0,
                                                   const uint8_t *q1, int64_t len, __m512i acc[8][2], const int R) {
    for (int64_t k = 0; k < len; k += 4) {
        const __m512i x0 = _mm512_load_si512((const void *) (q0 + k * 16));
        const __m512i x1 = _mm512_load_si512((const void *) (q1 + k * 16));
        for (int i = 0; i < R; i++) {
            int32_t quad;
            memcpy(&quad, w + i * stride + k, sizeof quad);
            const __m512i wv = _mm512_set1_epi32(quad);
            acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], x0, wv);
            acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], x1, wv);
        }
    }
}

/*
 * Rows [r, r + R) of the tile at b0 from their sums acc[0 .. R) (R ≤ 12): kept in Y, or finished into
 * Y as q8_output finishes them (see q8_columns8_store). The rows' outlier terms are summed side by
 * side, channel by channel, so R chains of float additions overlap instead of running one after
 * another (a tile of real activations has about 18 outlier channels); each row's chain is the same
 * sequence of roundings as q8_output's, so the bits are too.
 */
TK_AVX512_VNNI TK_INLINE void q8_columns_finish(const tk_q8_args *a, int64_t r, const __m512i *acc, int64_t b0,
                                                __mmask16 lanes, __m512 scale, const q8_tile_outliers *plan,
                                                int last, const int R) {
    const int64_t stride = q8_stride(a->cols);
    char *out = (char *) a->y + 4 * (r * a->batch + b0);
    const int64_t out_stride = 4 * a->batch;
    if (!last) { /* the earlier chunks' sums wait in Y's slots */
        for (int i = 0; i < R; i++) {
            _mm512_mask_storeu_epi32(out + i * out_stride, lanes, acc[i]);
        }
        return;
    }
    __m512 sum[12];
    for (int i = 0; i < R; i++) {
        sum[i] = _mm512_setzero_ps();
    }
    if (plan->n > 0) {
        /* the rows' codes at the plan's channels as floats, sixteen channels a gather */
        _Alignas(64) float code[12][Q8_WIDE_TILE * Q8_MAX_OUTLIERS];
        const int8_t *row = (const int8_t *) a->codes + r * stride;
        for (int u = 0; u < plan->n; u += 16) {
            const __mmask16 some = plan->n - u >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (plan->n - u)) - 1);
            const __m512i word = _mm512_maskz_loadu_epi32(some, plan->word + u);
            const __m512i shift = _mm512_maskz_loadu_epi32(some, plan->shift + u);
            for (int i = 0; i < R; i++) {
                const __m512i held = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), some, word,
                                                                 (const void *) (row + i * stride), 1);
                const __m512i codes = _mm512_srai_epi32(_mm512_sllv_epi32(held, shift), 24);
                _mm512_store_ps(&code[i][u], _mm512_cvtepi32_ps(codes));
            }
        }
        for (int u = 0; u < plan->n; u++) {
            const __m512 x = _mm512_load_ps(plan->x[u]);
            for (int i = 0; i < R; i++) {
                sum[i] = _mm512_add_ps(sum[i], _mm512_mul_ps(_mm512_set1_ps(code[i][u]), x));
            }
        }
    }
    for (int i = 0; i < R; i++) {
        const __m512i exact = _mm512_sub_epi32(acc[i], _mm512_set1_epi32(128 * tk_i32(a->row_sum, r + i)));
        const __m512 row_scale = _mm512_set1_ps(tk_f32(a->row_scale, r + i));
        __m512 y = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(exact), row_scale), scale);
        if (plan->n > 0) {
            y = _mm512_mask_add_ps(y, (__mmask16) plan->any, y, _mm512_mul_ps(row_scale, sum[i]));
        }
        _mm512_mask_storeu_ps(out + i * out_stride, lanes, y);
    }
}

/* Row r's partial sums for the tile at b0: zero at the first chunk, else what the earlier chunks left in Y. */
TK_AVX512_VNNI TK_INLINE __m512i q8_columns_start(const tk_q8_args *a, int64_t r, int64_t b0, __mmask16 lanes,
                                                  int first) {
    return first ? _mm512_setzero_si512() : _mm512_maskz_loadu_epi32(lanes, (const char *) a->y + 4 * (r * a->batch + b0));
}

/* Rows [r0, r0 + R) of one tile and chunk: start from zero or Y's partial sums, end in Y. */
TK_AVX512_VNNI TK_INLINE void q8_columns_rows_rt(const tk_q8_args *a, int64_t r0, int64_t k0, const uint8_t *q,
                                                 int64_t len, int64_t b0, __mmask16 lanes, __m512 scale,
                                                 const q8_tile_outliers *plan, int first, int last, const int R) {
    const int64_t stride = q8_stride(a->cols);
    __m512i acc[12];
    for (int i = 0; i < R; i++) {
        acc[i] = q8_columns_start(a, r0 + i, b0, lanes, first);
    }
    q8_columns_block_rt((const int8_t *) a->codes + r0 * stride + k0, stride, q, len, acc, R);
    q8_columns_finish(a, r0, acc, b0, lanes, scale, plan, last, R);
}

TK_AVX512_VNNI static void q8_columns_rows_avx512vnni(const tk_q8_args *a, int64_t r0, int nr, int64_t k0,
                                                      const uint8_t *q, int64_t len, int64_t b0, int nt,
                                                      const float *scale, const q8_tile_outliers *plan, int first,
                                                      int last) {
    const __mmask16 lanes = (__mmask16) ((1u << nt) - 1);
    const __m512 scales = _mm512_loadu_ps(scale);
    TK_ROWS_UP_TO_12(nr, q8_columns_rows_rt, a, r0, k0, q, len, b0, lanes, scales, plan, first, last)
}

/*
 * Rows per register block of the two-tile kernel: 12 accumulators. Twelve rows (24 accumulators) left
 * too few registers and ran at 176 GMAC/s, against 265 for one tile of twelve rows and 325 for two
 * tiles of six (1536 x 384 codes, 128 columns, AMD EPYC); eight rows ran at 322.
 */
#define Q8_PAIR_ROWS 6

/* Rows [r0, r0 + R) of two tiles and one chunk, as q8_columns_rows_rt does each. */
TK_AVX512_VNNI TK_INLINE void q8_columns_pair_rt(const tk_q8_args *a, int64_t r0, int64_t k0, const uint8_t *const q[2],
                                                 int64_t len, int64_t b0, const __mmask16 lanes[2],
                                                 const __m512 scale[2], const q8_tile_outliers *const plan[2],
                                                 int first, int last, const int R) {
    const int64_t stride = q8_stride(a->cols);
    const int64_t b1 = b0 + Q8_WIDE_TILE;
    __m512i acc[8][2];
    for (int i = 0; i < R; i++) {
        acc[i][0] = q8_columns_start(a, r0 + i, b0, lanes[0], first);
        acc[i][1] = q8_columns_start(a, r0 + i, b1, lanes[1], first);
    }
    q8_columns_block2_rt((const int8_t *) a->codes + r0 * stride + k0, stride, q[0], q[1], len, acc, R);
    __m512i tile0[8], tile1[8];
    for (int i = 0; i < R; i++) {
        tile0[i] = acc[i][0];
        tile1[i] = acc[i][1];
    }
    q8_columns_finish(a, r0, tile0, b0, lanes[0], scale[0], plan[0], last, R);
    q8_columns_finish(a, r0, tile1, b1, lanes[1], scale[1], plan[1], last, R);
}

TK_AVX512_VNNI static void q8_columns_pair_avx512vnni(const tk_q8_args *a, int64_t r0, int nr, int64_t k0,
                                                      const uint8_t *const q[2], int64_t len, int64_t b0,
                                                      const int nt[2], const float *const scale[2],
                                                      const q8_tile_outliers *const plan[2], int first, int last) {
    const __mmask16 lanes[2] = {(__mmask16) ((1u << nt[0]) - 1), (__mmask16) ((1u << nt[1]) - 1)};
    const __m512 scales[2] = {_mm512_loadu_ps(scale[0]), _mm512_loadu_ps(scale[1])};
    for (int i = 0; i < nr; i += Q8_PAIR_ROWS) {
        TK_ROWS_UP_TO_8(nr - i < Q8_PAIR_ROWS ? nr - i : Q8_PAIR_ROWS, q8_columns_pair_rt, a, r0 + i, k0, q, len, b0, lanes, scales, plan, first, last)
    }
}

/* Below this many batch columns the row kernel's K-in-lanes blocks waste fewer lanes. */
#define Q8_COLUMN_MIN_BATCH 7

void tk_q8_avx512vnni(const tk_q8_args *a) {
    if (!a->int8_activations) {
        q8_float_avx2(a);
    } else if (a->batch >= Q8_COLUMN_MIN_BATCH && a->cols > 0 && a->row_start < a->row_end) {
        static const q8_column_path path = {Q8_WIDE_TILE, 128, 12, q8_group_scales_avx512vnni,
                                            q8_quantize_columns_avx512vnni, q8_columns_rows_avx512vnni,
                                            q8_columns_pair_avx512vnni};
        q8_int8_columns(a, &path);
    } else {
        q8_int8(a, q8_block_avx512vnni, 4, 4, 128);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* AMX: the column kernel's interleaved tile is AMX's B operand as it stands. */

#define TK_AMX __attribute__((target("avx2,fma,avx512f,avx512bw,avx512vnni,amx-tile,amx-int8")))

/*
 * Tiles, fixed for the whole call: C (int32 sums, 16 rows × 16 batch columns) in 0-3, A (16 rows of
 * W, 64 codes each, read in place at W's stride) in 4-5, B (64 k of one column tile: 16 rows of four k
 * × 16 columns, the interleaved layout) in 6-7. Every tile is 16 rows of 64 bytes.
 */
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} q8_amx_config;

TK_AMX static void q8_amx_configure(void) {
    _Alignas(64) q8_amx_config config;
    memset(&config, 0, sizeof config);
    config.palette = 1;
    for (int t = 0; t < 8; t++) {
        config.rows[t] = 16;
        config.colsb[t] = 64;
    }
    _tile_loadconfig(&config);
}

/* Rows of W one A tile covers, and rows finished together (their outlier chains side by side). */
#define Q8_AMX_ROWS 16
#define Q8_AMX_FINISH_ROWS 8

/*
 * The sums of RA·16 rows of W (from w, `stride` apart) against TB column tiles (q[0], q[1]) over len
 * bytes (a multiple of 64) into c[row][16·tile + column]: tdpbsud, s8 codes against the u8
 * activations, the exact int32 sums the VNNI kernels compute.
 */
TK_AMX TK_INLINE void q8_amx_block(const int8_t *w, int64_t stride, const uint8_t *const q[2], int64_t len,
                                   int32_t c[2 * Q8_AMX_ROWS][2 * Q8_WIDE_TILE], const int RA, const int TB) {
    _tile_zero(0);
    if (TB == 2) {
        _tile_zero(1);
    }
    if (RA == 2) {
        _tile_zero(2);
        if (TB == 2) {
            _tile_zero(3);
        }
    }
    for (int64_t k = 0; k < len; k += 64) {
        _tile_loadd(4, w + k, stride);
        _tile_loadd(6, q[0] + k * Q8_WIDE_TILE, 64);
        _tile_dpbsud(0, 4, 6);
        if (TB == 2) {
            _tile_loadd(7, q[1] + k * Q8_WIDE_TILE, 64);
            _tile_dpbsud(1, 4, 7);
        }
        if (RA == 2) {
            _tile_loadd(5, w + Q8_AMX_ROWS * stride + k, stride);
            _tile_dpbsud(2, 5, 6);
            if (TB == 2) {
                _tile_dpbsud(3, 5, 7);
            }
        }
    }
    const int64_t ldc = sizeof c[0];
    _tile_stored(0, &c[0][0], ldc);
    if (TB == 2) {
        _tile_stored(1, &c[0][Q8_WIDE_TILE], ldc);
    }
    if (RA == 2) {
        _tile_stored(2, &c[Q8_AMX_ROWS][0], ldc);
        if (TB == 2) {
            _tile_stored(3, &c[Q8_AMX_ROWS][Q8_WIDE_TILE], ldc);
        }
    }
}

/*
 * Rows [r0, r0 + nr) of TB column tiles and one chunk in AMX blocks of 32 and 16 rows, each sum added
 * to Y's partial sums (after the first chunk) and finished as the VNNI column kernel finishes it; the
 * last nr % 16 rows go to that kernel.
 */
TK_AMX TK_INLINE void q8_amx_rows(const tk_q8_args *a, int64_t r0, int nr, int64_t k0, const uint8_t *const q[2],
                                  int64_t len, int64_t b0, const int nt[2], const float *const scale[2],
                                  const q8_tile_outliers *const plan[2], int first, int last, const int TB) {
    const int64_t stride = q8_stride(a->cols);
    __mmask16 lanes[2];
    __m512 scales[2];
    for (int t = 0; t < TB; t++) {
        lanes[t] = (__mmask16) ((1u << nt[t]) - 1);
        scales[t] = _mm512_loadu_ps(scale[t]);
    }
    _Alignas(64) int32_t c[2 * Q8_AMX_ROWS][2 * Q8_WIDE_TILE];
    int i = 0;
    while (nr - i >= Q8_AMX_ROWS) {
        const int8_t *w = (const int8_t *) a->codes + (r0 + i) * stride + k0;
        const int n = nr - i >= 2 * Q8_AMX_ROWS ? 2 * Q8_AMX_ROWS : Q8_AMX_ROWS;
        if (n == 2 * Q8_AMX_ROWS) {
            q8_amx_block(w, stride, q, len, c, 2, TB);
        } else {
            q8_amx_block(w, stride, q, len, c, 1, TB);
        }
        for (int t = 0; t < TB; t++) {
            const int64_t bt = b0 + t * Q8_WIDE_TILE;
            for (int row = 0; row < n; row += Q8_AMX_FINISH_ROWS) {
                __m512i acc[Q8_AMX_FINISH_ROWS];
                for (int j = 0; j < Q8_AMX_FINISH_ROWS; j++) {
                    const int64_t rj = r0 + i + row + j;
                    const __m512i sums = _mm512_load_si512((const void *) &c[row + j][t * Q8_WIDE_TILE]);
                    acc[j] = _mm512_add_epi32(q8_columns_start(a, rj, bt, lanes[t], first), sums);
                }
                q8_columns_finish(a, r0 + i + row, acc, bt, lanes[t], scales[t], plan[t], last, Q8_AMX_FINISH_ROWS);
            }
        }
        i += n;
    }
    if (i < nr) {
        if (TB == 2) {
            q8_columns_pair_avx512vnni(a, r0 + i, nr - i, k0, q, len, b0, nt, scale, plan, first, last);
        } else {
            for (; i < nr; i += 12) {
                q8_columns_rows_avx512vnni(a, r0 + i, nr - i < 12 ? nr - i : 12, k0, q[0], len, b0, nt[0], scale[0],
                                           plan[0], first, last);
            }
        }
    }
}

TK_AMX static void q8_columns_rows_amx(const tk_q8_args *a, int64_t r0, int nr, int64_t k0, const uint8_t *q,
                                       int64_t len, int64_t b0, int nt, const float *scale,
                                       const q8_tile_outliers *plan, int first, int last) {
    const uint8_t *const qs[2] = {q, NULL};
    const int nts[2] = {nt, 0};
    const float *const scales[2] = {scale, NULL};
    const q8_tile_outliers *const plans[2] = {plan, NULL};
    q8_amx_rows(a, r0, nr, k0, qs, len, b0, nts, scales, plans, first, last, 1);
}

TK_AMX static void q8_columns_pair_amx(const tk_q8_args *a, int64_t r0, int nr, int64_t k0, const uint8_t *const q[2],
                                       int64_t len, int64_t b0, const int nt[2], const float *const scale[2],
                                       const q8_tile_outliers *const plan[2], int first, int last) {
    q8_amx_rows(a, r0, nr, k0, q, len, b0, nt, scale, plan, first, last, 2);
}

/* Rows per call of the AMX row functions, which take them 32 at a time (2 × 2 C tiles with two column tiles). */
#define Q8_AMX_BLOCK 64

/*
 * Below the VNNI column kernel's batch the VNNI row kernels run instead. At 2 and 4 columns AMX was
 * as fast on MiniLM's shapes (both bound by reading W from L3) but slower at 4096 x 4096, whose
 * sixteen-row tile loads span sixteen pages; from 7 columns on it was faster everywhere (Intel Xeon
 * with AMX, tersor_kernels_test --q8-bench).
 */
#define Q8_AMX_MIN_BATCH Q8_COLUMN_MIN_BATCH

/*
 * The tile configuration is loaded once per call and the tiles released at its end, so a thread
 * that returns to Java carries no AMX state (a context switch then saves none of its 8 KiB).
 */
TK_AMX void tk_q8_amx(const tk_q8_args *a) {
    if (!a->int8_activations || a->batch < Q8_AMX_MIN_BATCH || a->cols <= 0 || a->row_start >= a->row_end) {
        tk_q8_avx512vnni(a);
        return;
    }
    static const q8_column_path path = {Q8_WIDE_TILE, 128, Q8_AMX_BLOCK, q8_group_scales_avx512vnni,
                                        q8_quantize_columns_avx512vnni, q8_columns_rows_amx, q8_columns_pair_amx};
    q8_amx_configure();
    q8_int8_columns(a, &path);
    _tile_release();
}

#endif

/* ---------------------------------------------------------------------------------------------- */
/* AArch64: NEON, and NEON with the dot product (SDOT). */

#ifdef TK_NEON_PATH

/*
 * A register block of the NEON paths (see q8_block_fn), 16 codes a step, and its dispatcher over
 * R × T up to 4 × 4: name##_rt and name, compiled for ATTR. DOT(acc, w, q) adds the products of
 * 16 signed byte pairs to acc's four int32 lanes; it is all the two paths differ in.
 */
#define Q8_NEON_BLOCK_KERNEL(ATTR, name, DOT)                                                                  \
    ATTR TK_INLINE void name##_rt(const int8_t *w, int64_t stride, const uint8_t *q, int64_t qs, int64_t len, \
                                  int32_t out[Q8_MAX_R][Q8_MAX_T], const int R, const int T) {                \
        int32x4_t acc[4][4];                                                                                   \
        for (int i = 0; i < R; i++) {                                                                          \
            for (int t = 0; t < T; t++) {                                                                      \
                acc[i][t] = vdupq_n_s32(0);                                                                    \
            }                                                                                                  \
        }                                                                                                      \
        for (int64_t k = 0; k < len; k += 16) {                                                                \
            int8x16_t qv[4];                                                                                   \
            for (int t = 0; t < T; t++) {                                                                      \
                qv[t] = vld1q_s8((const int8_t *) q + t * qs + k);                                             \
            }                                                                                                  \
            for (int i = 0; i < R; i++) {                                                                      \
                const int8x16_t wv = vld1q_s8(w + i * stride + k);                                             \
                for (int t = 0; t < T; t++) {                                                                  \
                    acc[i][t] = DOT(acc[i][t], wv, qv[t]);                                                     \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        for (int i = 0; i < R; i++) {                                                                          \
            for (int t = 0; t < T; t++) {                                                                      \
                out[i][t] = vaddvq_s32(acc[i][t]);                                                             \
            }                                                                                                  \
        }                                                                                                      \
    }                                                                                                          \
                                                                                                               \
    ATTR static void name(const int8_t *w, int64_t stride, int nr, const uint8_t *q, int64_t qs, int nt,       \
                          int64_t len, int32_t out[Q8_MAX_R][Q8_MAX_T]) {                                      \
        Q8_BLOCKS_4(nr, nt, name##_rt, w, stride, q, qs, len, out)                                             \
    }

/* Two products per int16 lane (at most 2·128·127 < 2^15), then pairs of those into the int32 lanes. */
TK_INLINE int32x4_t q8_dot_neon(int32x4_t acc, int8x16_t w, int8x16_t q) {
    const int16x8_t p = vmlal_high_s8(vmull_s8(vget_low_s8(w), vget_low_s8(q)), w, q);
    return vpadalq_s16(acc, p);
}

/* The baseline ISA: no attribute. */
Q8_NEON_BLOCK_KERNEL(, q8_block_neon, q8_dot_neon)

/* Float activations: the portable loops, which gcc vectorizes with NEON (the AArch64 baseline). */
void tk_q8_neon(const tk_q8_args *a) {
    if (a->int8_activations) {
        q8_int8(a, q8_block_neon, 4, 4, 0);
    } else {
        q8_float_portable(a);
    }
}

/* vdotq_s32 is declared for armv8.2-a+dotprod; every CPU with SDOT implements at least v8.2. */
#define TK_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))

TK_DOTPROD TK_INLINE int32x4_t q8_dot_dotprod(int32x4_t acc, int8x16_t w, int8x16_t q) {
    return vdotq_s32(acc, w, q);
}

Q8_NEON_BLOCK_KERNEL(TK_DOTPROD, q8_block_dotprod, q8_dot_dotprod)

void tk_q8_neondot(const tk_q8_args *a) {
    if (a->int8_activations) {
        q8_int8(a, q8_block_dotprod, 4, 4, 0);
    } else {
        q8_float_portable(a);
    }
}

#endif
