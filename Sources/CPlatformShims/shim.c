#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "CPlatformShims.h"

int shim_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int shim_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
