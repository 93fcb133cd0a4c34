/* SPDX-License-Identifier: Apache-2.0 */
/* urun update: new limits for a container that exists.  They are written
 * to its cgroup live (the manager's update op, the same mapping create
 * uses), then merged into linux.resources of its config copy, so that
 * what reads the config later (restore, checkpoint, a later update) sees
 * them, as runc keeps them in its state. */
#include <config.h>
#include "container_priv.h"
#include "log.h"
#include "util.h"
#include <errno.h>
#include <string.h>

/* doc with over merged at linux.resources (made when missing). */
static void
w_with_resources (json_writer *w, const json_node *doc, const json_node *over, int depth)
{
  static const char *const path[] = { "linux", "resources" };
  bool found = false;
  if (depth == 2)
    {
      json_w_merged (w, doc, over);
      return;
    }
  json_w_open_object (w);
  for (size_t i = 0; i < json_len (doc); i++)
    {
      const char *k = json_key_at (doc, i);
      json_w_key (w, k);
      if (strcmp (k, path[depth]) == 0 && json_kind (json_at (doc, i)) == JSON_OBJECT)
        {
          w_with_resources (w, json_at (doc, i), over, depth + 1);
          found = true;
        }
      else
        json_w_node (w, json_at (doc, i));
    }
  if (!found)
    {
      json_w_key (w, path[depth]);
      w_with_resources (w, NULL, over, depth + 1);
    }
  json_w_close_object (w);
}

/* What the cgroup now has, as config: a memory limit of -1 given alone
 * lifted the swap limit too (v1's update op, runc), and a config keeping
 * the old swap limit under no memory limit would not create again.  NULL
 * when resources say it already. */
static json_node *
as_applied (const json_node *resources)
{
  const json_node *m = json_get (resources, "memory");
  static const char lift[] = "{\"memory\": {\"swap\": -1}}";
  cleanup_json json_node *extra = NULL;
  cleanup_err urun_err e = NULL;
  json_writer *w;
  long long v;
  size_t len;
  cleanup_free char *text = NULL;
  if (!json_integer (json_get (m, "limit"), &v) || v != -1 || json_get (m, "swap"))
    return NULL;
  extra = json_parse (lift, sizeof lift - 1, &e);
  w = json_writer_new (false);
  json_w_merged (w, resources, extra);
  text = json_writer_finish (w, false, &len);
  return json_parse (text, len, &e);
}

static int
save_in_config (int dirfd, const json_node *given, urun_err *err)
{
  cleanup_json json_node *applied = as_applied (given);
  const json_node *resources = applied ? applied : given;
  cleanup_free char *text = NULL, *out = NULL;
  cleanup_json json_node *doc = NULL;
  struct spec *check = NULL;
  json_writer *w;
  size_t len;
  if (read_file_at (dirfd, CONFIG_COPY, &text, &len, err) < 0 || (doc = json_parse (text, len, err)) == NULL)
    return -1;
  if (json_kind (doc) != JSON_OBJECT)
    return urun_fail (err, 0, "its config copy is not a JSON object");
  w = json_writer_new (true);
  w_with_resources (w, doc, resources, 0);
  out = json_writer_finish (w, true, &len);
  /* what is saved must read back */
  if (spec_parse (out, len, &check, err) < 0)
    return -1;
  spec_free (check);
  return write_file_atomic_at (dirfd, CONFIG_COPY, out, len, 0600, err);
}

/* The container's own linux.resources.memory.checkBeforeUpdate (runc
 * keeps it from the config for every later update). */
static bool
config_checks_before_update (int dirfd)
{
  cleanup_free char *text = NULL;
  cleanup_json json_node *doc = NULL;
  cleanup_err urun_err e = NULL;
  size_t len;
  if (read_file_at (dirfd, CONFIG_COPY, &text, &len, &e) < 0 || (doc = json_parse (text, len, &e)) == NULL)
    return false;
  return json_bool (json_get (json_get (json_get (json_get (doc, "linux"), "resources"), "memory"),
                              "checkBeforeUpdate"));
}

int
container_update (struct urun_context *ctx, const char *id, const json_node *resources, urun_err *err)
{
  cleanup_close int rootfd = -1, dirfd = -1;
  cleanup_state struct container_state *st = NULL;
  cleanup_err urun_err e = NULL;
  struct urun_cgroup cg;
  enum container_status status;
  int r;

  if (json_kind (resources) != JSON_OBJECT)
    return urun_fail (err, 0, "cannot update container `%s`: linux.resources must be a JSON object", id);
  /* locked: two updates do not lose each other's config change */
  if (container_open_state (ctx, id, true, &rootfd, &dirfd, &st, err) < 0)
    return -1;
  status = state_status (dirfd, st);
  if (status == STATUS_STOPPED)
    return urun_fail (err, 0, "cannot update container `%s`: it is stopped", id);
  if (cgroup_load (dirfd, &cg) < 0)
    return urun_fail (err, 0, "cannot update container `%s`: its cgroup record is unreadable", id);
  if (cg.kind == CGROUP_NONE)
    return urun_fail (err, 0, "cannot update container `%s`: it has no cgroup of its own: %s", id,
                      cgroup_none_reason (&ctx->host));
  r = cgroup_update (&cg, resources, config_checks_before_update (dirfd), err);
  cgroup_free (&cg);
  if (r < 0)
    return urun_err_wrap (err, "cannot update container `%s`", id);
  /* the limits are in force; a config copy that cannot take them is said */
  if (save_in_config (dirfd, resources, &e) < 0)
    urun_warn ("container `%s`: the new limits are in force but not kept in its config copy: %s", id, e->msg);
  return 0;
}
