/*
 * Runtime choice of the instruction-set path, and the exported entry points that call through it.
 * The path is chosen once when the library loads; every kernel call then costs one atomic load and
 * one indirect call.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tersor_internal.h"

#ifdef TK_X86
#include <cpuid.h>
#endif
#ifdef TK_NEON_PATH
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#endif

static int always(void) {
    return 1;
}

#ifdef TK_X86
/* libgcc's cpu model checks XGETBV too, so "avx2" also means the OS saves the YMM registers. */
static int has_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* Whether the OS saves every state component in `mask` (XCR0): 0x6 SSE+YMM, 0xE6 also the AVX-512 state. */
static int os_saves(uint64_t mask) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) {
        return 0;
    }
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((((uint64_t) hi << 32) | lo) & mask) == mask;
}

/* CPUID leaf 7, subleaf `sub`: 0 if the CPU has no such leaf. */
static int cpuid7(unsigned sub, unsigned *a, unsigned *b, unsigned *c, unsigned *d) {
    if (__get_cpuid_max(0, NULL) < 7) {
        return 0;
    }
    __cpuid_count(7, sub, *a, *b, *c, *d);
    return 1;
}

/* AVX-VNNI (VEX vpdpbusd): leaf 7 subleaf 1 EAX bit 4; gcc 12's cpu model does not know it. */
static int has_avx_vnni(void) {
    unsigned a, b, c, d;
    return has_avx2_fma() && cpuid7(1, &a, &b, &c, &d) && (a >> 4 & 1) && os_saves(0x6);
}

/* AVX-512 F and BW (leaf 7 subleaf 0: EBX bits 16, 30), and the OS saves ZMM state. */
static int has_avx512(void) {
    unsigned a, b, c, d;
    return has_avx2_fma() && cpuid7(0, &a, &b, &c, &d) && (b >> 16 & 1) && (b >> 30 & 1) && os_saves(0xE6);
}

/* AVX-512 F and BW with VNNI (leaf 7 subleaf 0 ECX bit 11). */
static int has_avx512_vnni(void) {
    unsigned a, b, c, d;
    return has_avx512() && cpuid7(0, &a, &b, &c, &d) && (c >> 11 & 1);
}
#endif

#ifdef TK_NEON_PATH
static int has_dotprod(void) {
    return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
}
#endif

#define PATH_KERNEL(isa, kernel, args) .kernel = tk_##kernel##_##isa,

/*
 * The later x86 paths take every AVX2 kernel and then replace the few they speed up (a later
 * designated initializer replaces an earlier one, which is what is meant here). The order is the
 * order of preference: a CPU with AVX-512 but no VNNI runs "avx512", one with AVX-VNNI but no
 * AVX-512 runs "avx-vnni".
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const tk_path PATHS[] = {
    {.name = "portable", .supported = always, TK_FORMATS(PATH_KERNEL, portable)},
#ifdef TK_X86
    {.name = "avx2", .supported = has_avx2_fma, TK_FORMATS(PATH_KERNEL, avx2)},
    {.name = "avx512", .supported = has_avx512, TK_FORMATS(PATH_KERNEL, avx2).dense = tk_dense_avx512},
    {.name = "avx-vnni", .supported = has_avx_vnni, TK_FORMATS(PATH_KERNEL, avx2).q8 = tk_q8_avxvnni},
    {.name = "avx512-vnni", .supported = has_avx512_vnni,
     TK_FORMATS(PATH_KERNEL, avx2).dense = tk_dense_avx512, .q8 = tk_q8_avx512vnni},
#endif
#ifdef TK_NEON_PATH
    /* Advanced SIMD is part of every AArch64 CPU that runs Linux. */
    {.name = "neon", .supported = always, TK_FORMATS(PATH_KERNEL, neon)},
    {.name = "neon-dotprod", .supported = has_dotprod, TK_FORMATS(PATH_KERNEL, neon).q8 = tk_q8_neondot},
#endif
};
#pragma GCC diagnostic pop

#define PATH_COUNT ((int) (sizeof PATHS / sizeof PATHS[0]))

const tk_path *tk_paths(int *count) {
    *count = PATH_COUNT;
    return PATHS;
}

static _Atomic(const tk_path *) active;

int32_t tersor_isa_select(const char *cap) {
    int limit = PATH_COUNT - 1;
    if (cap != NULL && cap[0] != '\0') {
        limit = -1;
        for (int i = 0; i < PATH_COUNT; i++) {
            if (strcmp(PATHS[i].name, cap) == 0) {
                limit = i;
            }
        }
        if (limit < 0) {
            return -1;
        }
    }
    int chosen = limit;
    while (chosen > 0 && !PATHS[chosen].supported()) {
        chosen--;
    }
    atomic_store_explicit(&active, &PATHS[chosen], memory_order_release);
    return 0;
}

/*
 * The cap in TERSOR_NATIVE_ISA applies from the start. A name this build does not know selects the
 * portable path: a mistyped cap in a test run must not quietly test the fastest path instead.
 */
static const tk_path *select_from_environment(void) {
    if (tersor_isa_select(getenv("TERSOR_NATIVE_ISA")) != 0) {
        tersor_isa_select(PATHS[0].name);
    }
    return atomic_load_explicit(&active, memory_order_acquire);
}

__attribute__((constructor)) static void select_on_load(void) {
    select_from_environment();
}

static const tk_path *path(void) {
    const tk_path *p = atomic_load_explicit(&active, memory_order_acquire);
    return p != NULL ? p : select_from_environment();
}

int32_t tersor_abi_version(void) {
    return TERSOR_KERNELS_ABI_VERSION;
}

const char *tersor_isa(void) {
    return path()->name;
}

const char *tersor_isa_paths(void) {
    static const char names[] = "portable"
#ifdef TK_X86
                                " avx2 avx512 avx-vnni avx512-vnni"
#endif
#ifdef TK_NEON_PATH
                                " neon neon-dotprod"
#endif
        ;
    return names;
}

void tersor_dense_matmul(int32_t rows, int32_t cols, int32_t batch, const void *w,
                         const void *x, void *y, int32_t row_start, int32_t row_end) {
    tk_dense_args a = {rows, cols, batch, w, x, y, row_start, row_end};
    path()->dense(&a);
}

void tersor_csr_matmul(int32_t rows, int32_t cols, int32_t batch, const void *values,
                       const void *col_idx, int32_t col_idx_width,
                       const void *row_ptr, int32_t row_ptr_width,
                       const void *x, void *y, int32_t row_start, int32_t row_end) {
    tk_csr_args a = {rows, cols, batch, values, {col_idx, col_idx_width}, {row_ptr, row_ptr_width},
                     x, y, row_start, row_end};
    path()->csr(&a);
}

void tersor_cer_matmul(int32_t rows, int32_t cols, int32_t batch, const void *omega,
                       const void *col_idx, int32_t col_idx_width,
                       const void *group_ptr, int32_t group_ptr_width,
                       const void *row_ptr, int32_t row_ptr_width,
                       const void *row_scale, const void *x, void *y, int32_t row_start, int32_t row_end) {
    tk_grouped_args a = {rows, cols, batch, omega, {col_idx, col_idx_width}, {NULL, 1},
                         {group_ptr, group_ptr_width}, {row_ptr, row_ptr_width}, row_scale,
                         x, y, row_start, row_end};
    path()->grouped(&a);
}

void tersor_cser_matmul(int32_t rows, int32_t cols, int32_t batch, const void *omega,
                        const void *col_idx, int32_t col_idx_width,
                        const void *group_value, int32_t group_value_width,
                        const void *group_ptr, int32_t group_ptr_width,
                        const void *row_ptr, int32_t row_ptr_width,
                        const void *row_scale, const void *x, void *y, int32_t row_start, int32_t row_end) {
    tk_grouped_args a = {rows, cols, batch, omega, {col_idx, col_idx_width},
                         {group_value, group_value_width}, {group_ptr, group_ptr_width},
                         {row_ptr, row_ptr_width}, row_scale, x, y, row_start, row_end};
    path()->grouped(&a);
}

void tersor_ham_matmul(int32_t rows, int32_t cols, int32_t batch, const void *stream,
                       const void *row_bit, int32_t row_bit_width, const void *symbols,
                       const void *decode_table, const void *row_scale,
                       const void *x, void *y, int32_t row_start, int32_t row_end) {
    tk_huffman_args a = {rows, cols, batch, stream, {row_bit, row_bit_width}, symbols, decode_table, 0.0f,
                         {NULL, 1}, {NULL, 1}, row_scale, x, y, row_start, row_end};
    path()->ham(&a);
}

void tersor_sham_matmul(int32_t rows, int32_t cols, int32_t batch, const void *stream,
                        const void *row_bit, int32_t row_bit_width, const void *symbols,
                        const void *decode_table, float implicit,
                        const void *col_gap, int32_t col_gap_width,
                        const void *row_ptr, int32_t row_ptr_width, const void *row_scale,
                        const void *x, void *y, int32_t row_start, int32_t row_end) {
    tk_huffman_args a = {rows, cols, batch, stream, {row_bit, row_bit_width}, symbols, decode_table, implicit,
                         {col_gap, col_gap_width}, {row_ptr, row_ptr_width}, row_scale, x, y, row_start, row_end};
    path()->sham(&a);
}

void tersor_xor_matmul(int32_t rows, int32_t cols, int32_t batch, int32_t planes,
                       int32_t word_bits, int32_t slice_bits, const void *decode_table,
                       const void *words, const void *omega,
                       const void *patch_ptr, int32_t patch_ptr_width,
                       const void *patches, int32_t patches_width,
                       const void *mask, const void *mask_row_bit, int32_t mask_row_bit_width,
                       int32_t rice_bits, const void *row_scale,
                       const void *x, void *y, int32_t row_start, int32_t row_end) {
    tk_xor_args a = {rows, cols, batch, planes, word_bits, slice_bits, decode_table, words, omega,
                     {patch_ptr, patch_ptr_width}, {patches, patches_width}, mask,
                     {mask_row_bit, mask_row_bit_width}, rice_bits, row_scale, x, y, row_start, row_end};
    path()->xor(&a);
}

void tersor_bitpack_matmul(int32_t rows, int32_t cols, int32_t batch, const void *row_bits,
                           const void *row_scale, const void *row_ptr, int32_t row_ptr_width,
                           const void *data, const void *x, void *y,
                           int32_t row_start, int32_t row_end) {
    tk_bitpack_args a = {rows, cols, batch, row_bits, row_scale, {row_ptr, row_ptr_width}, data, x, y,
                         row_start, row_end};
    path()->bitpack(&a);
}

void tersor_q8_matmul(int32_t rows, int32_t cols, int32_t batch, const void *codes, const void *row_scale,
                      const void *row_sum, int32_t int8_activations, const void *x, void *y,
                      int32_t row_start, int32_t row_end) {
    tk_q8_args a = {rows, cols, batch, codes, row_scale, row_sum, int8_activations, x, y, row_start, row_end};
    path()->q8(&a);
}
