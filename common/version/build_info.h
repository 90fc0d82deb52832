#pragma once

namespace berth {

// Berth's version ("0.1.0") and the git commit the build was configured from.
const char* BuildVersion();
const char* BuildCommit();

}  // namespace berth
