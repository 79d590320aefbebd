#pragma once
// The Node.js that runs Bolt in the compatibility test and the benchmark: the npm registry's
// node-linux-<arch> package pinned in tests/bolt/package-lock.json (Bolt 5 needs Node.js 20 or
// newer; Debian 12 has 18), never the machine's. `npm ci` installs the one for this machine's
// architecture (they are optional dependencies); npm 9 links no .bin/node for it, so it is found
// where the package puts it.
#include <filesystem>
#include <string>

namespace tend::testing {

inline std::filesystem::path pinned_node(const std::filesystem::path& bolt_dir) {
  for (const std::string arch : {"x64", "arm64"}) {
    auto node = bolt_dir / "node_modules" / ("node-linux-" + arch) / "bin" / "node";
    if (std::filesystem::exists(node)) return node;
  }
  return {};
}

}  // namespace tend::testing
