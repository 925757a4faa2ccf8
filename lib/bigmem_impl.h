/* bigmem_impl.h -- large arrays on transparent huge pages.
 *
 * A fresh multi-megabyte array costs one page fault per 4 KiB page on
 * first touch; in a virtual machine each fault is several microseconds,
 * which for the 12 MB matrices of a 5000 x 300 design is as much as the
 * linear algebra.  Asking for huge pages (madvise MADV_HUGEPAGE, where
 * the kernel allows it: numpy does the same for large arrays) makes that
 * one fault per 2 MiB.  Memory from deq_big_malloc is released with
 * free(); without madvise this is plain malloc.  */
#ifndef DEQ_BIGMEM_IMPL_H
#define DEQ_BIGMEM_IMPL_H

#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Advise huge pages for the whole 2 MiB blocks inside [p, p + bytes).  */
static inline void deq_big_advise(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t)2 << 20;
  if (!p || bytes < huge) return;
  uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
  uintptr_t b = ((uintptr_t)p + bytes) & ~(huge - 1);
  if (b > a) (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

/* malloc for arrays of 2 MiB and more: 2 MiB aligned and rounded up to
   whole 2 MiB pages (a 12 MB matrix would otherwise end in 1.4 MiB of
   small pages: hundreds of faults), huge pages.  */
static inline void *deq_big_malloc(size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const size_t huge = (size_t)2 << 20;
  if (bytes >= huge && bytes <= SIZE_MAX - huge) {
    size_t whole = (bytes + huge - 1) & ~(huge - 1);
    void *p = NULL;
    if (posix_memalign(&p, huge, whole) != 0) return NULL;
    deq_big_advise(p, whole);
    return p;
  }
#endif
  return malloc(bytes);
}

/* Scratch of any size on at least one whole huge page: one page fault
   instead of one per 4 KiB (a 600 KB block would take 150).  */
static inline void *deq_scratch_malloc(size_t bytes)
{
  const size_t huge = (size_t)2 << 20;
  return deq_big_malloc(bytes < huge ? huge : bytes);
}

#endif
