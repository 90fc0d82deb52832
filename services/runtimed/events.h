// runtimed's container events (create, start, die, destroy, ...): the common
// persisted event ring (common/events), kept in the state dir's events.jsonl.
#pragma once

#include "common/events/event_log.h"

namespace berth::runtimed {

using EventRecord = events::EventRecord;
using EventLog = events::EventLog;

}  // namespace berth::runtimed
