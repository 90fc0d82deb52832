#pragma once

#include <cstdint>

#include "berth/v1/types.pb.h"

namespace berth::apid {

// Bytes in the container's writable layer (the overlay upperdir imaged made
// for it, named in the record's rootfs mount), hard links counted once, as
// dockerd's overlay2 driver sizes it for prune's SpaceReclaimed. 0 when the
// record has no such layer.
int64_t WritableLayerBytes(const v1::Container& c);

}  // namespace berth::apid
