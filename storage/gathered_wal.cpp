#include "storage/gathered_wal.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>
#include <string>

namespace tend::storage {
namespace {

constexpr int kFrameHeaderBytes = 24;
// SQLite's unix VFS writes at most this much in one call (seekAndWriteFd masks the length with
// 0x1ffff); a larger commit is written in pieces of up to 31 frames.
constexpr std::size_t kMostGathered = 0x1ffff;

// Built with placement new in the memory SQLite gives xOpen, and destroyed in xClose.
struct LogFile {
  sqlite3_file base;
  sqlite3_file* real;  // SQLite's own file, in the same allocation just after this struct
  std::string gathered;
  sqlite3_int64 gathered_at = 0;   // where gathered[0] goes in the file
  bool commit_frame_next = false;  // the last write was the header of a commit's last frame
};

LogFile* log_file(sqlite3_file* file) {
  return reinterpret_cast<LogFile*>(file);
}
sqlite3_vfs* real_vfs(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

// Bytes 4-7 of a frame header: the database size after the commit, or 0 if the frame ends none.
bool ends_a_commit(const void* header) {
  const auto* bytes = static_cast<const unsigned char*>(header);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

int write_gathered(LogFile* f) {
  auto& gathered = f->gathered;
  if (gathered.empty()) return SQLITE_OK;
  const int rc =
      f->real->pMethods->xWrite(f->real, gathered.data(), static_cast<int>(gathered.size()), f->gathered_at);
  gathered.clear();
  return rc;
}

int log_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  auto* f = log_file(file);
  auto& gathered = f->gathered;
  const bool follows = offset == f->gathered_at + static_cast<sqlite3_int64>(gathered.size());
  if (!gathered.empty() && (!follows || gathered.size() + static_cast<std::size_t>(amount) > kMostGathered)) {
    if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  }
  const bool ends_commit = f->commit_frame_next;
  f->commit_frame_next = amount == kFrameHeaderBytes && ends_a_commit(data);
  try {
    if (gathered.empty()) f->gathered_at = offset;
    gathered.append(static_cast<const char*>(data), static_cast<std::size_t>(amount));
  } catch (const std::bad_alloc&) {
    if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
    return f->real->pMethods->xWrite(f->real, data, amount, offset);
  }
  if (ends_commit) return write_gathered(f);
  return SQLITE_OK;
}

// Every other use of the log first writes what was gathered, so the order of writes is SQLite's.
int log_close(sqlite3_file* file) {
  auto* f = log_file(file);
  const int written = write_gathered(f);
  const int closed = f->real->pMethods->xClose(f->real);
  std::destroy_at(f);
  return written != SQLITE_OK ? written : closed;
}
int log_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  auto* f = log_file(file);
  if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xRead(f->real, data, amount, offset);
}
int log_truncate(sqlite3_file* file, sqlite3_int64 size) {
  auto* f = log_file(file);
  if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xTruncate(f->real, size);
}
int log_sync(sqlite3_file* file, int flags) {
  auto* f = log_file(file);
  if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xSync(f->real, flags);
}
int log_file_size(sqlite3_file* file, sqlite3_int64* size) {
  auto* f = log_file(file);
  if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileSize(f->real, size);
}
int log_lock(sqlite3_file* file, int level) {
  auto* f = log_file(file);
  if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xLock(f->real, level);
}
int log_unlock(sqlite3_file* file, int level) {
  auto* f = log_file(file);
  if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xUnlock(f->real, level);
}
int log_check_reserved_lock(sqlite3_file* file, int* out) {
  auto* f = log_file(file);
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}
int log_file_control(sqlite3_file* file, int op, void* arg) {
  auto* f = log_file(file);
  if (const int rc = write_gathered(f); rc != SQLITE_OK) return rc;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}
int log_sector_size(sqlite3_file* file) {
  auto* f = log_file(file);
  return f->real->pMethods->xSectorSize(f->real);
}
int log_device_characteristics(sqlite3_file* file) {
  auto* f = log_file(file);
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}

// Version 1: SQLite maps shared memory and pages only through the database file, never the log.
constexpr sqlite3_io_methods kLogMethods = {
    .iVersion = 1,
    .xClose = log_close,
    .xRead = log_read,
    .xWrite = log_write,
    .xTruncate = log_truncate,
    .xSync = log_sync,
    .xFileSize = log_file_size,
    .xLock = log_lock,
    .xUnlock = log_unlock,
    .xCheckReservedLock = log_check_reserved_lock,
    .xFileControl = log_file_control,
    .xSectorSize = log_sector_size,
    .xDeviceCharacteristics = log_device_characteristics,
    .xShmMap = nullptr,
    .xShmLock = nullptr,
    .xShmBarrier = nullptr,
    .xShmUnmap = nullptr,
    .xFetch = nullptr,
    .xUnfetch = nullptr,
};

int open_file(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  sqlite3_vfs* real = real_vfs(vfs);
  if (!(flags & SQLITE_OPEN_WAL)) return real->xOpen(real, name, file, flags, out_flags);
  auto* real_file = reinterpret_cast<sqlite3_file*>(reinterpret_cast<LogFile*>(file) + 1);
  real_file->pMethods = nullptr;
  file->pMethods = nullptr;
  if (const int rc = real->xOpen(real, name, real_file, flags, out_flags); rc != SQLITE_OK) {
    // SQLite closes only a file whose methods are set: ours stay unset, so close SQLite's here.
    if (real_file->pMethods) real_file->pMethods->xClose(real_file);
    return rc;
  }
  auto* f = new (file) LogFile{};
  f->base.pMethods = &kLogMethods;
  f->real = real_file;
  return SQLITE_OK;
}

sqlite3_vfs make_vfs(sqlite3_vfs* real) {
  sqlite3_vfs vfs{};
  vfs.iVersion = 2;
  vfs.szOsFile = std::max(real->szOsFile, static_cast<int>(sizeof(LogFile)) + real->szOsFile);
  vfs.mxPathname = real->mxPathname;
  vfs.zName = "tend-gathered-wal";
  vfs.pAppData = real;
  vfs.xOpen = open_file;
  vfs.xDelete = [](sqlite3_vfs* v, const char* path, int sync) {
    return real_vfs(v)->xDelete(real_vfs(v), path, sync);
  };
  vfs.xAccess = [](sqlite3_vfs* v, const char* path, int flags, int* out) {
    return real_vfs(v)->xAccess(real_vfs(v), path, flags, out);
  };
  vfs.xFullPathname = [](sqlite3_vfs* v, const char* path, int size, char* out) {
    return real_vfs(v)->xFullPathname(real_vfs(v), path, size, out);
  };
  vfs.xDlOpen = [](sqlite3_vfs* v, const char* path) { return real_vfs(v)->xDlOpen(real_vfs(v), path); };
  vfs.xDlError = [](sqlite3_vfs* v, int size, char* out) { real_vfs(v)->xDlError(real_vfs(v), size, out); };
  vfs.xDlSym = [](sqlite3_vfs* v, void* handle, const char* symbol) {
    return real_vfs(v)->xDlSym(real_vfs(v), handle, symbol);
  };
  vfs.xDlClose = [](sqlite3_vfs* v, void* handle) { real_vfs(v)->xDlClose(real_vfs(v), handle); };
  vfs.xRandomness = [](sqlite3_vfs* v, int size, char* out) {
    return real_vfs(v)->xRandomness(real_vfs(v), size, out);
  };
  vfs.xSleep = [](sqlite3_vfs* v, int microseconds) {
    return real_vfs(v)->xSleep(real_vfs(v), microseconds);
  };
  vfs.xCurrentTime = [](sqlite3_vfs* v, double* out) { return real_vfs(v)->xCurrentTime(real_vfs(v), out); };
  vfs.xGetLastError = [](sqlite3_vfs* v, int size, char* out) {
    return real_vfs(v)->xGetLastError(real_vfs(v), size, out);
  };
  vfs.xCurrentTimeInt64 = [](sqlite3_vfs* v, sqlite3_int64* out) {
    return real_vfs(v)->xCurrentTimeInt64(real_vfs(v), out);
  };
  return vfs;
}

}  // namespace

const char* gathered_wal_vfs() {
  static const char* const name = []() -> const char* {
    sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
    if (!real || real->iVersion < 2) return nullptr;  // SQLite's own VFS is used instead
    static sqlite3_vfs vfs = make_vfs(real);
    return sqlite3_vfs_register(&vfs, 0) == SQLITE_OK ? vfs.zName : nullptr;
  }();
  return name;
}

}  // namespace tend::storage
