#pragma once
// A VFS over SQLite's own that writes each commit's frames to the write-ahead log in one system
// call. SQLite writes a frame as two (its 24-byte header, then the page), so a command touching
// nine pages cost eighteen pwrite calls: a fifth of Tend's CPU at a steady 1,000 commands/s on a
// VM where a system call costs a microsecond (README, "Performance").
//
// Appends to the log are gathered in memory and written when the commit's last frame is (SQLite
// marks it in the frame header), before SQLite makes the commit visible to readers, so any
// write error is still the commit's error. Anything else done to the log — a write elsewhere, a
// read, a sync, a size, a close — first writes what was gathered, so the file sees the same
// writes in the same order as without this VFS, only fewer calls. Other files are SQLite's own.
namespace tend::storage {

// The VFS's name for sqlite3_open_v2, registered on the first call.
const char* gathered_wal_vfs();

}  // namespace tend::storage
