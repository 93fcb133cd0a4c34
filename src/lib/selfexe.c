/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>
#include "selfexe.h"
#include "util.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

extern char **environ;

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

bool
selfexe_is_sealed (void)
{
  cleanup_close int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals = fd >= 0 ? fcntl (fd, F_GET_SEALS) : -1;
  return seals >= 0 && (seals & SEALS) == SEALS;
}

static int
copy_all (int from, int to, off_t size, urun_err *err)
{
  off_t done = 0;
  while (done < size)
    {
      ssize_t n = sendfile (to, from, NULL, size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return urun_fail (err, n < 0 ? errno : EIO, "copy the urun binary into a sealed memfd");
      done += n;
    }
  return 0;
}

int
selfexe_reexec_sealed (char **argv, urun_err *err)
{
  cleanup_close int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC), mfd = -1;
  struct stat sb;

  if (exe < 0 || fstat (exe, &sb) < 0)
    return urun_fail (err, errno, "open the urun binary (/proc/self/exe)");
  /* MFD_EXEC: where vm.memfd_noexec makes memfds non-executable by default */
  mfd = memfd_create ("urun", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL)
    mfd = memfd_create ("urun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return urun_fail (err, errno, "memfd_create");
  if (copy_all (exe, mfd, sb.st_size, err) < 0)
    return -1;
  /* F_SEAL_WRITE is refused (EBUSY) while a page of the memfd still has a
   * reference the kernel counts as a pin; seen once in CI, right after the
   * copy: the kernel's own wait is short, so try again, bounded (~0.2 s) */
  for (int tries = 0; fcntl (mfd, F_ADD_SEALS, SEALS) < 0; tries++)
    {
      struct timespec ts = { 0, 10 * 1000 * 1000 };
      if (errno != EBUSY || tries == 20)
        return urun_fail (err, errno, "seal the memfd copy of urun");
      nanosleep (&ts, NULL);
    }
  syscall (SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
  return urun_fail (err, errno, "execute the sealed copy of urun");
}
