/* SPDX-License-Identifier: Apache-2.0 */
/* show_ids: print "ruid euid suid" of the calling process; with an
 * argument, also try setuid(0) and report whether it worked.  Built
 * statically by make check (Makefile.am); tests/security/privileges.bats
 * copies it into the container's rootfs and makes it setuid-root there:
 * under no_new_privs it must gain nothing. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  uid_t r, e, s;
  (void) argv;
  if (getresuid (&r, &e, &s) != 0)
    return 2;
  printf ("%u %u %u\n", (unsigned) r, (unsigned) e, (unsigned) s);
  if (argc > 1)
    printf ("setuid0=%s\n", setuid (0) == 0 ? "ok" : "failed");
  return 0;
}
