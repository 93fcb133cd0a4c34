/* SPDX-License-Identifier: Apache-2.0 */
/* urun events: runc's JSON event lines for a container's cgroup.  With
 * stats_only one {"type":"stats"} line; else a stats line every interval
 * and an {"type":"oom"} line at each OOM, until the container's process
 * ends.  The wait is one poll: on a pidfd of that process (its end), on
 * the cgroup's OOM fd (cgroup_oom_watch) and on the interval's time. */
#include <config.h>
#include "container_priv.h"
#include "pidfd.h"
#include "util.h"
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* After an OOM notification, how long and how often the kill counter is
 * looked at (the kernel counts the kill just after it notifies). */
#define OOM_SETTLE_MS 1000
#define OOM_STEP_MS 50

struct watch
{
  const char *id;
  const struct urun_cgroup *cg;
  events_emit_fn emit;
  void *arg;
  bool counted;             /* the kernel counts OOM kills */
  unsigned long long kills; /* as last seen */
  long long oom_until;      /* a notification not yet matched by a kill: until then */
};

static int
emit_event (struct watch *wt, const char *type, bool stats)
{
  json_writer *w = json_writer_new (false);
  cleanup_free char *line = NULL;
  size_t len;
  json_w_open_object (w);
  json_w_key (w, "type");
  json_w_string (w, type);
  json_w_key (w, "id");
  json_w_string (w, wt->id);
  if (stats)
    {
      json_w_key (w, "data");
      cgroup_stats (wt->cg, w);
    }
  json_w_close_object (w);
  line = json_writer_finish (w, true, &len);
  return wt->emit (line, wt->arg);
}

/* One oom line when the kill count rose, or when a v1 notification was
 * not followed by a kill within OOM_SETTLE_MS (an OOM all the same: the
 * OOM killer may be disabled).  final: the container is gone, no waiting. */
static int
check_oom (struct watch *wt, bool final)
{
  unsigned long long n = 0;
  bool rose = wt->counted && cgroup_oom_kills (wt->cg, &n) && n > wt->kills;
  if (rose)
    wt->kills = n;
  if (rose || (wt->oom_until && (final || clock_ms (CLOCK_MONOTONIC) >= wt->oom_until) && wt->cg->kind == CGROUP_V1))
    {
      wt->oom_until = 0;
      return emit_event (wt, "oom", false);
    }
  if (wt->oom_until && (final || clock_ms (CLOCK_MONOTONIC) >= wt->oom_until))
    wt->oom_until = 0;
  return 0;
}

/* A notification, the cgroup still there: an OOM, whose kill is
 * looked for until OOM_SETTLE_MS from now. */
static void
oom_notified (struct watch *wt, int oomfd)
{
  if (cgroup_oom_drain (wt->cg, oomfd))
    wt->oom_until = clock_ms (CLOCK_MONOTONIC) + OOM_SETTLE_MS;
}

/* Wait until the next stats line is due: 0, or 1 when the container's
 * process ended. */
static int
wait_interval (struct watch *wt, const struct container_state *st, int pidfd, int oomfd, long long interval_ms,
               urun_err *err)
{
  long long due = clock_ms (CLOCK_MONOTONIC) + interval_ms;
  for (;;)
    {
      struct pollfd p[2] = { { .fd = pidfd, .events = POLLIN }, { .fd = oomfd, .events = POLLIN } };
      long long left = due - clock_ms (CLOCK_MONOTONIC);
      int r;
      if (wt->oom_until && left > OOM_STEP_MS)
        left = OOM_STEP_MS;
      r = poll (p, 2, left < 0 ? 0 : (int) (left > 60000 ? 60000 : left));
      if (r < 0 && errno != EINTR)
        return urun_fail (err, errno, "poll");
      if (r > 0 && (p[1].revents & POLLIN))
        oom_notified (wt, oomfd);
      if (check_oom (wt, false) < 0)
        return urun_fail (err, errno, "write an event");
      /* without a pidfd (an old kernel): the state says, each interval */
      if ((r > 0 && (p[0].revents & (POLLIN | POLLHUP))) || (pidfd < 0 && clock_ms (CLOCK_MONOTONIC) >= due && !state_pid_alive (st)))
        return 1;
      if (clock_ms (CLOCK_MONOTONIC) >= due)
        return 0;
    }
}

static int
events_loop (struct watch *wt, const struct container_state *st, long long interval_ms, urun_err *err)
{
  cleanup_close int pidfd = (int) syscall (SYS_pidfd_open, st->pid, 0);
  cleanup_close int oomfd = cgroup_oom_watch (wt->cg);
  wt->counted = cgroup_oom_kills (wt->cg, &wt->kills);
  /* the pid is the container's still (not a recycled one) now that the
   * pidfd holds it */
  if (!state_pid_alive (st))
    return 0;
  for (;;)
    {
      int r;
      if (emit_event (wt, "stats", true) < 0)
        return urun_fail (err, errno, "write an event");
      r = wait_interval (wt, st, pidfd, oomfd, interval_ms, err);
      if (r < 0)
        return -1;
      if (r == 1)
        return check_oom (wt, true) < 0 ? urun_fail (err, errno, "write an event") : 0;
    }
}

int
container_events (struct urun_context *ctx, const struct events_opts *o, events_emit_fn emit, void *arg,
                  urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  struct urun_cgroup cg;
  struct watch wt = { .id = o->id, .cg = &cg, .emit = emit, .arg = arg };
  int r;

  if (container_open_state (ctx, o->id, false, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  if (state_status (dirfd, st) == STATUS_STOPPED)
    return urun_fail (err, 0, "container `%s` is not running", o->id);
  if (cgroup_load (dirfd, &cg) < 0)
    return urun_fail (err, 0, "container `%s`: its cgroup record is unreadable", o->id);
  if (cg.kind == CGROUP_NONE)
    return urun_fail (err, 0, "container `%s` has no cgroup of its own, so no events: %s", o->id,
                      cgroup_none_reason (&ctx->host));
  if (o->stats_only)
    r = emit_event (&wt, "stats", true) < 0 ? urun_fail (err, errno, "write the stats") : 0;
  else
    r = events_loop (&wt, st, o->interval_ms, err);
  cgroup_free (&cg);
  return r;
}
