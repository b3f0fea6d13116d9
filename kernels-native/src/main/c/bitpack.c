/*
 * Kernels of the per-row bit-packed format (self-compression export; layout in
 * dev.tersor.kernels.bitpack.BitpackRows): row r holds cols B_r-bit two's-complement integers q and
 * y_r = rowScale[r]·Σ_j q_j·x_j. Rows are cut into blocks of 256 values dealt to 8 lanes, lane words
 * interleaved, so one 8-word load at word k of a block holds word k of every lane: a shift left and
 * an arithmetic shift right unpack 8 consecutive values with their signs, in vector registers, and
 * they meet 8 consecutive inputs. A value straddling two words takes one more load and an OR.
 *
 * Batch one accumulates Σ q·x as it unpacks. AVX2 specialises full blocks per width, so the 32
 * positions of a block unroll into constant shifts. Larger batches unpack a block at a time into a
 * chunk of its non-zero values and apply the chunk to every batch column (decoded.c).
 *
 * Positions past the end of a row's last block read as zero in a valid layout, but the kernels never
 * rely on it: they meet no input past cols.
 */
#include "tersor_decoded.h"

#ifdef TK_X86
#include "tersor_avx2.h"
#endif
#ifdef TK_NEON_PATH
#include "tersor_neon.h"
#endif

#define LANES 8
#define BLOCK 256

/* Words per lane of a block holding m values of B bits. */
TK_INLINE int64_t lane_words(int64_t m, int B) {
    return (((m + LANES - 1) / LANES) * B + 31) >> 5;
}

/* Value `lane` of position t in a block whose words start at blk (scalar; any path). */
TK_INLINE int32_t value_at(const void *blk, int t, int lane, int B) {
    const int bit = t * B, w = bit >> 5, sh = bit & 31;
    uint32_t v = (uint32_t) tk_u32(blk, LANES * w + lane) >> sh;
    if (sh + B > 32) {
        v |= (uint32_t) tk_u32(blk, LANES * (w + 1) + lane) << (32 - sh);
    }
    return (int32_t) (v << (32 - B)) >> (32 - B);
}

/*
 * Writes the non-zero values of a block of m values, whose first column is j0, to chunk and returns
 * how many there are; each path brings its own.
 */
typedef int (*bitpack_block)(const void *blk, int64_t m, int B, int64_t j0, tk_chunk *chunk);

/* Larger batches: a decoder yielding one block's non-zero values per chunk. */
typedef struct {
    tk_row_decoder base;
    const tk_bitpack_args *a;
    bitpack_block block;
    const char *blk; /* the next block's words */
    int64_t j0;      /* its first column */
    int B;
} bitpack_decoder;

static void bitpack_begin(tk_row_decoder *base, int64_t r) {
    bitpack_decoder *d = (bitpack_decoder *) base;
    d->B = (int) tk_u8(d->a->row_bits, r);
    d->blk = (const char *) d->a->data + 4 * tk_get(d->a->row_ptr, r);
    d->j0 = 0;
}

static int bitpack_decode(tk_row_decoder *base, tk_chunk *chunk, int *done) {
    bitpack_decoder *d = (bitpack_decoder *) base;
    const int64_t cols = d->a->cols;
    int n = 0;
    if (d->B > 0 && d->j0 < cols) {
        const int64_t m = cols - d->j0 < BLOCK ? cols - d->j0 : BLOCK;
        n = d->block(d->blk, m, d->B, d->j0, chunk);
        d->blk += 4 * LANES * lane_words(m, d->B);
        d->j0 += m;
    }
    *done = d->B == 0 || d->j0 >= cols;
    return n;
}

typedef float (*bitpack_dot)(const void *row, int B, const void *x, int64_t cols);

static void bitpack_kernel(const tk_bitpack_args *a, const tk_apply *ap, bitpack_dot dot, bitpack_block block) {
    if (a->batch == 1) {
        for (int64_t r = a->row_start; r < a->row_end; r++) {
            const int B = (int) tk_u8(a->row_bits, r);
            const void *row = (const char *) a->data + 4 * tk_get(a->row_ptr, r);
            const float acc = B == 0 ? 0.0f : dot(row, B, a->x, a->cols);
            tk_set_f32(a->y, r, acc * tk_f32(a->row_scale, r));
        }
        return;
    }
    bitpack_decoder d;
    d.a = a;
    d.base.begin = bitpack_begin;
    d.base.decode = bitpack_decode;
    d.block = block;
    tk_decoded_rows(ap, &d.base, a->cols, a->batch, a->x, a->y, 0.0f, a->row_scale, a->row_start, a->row_end);
}

/* ---------------------------------------------------------------------------------------------- */
/* Portable C. */

static float dot_portable(const void *row, int B, const void *x, int64_t cols) {
    float acc[LANES] = {0};
    const char *blk = row;
    for (int64_t j0 = 0; j0 < cols; j0 += BLOCK) {
        const int64_t m = cols - j0 < BLOCK ? cols - j0 : BLOCK;
        const int positions = (int) ((m + LANES - 1) / LANES);
        for (int t = 0; t < positions; t++) {
            const int64_t j = j0 + LANES * t;
            const int lanes = m - LANES * t < LANES ? (int) (m - LANES * t) : LANES;
            for (int l = 0; l < lanes; l++) {
                acc[l] += (float) value_at(blk, t, l, B) * tk_f32(x, j + l);
            }
        }
        blk += 4 * LANES * lane_words(m, B);
    }
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

static int block_portable(const void *blk, int64_t m, int B, int64_t j0, tk_chunk *chunk) {
    int n = 0;
    for (int i = 0; i < (int) m; i++) {
        const int32_t q = value_at(blk, i / LANES, i % LANES, B);
        chunk->col[n] = (int32_t) (j0 + i);
        chunk->w[n] = (float) q;
        n += q != 0;
    }
    return n;
}

void tk_bitpack_portable(const tk_bitpack_args *a) {
    bitpack_kernel(a, &TK_APPLY_PORTABLE, dot_portable, block_portable);
}

/* ---------------------------------------------------------------------------------------------- */
/* AVX2 + FMA. */
#ifdef TK_X86

/* The 8 values of position t, sign-extended; constant t and B fold the shift counts into immediates. */
TK_AVX2_INLINE __m256i values_avx2(const void *blk, int t, int B) {
    const int bit = t * B, w = bit >> 5, sh = bit & 31;
    const __m256i v = _mm256_loadu_si256((const __m256i *) ((const char *) blk + 4 * LANES * w));
    __m256i joined;
    if (sh + B <= 32) {
        joined = _mm256_sll_epi32(v, _mm_cvtsi32_si128(32 - sh - B));
    } else {
        const __m256i next = _mm256_loadu_si256((const __m256i *) ((const char *) blk + 4 * LANES * (w + 1)));
        joined = _mm256_or_si256(_mm256_srl_epi32(v, _mm_cvtsi32_si128(sh)),
                                 _mm256_sll_epi32(next, _mm_cvtsi32_si128(32 - sh)));
        joined = _mm256_sll_epi32(joined, _mm_cvtsi32_si128(32 - B));
    }
    return _mm256_sra_epi32(joined, _mm_cvtsi32_si128(32 - B));
}

/* A full block of 256 values into four accumulators; B constant, so the 32 positions unroll. */
TK_AVX2_INLINE void full_block_avx2(const void *blk, const void *x, int64_t j0, const int B, __m256 acc[4]) {
#pragma GCC unroll 32
    for (int t = 0; t < BLOCK / LANES; t++) {
        const __m256 q = _mm256_cvtepi32_ps(values_avx2(blk, t, B));
        acc[t & 3] = _mm256_fmadd_ps(q, tk8_load(x, j0 + LANES * t), acc[t & 3]);
    }
}

TK_AVX2_INLINE float dot_avx2_b(const void *row, const int B, const void *x, int64_t cols) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    const char *blk = row;
    int64_t j0 = 0;
    for (; j0 + BLOCK <= cols; j0 += BLOCK) {
        full_block_avx2(blk, x, j0, B, acc);
        blk += 4 * LANES * B;
    }
    if (j0 < cols) {
        const int64_t m = cols - j0;
        const int positions = (int) ((m + LANES - 1) / LANES);
        for (int t = 0; t < positions; t++) {
            const __m256 q = _mm256_cvtepi32_ps(values_avx2(blk, t, B));
            const int64_t left = m - LANES * t;
            const __m256 xv = left >= LANES ? tk8_load(x, j0 + LANES * t)
                                            : tk8_load_masked(x, j0 + LANES * t, tk8_mask(left));
            acc[t & 3] = _mm256_fmadd_ps(q, xv, acc[t & 3]);
        }
    }
    return tk8_sum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

TK_AVX2 static float dot_avx2(const void *row, int B, const void *x, int64_t cols) {
    switch (B) {
        case 1: return dot_avx2_b(row, 1, x, cols);
        case 2: return dot_avx2_b(row, 2, x, cols);
        case 3: return dot_avx2_b(row, 3, x, cols);
        case 4: return dot_avx2_b(row, 4, x, cols);
        case 5: return dot_avx2_b(row, 5, x, cols);
        case 6: return dot_avx2_b(row, 6, x, cols);
        case 7: return dot_avx2_b(row, 7, x, cols);
        case 8: return dot_avx2_b(row, 8, x, cols);
        case 9: return dot_avx2_b(row, 9, x, cols);
        case 10: return dot_avx2_b(row, 10, x, cols);
        case 11: return dot_avx2_b(row, 11, x, cols);
        case 12: return dot_avx2_b(row, 12, x, cols);
        case 13: return dot_avx2_b(row, 13, x, cols);
        case 14: return dot_avx2_b(row, 14, x, cols);
        case 15: return dot_avx2_b(row, 15, x, cols);
        default: return dot_avx2_b(row, 16, x, cols);
    }
}

/*
 * Where the live lanes of a 4-lane half go when they are packed to the front: for each 4-bit mask,
 * the indices of its set bits, one nibble each, lowest first. HALF_HIGH is the same for lanes 4..7.
 */
static const uint32_t HALF_LOW[16] = {0x0, 0x0, 0x1, 0x10, 0x2, 0x20, 0x21, 0x210,
                                      0x3, 0x30, 0x31, 0x310, 0x32, 0x320, 0x321, 0x3210};
static const uint32_t HALF_HIGH[16] = {0x0, 0x4, 0x5, 0x54, 0x6, 0x64, 0x65, 0x654,
                                       0x7, 0x74, 0x75, 0x754, 0x76, 0x764, 0x765, 0x7654};

/*
 * Unpacks 8 values at a time, finds the non-zero ones with one compare and packs them (and their
 * columns) to the front with one permute each, so that a position costs the same few instructions
 * whether it holds no live value or eight; a scalar loop per live value would cost dense rows more
 * than the batch spends multiplying them. The lanes of a short block's last
 * position past m are padding inside the block's words. Each position stores 8 entries at n and
 * keeps the live ones; n <= 8t before position t, so the stores stay inside the chunk's 256.
 */
TK_AVX2 static int block_avx2(const void *blk, int64_t m, int B, int64_t j0, tk_chunk *chunk) {
    const int positions = (int) ((m + LANES - 1) / LANES);
    const __m256i nibble = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    int n = 0;
    for (int t = 0; t < positions; t++) {
        const __m256i q = values_avx2(blk, t, B);
        const __m256i zero = _mm256_cmpeq_epi32(q, _mm256_setzero_si256());
        unsigned live = ~(unsigned) _mm256_movemask_ps(_mm256_castsi256_ps(zero)) & 0xFFu;
        const int64_t left = m - LANES * t;
        if (left < LANES) {
            live &= (1u << left) - 1;
        }
        const unsigned low = live & 0xFu;
        const uint32_t order = HALF_LOW[low] | (HALF_HIGH[live >> 4] << (4 * __builtin_popcount(low)));
        const __m256i to = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int) order), nibble),
                                            _mm256_set1_epi32(7));
        const __m256i col = _mm256_add_epi32(_mm256_set1_epi32((int) (j0 + LANES * t)), lane);
        _mm256_storeu_si256((__m256i *) (chunk->col + n), _mm256_permutevar8x32_epi32(col, to));
        _mm256_storeu_ps(chunk->w + n, _mm256_cvtepi32_ps(_mm256_permutevar8x32_epi32(q, to)));
        n += __builtin_popcount(live);
    }
    return n;
}

TK_AVX2 void tk_bitpack_avx2(const tk_bitpack_args *a) {
    bitpack_kernel(a, &TK_APPLY_AVX2, dot_avx2, block_avx2);
}

#endif

/* ---------------------------------------------------------------------------------------------- */
/* NEON: each position as two 4-lane halves, shifts by lane-wise vector counts. */
#ifdef TK_NEON_PATH

TK_INLINE int32x4_t values_neon(const void *blk, int t, int half, int B) {
    const int bit = t * B, w = bit >> 5, sh = bit & 31;
    const uint32x4_t v = vld1q_u32((const uint32_t *) ((const char *) blk + 4 * (LANES * w + 4 * half)));
    uint32x4_t joined;
    if (sh + B <= 32) {
        joined = vshlq_u32(v, vdupq_n_s32(32 - sh - B));
    } else {
        const uint32x4_t next = vld1q_u32((const uint32_t *) ((const char *) blk + 4 * (LANES * (w + 1) + 4 * half)));
        joined = vorrq_u32(vshlq_u32(v, vdupq_n_s32(-sh)), vshlq_u32(next, vdupq_n_s32(32 - sh)));
        joined = vshlq_u32(joined, vdupq_n_s32(32 - B));
    }
    return vshlq_s32(vreinterpretq_s32_u32(joined), vdupq_n_s32(B - 32));
}

static float dot_neon(const void *row, int B, const void *x, int64_t cols) {
    float32x4_t a0 = vdupq_n_f32(0), a1 = vdupq_n_f32(0);
    float tail = 0;
    const char *blk = row;
    for (int64_t j0 = 0; j0 < cols; j0 += BLOCK) {
        const int64_t m = cols - j0 < BLOCK ? cols - j0 : BLOCK;
        const int positions = (int) ((m + LANES - 1) / LANES);
        for (int t = 0; t < positions; t++) {
            const int64_t j = j0 + LANES * t;
            const int64_t left = m - LANES * t;
            if (left >= LANES) {
                a0 = vfmaq_f32(a0, vcvtq_f32_s32(values_neon(blk, t, 0, B)), tk4_load(x, j));
                a1 = vfmaq_f32(a1, vcvtq_f32_s32(values_neon(blk, t, 1, B)), tk4_load(x, j + 4));
            } else {
                for (int l = 0; l < left; l++) {
                    tail += (float) value_at(blk, t, l, B) * tk_f32(x, j + l);
                }
            }
        }
        blk += 4 * LANES * lane_words(m, B);
    }
    return vaddvq_f32(vaddq_f32(a0, a1)) + tail;
}

static int block_neon(const void *blk, int64_t m, int B, int64_t j0, tk_chunk *chunk) {
    const int positions = (int) ((m + LANES - 1) / LANES);
    int n = 0;
    for (int t = 0; t < positions; t++) {
        int32_t v[LANES];
        vst1q_s32(v, values_neon(blk, t, 0, B));
        vst1q_s32(v + 4, values_neon(blk, t, 1, B));
        const int lanes = m - LANES * t < LANES ? (int) (m - LANES * t) : LANES;
        for (int l = 0; l < lanes; l++) {
            chunk->col[n] = (int32_t) (j0 + LANES * t + l);
            chunk->w[n] = (float) v[l];
            n += v[l] != 0;
        }
    }
    return n;
}

void tk_bitpack_neon(const tk_bitpack_args *a) {
    bitpack_kernel(a, &TK_APPLY_NEON, dot_neon, block_neon);
}

#endif
