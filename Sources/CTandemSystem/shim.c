#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "CTandemSystem.h"

int tandem_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }

int tandem_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }

int tandem_spawn_add_tcsetpgrp(posix_spawn_file_actions_t *actions, int fd) {
  return posix_spawn_file_actions_addtcsetpgrp_np(actions, fd);
}
