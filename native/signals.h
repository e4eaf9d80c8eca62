// Included after record.h: <signal.h> defines sa_handler as a macro, which
// would rename struct sb_signal's member of that name.
#pragma once

#include <signal.h>

namespace sbnative {

// Holds off the signals of the calling thread while it lives. The verifier
// gives up with EAGAIN when a signal is pending on the loading thread, and
// libbpf retries a load only a few times: a process that gets signals every
// millisecond (a sampling profiler's SIGPROF, an interval timer) could never
// load a program that takes longer to verify. Signals that come meanwhile
// wait and are delivered when it ends; SIGKILL and SIGSTOP are not held.
class SignalsHeld {
 public:
  SignalsHeld() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &before_);
  }
  ~SignalsHeld() { pthread_sigmask(SIG_SETMASK, &before_, nullptr); }
  SignalsHeld(const SignalsHeld&) = delete;
  SignalsHeld& operator=(const SignalsHeld&) = delete;

 private:
  sigset_t before_;
};

}  // namespace sbnative
