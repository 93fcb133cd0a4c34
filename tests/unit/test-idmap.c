/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the id-map module: /etc/subuid parsing, the rootless default
 * map, the uid_map text, and the "add this line" hint. */
#include <config.h>
#include "idmap.h"
#include "util.h"
#include "unit.h"
#include <stdlib.h>
#include <string.h>

static const char *const subuid_text = "# subordinate ids\n"
                                       "alice:100000:65536\n"
                                       "bob:200000:65536\n"
                                       "1000:300000:1000\n"
                                       "alice:500000:10\n";

TEST (parse_subid_by_name)
{
  struct subid_range r[8];
  size_t n = idmap_parse_subid (subuid_text, "bob", 4242, r, 8);
  CHECK (n == 1);
  CHECK (r[0].start == 200000 && r[0].count == 65536);
}

TEST (parse_subid_by_numeric_uid)
{
  struct subid_range r[8];
  /* no user name: only the numeric line matches */
  size_t n = idmap_parse_subid (subuid_text, NULL, 1000, r, 8);
  CHECK (n == 1);
  CHECK (r[0].start == 300000 && r[0].count == 1000);
  /* an unknown name with a matching uid still finds the numeric line */
  n = idmap_parse_subid (subuid_text, "nobody-here", 1000, r, 8);
  CHECK (n == 1 && r[0].start == 300000);
  /* neither name nor uid listed */
  CHECK (idmap_parse_subid (subuid_text, "carol", 4242, r, 8) == 0);
}

TEST (parse_subid_several_ranges_in_order)
{
  struct subid_range r[8];
  /* alice is uid 1000 here: her two named lines and the numeric one, in file order */
  size_t n = idmap_parse_subid (subuid_text, "alice", 1000, r, 8);
  CHECK (n == 3);
  CHECK (r[0].start == 100000 && r[0].count == 65536);
  CHECK (r[1].start == 300000 && r[1].count == 1000);
  CHECK (r[2].start == 500000 && r[2].count == 10);
}

TEST (parse_subid_respects_max)
{
  struct subid_range r[2] = { { 0, 0 }, { 7, 7 } };
  size_t n = idmap_parse_subid (subuid_text, "alice", 1000, r, 1);
  CHECK (n == 1);
  CHECK (r[0].start == 100000);
  CHECK (r[1].start == 7 && r[1].count == 7); /* untouched */
}

TEST (parse_subid_comments_and_malformed_lines)
{
  const char *t = "#alice:1:1\n"          /* comment */
                  "alice\n"               /* no colons */
                  "alice:2\n"             /* one colon */
                  "alice:x:10\n"          /* start not a number */
                  "alice:3:y\n"           /* count not a number */
                  "alice:-4:10\n"         /* negative */
                  "alice:5:10:extra\n"    /* a fourth field */
                  "alice: 6:10\n"         /* blank before the number */
                  "alice:7:0\n"           /* zero count */
                  "alicex:8:10\n"         /* another user, same prefix */
                  "xalice:9:10\n"         /* another user, same suffix */
                  "\n"
                  "alice:99999999999999999999999:10\n" /* overflow */
                  "alice:4294967296:65536\n" /* past 32-bit ids */
                  "alice:4294967295:2\n"     /* ends past 2^32-1 */
                  "alice:600000:65536";   /* valid, no final newline */
  struct subid_range r[8];
  size_t n = idmap_parse_subid (t, "alice", 4242, r, 8);
  CHECK (n == 1);
  CHECK (n >= 1 && r[0].start == 600000 && r[0].count == 65536);
}

TEST (parse_subid_long_line_ignored)
{
  /* a line longer than the parser's buffer is skipped, the next still read */
  char *t = xmalloc0 (2000);
  memset (t, 'a', 1000);
  strcpy (t + 1000, ":1:1\nalice:700000:5\n");
  struct subid_range r[4];
  size_t n = idmap_parse_subid (t, "alice", 4242, r, 4);
  CHECK (n == 1 && r[0].start == 700000 && r[0].count == 5);
  free (t);
}

TEST (parse_subid_empty)
{
  struct subid_range r[4];
  CHECK (idmap_parse_subid ("", "alice", 1000, r, 4) == 0);
  CHECK (idmap_parse_subid (NULL, "alice", 1000, r, 4) == 0);
}

TEST (rootless_map_own_only)
{
  struct spec_id_mapping m[4];
  size_t n = idmap_rootless_map (1000, NULL, 0, m, 4);
  CHECK (n == 1);
  CHECK (m[0].container_id == 0 && m[0].host_id == 1000 && m[0].size == 1);
  CHECK (idmap_is_own_only (m, n, 1000));
  CHECK (!idmap_is_own_only (m, n, 1001));
}

TEST (rootless_map_one_range)
{
  struct subid_range r[] = { { 100000, 65536 } };
  struct spec_id_mapping m[4];
  size_t n = idmap_rootless_map (1000, r, 1, m, 4);
  CHECK (n == 2);
  CHECK (m[0].container_id == 0 && m[0].host_id == 1000 && m[0].size == 1);
  CHECK (m[1].container_id == 1 && m[1].host_id == 100000 && m[1].size == 65536);
  CHECK (!idmap_is_own_only (m, n, 1000));
}

TEST (rootless_map_ranges_consecutive)
{
  struct subid_range r[] = { { 100000, 10 }, { 500000, 65536 }, { 900000, 5 } };
  struct spec_id_mapping m[8];
  size_t n = idmap_rootless_map (1000, r, 3, m, 8);
  CHECK (n == 4);
  CHECK (m[0].container_id == 0 && m[0].host_id == 1000 && m[0].size == 1);
  CHECK (m[1].container_id == 1 && m[1].host_id == 100000 && m[1].size == 10);
  CHECK (m[2].container_id == 11 && m[2].host_id == 500000 && m[2].size == 65536);
  CHECK (m[3].container_id == 65547 && m[3].host_id == 900000 && m[3].size == 5);
}

TEST (rootless_map_respects_max)
{
  struct subid_range r[] = { { 100000, 10 }, { 500000, 20 } };
  struct spec_id_mapping m[3] = { { 0 }, { 0 }, { 9, 9, 9 } };
  CHECK (idmap_rootless_map (1000, r, 2, m, 0) == 0);
  CHECK (idmap_rootless_map (1000, r, 2, m, 2) == 2);
  CHECK (m[1].host_id == 100000);
  CHECK (m[2].container_id == 9 && m[2].host_id == 9 && m[2].size == 9); /* untouched */
}

TEST (rootless_map_stops_before_32bit_overflow)
{
  /* container ids are 32-bit and the kernel wants first + count <= 2^32 - 1:
   * a range that would run past that is dropped, and so is everything after */
  struct subid_range fits[] = { { 100000, 4294967294UL }, { 200000, 1 } };
  struct subid_range over[] = { { 100000, 4294967295UL }, { 200000, 1 } };
  struct subid_range later[] = { { 100000, 10 }, { 200000, 4294967285UL }, { 300000, 1 } };
  struct spec_id_mapping m[4];
  size_t n = idmap_rootless_map (1000, fits, 2, m, 4);
  CHECK (n == 2 && m[1].container_id == 1 && m[1].size == 4294967294U);
  CHECK (idmap_rootless_map (1000, over, 2, m, 4) == 1);
  n = idmap_rootless_map (1000, later, 3, m, 4);
  CHECK (n == 2 && m[1].host_id == 100000 && m[1].size == 10);
}

TEST (is_own_only)
{
  struct spec_id_mapping one = { 0, 1000, 1 };
  struct spec_id_mapping wide = { 0, 1000, 2 };
  struct spec_id_mapping two[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
  CHECK (idmap_is_own_only (&one, 1, 1000));
  CHECK (!idmap_is_own_only (&one, 1, 0));
  CHECK (!idmap_is_own_only (&wide, 1, 1000));
  CHECK (!idmap_is_own_only (two, 2, 1000));
  CHECK (!idmap_is_own_only (two, 0, 1000));
}

TEST (format)
{
  struct spec_id_mapping m[] = { { 0, 1000, 1 }, { 1, 500000, 65536 } };
  char *s = idmap_format (m, 2);
  CHECK_STR (s, "0 1000 1\n1 500000 65536\n");
  free (s);
  s = idmap_format (m, 0);
  CHECK_STR (s, "");
  free (s);
  struct spec_id_mapping big = { 4294967295U, 4294967295U, 1 };
  s = idmap_format (&big, 1);
  CHECK_STR (s, "4294967295 4294967295 1\n");
  free (s);
}

TEST (missing_lines_names_the_line)
{
  struct subid_range r[] = { { 100000, 65536 } };
  struct spec_id_mapping m[] = { { 0, 1000, 1 }, { 1, 500000, 65536 } };
  char *s = idmap_missing_lines (m, 2, 1000, "alice", r, 1);
  CHECK_STR (s, "alice:500000:65536");
  free (s);
}

TEST (missing_lines_several)
{
  struct spec_id_mapping m[] = { { 0, 1000, 1 }, { 1, 500000, 10 }, { 11, 600000, 20 } };
  char *s = idmap_missing_lines (m, 3, 1000, "alice", NULL, 0);
  CHECK_STR (s, "alice:500000:10, alice:600000:20");
  free (s);
}

TEST (missing_lines_null_when_covered)
{
  struct subid_range r[] = { { 100000, 65536 }, { 500000, 100 } };
  /* the own id, a range inside the first one, and exactly the second one */
  struct spec_id_mapping m[] = { { 0, 1000, 1 }, { 1, 100010, 1000 }, { 1001, 500000, 100 } };
  CHECK (idmap_missing_lines (m, 3, 1000, "alice", r, 2) == NULL);
  CHECK (idmap_missing_lines (m, 0, 1000, "alice", r, 2) == NULL);
}

TEST (missing_lines_partial_overlap_is_missing)
{
  struct subid_range r[] = { { 100000, 100 } };
  /* runs 1 past the end of the allowed range */
  struct spec_id_mapping m[] = { { 0, 100001, 100 } };
  char *s = idmap_missing_lines (m, 1, 1000, "bob", r, 1);
  CHECK_STR (s, "bob:100001:100");
  free (s);
  /* the own id with a size above 1 is not covered by owning the id */
  struct spec_id_mapping own2 = { 0, 1000, 2 };
  s = idmap_missing_lines (&own2, 1, 1000, "bob", r, 1);
  CHECK_STR (s, "bob:1000:2");
  free (s);
}

/* The keeper's map (own uid, then two subordinate ranges from 1 on). */
static const struct spec_id_mapping keeper_map[] = {
  { 0, 1000, 1 }, { 1, 100000, 65536 }, { 65537, 300000, 1000 },
};

TEST (translate_rootless_map)
{
  struct spec_id_mapping m[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } }, out[8];
  ssize_t n = idmap_translate (m, 2, keeper_map, 3, out, 8);
  CHECK (n == 2);
  CHECK (out[0].container_id == 0 && out[0].host_id == 0 && out[0].size == 1);
  CHECK (out[1].container_id == 1 && out[1].host_id == 1 && out[1].size == 65536);
}

TEST (translate_inside_one_line)
{
  /* container 0 is host 100999: keeper id 1000 */
  struct spec_id_mapping m[] = { { 0, 100999, 10 } }, out[8];
  CHECK (idmap_translate (m, 1, keeper_map, 3, out, 8) == 1);
  CHECK (out[0].container_id == 0 && out[0].host_id == 1000 && out[0].size == 10);
}

TEST (translate_splits_across_parent_lines)
{
  /* 1000 and 100000.. are adjacent in the keeper, not on the host; a
   * line over two of the keeper's lines becomes two */
  struct spec_id_mapping parent[] = { { 0, 5000, 10 }, { 10, 5010, 10 } }, out[8];
  struct spec_id_mapping m[] = { { 0, 5005, 10 } };
  CHECK (idmap_translate (m, 1, parent, 2, out, 8) == 2);
  CHECK (out[0].container_id == 0 && out[0].host_id == 5 && out[0].size == 5);
  CHECK (out[1].container_id == 5 && out[1].host_id == 10 && out[1].size == 5);
}

TEST (translate_not_covered)
{
  struct spec_id_mapping out[8];
  struct spec_id_mapping outside[] = { { 0, 200000, 1 } };
  struct spec_id_mapping past_end[] = { { 0, 165535, 2 } }; /* 165536 is not the keeper's */
  struct spec_id_mapping own_plus[] = { { 0, 999, 2 } };
  CHECK (idmap_translate (outside, 1, keeper_map, 3, out, 8) == -1);
  CHECK (idmap_translate (past_end, 1, keeper_map, 3, out, 8) == -1);
  CHECK (idmap_translate (own_plus, 1, keeper_map, 3, out, 8) == -1);
  CHECK (idmap_translate (outside, 1, NULL, 0, out, 8) == -1);
}

TEST (translate_respects_max)
{
  struct spec_id_mapping m[] = { { 0, 1000, 1 }, { 1, 100000, 1 } }, out[1];
  CHECK (idmap_translate (m, 2, keeper_map, 3, out, 1) == -1);
  CHECK (idmap_translate (m, 1, keeper_map, 3, out, 1) == 1);
}

int
main (void)
{
  RUN (parse_subid_by_name);
  RUN (parse_subid_by_numeric_uid);
  RUN (parse_subid_several_ranges_in_order);
  RUN (parse_subid_respects_max);
  RUN (parse_subid_comments_and_malformed_lines);
  RUN (parse_subid_long_line_ignored);
  RUN (parse_subid_empty);
  RUN (rootless_map_own_only);
  RUN (rootless_map_one_range);
  RUN (rootless_map_ranges_consecutive);
  RUN (rootless_map_respects_max);
  RUN (rootless_map_stops_before_32bit_overflow);
  RUN (is_own_only);
  RUN (format);
  RUN (missing_lines_names_the_line);
  RUN (missing_lines_several);
  RUN (missing_lines_null_when_covered);
  RUN (missing_lines_partial_overlap_is_missing);
  RUN (translate_rootless_map);
  RUN (translate_inside_one_line);
  RUN (translate_splits_across_parent_lines);
  RUN (translate_not_covered);
  RUN (translate_respects_max);
  UNIT_DONE ();
}
