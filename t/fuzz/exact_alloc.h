/* exact_alloc.h: make every apr_palloc() a malloc() of exactly the size
 * asked for, so that AddressSanitizer and valgrind see an overrun of a
 * pool allocation, which they cannot inside an APR pool block.
 *
 * The test programs (t/unit, t/fuzz) link exact_alloc.c, which defines
 * apr_palloc and apr_pcalloc; the executable's definitions take precedence
 * over libapr's, also for the calls libapr makes itself (apr_pstrcat,
 * apr_pstrdup ...). Between exact_alloc_begin() and exact_alloc_end() each
 * allocation is a malloc() recorded in a list, and exact_alloc_end() frees
 * them all (destroy the pool first: it may hold cleanups in them).
 * Outside of begin/end, allocations go to libapr's apr_palloc.
 */
#ifndef EXACT_ALLOC_H
#define EXACT_ALLOC_H

void exact_alloc_begin(void);
void exact_alloc_end(void);

#endif
