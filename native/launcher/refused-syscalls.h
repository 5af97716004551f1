/* Generated from src/spec/syscalls/catalog.ts (ALWAYS_REFUSED_SYSCALLS) by "npm run gen": do not edit. */
/* x86_64 syscall numbers refused with EPERM under every policy, whatever --allow says. */
#define ALWAYS_REFUSED_SYSCALLS \
  101 /* ptrace */, \
  310 /* process_vm_readv */, \
  311 /* process_vm_writev */, \
  438 /* pidfd_getfd */, \
  321 /* bpf */, \
  298 /* perf_event_open */, \
  165 /* mount */, \
  166 /* umount2 */, \
  428 /* open_tree */, \
  429 /* move_mount */, \
  430 /* fsopen */, \
  431 /* fsconfig */, \
  432 /* fsmount */, \
  433 /* fspick */, \
  442 /* mount_setattr */, \
  155 /* pivot_root */, \
  161 /* chroot */, \
  272 /* unshare */, \
  308 /* setns */, \
  250 /* keyctl */, \
  248 /* add_key */, \
  249 /* request_key */, \
  425 /* io_uring_setup */, \
  426 /* io_uring_enter */, \
  427 /* io_uring_register */, \
  323 /* userfaultfd */, \
  304 /* open_by_handle_at */, \
  303 /* name_to_handle_at */, \
  246 /* kexec_load */, \
  320 /* kexec_file_load */, \
  175 /* init_module */, \
  313 /* finit_module */, \
  176 /* delete_module */, \
  169 /* reboot */, \
  167 /* swapon */, \
  168 /* swapoff */, \
  163 /* acct */, \
  179 /* quotactl */, \
  212 /* lookup_dcookie */
