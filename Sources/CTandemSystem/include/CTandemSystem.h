// GNU extensions of glibc that Swift's Glibc module does not import (it is built without
// _GNU_SOURCE). Implemented in shim.c, which is compiled with _GNU_SOURCE.
#ifndef C_TANDEM_SYSTEM_H
#define C_TANDEM_SYSTEM_H

/// pipe2(2): both ends created with `flags` (O_CLOEXEC, O_NONBLOCK) in one step, so no
/// process spawned meanwhile by another thread inherits them.
int tandem_pipe2(int fds[2], int flags);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants become this process's children,
/// so it can reap them (and knows when they are gone) even when PID 1 does not reap.
int tandem_set_child_subreaper(void);

#endif
