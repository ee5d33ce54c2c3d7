#if canImport(Glibc)
  import Glibc
#endif

/// Keeps the database client's descriptors out of the programs this process starts.
///
/// The client (SwiftNIO) opens its sockets, epoll, eventfd and timerfd descriptors without
/// close-on-exec. A command run under `lock run` would inherit them: it would keep the
/// holder's database session, and so its locks, open after `tandem` died, and it could talk
/// to an authenticated session it was never given. After each connection is made, every
/// socket and anonymous-inode descriptor of the process is marked close-on-exec; files
/// (the file store's locks, which `lock run` passes on on purpose) are left as they are.
enum DescriptorInheritance {
  static func closeNetworkDescriptorsOnExec() {
    guard let directory = opendir("/proc/self/fd") else { return }
    defer { closedir(directory) }
    let own = dirfd(directory)
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      guard let fd = Int32(name), fd > 2, fd != own else { continue }
      let flags = fcntl(fd, F_GETFD)
      guard flags >= 0, flags & FD_CLOEXEC == 0, isNetworkOrEventDescriptor(fd) else { continue }
      _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC)
    }
  }

  /// Sockets, and the anonymous inodes an event loop uses (epoll, eventfd, timerfd), which
  /// `fstat` reports with no file type of their own.
  private static func isNetworkOrEventDescriptor(_ fd: Int32) -> Bool {
    var info = stat()
    guard fstat(fd, &info) == 0 else { return false }
    let type = info.st_mode & S_IFMT
    return type == S_IFSOCK || type == 0
  }
}
