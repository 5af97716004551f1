/*
 * Landlock user-space ABI, declared here rather than taken from <linux/landlock.h>: distribution
 * headers lag the kernel (the ones this project was started on know ABI 2, the kernel speaks ABI 7),
 * and the launcher must use every right the running kernel has. Values are the kernel's uapi values.
 */
#ifndef CODEX_FLEET_LANDLOCK_COMPAT_H
#define CODEX_FLEET_LANDLOCK_COMPAT_H

#include <stdint.h>

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

/* The kernel takes the struct size, so a short struct is how an older ABI is spoken. */
struct cf_landlock_ruleset_attr {
  uint64_t handled_access_fs;  /* ABI 1 */
  uint64_t handled_access_net; /* ABI 4 */
  uint64_t scoped;             /* ABI 6 */
};

struct cf_landlock_path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

struct cf_landlock_net_port_attr {
  uint64_t allowed_access;
  uint64_t port;
};

#define CF_LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#define CF_LANDLOCK_RULE_PATH_BENEATH 1
#define CF_LANDLOCK_RULE_NET_PORT 2

/* Filesystem rights, with the ABI that introduced each. */
#define CF_FS_EXECUTE (1ULL << 0)      /* 1 */
#define CF_FS_WRITE_FILE (1ULL << 1)   /* 1 */
#define CF_FS_READ_FILE (1ULL << 2)    /* 1 */
#define CF_FS_READ_DIR (1ULL << 3)     /* 1 */
#define CF_FS_REMOVE_DIR (1ULL << 4)   /* 1 */
#define CF_FS_REMOVE_FILE (1ULL << 5)  /* 1 */
#define CF_FS_MAKE_CHAR (1ULL << 6)    /* 1 */
#define CF_FS_MAKE_DIR (1ULL << 7)     /* 1 */
#define CF_FS_MAKE_REG (1ULL << 8)     /* 1 */
#define CF_FS_MAKE_SOCK (1ULL << 9)    /* 1 */
#define CF_FS_MAKE_FIFO (1ULL << 10)   /* 1 */
#define CF_FS_MAKE_BLOCK (1ULL << 11)  /* 1 */
#define CF_FS_MAKE_SYM (1ULL << 12)    /* 1 */
#define CF_FS_REFER (1ULL << 13)       /* 2 */
#define CF_FS_TRUNCATE (1ULL << 14)    /* 3 */
#define CF_FS_IOCTL_DEV (1ULL << 15)   /* 5 */

#define CF_FS_ABI1 ((1ULL << 13) - 1)
#define CF_FS_ABI2 (CF_FS_ABI1 | CF_FS_REFER)
#define CF_FS_ABI3 (CF_FS_ABI2 | CF_FS_TRUNCATE)
#define CF_FS_ABI5 (CF_FS_ABI3 | CF_FS_IOCTL_DEV)

/* Rights that make sense on a regular file (the kernel refuses directory-only rights on a file). */
#define CF_FS_FILE_RIGHTS (CF_FS_EXECUTE | CF_FS_WRITE_FILE | CF_FS_READ_FILE | CF_FS_TRUNCATE | CF_FS_IOCTL_DEV)

/* Network rights (ABI 4). */
#define CF_NET_BIND_TCP (1ULL << 0)
#define CF_NET_CONNECT_TCP (1ULL << 1)

/* Scopes (ABI 6). */
#define CF_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define CF_SCOPE_SIGNAL (1ULL << 1)

#endif
