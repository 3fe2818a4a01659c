/*
 * cpu: the x86 vector extensions the hand-written kernels (dump.c,
 * patch.c, grep_simd.c) may use, as the CPU reports them.  gcc and clang
 * fill __builtin_cpu_supports' data in a constructor, so these are loads,
 * not cpuid.  Elsewhere they are all 0 and the portable C runs.
 */
#ifndef MM_CPU_H
#define MM_CPU_H

#if defined(__x86_64__) || defined(__i386__)
#define CPU_X86 1
static inline int cpu_has_sse2(void) { return __builtin_cpu_supports("sse2"); }
static inline int cpu_has_ssse3(void) { return __builtin_cpu_supports("ssse3"); }
static inline int cpu_has_avx2(void) { return __builtin_cpu_supports("avx2"); }
#else
static inline int cpu_has_sse2(void) { return 0; }
static inline int cpu_has_ssse3(void) { return 0; }
static inline int cpu_has_avx2(void) { return 0; }
#endif

#endif
