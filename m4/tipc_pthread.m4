dnl SPDX-License-Identifier: MIT
dnl AX_PTHREAD_LITE: link with -pthread where the toolchain wants it (tests and
dnl benchmarks fork and use threads; the library itself starts none).
AC_DEFUN([AX_PTHREAD_LITE], [
  AC_MSG_CHECKING([whether $CC accepts -pthread])
  save_LDFLAGS=$LDFLAGS
  LDFLAGS="$LDFLAGS -pthread"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <pthread.h>]], [[pthread_self();]])],
    [AC_MSG_RESULT([yes]); PTHREAD_LIBS=-pthread], [AC_MSG_RESULT([no]); PTHREAD_LIBS=])
  LDFLAGS=$save_LDFLAGS
  AC_SUBST([PTHREAD_LIBS])
])
