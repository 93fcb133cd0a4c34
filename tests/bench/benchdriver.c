/* SPDX-License-Identifier: Apache-2.0 */
/* benchdriver: time command lines from one process, interleaved.
 *
 * Every sample is one fork + execve + wait4 measured with
 * clock_gettime(CLOCK_MONOTONIC) around it, so no shell, no hyperfine and
 * no per-sample bookkeeping sits inside the interval.  Rows are run
 * interleaved (A B C A B C ...), warm-up rounds first (not recorded).
 *
 * Usage:
 *   benchdriver [options] ROW...
 *   ROW  := --row NAME [--as UID:GID] STEP...
 *   STEP := --step NAME ARGV...          (a row with one step may omit
 *                                         "--step NAME": the step is "run")
 * In ARGV the token @N@ (anywhere in an argument) is replaced by the round
 * number (sequential mode; warm-up rounds are w0, w1, ...) or the instance
 * number (parallel mode), so each run can use its own container id.
 *
 * Options:
 *   -n N        measured rounds (default 50)
 *   -w W        warm-up rounds before measuring (default 3)
 *   -P K        parallel mode: each round runs K instances of a row's step
 *               at once, waits for all of them, then the next step (phase);
 *               wall time, failures, and per phase the rise since the row
 *               began of used memory (free(1)'s "used") and of the number of live
 *               (non-zombie) processes, both divided by K
 *   -u UID:GID  run every row as this user (default: as the driver)
 *   -r A/B      report the ratio of row A to row B (repeatable)
 *   -o FILE     write the JSON result to FILE (default: none)
 *   -l DIR      append children's stdout/stderr to DIR/NAME.log
 *               (default: /dev/null; the first error line is then lost)
 *   -t TITLE    title of the text table printed on stdout
 *   -m          also print the peak RSS (ru_maxrss from wait4) per row
 *
 * Helpers for the network rows (bench.sh), each a bounded, one-purpose
 * program, so no nc/socat/python is needed:
 *   benchdriver echo-server ADDR PORT SECONDS
 *       listen on the IPv4 ADDR:PORT (ADDR must be a loopback address),
 *       answer every connection by echoing what it reads once, and exit
 *       after SECONDS (the caller also kills it by pid)
 *   benchdriver probe ADDR PORT
 *       connect over TCP, send one byte, wait for it to come back (2 s at
 *       most); exit 0 if it did: "the first packet answered"
 *   benchdriver unix-request PATH JSON
 *       send JSON on the unix stream socket PATH (slirp4netns's API
 *       socket), print the answer; exit 1 if it names an error
 *
 * Peak RSS: wait4() returns the rusage of the waited process; ru_maxrss is
 * the largest peak RSS of that process and of every descendant that was
 * reaped inside its tree (the kernel folds reaped children's maxima into
 * the parent) -- a maximum over processes, not a sum.  Processes that are
 * reparented away (double fork) are not seen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROWS 32
#define MAX_STEPS 8

struct step {
    const char *name;
    char **argv;            /* points into the driver's argv */
    int argc;
    double *ms;             /* per measured round */
    long *rss_kib;
    int *ok;                /* per measured round: 1 = exit status 0 */
    int nok, nfail;
    char first_error[256];
    /* parallel mode, per round */
    long *mem_delta_kib;
    long *procs_delta;
};

struct row {
    const char *name;
    int as_set;
    uid_t uid;
    gid_t gid;
    struct step steps[MAX_STEPS];
    int nsteps;
    int logfd;
};

static struct row rows[MAX_ROWS];
static int nrows;
static int n_rounds = 50, n_warm = 3, par_k;
static const char *ratios[MAX_ROWS];
static int nratios;
static const char *log_dir, *json_path, *title = "benchmark";
static int show_rss;

static void die(const char *msg)
{
    fprintf(stderr, "benchdriver: %s\n", msg);
    exit(2);
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p)
        die("out of memory");
    return p;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_ids(const char *s, uid_t *uid, gid_t *gid)
{
    char *end;
    unsigned long u = strtoul(s, &end, 10);
    if (*end != ':')
        return -1;
    unsigned long g = strtoul(end + 1, &end, 10);
    if (*end)
        return -1;
    *uid = (uid_t)u;
    *gid = (gid_t)g;
    return 0;
}

/* Replace each @N@ in s with tag; returns a malloc'd string. */
static char *subst(const char *s, const char *tag)
{
    size_t len = strlen(s) + 1, tl = strlen(tag);
    for (const char *p = s; (p = strstr(p, "@N@")); p += 3)
        len += tl;
    char *out = xcalloc(len, 1), *o = out;
    while (*s) {
        if (!strncmp(s, "@N@", 3)) {
            memcpy(o, tag, tl);
            o += tl;
            s += 3;
        } else
            *o++ = *s++;
    }
    return out;
}

/* fork + execve of one step; returns the pid (child setup is done before
 * the exec, so it is inside the measured interval only as a few syscalls). */
static pid_t spawn(struct row *r, struct step *st, const char *tag)
{
    char **av = xcalloc((size_t)st->argc + 1, sizeof *av);
    for (int i = 0; i < st->argc; i++)
        av[i] = subst(st->argv[i], tag);
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        if (r->logfd >= 0) {
            dup2(r->logfd, 1);
            dup2(r->logfd, 2);
        } else {
            dup2(nul, 1);
            dup2(nul, 2);
        }
        if (r->as_set) {
            if (setgroups(0, NULL) < 0 || setresgid(r->gid, r->gid, r->gid) < 0 ||
                setresuid(r->uid, r->uid, r->uid) < 0) {
                dprintf(2, "benchdriver: cannot become %u:%u: %s\n",
                        (unsigned)r->uid, (unsigned)r->gid, strerror(errno));
                _exit(126);
            }
        }
        execvp(av[0], av);
        dprintf(2, "benchdriver: exec %s: %s\n", av[0], strerror(errno));
        _exit(127);
    }
    for (int i = 0; i < st->argc; i++)
        free(av[i]);
    free(av);
    if (pid < 0)
        die("fork failed");
    return pid;
}

static void note_failure(struct row *r, struct step *st, int status)
{
    if (st->first_error[0])
        return;
    char last[200] = "";
    if (r->logfd >= 0) {
        /* the last line in the row's log is most likely this child's error */
        char buf[512];
        struct stat sb;
        if (fstat(r->logfd, &sb) == 0 && sb.st_size > 0) {
            off_t off = sb.st_size > (off_t)sizeof buf - 1 ? sb.st_size - (off_t)sizeof buf + 1 : 0;
            ssize_t n = pread(r->logfd, buf, sizeof buf - 1, off);
            if (n > 0) {
                buf[n] = 0;
                while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
                    buf[--n] = 0;
                char *nl = strrchr(buf, '\n');
                snprintf(last, sizeof last, ": %.190s", nl ? nl + 1 : buf);
            }
        }
    }
    if (WIFEXITED(status))
        snprintf(st->first_error, sizeof st->first_error, "exit status %d%.200s", WEXITSTATUS(status), last);
    else if (WIFSIGNALED(status))
        snprintf(st->first_error, sizeof st->first_error, "killed by signal %d%.200s", WTERMSIG(status), last);
}

static void run_seq_round(int round, int measured)
{
    char tag[32];
    if (measured)
        snprintf(tag, sizeof tag, "%d", round);
    else
        snprintf(tag, sizeof tag, "w%d", round);
    for (int i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        for (int s = 0; s < r->nsteps; s++) {
            struct step *st = &r->steps[s];
            int status;
            struct rusage ru;
            double t0 = now_ms();
            pid_t pid = spawn(r, st, tag);
            while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR)
                    die("wait4 failed");
            double t1 = now_ms();
            int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (!measured)
                continue;
            st->ms[round] = t1 - t0;
            st->rss_kib[round] = ru.ru_maxrss;
            st->ok[round] = ok;
            if (ok)
                st->nok++;
            else {
                st->nfail++;
                note_failure(r, st, status);
            }
        }
    }
}

/* used memory as free(1) counts it, in KiB:
 * MemTotal - MemFree - Buffers - Cached - SReclaimable
 * (page cache, which log and state files move, is left out) */
static long mem_used_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    long total = -1, mfree = -1, buffers = 0, cached = 0, srecl = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "MemTotal: %ld kB", &total);
        sscanf(line, "MemFree: %ld kB", &mfree);
        sscanf(line, "Buffers: %ld kB", &buffers);
        sscanf(line, "Cached: %ld kB", &cached);
        sscanf(line, "SReclaimable: %ld kB", &srecl);
    }
    fclose(f);
    return (total < 0 || mfree < 0) ? -1 : total - mfree - buffers - cached - srecl;
}

static long count_procs(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    long n = 0;
    if (!d)
        return -1;
    /* zombies do not count: this machine's init reaps orphans lazily */
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof path, "/proc/%.20s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (len <= 0)
            continue;
        buf[len] = 0;
        char *paren = strrchr(buf, ')');
        if (paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X')
            n++;
    }
    closedir(d);
    return n;
}

static void run_par_round(int round, int measured)
{
    pid_t *pids = xcalloc((size_t)par_k, sizeof *pids);
    for (int i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        long mem0 = mem_used_kib(), procs0 = count_procs();
        for (int s = 0; s < r->nsteps; s++) {
            struct step *st = &r->steps[s];
            char tag[48];
            int nok = 0, nfail = 0;
            double t0 = now_ms();
            for (int k = 0; k < par_k; k++) {
                snprintf(tag, sizeof tag, "%s%d-%d", measured ? "" : "w", round, k);
                pids[k] = spawn(r, st, tag);
            }
            long maxrss = 0;
            for (int k = 0; k < par_k; k++) {
                int status;
                struct rusage ru;
                while (wait4(pids[k], &status, 0, &ru) < 0)
                    if (errno != EINTR)
                        die("wait4 failed");
                if (ru.ru_maxrss > maxrss)
                    maxrss = ru.ru_maxrss;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                    nok++;
                else {
                    nfail++;
                    if (measured)
                        note_failure(r, st, status);
                }
            }
            double t1 = now_ms();
            if (!measured)
                continue;
            /* let the detached processes settle before reading memory */
            usleep(200000);
            st->ms[round] = t1 - t0;
            st->rss_kib[round] = maxrss;
            st->ok[round] = nfail == 0;
            st->nok += nok;
            st->nfail += nfail;
            st->mem_delta_kib[round] = mem_used_kib() - mem0;
            st->procs_delta[round] = count_procs() - procs0;
        }
    }
    free(pids);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* quantile with linear interpolation over a sorted copy */
static double quantile(const double *v, int n, double q)
{
    if (n <= 0)
        return NAN;
    double *s = xcalloc((size_t)n, sizeof *s);
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double pos = q * (n - 1);
    int lo = (int)pos;
    double frac = pos - lo, r = s[lo];
    if (lo + 1 < n)
        r += frac * (s[lo + 1] - s[lo]);
    free(s);
    return r;
}

struct stats {
    int n;
    double median, p10, p90, mad, mean;
};

static struct stats stats_of(const double *v, int n)
{
    struct stats st = {.n = n};
    st.median = quantile(v, n, 0.5);
    st.p10 = quantile(v, n, 0.1);
    st.p90 = quantile(v, n, 0.9);
    double *dev = xcalloc(n > 0 ? (size_t)n : 1, sizeof *dev);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        dev[i] = fabs(v[i] - st.median);
        sum += v[i];
    }
    st.mad = quantile(dev, n, 0.5);
    st.mean = n ? sum / n : NAN;
    free(dev);
    return st;
}

/* Samples of the successful rounds of a step; step -1 = sum of all steps
 * (a round counts only if every step succeeded). */
static int samples(struct row *r, int step, double *out, int want_rss)
{
    int n = 0;
    for (int i = 0; i < n_rounds; i++) {
        double v = 0;
        int ok = 1;
        for (int s = 0; s < r->nsteps; s++) {
            if (step >= 0 && s != step)
                continue;
            ok &= r->steps[s].ok[i];
            if (want_rss) {
                if (r->steps[s].rss_kib[i] > v)
                    v = (double)r->steps[s].rss_kib[i];
            } else
                v += r->steps[s].ms[i];
        }
        if (ok)
            out[n++] = v;
    }
    return n;
}

static struct row *find_row(const char *name, size_t len)
{
    for (int i = 0; i < nrows; i++)
        if (strlen(rows[i].name) == len && !strncmp(rows[i].name, name, len))
            return &rows[i];
    return NULL;
}

struct ratio {
    double of_medians, paired_median, paired_p10, paired_p90;
    int paired_n;
};

static int compute_ratio(const char *spec, struct ratio *out)
{
    const char *slash = strchr(spec, '/');
    if (!slash)
        return -1;
    struct row *a = find_row(spec, (size_t)(slash - spec));
    struct row *b = find_row(slash + 1, strlen(slash + 1));
    if (!a || !b)
        return -1;
    double *va = xcalloc((size_t)n_rounds, sizeof *va);
    double *vb = xcalloc((size_t)n_rounds, sizeof *vb);
    double *pr = xcalloc((size_t)n_rounds, sizeof *pr);
    int na = samples(a, -1, va, 0), nb = samples(b, -1, vb, 0), np = 0;
    out->of_medians = (na && nb) ? quantile(va, na, 0.5) / quantile(vb, nb, 0.5) : NAN;
    /* per-round ratios of the same interleaved round */
    for (int i = 0; i < n_rounds; i++) {
        double x = 0, y = 0;
        int ok = 1;
        for (int s = 0; s < a->nsteps; s++) {
            ok &= a->steps[s].ok[i];
            x += a->steps[s].ms[i];
        }
        for (int s = 0; s < b->nsteps; s++) {
            ok &= b->steps[s].ok[i];
            y += b->steps[s].ms[i];
        }
        if (ok && y > 0)
            pr[np++] = x / y;
    }
    out->paired_n = np;
    out->paired_median = quantile(pr, np, 0.5);
    out->paired_p10 = quantile(pr, np, 0.1);
    out->paired_p90 = quantile(pr, np, 0.9);
    free(va);
    free(vb);
    free(pr);
    return 0;
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isnan(v) || isinf(v))
        fputs("null", f);
    else
        fprintf(f, "%.4f", v);
}

static void json_stats(FILE *f, struct stats s)
{
    fprintf(f, "\"n_ok\": %d, \"median_ms\": ", s.n);
    json_num(f, s.median);
    fputs(", \"p10_ms\": ", f);
    json_num(f, s.p10);
    fputs(", \"p90_ms\": ", f);
    json_num(f, s.p90);
    fputs(", \"mad_ms\": ", f);
    json_num(f, s.mad);
}

static void print_stats_line(const char *label, struct stats s, int nfail, const char *err)
{
    if (s.n == 0) {
        printf("  %-34s %9s   (all %d failed: %s)\n", label, "-", nfail, err);
        return;
    }
    printf("  %-34s %9.2f %8.2f %8.2f %7.2f %4d/%d%s%s\n", label, s.median, s.p10, s.p90,
           s.mad, s.n, s.n + nfail, nfail ? "  first error: " : "", nfail ? err : "");
}

static void report(void)
{
    double *v = xcalloc((size_t)n_rounds, sizeof *v);
    FILE *jf = NULL;
    if (json_path && !(jf = fopen(json_path, "w")))
        die("cannot write the JSON file");

    printf("%s\n", title);
    if (!par_k) {
        printf("  %-34s %9s %8s %8s %7s %6s\n", "(ms)", "median", "p10", "p90", "MAD", "ok/n");
    } else {
        printf("  %-34s %9s %8s %8s %9s %9s %6s\n", "(K at once, per round)", "wall ms",
               "p10", "p90", "KiB/ctr", "procs/ctr", "ok/n");
    }
    if (jf) {
        fprintf(jf, "{\"title\": ");
        json_str(jf, title);
        fprintf(jf, ", \"mode\": \"%s\", \"rounds\": %d, \"warmup\": %d, \"parallel\": %d,"
                    " \"rows\": [", par_k ? "parallel" : "interleaved", n_rounds, n_warm, par_k);
    }
    for (int i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        if (jf)
            fprintf(jf, "%s{\"name\": \"%s\", \"steps\": [", i ? ", " : "", r->name);
        for (int s = 0; s < r->nsteps; s++) {
            struct step *st = &r->steps[s];
            char label[128];
            if (r->nsteps > 1 || strcmp(st->name, "run"))
                snprintf(label, sizeof label, "%s %s", r->name, st->name);
            else
                snprintf(label, sizeof label, "%s", r->name);
            int n = samples(r, s, v, 0);
            struct stats ss = stats_of(v, n);
            if (!par_k)
                print_stats_line(label, ss, st->nfail, st->first_error);
            double memk = NAN, procs = NAN;
            if (par_k) {
                double *m = xcalloc((size_t)n_rounds, sizeof *m);
                double *p = xcalloc((size_t)n_rounds, sizeof *p);
                double *w = xcalloc((size_t)n_rounds, sizeof *w);
                for (int k = 0; k < n_rounds; k++) {
                    m[k] = (double)st->mem_delta_kib[k] / par_k;
                    p[k] = (double)st->procs_delta[k] / par_k;
                    w[k] = st->ms[k];
                }
                memk = quantile(m, n_rounds, 0.5);
                procs = quantile(p, n_rounds, 0.5);
                ss = stats_of(w, n_rounds);
                printf("  %-34s %9.1f %8.1f %8.1f %9.0f %9.2f %4d/%d%s%s\n", label, ss.median,
                       ss.p10, ss.p90, memk, procs, st->nok, st->nok + st->nfail,
                       st->nfail ? "  first error: " : "", st->nfail ? st->first_error : "");
                free(m);
                free(p);
                free(w);
            }
            if (jf) {
                fprintf(jf, "%s{\"name\": \"%s\", \"n_fail\": %d, \"first_error\": ", s ? ", " : "",
                        st->name, st->nfail);
                json_str(jf, st->first_error);
                fputs(", ", jf);
                json_stats(jf, ss);
                if (par_k) {
                    fprintf(jf, ", \"n_ok_instances\": %d, \"mem_used_delta_kib_per_container\": ", st->nok);
                    json_num(jf, memk);
                    fputs(", \"procs_delta_per_container\": ", jf);
                    json_num(jf, procs);
                }
                fputs(", \"samples_ms\": [", jf);
                for (int k = 0; k < n_rounds; k++) {
                    fputs(k ? ", " : "", jf);
                    json_num(jf, st->ok[k] || par_k ? st->ms[k] : NAN);
                }
                fputs("], \"maxrss_kib\": [", jf);
                for (int k = 0; k < n_rounds; k++)
                    fprintf(jf, "%s%ld", k ? ", " : "", st->rss_kib[k]);
                fputs("]}", jf);
            }
        }
        if (!par_k && r->nsteps > 1) {
            char label[128];
            snprintf(label, sizeof label, "%s total", r->name);
            int n = samples(r, -1, v, 0);
            print_stats_line(label, stats_of(v, n), n_rounds - n, "a step failed");
            if (jf) {
                fputs(", {\"name\": \"total\", ", jf);
                json_stats(jf, stats_of(v, n));
                fputs("}", jf);
            }
        }
        if (jf)
            fputs("]}", jf);
    }
    if (jf)
        fputs("], \"ratios\": [", jf);
    if (nratios)
        printf("  ratios (of medians; [p10..p90 of the per-round ratios])\n");
    for (int i = 0; i < nratios; i++) {
        struct ratio q;
        if (compute_ratio(ratios[i], &q) < 0) {
            fprintf(stderr, "benchdriver: ratio %s: unknown row\n", ratios[i]);
            continue;
        }
        printf("  %-34s %9.3f  [%.3f..%.3f]\n", ratios[i], q.of_medians, q.paired_p10, q.paired_p90);
        if (jf) {
            fprintf(jf, "%s{\"name\": ", i ? ", " : "");
            json_str(jf, ratios[i]);
            fputs(", \"ratio_of_medians\": ", jf);
            json_num(jf, q.of_medians);
            fputs(", \"paired_median\": ", jf);
            json_num(jf, q.paired_median);
            fputs(", \"paired_p10\": ", jf);
            json_num(jf, q.paired_p10);
            fputs(", \"paired_p90\": ", jf);
            json_num(jf, q.paired_p90);
            fprintf(jf, ", \"paired_n\": %d}", q.paired_n);
        }
    }
    if (show_rss && !par_k) {
        printf("  peak RSS, KiB (wait4 ru_maxrss: max over the runtime and the processes it reaped)\n");
        for (int i = 0; i < nrows; i++) {
            int n = samples(&rows[i], -1, v, 1);
            if (n)
                printf("  %-34s %9.0f %8.0f %8.0f\n", rows[i].name, quantile(v, n, 0.5),
                       quantile(v, n, 0.1), quantile(v, n, 0.9));
        }
    }
    if (jf) {
        fputs("]}\n", jf);
        fclose(jf);
    }
    free(v);
}

/* ---- helpers for the network rows ------------------------------------ */

static int ipv4_addr(const char *addr, const char *port, struct sockaddr_in *sa)
{
    char *end;
    long p = strtol(port, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (*end || p < 1 || p > 65535 || inet_pton(AF_INET, addr, &sa->sin_addr) != 1)
        return -1;
    sa->sin_port = htons((uint16_t)p);
    return 0;
}

static int echo_server(int argc, char **argv)
{
    struct sockaddr_in sa;
    int one = 1;
    if (argc != 5 || ipv4_addr(argv[2], argv[3], &sa) < 0 || atoi(argv[4]) < 1)
        die("usage: benchdriver echo-server ADDR PORT SECONDS");
    if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127)
        die("echo-server: only a loopback address (127.0.0.0/8)");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
        fprintf(stderr, "benchdriver: echo-server %s:%s: %s\n", argv[2], argv[3], strerror(errno));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    alarm((unsigned)atoi(argv[4])); /* bounded: SIGALRM ends it */
    for (;;) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return 1;
        }
        struct pollfd pfd = {.fd = c, .events = POLLIN};
        char buf[64];
        if (poll(&pfd, 1, 2000) == 1) {
            ssize_t n = read(c, buf, sizeof buf);
            if (n > 0 && write(c, buf, (size_t)n) < 0) {
                /* the client went away: nothing to do */
            }
        }
        close(c);
    }
}

static int probe(int argc, char **argv)
{
    struct sockaddr_in sa;
    char b = 'x';
    if (argc != 4 || ipv4_addr(argv[2], argv[3], &sa) < 0)
        die("usage: benchdriver probe ADDR PORT");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || write(fd, &b, 1) != 1) {
        fprintf(stderr, "benchdriver: probe %s:%s: %s\n", argv[2], argv[3], strerror(errno));
        return 1;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, 2000) != 1 || read(fd, &b, 1) != 1 || b != 'x') {
        fprintf(stderr, "benchdriver: probe %s:%s: no answer\n", argv[2], argv[3]);
        return 1;
    }
    return 0;
}

static int unix_request(int argc, char **argv)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char buf[4096];
    size_t got = 0;
    if (argc != 4 || strlen(argv[2]) >= sizeof sa.sun_path)
        die("usage: benchdriver unix-request PATH JSON");
    strcpy(sa.sun_path, argv[2]);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    size_t len = strlen(argv[3]);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        write(fd, argv[3], len) != (ssize_t)len) {
        fprintf(stderr, "benchdriver: unix-request %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    shutdown(fd, SHUT_WR);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (got < sizeof buf - 1 && poll(&pfd, 1, 2000) == 1) {
        ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    buf[got] = 0;
    printf("%s\n", buf);
    return got == 0 || strstr(buf, "\"error\"") ? 1 : 0;
}

static void usage(void)
{
    fputs("usage: benchdriver [-n N] [-w W] [-P K] [-u UID:GID] [-r A/B]... [-o FILE]\n"
          "                   [-l DIR] [-t TITLE] [-m]\n"
          "                   --row NAME [--as UID:GID] [--step NAME] ARGV... [--step ...] ...\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    int opt, g_as = 0;
    uid_t g_uid = 0;
    gid_t g_gid = 0;
    if (argc > 1 && !strcmp(argv[1], "echo-server"))
        return echo_server(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "probe"))
        return probe(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "unix-request"))
        return unix_request(argc, argv);
    int nopts = argc; /* options end at the first --row */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--row")) {
            nopts = i;
            break;
        }
    while ((opt = getopt(nopts, argv, "+n:w:P:u:r:o:l:t:m")) != -1) {
        switch (opt) {
        case 'n': n_rounds = atoi(optarg); break;
        case 'w': n_warm = atoi(optarg); break;
        case 'P': par_k = atoi(optarg); break;
        case 'u':
            if (parse_ids(optarg, &g_uid, &g_gid) < 0)
                usage();
            g_as = 1;
            break;
        case 'r':
            if (nratios < MAX_ROWS)
                ratios[nratios++] = optarg;
            break;
        case 'o': json_path = optarg; break;
        case 'l': log_dir = optarg; break;
        case 't': title = optarg; break;
        case 'm': show_rss = 1; break;
        default: usage();
        }
    }
    if (n_rounds < 1 || n_warm < 0 || par_k < 0)
        usage();

    /* rows */
    struct row *r = NULL;
    struct step *st = NULL;
    for (int i = optind; i < argc; i++) {
        if (!strcmp(argv[i], "--row") && i + 1 < argc) {
            if (nrows == MAX_ROWS)
                die("too many rows");
            r = &rows[nrows++];
            r->name = argv[++i];
            r->as_set = g_as;
            r->uid = g_uid;
            r->gid = g_gid;
            r->logfd = -1;
            st = NULL;
        } else if (!r) {
            usage();
        } else if (!strcmp(argv[i], "--as") && i + 1 < argc && !st) {
            if (parse_ids(argv[++i], &r->uid, &r->gid) < 0)
                usage();
            r->as_set = 1;
        } else if (!strcmp(argv[i], "--step") && i + 1 < argc) {
            if (r->nsteps == MAX_STEPS)
                die("too many steps");
            st = &r->steps[r->nsteps++];
            st->name = argv[++i];
        } else {
            if (!st) {
                st = &r->steps[r->nsteps++];
                st->name = "run";
            }
            if (!st->argv)
                st->argv = &argv[i];
            st->argc++;
        }
    }
    if (!nrows)
        usage();
    for (int i = 0; i < nrows; i++) {
        if (!rows[i].nsteps)
            die("a row has no command");
        for (int s = 0; s < rows[i].nsteps; s++) {
            struct step *x = &rows[i].steps[s];
            if (!x->argc)
                die("a step has no command");
            x->ms = xcalloc((size_t)n_rounds, sizeof *x->ms);
            x->rss_kib = xcalloc((size_t)n_rounds, sizeof *x->rss_kib);
            x->ok = xcalloc((size_t)n_rounds, sizeof *x->ok);
            x->mem_delta_kib = xcalloc((size_t)n_rounds, sizeof *x->mem_delta_kib);
            x->procs_delta = xcalloc((size_t)n_rounds, sizeof *x->procs_delta);
        }
        if (log_dir) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.log", log_dir, rows[i].name);
            for (char *p = path + strlen(log_dir) + 1; *p; p++)
                if (*p == '/' || *p == ' ')
                    *p = '_';
            rows[i].logfd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        }
    }
    /* the children's dup2 clears O_CLOEXEC on the copies they keep */

    void (*round)(int, int) = par_k ? run_par_round : run_seq_round;
    for (int w = 0; w < n_warm; w++)
        round(w, 0);
    for (int k = 0; k < n_rounds; k++)
        round(k, 1);
    report();
    return 0;
}
