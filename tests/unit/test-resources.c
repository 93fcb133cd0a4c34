/* SPDX-License-Identifier: Apache-2.0 */
/* runc's update flags as linux.resources; sizes and durations as runc
 * parses them; the config merge of update. */
#include <config.h>
#include "resources.h"
#include "json.h"
#include "util.h"
#include "unit.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static long long
ram (const char *s)
{
  long long v = -42;
  return parse_ram_bytes (s, &v) ? v : -42;
}

TEST (ram_bytes)
{
  CHECK (ram ("67108864") == 67108864);
  CHECK (ram ("64m") == 67108864);
  CHECK (ram ("64M") == 67108864);
  CHECK (ram ("64MB") == 67108864);
  CHECK (ram ("64MiB") == 67108864);
  CHECK (ram ("64 mb") == 67108864);
  CHECK (ram ("1k") == 1024);
  CHECK (ram ("1g") == 1073741824LL);
  CHECK (ram ("1.5g") == 1610612736LL);
  CHECK (ram ("2t") == 2199023255552LL);
  CHECK (ram ("1p") == 1125899906842624LL);
  CHECK (ram ("10b") == 10);
  CHECK (ram ("-1") == -1);
  CHECK (ram ("0") == 0);
  CHECK (ram ("") == -42);
  CHECK (ram ("m") == -42);
  CHECK (ram ("-2") == -42);
  CHECK (ram ("64x") == -42);
  CHECK (ram ("64mm") == -42);
  CHECK (ram ("64  m") == -42);
  CHECK (ram (" 64") == -42);
  CHECK (ram ("1.") == -42);
  CHECK (ram (".5k") == -42);
  CHECK (ram ("0.5k") == 512);
  CHECK (ram (".") == -42);
  CHECK (ram ("9223372036854775807") == LLONG_MAX);
  CHECK (ram ("9223372036854775808") == -42);
  CHECK (ram ("99999999999999999999") == -42);
  CHECK (ram ("8192p") == -42);
}

static long long
dur (const char *s)
{
  long long v = -42;
  return parse_go_duration (s, &v) ? v : -42;
}

TEST (go_duration)
{
  CHECK (dur ("5s") == 5000000000LL);
  CHECK (dur ("1s") == 1000000000LL);
  CHECK (dur ("500ms") == 500000000LL);
  CHECK (dur ("1.5s") == 1500000000LL);
  CHECK (dur ("1m30s") == 90000000000LL);
  CHECK (dur ("2h") == 7200000000000LL);
  CHECK (dur ("10us") == 10000);
  CHECK (dur ("10\xc2\xb5s") == 10000);
  CHECK (dur ("7ns") == 7);
  CHECK (dur ("+3s") == 3000000000LL);
  CHECK (dur (".5s") == 500000000LL);
  CHECK (dur ("1.s") == 1000000000LL);
  CHECK (dur ("0") == 0);
  CHECK (dur ("0s") == 0);
  CHECK (dur ("5") == -42);
  CHECK (dur ("") == -42);
  CHECK (dur ("s") == -42);
  CHECK (dur ("-1s") == -42);
  CHECK (dur ("5 s") == -42);
  CHECK (dur ("5sec") == -42);
  CHECK (dur ("3000000h") == -42);
}

/* The JSON text of the flags' resources, or the error. */
static char *
flags_json (const struct resource_flags *f)
{
  cleanup_err urun_err err = NULL;
  json_node *n = NULL;
  json_writer *w;
  size_t len;
  if (resources_from_flags (f, &n, &err) < 0)
    return xasprintf ("error: %s", err->msg);
  w = json_writer_new (false);
  json_w_node (w, n);
  json_free (n);
  return json_writer_finish (w, false, &len);
}

TEST (flags_to_resources)
{
  struct resource_flags f = { .memory = "64m", .memory_swap = "-1", .memory_reservation = "32M", .cpu_shares = "512",
                              .cpu_quota = "-1", .cpu_period = "100000", .cpuset_cpus = "0-1", .cpuset_mems = "0",
                              .pids_limit = "20", .blkio_weight = "500" };
  char *j = flags_json (&f);
  CHECK_STR (j, "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":-1},"
                "\"cpu\":{\"shares\":512,\"quota\":-1,\"period\":100000,\"cpus\":\"0-1\",\"mems\":\"0\"},"
                "\"pids\":{\"limit\":20},\"blockIO\":{\"weight\":500}}");
  free (j);
  struct resource_flags one = { .pids_limit = "-1" };
  j = flags_json (&one);
  CHECK_STR (j, "{\"pids\":{\"limit\":-1}}");
  free (j);
  CHECK (resource_flags_any (&one));
  struct resource_flags none = { 0 };
  CHECK (!resource_flags_any (&none));
  j = flags_json (&none);
  CHECK_STR (j, "{}");
  free (j);
}

TEST (flags_errors_name_the_flag)
{
  static const struct
  {
    struct resource_flags f;
    const char *word;
  } bad[] = {
    { { .memory = "lots" }, "--memory: `lots` is not a size" },
    { { .memory_swap = "1q" }, "--memory-swap" },
    { { .cpu_shares = "-5" }, "--cpu-share: `-5` is not a non-negative integer" },
    { { .cpu_quota = "x" }, "--cpu-quota" },
    { { .cpu_period = "" }, "--cpu-period" },
    { { .cpu_rt_period = "1000" }, "--cpu-rt-period: realtime" },
    { { .cpu_rt_runtime = "1000" }, "--cpu-rt-runtime: realtime" },
    { { .cpuset_cpus = "a" }, "--cpuset-cpus" },
    { { .cpuset_mems = "0;1" }, "--cpuset-mems" },
    { { .pids_limit = "ten" }, "--pids-limit" },
    { { .blkio_weight = "5" }, "--blkio-weight: `5` is not a weight from 10 to 1000" },
    { { .blkio_weight = "1001" }, "--blkio-weight" },
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      char *j = flags_json (&bad[i].f);
      if (strncmp (j, "error: update: ", 15) != 0 || strstr (j, bad[i].word) == NULL)
        {
          printf ("# case %zu: %s\n", i, j);
          CHECK (0);
        }
      free (j);
    }
}

TEST (kernel_memory_ignored)
{
  struct resource_flags f = { .kernel_memory = "1g", .kernel_memory_tcp = "1m", .memory = "1k" };
  char *j = flags_json (&f);
  CHECK_STR (j, "{\"memory\":{\"limit\":1024}}");
  free (j);
}

static char *
merged (const char *base, const char *over)
{
  cleanup_err urun_err err = NULL;
  json_node *b = json_parse (base, strlen (base), &err), *o = json_parse (over, strlen (over), &err);
  json_writer *w = json_writer_new (false);
  size_t len;
  json_w_merged (w, b, o);
  json_free (b);
  json_free (o);
  return json_writer_finish (w, false, &len);
}

TEST (json_merge)
{
  char *j = merged ("{\"memory\":{\"limit\":1,\"swap\":2},\"cpu\":{\"shares\":3},\"devices\":[1]}",
                    "{\"memory\":{\"limit\":5},\"pids\":{\"limit\":7},\"devices\":[]}");
  CHECK_STR (j, "{\"memory\":{\"limit\":5,\"swap\":2},\"cpu\":{\"shares\":3},\"devices\":[],\"pids\":{\"limit\":7}}");
  free (j);
  j = merged ("3", "{\"a\":1}");
  CHECK_STR (j, "{\"a\":1}");
  free (j);
}

int
main (void)
{
  RUN (ram_bytes);
  RUN (go_duration);
  RUN (flags_to_resources);
  RUN (flags_errors_name_the_flag);
  RUN (kernel_memory_ignored);
  RUN (json_merge);
  UNIT_DONE ();
}
