// The POSIX Env: open/write/fsync/rename/unlink/flock on the real filesystem.
// Reads treat every file as hostile: regular files only, bounded (env.h).
//
// Thread safety: stateless; every call is independent.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include "jit/util/str_cat.h"

#include "cache/env.h"

namespace kjit::cache {
namespace {

namespace fs = std::filesystem;

std::unexpected<Error> os_error(std::string_view what, const fs::path& path, int err) {
  ErrorCode code = err == ENOENT ? ErrorCode::not_found : ErrorCode::io_error;
  return fail(code, str_cat(what, " '", path.string(), "': ", std::strerror(err)));
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, fs::path path) : m_fd(fd), m_path(std::move(path)) {}
  ~PosixWritableFile() override {
    if (m_fd >= 0) ::close(m_fd);
  }
  Result<void> append(std::span<const std::uint8_t> data) override {
    const std::uint8_t* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(m_fd, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return os_error("cannot write", m_path, errno);
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    return {};
  }
  Result<void> sync() override {
    if (::fsync(m_fd) != 0) return os_error("cannot fsync", m_path, errno);
    return {};
  }
  Result<void> close() override {
    if (m_fd < 0) return {};
    int rc = ::close(m_fd);
    m_fd = -1;
    if (rc != 0) return os_error("cannot close", m_path, errno);
    return {};
  }

 private:
  int m_fd;
  fs::path m_path;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : m_fd(fd) {}
  ~PosixFileLock() override { ::close(m_fd); }  // closing the last fd drops the flock

 private:
  int m_fd;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> new_writable_file(const fs::path& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return os_error("cannot create", path, errno);
    return std::make_unique<PosixWritableFile>(fd, path);
  }

  // Hostile-input reads (issue #19.7): O_NONBLOCK so opening a FIFO cannot
  // hang, O_NOFOLLOW when asked (blob paths are never links), fstat on the
  // open descriptor to require a regular file (a check on the path before
  // opening would race with a swap), then blocking reads of at most
  // min(limit, st_size) + 1 bytes: the + 1 tells a file that grew meanwhile.
  Result<std::vector<std::uint8_t>> read_file(const fs::path& path, const ReadLimits& limits) override {
    int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (limits.no_follow ? O_NOFOLLOW : 0);
    int fd = ::open(path.c_str(), flags);
    if (fd < 0) {
      if (errno == ELOOP && limits.no_follow)
        return fail(ErrorCode::corruption, str_cat("'", path.string(), "' is a symbolic link, expected a regular file"));
      return os_error("cannot open", path, errno);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return os_error("cannot stat", path, err);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      const char* what = S_ISFIFO(st.st_mode)  ? "a FIFO"
                         : S_ISCHR(st.st_mode) ? "a character device"
                         : S_ISBLK(st.st_mode) ? "a block device"
                         : S_ISSOCK(st.st_mode) ? "a socket"
                         : S_ISDIR(st.st_mode) ? "a folder"
                                               : "not a regular file";
      return fail(limits.no_follow ? ErrorCode::corruption : ErrorCode::io_error,
                  str_cat("'", path.string(), "' is ", what, ", expected a regular file"));
    }
    (void)::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > limits.max_bytes) {
      ::close(fd);
      return fail(ErrorCode::corruption, str_cat("'", path.string(), "' has ", size, " bytes, more than the ",
                                                 limits.max_bytes, " expected"));
    }
    // One byte more than expected: reading it means the file grew.
    const std::uint64_t cap = std::min(limits.max_bytes, size) + 1;
    std::vector<std::uint8_t> out(static_cast<std::size_t>(cap));
    std::size_t got = 0;
    while (got < out.size()) {
      ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        return os_error("cannot read", path, err);
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (got == out.size())
      return fail(ErrorCode::corruption, str_cat("'", path.string(), "' grew while being read (more than ",
                                                 cap - 1, " bytes)"));
    out.resize(got);
    return out;
  }

  Result<void> rename_file(const fs::path& from, const fs::path& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return os_error(str_cat("cannot rename '", from.string(), "' to"), to, errno);
    return {};
  }

  Result<void> remove_file(const fs::path& path) override {
    if (::unlink(path.c_str()) != 0) return os_error("cannot remove", path, errno);
    return {};
  }

  Result<void> create_dirs(const fs::path& path) override {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) return fail(ErrorCode::io_error, str_cat("cannot create directory '", path.string(), "': ", ec.message()));
    return {};
  }

  Result<FileInfo> stat(const fs::path& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return os_error("cannot stat", path, errno);
    return FileInfo{path.filename().string(), S_ISDIR(st.st_mode), static_cast<std::uint64_t>(st.st_size),
                    static_cast<std::int64_t>(st.st_mtim.tv_sec)};
  }

  Result<std::vector<FileInfo>> list_dir(const fs::path& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (!dir) return os_error("cannot list", path, errno);
    std::vector<FileInfo> out;
    while (dirent* e = ::readdir(dir)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // vanished meanwhile
      out.push_back({std::string(name), S_ISDIR(st.st_mode), static_cast<std::uint64_t>(st.st_size),
                     static_cast<std::int64_t>(st.st_mtim.tv_sec)});
    }
    ::closedir(dir);
    return out;
  }

  Result<void> sync_dir(const fs::path& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return os_error("cannot open directory", path, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return os_error("cannot fsync directory", path, err);
    return {};
  }

  Result<std::unique_ptr<FileLock>> lock_file(const fs::path& path, Wait wait) override {
    for (int attempt = 0; attempt < 100; ++attempt) {
      int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0) return os_error("cannot open lock file", path, errno);
      int rc;
      do {
        rc = ::flock(fd, LOCK_EX | (wait == Wait::yes ? 0 : LOCK_NB));
      } while (rc != 0 && errno == EINTR);
      if (rc != 0) {
        int err = errno;
        ::close(fd);
        if (err == EWOULDBLOCK) return std::unique_ptr<FileLock>();
        return os_error("cannot lock", path, err);
      }
      // The file may have been unlinked (by gc) while we waited: then our lock
      // guards a dead inode; start again on the current file.
      struct stat held {}, now {};
      if (::fstat(fd, &held) == 0 && ::stat(path.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
          held.st_dev == now.st_dev)
        return std::make_unique<PosixFileLock>(fd);
      ::close(fd);
    }
    return fail(ErrorCode::io_error, str_cat("cannot lock '", path.string(), "': the lock file keeps being replaced"));
  }
};

}  // namespace

Env* Env::posix() {
  static PosixEnv* env = new PosixEnv();  // leaked on purpose: usable during static destruction
  return env;
}

std::int64_t Env::now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

bool Env::is_writable(const std::filesystem::path& path) { return ::access(path.c_str(), W_OK) == 0; }

Result<void> write_new_file(Env& env, const std::filesystem::path& path, std::span<const std::uint8_t> data) {
  auto file = KJIT_TRY(env.new_writable_file(path));
  KJIT_TRY_VOID(file->append(data));
  return file->close();
}

}  // namespace kjit::cache
