/* See identity.h. */
#define _GNU_SOURCE
#include "identity.h"

#include <errno.h>
#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <linux/securebits.h>

const char *identity_switch(uid_t uid, gid_t gid) {
  if (uid == 0) {
    errno = EINVAL;
    return "refusing to run as uid 0";
  }
  /* Keep the capability sets as they are across the uid change: they are dropped right after, together
   * with the bounding set, which needs CAP_SETPCAP. */
  int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
  if (bits < 0) return "reading securebits";
  if (prctl(PR_SET_SECUREBITS, (unsigned long)bits | SECBIT_NO_SETUID_FIXUP, 0, 0, 0) != 0) return "setting SECBIT_NO_SETUID_FIXUP";
  if (setgroups(0, NULL) != 0) return "clearing the supplementary groups (setgroups)";
  if (setresgid(gid, gid, gid) != 0) return "setresgid";
  if (setresuid(uid, uid, uid) != 0) return "setresuid";
  uid_t r, e, s;
  gid_t gr, ge, gs;
  if (getresuid(&r, &e, &s) != 0 || r != uid || e != uid || s != uid) return "checking the uid after setresuid";
  if (getresgid(&gr, &ge, &gs) != 0 || gr != gid || ge != gid || gs != gid) return "checking the gid after setresgid";
  if (getgroups(0, NULL) != 0) return "checking that no supplementary group is left";
  return NULL;
}
