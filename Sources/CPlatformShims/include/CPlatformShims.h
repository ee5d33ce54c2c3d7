// GNU extensions of glibc that Swift's Glibc module does not import (it is built without
// _GNU_SOURCE). Implemented in shim.c, which is compiled with _GNU_SOURCE. Used only by
// Sources/SystemPlatform/Platform.swift.
#ifndef C_PLATFORM_SHIMS_H
#define C_PLATFORM_SHIMS_H

#if !defined(__linux__)
#error "CPlatformShims wraps Linux (glibc) calls; see Sources/SystemPlatform/Platform.swift for a port"
#endif

/// pipe2(2): both ends created with `flags` (O_CLOEXEC, O_NONBLOCK) in one step, so no
/// process spawned meanwhile by another thread inherits them.
int shim_pipe2(int fds[2], int flags);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants become this process's children,
/// so it can reap them (and knows when they are gone) even when PID 1 does not reap.
int shim_set_child_subreaper(void);

#endif
