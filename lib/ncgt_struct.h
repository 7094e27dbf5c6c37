/*
 * The one versioning scheme of the public structs (doc/api.md "Versioned
 * structs"): a struct's first field is `version`; each version is a
 * declared size (the struct up to the first field a later version
 * appended). The library copies exactly the caller's declared size into
 * a zeroed struct of its own, so a caller built against an older, shorter
 * struct is never over-read and the fields it does not know read as zero
 * ("default"). A version newer than this library knows is read up to the
 * fields this library knows.
 */
#ifndef NCGT_STRUCT_H
#define NCGT_STRUCT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* sizes[v - 1] is the size of version v (v = 1..nsizes). Returns 0, or
 * -1 for version 0 (not a versioned struct: probably uninitialised). */
static inline int ncgt_struct_copy(void *dst, size_t dstsize, const void *src,
                                   uint32_t version, const size_t *sizes,
                                   size_t nsizes) {
  if (version == 0)
    return -1;
  size_t n = version <= nsizes ? sizes[version - 1] : sizes[nsizes - 1];
  if (n > dstsize)
    n = dstsize;
  memset(dst, 0, dstsize);
  memcpy(dst, src, n);
  return 0;
}

#define NCGT_STRUCT_COPY(dst, src, sizes)                                      \
  ncgt_struct_copy((dst), sizeof(*(dst)), (src), (src)->version, (sizes),      \
                   sizeof(sizes) / sizeof((sizes)[0]))

#endif /* NCGT_STRUCT_H */
