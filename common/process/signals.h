#pragma once

namespace berth::process {

// Blocks SIGTERM, SIGINT and SIGPIPE in the calling thread. Call first thing in
// main(), before any thread starts, so every thread inherits the mask and the
// signals are only taken by WaitForTerminationSignal. Children must unblock
// (see UnblockAllSignals) before exec.
void BlockTerminationSignals();

// Sleeps until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForTerminationSignal();

// Restores an empty signal mask and default dispositions (for forked children).
void UnblockAllSignals();

}  // namespace berth::process
