/*
 * Running sandboxed code under an unprivileged uid/gid. When the launcher starts as root, the
 * supervisor names a uid and gid (by default 65534) and the launcher switches to them before dropping
 * its capabilities, so the program never runs as uid 0: file metadata the program could otherwise
 * change as root (mode, owner, times, xattrs of anything it can read) is protected by ordinary
 * ownership checks.
 */
#ifndef CODEX_FLEET_IDENTITY_H
#define CODEX_FLEET_IDENTITY_H

#include <sys/types.h>

/*
 * Clears the supplementary groups and sets real, effective and saved gid and uid. Capabilities are left
 * untouched (SECBIT_NO_SETUID_FIXUP is set first) so the caller can still drop the bounding set and
 * lock the securebits afterwards. Returns NULL on success, otherwise the step that failed (errno kept).
 * Note: changing credentials clears the parent-death signal; the caller must set it again.
 */
const char *identity_switch(uid_t uid, gid_t gid);

#endif
