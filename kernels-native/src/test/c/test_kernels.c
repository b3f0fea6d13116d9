/*
 * C unit tests of the native kernels: every kernel of every instruction-set path this CPU supports,
 * called through the public entry points, against a double-precision scalar reference computed from
 * the format's own arrays. Random shapes, densities, value counts, batches, row ranges, index widths
 * (any width that holds the values, not only the narrowest) and misaligned arrays, after a list of
 * edge cases: empty shapes, one column, empty rows, all-zero and full matrices, a non-zero implicit
 * value, fewer than eight stored entries.
 *
 * Results must be exact on small-integer data and within (n + 8)·2^-23·Σ|terms| otherwise; rows
 * outside the range must keep their bits. Arrays are allocated at their exact size, so under
 * AddressSanitizer any read past an array fails the test.
 *
 *   tersor_kernels_test [--cases N] [--seed S] [--expect-isa NAME]
 *
 * --expect-isa checks the path chosen when the library loaded (from TERSOR_NATIVE_ISA) and runs
 * the dispatch checks; --cases 0 skips the kernel cases.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tersor_internal.h"

static int failures;

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                  \
            fprintf(stderr, __VA_ARGS__);                                                         \
            fprintf(stderr, "\n");                                                                \
            if (++failures >= 20) {                                                               \
                fprintf(stderr, "too many failures\n");                                           \
                exit(1);                                                                          \
            }                                                                                     \
        }                                                                                         \
    } while (0)

/* ---------------------------------------------------------------------------------------------- */
/* Random numbers (splitmix64) and buffers. */

static uint64_t rng;

static uint64_t next_u64(void) {
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static int64_t uniform(int64_t lo, int64_t hi) {
    return lo + (int64_t) (next_u64() % (uint64_t) (hi - lo + 1));
}

static double unit(void) {
    return (double) (next_u64() >> 11) * 0x1.0p-53;
}

/* Buffers of one case, freed together. Each array sits at an offset of 0 to 3 bytes inside a block
 * of exactly offset + size bytes, so arrays are often misaligned and never followed by slack. */
#define MAX_BUFFERS 64
static void *blocks[MAX_BUFFERS];
static int block_count;
static int misalign;

static void *allocate(size_t bytes, size_t offset) {
    char *block = malloc(offset + bytes + (offset + bytes == 0));
    if (block == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    if (block_count == MAX_BUFFERS) {
        fprintf(stderr, "too many buffers\n");
        exit(2);
    }
    blocks[block_count++] = block;
    return block + offset;
}

/* An array the kernels read or write: misaligned when `misalign` is set; accessed via getf/setf. */
static void *buffer(size_t bytes) {
    return allocate(bytes, misalign ? (size_t) uniform(0, 3) : 0);
}

/* The test's own working arrays, always aligned. */
static void *scratch(size_t bytes) {
    return allocate(bytes, 0);
}

static void *input_copy(const void *src, size_t bytes) {
    void *copy = buffer(bytes);
    if (bytes > 0) {
        memcpy(copy, src, bytes);
    }
    return copy;
}

static void free_buffers(void) {
    for (int i = 0; i < block_count; i++) {
        free(blocks[i]);
    }
    block_count = 0;
}

static float getf(const void *a, int64_t i) {
    float v;
    memcpy(&v, (const char *) a + 4 * i, 4);
    return v;
}

static void setf(void *a, int64_t i, float v) {
    memcpy((char *) a + 4 * i, &v, 4);
}

static uint32_t bits_at(const void *a, int64_t i) {
    uint32_t v;
    memcpy(&v, (const char *) a + 4 * i, 4);
    return v;
}

static int64_t get_index(const void *a, int32_t width, int64_t i) {
    if (width == 1) {
        return ((const uint8_t *) a)[i];
    }
    if (width == 2) {
        uint16_t v;
        memcpy(&v, (const char *) a + 2 * i, 2);
        return v;
    }
    uint32_t v;
    memcpy(&v, (const char *) a + 4 * i, 4);
    return v;
}

static void set_index(void *a, int32_t width, int64_t i, int64_t value) {
    if (width == 1) {
        uint8_t v = (uint8_t) value;
        memcpy((char *) a + i, &v, 1);
    } else if (width == 2) {
        uint16_t v = (uint16_t) value;
        memcpy((char *) a + 2 * i, &v, 2);
    } else {
        uint32_t v = (uint32_t) value;
        memcpy((char *) a + 4 * i, &v, 4);
    }
}

/* A width that holds max: the narrowest or, at random, a wider one (kernels accept any). */
static int32_t some_width(int64_t max) {
    const int32_t narrowest = max <= 0xFF ? 1 : max <= 0xFFFF ? 2 : 4;
    const int32_t widths[] = {1, 2, 4};
    int32_t w;
    do {
        w = widths[uniform(0, 2)];
    } while (w < narrowest);
    return uniform(0, 1) ? narrowest : w;
}

static void *index_array(int64_t count, int32_t width) {
    return buffer((size_t) (count * width));
}

/* ---------------------------------------------------------------------------------------------- */
/* Test matrices: codes into omega (0 is the implicit value), optional row scales. */

typedef struct {
    int32_t rows, cols, batch, k;
    double density;
    int nonzero_implicit, scaled, integers;
} spec;

typedef struct {
    spec s;
    float *omega;  /* k values */
    int32_t *code; /* rows·cols */
    float *scale;  /* rows, or NULL */
    float *w;      /* the dense matrix, omega[code]·scale */
    float *x;      /* cols·batch */
    /* The same arrays as the kernels get them, possibly misaligned. */
    const void *omega_in, *scale_in, *w_in, *x_in;
    int32_t row_start, row_end;
} matrix;

static float random_value(int integers) {
    return integers ? (float) uniform(-4, 4) : (float) (2 * unit() - 1);
}

static matrix make_matrix(spec s) {
    matrix m = {0};
    m.s = s;
    m.omega = scratch(4 * (size_t) s.k);
    m.omega[0] = s.nonzero_implicit ? (s.integers ? (float) (uniform(0, 1) ? 1 : -2) : 0.25f) : 0.0f;
    for (int t = 1; t < s.k; t++) {
        m.omega[t] = random_value(s.integers);
    }
    m.code = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    m.w = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    m.scale = s.scaled ? scratch(4 * (size_t) s.rows) : NULL;
    for (int32_t r = 0; r < s.rows; r++) {
        const int empty = uniform(0, 9) == 0;
        if (m.scale != NULL) {
            m.scale[r] = s.integers ? ldexpf(uniform(0, 1) ? 1.0f : -1.0f, (int) uniform(-2, 2))
                                    : (float) (0.01 + unit());
        }
        for (int32_t c = 0; c < s.cols; c++) {
            const int stored = !empty && s.k > 1 && unit() < s.density;
            const int32_t t = stored ? (int32_t) uniform(1, s.k - 1) : 0;
            m.code[(int64_t) r * s.cols + c] = t;
            m.w[(int64_t) r * s.cols + c] = m.scale != NULL ? m.omega[t] * m.scale[r] : m.omega[t];
        }
    }
    m.x = scratch(4 * (size_t) s.cols * (size_t) s.batch);
    for (int64_t i = 0; i < (int64_t) s.cols * s.batch; i++) {
        m.x[i] = random_value(s.integers);
    }
    m.omega_in = input_copy(m.omega, 4 * (size_t) s.k);
    m.scale_in = m.scale != NULL ? input_copy(m.scale, 4 * (size_t) s.rows) : NULL;
    m.w_in = input_copy(m.w, 4 * (size_t) s.rows * (size_t) s.cols);
    m.x_in = input_copy(m.x, 4 * (size_t) s.cols * (size_t) s.batch);
    if (s.rows > 0 && uniform(0, 1)) {
        m.row_start = (int32_t) uniform(0, s.rows);
        m.row_end = (int32_t) uniform(m.row_start, s.rows);
    } else {
        m.row_start = 0;
        m.row_end = s.rows;
    }
    return m;
}

/* ---------------------------------------------------------------------------------------------- */
/* The formats' arrays, built from a matrix, and the scalar reference over those arrays. */

typedef struct {
    const void *data;
    int32_t width;
} index_ref;

typedef struct {
    float *values;
    index_ref col_idx, row_ptr;
} csr_arrays;

typedef struct {
    index_ref col_idx, group_value, group_ptr, row_ptr;
    int64_t groups, nnz;
} grouped_arrays;

static csr_arrays make_csr(const matrix *m) {
    const spec s = m->s;
    int64_t nnz = 0;
    for (int64_t i = 0; i < (int64_t) s.rows * s.cols; i++) {
        nnz += m->w[i] != 0;
    }
    csr_arrays a;
    a.values = buffer(4 * (size_t) nnz);
    a.col_idx.width = some_width(s.cols - 1);
    a.row_ptr.width = some_width(nnz);
    void *ci = index_array(nnz, a.col_idx.width);
    void *rp = index_array(s.rows + 1, a.row_ptr.width);
    int64_t p = 0;
    set_index(rp, a.row_ptr.width, 0, 0);
    for (int32_t r = 0; r < s.rows; r++) {
        for (int32_t c = 0; c < s.cols; c++) {
            const float v = m->w[(int64_t) r * s.cols + c];
            if (v != 0) {
                setf(a.values, p, v);
                set_index(ci, a.col_idx.width, p, c);
                p++;
            }
        }
        set_index(rp, a.row_ptr.width, r + 1, p);
    }
    a.col_idx.data = ci;
    a.row_ptr.data = rp;
    return a;
}

/*
 * CER: a row's t-th group holds omega[t + 1], with empty groups for values it lacks below its
 * largest. CSER: only the values present, their groups in random order, named by group_value.
 */
static grouped_arrays make_grouped(const matrix *m, int explicit_values) {
    const spec s = m->s;
    int64_t nnz = 0, groups = 0;
    int32_t *count = scratch(4 * (size_t) s.k);
    for (int32_t r = 0; r < s.rows; r++) {
        memset(count, 0, 4 * (size_t) s.k);
        int32_t top = 0, present = 0;
        for (int32_t c = 0; c < s.cols; c++) {
            const int32_t t = m->code[(int64_t) r * s.cols + c];
            if (t > 0) {
                nnz++;
                present += count[t]++ == 0;
                top = t > top ? t : top;
            }
        }
        groups += explicit_values ? present : top;
    }
    grouped_arrays a;
    a.nnz = nnz;
    a.groups = groups;
    a.col_idx.width = some_width(s.cols - 1);
    a.group_ptr.width = some_width(nnz);
    a.row_ptr.width = some_width(groups);
    a.group_value.width = explicit_values ? some_width(s.k - 1) : 1;
    void *ci = index_array(nnz, a.col_idx.width);
    void *gp = index_array(groups + 1, a.group_ptr.width);
    void *rp = index_array(s.rows + 1, a.row_ptr.width);
    void *gv = explicit_values ? index_array(groups, a.group_value.width) : NULL;
    int32_t *order = scratch(4 * (size_t) s.k);
    int64_t p = 0, g = 0;
    set_index(gp, a.group_ptr.width, 0, 0);
    set_index(rp, a.row_ptr.width, 0, 0);
    for (int32_t r = 0; r < s.rows; r++) {
        memset(count, 0, 4 * (size_t) s.k);
        int32_t top = 0;
        for (int32_t c = 0; c < s.cols; c++) {
            const int32_t t = m->code[(int64_t) r * s.cols + c];
            count[t]++;
            if (t > 0 && t > top) {
                top = t;
            }
        }
        int32_t n = 0;
        for (int32_t t = 1; t <= top; t++) {
            if (!explicit_values || count[t] > 0) {
                order[n++] = t;
            }
        }
        if (explicit_values) {
            for (int32_t i = n - 1; i > 0; i--) {
                const int32_t j = (int32_t) uniform(0, i);
                const int32_t swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }
        for (int32_t i = 0; i < n; i++) {
            const int32_t t = order[i];
            for (int32_t c = 0; c < s.cols; c++) {
                if (m->code[(int64_t) r * s.cols + c] == t) {
                    set_index(ci, a.col_idx.width, p++, c);
                }
            }
            if (gv != NULL) {
                set_index(gv, a.group_value.width, g, t);
            }
            set_index(gp, a.group_ptr.width, ++g, p);
        }
        set_index(rp, a.row_ptr.width, r + 1, g);
    }
    a.col_idx.data = ci;
    a.group_ptr.data = gp;
    a.row_ptr.data = rp;
    a.group_value.data = gv;
    return a;
}

/* Reference and bound for one output, from one decoded row (scaled weights) and the inputs. */
static void reference(const float *row, int32_t cols, const float *x, int32_t batch, int32_t b,
                      float implicit, double *value, double *bound) {
    double sum = 0, terms = 0, xs = 0;
    for (int32_t j = 0; j < cols; j++) {
        const double xj = x[(int64_t) j * batch + b];
        sum += (double) row[j] * xj;
        terms += fabs((double) row[j] * xj);
        xs += fabs(xj);
    }
    *value = sum;
    *bound = (cols + 8) * 0x1.0p-23 * (terms + 2 * fabs((double) implicit) * xs) + 1e-30;
}

static const uint32_t SENTINEL = 0x7FC0DEADu;

/* y against the reference of the decoded rows; rows outside the range must hold the sentinel. */
static void compare(const char *what, const char *path, const matrix *m, const float *decoded,
                    const void *y, int grouped) {
    const spec s = m->s;
    for (int32_t r = 0; r < s.rows; r++) {
        const float implicit = grouped ? m->omega[0] * (m->scale != NULL ? m->scale[r] : 1.0f) : 0.0f;
        for (int32_t b = 0; b < s.batch; b++) {
            const int64_t i = (int64_t) r * s.batch + b;
            if (r < m->row_start || r >= m->row_end) {
                CHECK(bits_at(y, i) == SENTINEL, "%s on %s: row %d outside [%d, %d) was written", what, path, r,
                      m->row_start, m->row_end);
                continue;
            }
            double value, bound;
            reference(decoded + (int64_t) r * s.cols, s.cols, m->x, s.batch, b, implicit, &value, &bound);
            const float got = getf(y, i);
            const int ok = s.integers ? (double) got == value : fabs((double) got - value) <= bound;
            CHECK(ok, "%s on %s: %dx%d K=%d d=%.3f batch %d rows [%d,%d)%s%s: y[%d][%d] = %.9g, reference %.9g, bound %.3g",
                  what, path, s.rows, s.cols, s.k, s.density, s.batch, m->row_start, m->row_end,
                  s.nonzero_implicit ? " omega0!=0" : "", s.scaled ? " scaled" : "", r, b, got, value, bound);
        }
    }
}

static void *sentinel_output(const matrix *m) {
    void *y = buffer(4 * (size_t) m->s.rows * (size_t) m->s.batch);
    for (int64_t i = 0; i < (int64_t) m->s.rows * m->s.batch; i++) {
        memcpy((char *) y + 4 * i, &SENTINEL, 4);
    }
    return y;
}

/* The dense rows a CSR layout stands for, read back from its arrays. */
static float *decode_csr(const matrix *m, const csr_arrays *a) {
    const spec s = m->s;
    float *d = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    memset(d, 0, 4 * (size_t) s.rows * (size_t) s.cols);
    for (int32_t r = 0; r < s.rows; r++) {
        const int64_t end = get_index(a->row_ptr.data, a->row_ptr.width, r + 1);
        for (int64_t p = get_index(a->row_ptr.data, a->row_ptr.width, r); p < end; p++) {
            d[(int64_t) r * s.cols + get_index(a->col_idx.data, a->col_idx.width, p)] = getf(a->values, p);
        }
    }
    return d;
}

static float *decode_grouped(const matrix *m, const grouped_arrays *a) {
    const spec s = m->s;
    float *d = scratch(4 * (size_t) s.rows * (size_t) s.cols);
    for (int32_t r = 0; r < s.rows; r++) {
        const float scale = m->scale != NULL ? m->scale[r] : 1.0f;
        for (int32_t c = 0; c < s.cols; c++) {
            d[(int64_t) r * s.cols + c] = m->scale != NULL ? m->omega[0] * scale : m->omega[0];
        }
        const int64_t g0 = get_index(a->row_ptr.data, a->row_ptr.width, r);
        const int64_t g1 = get_index(a->row_ptr.data, a->row_ptr.width, r + 1);
        for (int64_t g = g0; g < g1; g++) {
            const int64_t k = a->group_value.data == NULL ? g - g0 + 1
                                                          : get_index(a->group_value.data, a->group_value.width, g);
            const int64_t end = get_index(a->group_ptr.data, a->group_ptr.width, g + 1);
            for (int64_t p = get_index(a->group_ptr.data, a->group_ptr.width, g); p < end; p++) {
                d[(int64_t) r * s.cols + get_index(a->col_idx.data, a->col_idx.width, p)] =
                    m->scale != NULL ? m->omega[k] * scale : m->omega[k];
            }
        }
    }
    return d;
}

/* The test's own encoders must reproduce the matrix, or the comparisons below would prove nothing. */
static void check_decoded(const char *what, const matrix *m, const float *decoded) {
    const int64_t n = (int64_t) m->s.rows * m->s.cols;
    for (int64_t i = 0; i < n; i++) {
        if (memcmp(&decoded[i], &m->w[i], 4) != 0 && !(decoded[i] == 0 && m->w[i] == 0)) {
            CHECK(0, "%s test encoder: entry %lld differs", what, (long long) i);
            return;
        }
    }
}

/* ---------------------------------------------------------------------------------------------- */

static int path_count;
static const tk_path *paths;

static void run_case(spec s) {
    matrix m = make_matrix(s);
    csr_arrays csr = make_csr(&m);
    grouped_arrays cer = make_grouped(&m, 0);
    grouped_arrays cser = make_grouped(&m, 1);
    float *csr_rows = decode_csr(&m, &csr);
    float *cer_rows = decode_grouped(&m, &cer);
    float *cser_rows = decode_grouped(&m, &cser);
    check_decoded("csr", &m, csr_rows);
    check_decoded("cer", &m, cer_rows);
    check_decoded("cser", &m, cser_rows);

    for (int i = 0; i < path_count; i++) {
        if (!paths[i].supported()) {
            continue;
        }
        const char *name = paths[i].name;
        CHECK(tersor_isa_select(name) == 0 && strcmp(tersor_isa(), name) == 0, "cannot select %s", name);

        void *y = sentinel_output(&m);
        tersor_dense_matmul(s.rows, s.cols, s.batch, m.w_in, m.x_in, y, m.row_start, m.row_end);
        compare("dense", name, &m, m.w, y, 0);

        y = sentinel_output(&m);
        tersor_csr_matmul(s.rows, s.cols, s.batch, csr.values, csr.col_idx.data, csr.col_idx.width,
                          csr.row_ptr.data, csr.row_ptr.width, m.x_in, y, m.row_start, m.row_end);
        compare("csr", name, &m, csr_rows, y, 0);

        y = sentinel_output(&m);
        tersor_cer_matmul(s.rows, s.cols, s.batch, m.omega_in, cer.col_idx.data, cer.col_idx.width,
                          cer.group_ptr.data, cer.group_ptr.width, cer.row_ptr.data, cer.row_ptr.width,
                          m.scale_in, m.x_in, y, m.row_start, m.row_end);
        compare("cer", name, &m, cer_rows, y, 1);

        y = sentinel_output(&m);
        tersor_cser_matmul(s.rows, s.cols, s.batch, m.omega_in, cser.col_idx.data, cser.col_idx.width,
                           cser.group_value.data, cser.group_value.width, cser.group_ptr.data,
                           cser.group_ptr.width, cser.row_ptr.data, cser.row_ptr.width, m.scale_in, m.x_in, y,
                           m.row_start, m.row_end);
        compare("cser", name, &m, cser_rows, y, 1);
    }
    free_buffers();
}

static const int32_t BATCHES[] = {1, 1, 1, 1, 2, 3, 4, 5, 7, 8, 8, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 40, 63, 64, 65, 70};

static int32_t side(void) {
    switch (uniform(0, 7)) {
        case 0: return (int32_t) uniform(0, 3);
        case 1:
        case 2: return (int32_t) uniform(1, 20);
        case 3:
        case 4:
        case 5: return (int32_t) uniform(21, 300);
        default: return (int32_t) uniform(301, 1200);
    }
}

static spec random_spec(void) {
    spec s;
    do {
        s.rows = side();
        s.cols = side();
    } while ((int64_t) s.rows * s.cols > 60000);
    const double densities[] = {0, 0.01, 0.1, 0.5, 1};
    s.density = uniform(0, 5) == 5 ? unit() : densities[uniform(0, 4)];
    s.k = uniform(0, 4) > 0 ? (int32_t) uniform(1, 17) : (int32_t) uniform(18, 400);
    s.batch = BATCHES[uniform(0, sizeof BATCHES / sizeof BATCHES[0] - 1)];
    s.nonzero_implicit = uniform(0, 2) == 0;
    s.scaled = uniform(0, 1);
    s.integers = uniform(0, 1);
    return s;
}

static void edge_cases(void) {
    const spec cases[] = {
        /* rows cols batch k density omega0!=0 scaled integers */
        {0, 0, 1, 3, 0.5, 0, 0, 1},
        {0, 7, 3, 3, 0.5, 1, 1, 1},
        {5, 0, 1, 3, 0.5, 1, 1, 1},
        {5, 0, 9, 3, 0.5, 1, 0, 0},
        {1, 1, 1, 2, 1.0, 0, 0, 1},
        {1, 1, 8, 2, 1.0, 1, 1, 1},
        {1, 1000, 1, 5, 0.3, 0, 0, 0},
        {1000, 1, 1, 5, 0.3, 0, 1, 1},
        {1000, 1, 17, 5, 0.3, 1, 1, 1},
        {40, 33, 1, 1, 0.0, 0, 0, 1},  /* all zero, K = 1 */
        {40, 33, 9, 1, 0.0, 1, 1, 1},  /* only the implicit value, which is not zero */
        {67, 129, 1, 3, 1.0, 1, 0, 1}, /* full, non-zero implicit */
        {67, 129, 19, 3, 1.0, 1, 1, 0},
        {3, 9, 1, 4, 0.2, 0, 0, 1},    /* fewer than eight stored entries in all */
        {3, 9, 1, 4, 0.2, 1, 1, 0},
        {8, 64, 1, 2, 0.25, 0, 0, 1},  /* rows of about 16 entries in one group */
        {8, 300, 1, 300, 1.0, 0, 0, 1},/* wide alphabet: u16 group values */
        {50, 70, 8, 16, 0.1, 0, 0, 0},
        {50, 70, 32, 16, 0.1, 1, 1, 0},
        {50, 70, 33, 16, 0.1, 1, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int rep = 0; rep < 4; rep++) {
            misalign = rep >= 2;
            run_case(cases[i]);
        }
    }
}

/* tersor_isa_select, tersor_isa and tersor_isa_paths agree with the table and the CPU. */
static void dispatch_checks(void) {
    CHECK(tersor_abi_version() == TERSOR_KERNELS_ABI_VERSION, "ABI version %d", tersor_abi_version());
    char expected[256] = "";
    int best = 0;
    for (int i = 0; i < path_count; i++) {
        if (i > 0) {
            strcat(expected, " ");
        }
        strcat(expected, paths[i].name);
        if (paths[i].supported()) {
            best = i;
        }
    }
    CHECK(strcmp(tersor_isa_paths(), expected) == 0, "paths '%s', expected '%s'", tersor_isa_paths(), expected);
    CHECK(strcmp(paths[0].name, "portable") == 0 && paths[0].supported(), "the first path must be portable");
    CHECK(tersor_isa_select(NULL) == 0 && strcmp(tersor_isa(), paths[best].name) == 0,
          "no cap selects %s, expected %s", tersor_isa(), paths[best].name);
    CHECK(tersor_isa_select("portable") == 0 && strcmp(tersor_isa(), "portable") == 0, "cap portable");
    CHECK(tersor_isa_select("no-such-path") == -1 && strcmp(tersor_isa(), "portable") == 0,
          "an unknown cap must fail and change nothing");
    CHECK(tersor_isa_select("") == 0 && strcmp(tersor_isa(), paths[best].name) == 0, "empty cap");
    for (int i = 0; i < path_count; i++) {
        int chosen = i;
        while (!paths[chosen].supported()) {
            chosen--;
        }
        CHECK(tersor_isa_select(paths[i].name) == 0 && strcmp(tersor_isa(), paths[chosen].name) == 0,
              "cap %s selects %s, expected %s", paths[i].name, tersor_isa(), paths[chosen].name);
    }
#ifdef TK_X86
    __builtin_cpu_init();
    const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    CHECK(tersor_isa_select("avx2") == 0 && strcmp(tersor_isa(), avx2 ? "avx2" : "portable") == 0,
          "cap avx2 on a CPU %s AVX2+FMA selects %s", avx2 ? "with" : "without", tersor_isa());
#endif
#ifdef TK_NEON_PATH
    CHECK(tersor_isa_select(NULL) == 0 && strcmp(tersor_isa(), "neon") == 0, "AArch64 selects %s", tersor_isa());
#endif
}

int main(int argc, char **argv) {
    long cases = 300;
    uint64_t seed = 0x7E5502ull;
    const char *expect_isa = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
            cases = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 0);
        } else if (strcmp(argv[i], "--expect-isa") == 0 && i + 1 < argc) {
            expect_isa = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--cases N] [--seed S] [--expect-isa NAME]\n", argv[0]);
            return 2;
        }
    }
    paths = tk_paths(&path_count);
    if (expect_isa != NULL) {
        CHECK(strcmp(tersor_isa(), expect_isa) == 0, "loaded with path %s, expected %s", tersor_isa(), expect_isa);
    }
    printf("paths: %s; selected at load: %s\n", tersor_isa_paths(), tersor_isa());
    dispatch_checks();

    rng = seed;
    if (cases > 0) {
        edge_cases();
    }
    for (long c = 0; c < cases; c++) {
        misalign = uniform(0, 1);
        run_case(random_spec());
    }
    printf("%ld random cases and the edge cases on every supported path (seed %#llx): %s\n", cases,
           (unsigned long long) seed, failures == 0 ? "passed" : "FAILED");
    return failures == 0 ? 0 : 1;
}
