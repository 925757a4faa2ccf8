/* tools/cli_mc_run.c -- how `deq mc MODEL` runs its trial loops: the run
 * options (--checkpoint, --resume, --checkpoint-every, --progress,
 * --quiet, --blas-threads), the checkpoint file, progress on stderr, and
 * the deq_mc_hooks that join them and the MPI share (cli_mpi.c) to
 * libdeq's trial loop.
 *
 * A checkpoint holds the command's options and, for every trial loop met
 * so far (one per outer grid point for most models), its Welford state:
 * trials done, means and second moments, in hexadecimal floating point so
 * that they read back exactly.  Resuming restores each loop's state and
 * continues at its next trial: the fold is in trial order, so the result
 * is bitwise that of an uninterrupted run.  */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define CHECKPOINT_MAGIC "deq-checkpoint 1"
#define PROGRESS_AFTER 2.0     /* seconds before automatic progress shows */

/* ------------------------------------------------------------ options */

void cli_mc_run_init(cli_mc_run *o)
{
  memset(o, 0, sizeof *o);
  o->every = 5.0;
  o->progress = -1;
}

void cli_mc_run_free(cli_mc_run *o)
{
  free(o->config);
  o->config = NULL;
}

int cli_mc_run_option(cli_mc_run *o, const char *cmd, int code,
                      const char *arg)
{
  uint64_t u;
  int st;
  switch (code) {
  case OPT_CHECKPOINT: o->checkpoint = arg; return CLI_OK;
  case OPT_RESUME: o->resume = arg; return CLI_OK;
  case OPT_PROGRESS: o->progress = 1; return CLI_OK;
  case OPT_QUIET: o->progress = 0; return CLI_OK;
  case OPT_CHECKPOINT_EVERY:
    if (cli_parse_number(&o->every, arg) != 0 || !(o->every >= 0)) {
      cli_error(cmd, "--checkpoint-every '%s': expected seconds >= 0", arg);
      return CLI_EUSAGE;
    }
    return CLI_OK;
  case OPT_BLAS_THREADS:
    st = cli_count_parse(&u, cmd, "--blas-threads", arg, 1,
                         CLI_MC_MAX_THREADS);
    if (st == CLI_OK) o->blas_threads = (int)u;
    return st;
  }
  cli_error(cmd, "internal error: option %d", code);
  return CLI_EUSAGE;
}

/* Options that change how a run goes, not what it computes: a resumed
   run may set them differently.  */
static int run_only(const char *name)
{
  static const char *const names[] = {
    "checkpoint", "resume", "checkpoint-every", "progress", "quiet",
    "threads", "format", "plot", NULL
  };
  for (size_t i = 0; names[i]; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

/* "name=value\n" with newlines and backslashes of value escaped.  */
/* Remove the lines of option `name` from the config.  */
static void forget(cli_mc_run *o, const char *name)
{
  size_t nlen = strlen(name);
  char *c = o->config;
  while (c && *c) {
    char *nl = strchr(c, '\n');
    if (strncmp(c, name, nlen) == 0 && c[nlen] == '=') {
      memmove(c, nl + 1, strlen(nl + 1) + 1);
      o->config_len -= (size_t)(nl + 1 - c);
    } else {
      c = nl + 1;
    }
  }
}

int cli_mc_run_record(cli_mc_run *o, const char *name, const char *arg,
                      int repeatable)
{
  if (!name || run_only(name)) return CLI_OK;
  if (!repeatable) forget(o, name);   /* the last one wins */
  if (!arg) arg = "";
  size_t need = strlen(name) + 2 * strlen(arg) + 3;
  char *c = realloc(o->config, o->config_len + need);
  if (!c) return CLI_ENUM;
  o->config = c;
  char *p = c + o->config_len;
  p += sprintf(p, "%s=", name);
  for (const char *a = arg; *a; a++) {
    if (*a == '\\' || *a == '\n') *p++ = '\\';
    *p++ = *a == '\n' ? 'n' : *a;
  }
  *p++ = '\n';
  *p = '\0';
  o->config_len = (size_t)(p - c);
  return CLI_OK;
}

/* ------------------------------------------------------------ the session */

typedef struct loop_state {
  size_t m, trials, done;
  double *mean, *m2;
} loop_state;

struct cli_mc_session {
  const cli_mc_run *o;
  const char *cmd;
  const char *path;          /* the checkpoint to write, or NULL */
  size_t npoints;            /* loops expected (outer points), for the ETA */
  loop_state *loop, *saved;  /* this run's loops; the resumed ones */
  size_t nloop, cap, nsaved;
  double start, last_write, last_show;
  size_t run_trials;         /* trials computed (not restored) so far */
  int show, tty, shown;
  char message[1024];        /* why a hook failed */
};

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void free_states(loop_state *l, size_t n)
{
  for (size_t i = 0; l && i < n; i++) {
    free(l[i].mean);
    free(l[i].m2);
  }
  free(l);
}

/* snprintf that may cut long file names or values short (messages).  */
static void say(char *buf, size_t len, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
}

/* Keep the first failure's message; return its status.  */
static deq_status fail(cli_mc_session *s, deq_status st, const char *fmt,
                       const char *a, const char *b)
{
  if (!s->message[0]) say(s->message, sizeof s->message, fmt, a, b);
  return st;
}

/* ------------------------------------------------------------ writing */

static uint64_t checksum(const char *p, size_t n);

static int write_doubles(FILE *f, const char *tag, const double *x, size_t m)
{
  fputs(tag, f);
  for (size_t j = 0; j < m; j++) fprintf(f, " %a", x[j]);
  return fputc('\n', f) == EOF;
}

/* The whole state into path.tmp, synced, then renamed over path: a kill
   at any moment leaves the old or the new checkpoint, never a torn one. */
static deq_status write_checkpoint(cli_mc_session *s)
{
  char tmp[PATH_MAX];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", s->path) >= sizeof tmp)
    return fail(s, DEQ_EIO, "--checkpoint %s: %s", s->path, "name too long");
  char *body = NULL;
  size_t blen = 0;
  FILE *f = open_memstream(&body, &blen);
  if (!f) return fail(s, DEQ_EIO, "--checkpoint: %s: %s", s->path, strerror(errno));
  fprintf(f, "%s\nversion %s\ncommand %s\n", CHECKPOINT_MAGIC,
          PACKAGE_VERSION, s->cmd);
  for (const char *c = s->o->config; c && *c;) {
    const char *nl = strchr(c, '\n');
    fprintf(f, "option %.*s\n", (int)(nl - c), c);
    c = nl + 1;
  }
  fprintf(f, "loops %zu\n", s->nloop);
  int bad = 0;
  for (size_t i = 0; i < s->nloop; i++) {
    const loop_state *l = &s->loop[i];
    fprintf(f, "loop %zu %zu %zu\n", l->m, l->trials, l->done);
    bad |= write_doubles(f, "mean", l->mean, l->m);
    bad |= write_doubles(f, "m2", l->m2, l->m);
  }
  bad |= fclose(f) != 0;   /* body, blen: the text so far */
  f = bad ? NULL : fopen(tmp, "w");
  if (!f) {
    free(body);
    return fail(s, DEQ_EIO, "--checkpoint: %s: %s", tmp, strerror(errno));
  }
  bad |= fwrite(body, 1, blen, f) != blen;
  bad |= fprintf(f, "end %016llx\n",
                 (unsigned long long)checksum(body, blen)) < 0;
  free(body);
  bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, s->path) != 0) {
    int e = errno;
    remove(tmp);
    return fail(s, DEQ_EIO, "--checkpoint: %s: %s", s->path, strerror(e));
  }
  /* The rename itself must reach the disk too.  */
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", s->path);
  char *slash = strrchr(dir, '/');
  if (slash) slash[slash == dir] = '\0';
  else snprintf(dir, sizeof dir, ".");
  int fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  s->last_write = now();
  return DEQ_OK;
}

/* ------------------------------------------------------------ reading */

static char *read_file(const char *path, char *why, size_t len)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(why, len, "%s", strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      char *b = realloc(buf, cap *= 2);
      if (!b) free(buf);
      buf = b;
    }
  }
  int err = ferror(f);
  fclose(f);
  if (!buf || err) {
    free(buf);
    snprintf(why, len, "%s", buf ? "read error" : "out of memory");
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

/* The next line of *p (newline removed, in place), or NULL at the end. */
static char *next_line(char **p, size_t *lineno)
{
  if (!*p || !**p) return NULL;
  char *line = *p, *nl = strchr(line, '\n');
  if (nl) {
    *nl = '\0';
    *p = nl + 1;
  } else {
    *p = line + strlen(line);
  }
  (*lineno)++;
  return line;
}

static int parse_doubles(double *x, size_t m, const char *tag, char *line)
{
  size_t tl = strlen(tag);
  if (strncmp(line, tag, tl) != 0) return -1;
  char *p = line + tl;
  for (size_t j = 0; j < m; j++) {
    char *end;
    x[j] = strtod(p, &end);
    if (end == p) return -1;
    p = end;
  }
  return *p == '\0' ? 0 : -1;
}

/* All values of option `name` in a config text, joined by ", ", in a
   new string (NULL if absent or out of memory: *found says which).  */
static char *values_of(int *found, const char *config, const char *name,
                       size_t nlen)
{
  size_t len = 1;
  *found = 0;
  for (int pass = 0; pass < 2; pass++) {
    char *buf = pass ? malloc(len) : NULL;
    if (pass && !buf) return NULL;
    size_t used = 0;
    int n = 0;
    for (const char *c = config; c && *c;) {
      const char *nl = strchr(c, '\n');
      if (strncmp(c, name, nlen) == 0 && c[nlen] == '=') {
        size_t vlen = (size_t)(nl - c) - nlen - 1;
        if (pass) {
          if (n) memcpy(buf + used, ", ", 2);
          memcpy(buf + used + (n ? 2 : 0), c + nlen + 1, vlen);
        }
        used += vlen + (n ? 2 : 0);
        n++;
      }
      c = nl + 1;
    }
    if (!pass) {
      len = used + 1;
      *found = n > 0;
    } else {
      buf[used] = '\0';
      return buf;
    }
  }
  return NULL;
}

/* Whether every line of a config text is NAME=VALUE.  */
static int config_well_formed(const char *config)
{
  for (const char *c = config; c && *c;) {
    const char *nl = strchr(c, '\n'), *eq = memchr(c, '=', (size_t)(nl - c));
    if (!eq || eq == c) return 0;
    c = nl + 1;
  }
  return 1;
}

/* The first option whose values differ between the checkpoint's config
   and this run's (both well formed): a message naming it, or 0 if they
   agree.  Values are compared whole, as written (an equal number spelt
   differently is a difference).  */
static int config_differs(char *msg, size_t len, const char *path,
                          const char *saved, const char *mine)
{
  const char *lists[2] = { mine, saved };
  for (int k = 0; k < 2; k++)
    for (const char *c = lists[k]; c && *c;) {
      const char *nl = strchr(c, '\n'), *eq = strchr(c, '=');
      size_t nlen = (size_t)(eq - c);
      int in_saved, in_mine;
      char *a = values_of(&in_saved, saved, c, nlen);
      char *b = values_of(&in_mine, mine, c, nlen);
      int differs = !a || !b || in_saved != in_mine || strcmp(a, b) != 0;
      if (differs) {
        if (!a || !b)
          say(msg, len, "--resume %s: out of memory", path);
        else if (!in_saved)
          say(msg, len, "--resume %s: this run sets --%.*s %s; the "
                   "checkpoint was made without it", path, (int)nlen, c, b);
        else if (!in_mine)
          say(msg, len, "--resume %s: the checkpoint was made with "
                   "--%.*s %s; this run does not set it", path, (int)nlen,
                   c, a);
        else
          say(msg, len, "--resume %s: the checkpoint was made with "
                   "--%.*s %s; this run has --%.*s %s", path, (int)nlen, c,
                   a, (int)nlen, c, b);
      }
      free(a);
      free(b);
      if (differs) return 1;
      c = nl + 1;
    }
  return 0;
}

/* FNV-1a (64 bits) of n bytes: the checkpoint's checksum, written on its
   last line, so that a damaged or hand-edited file is refused instead of
   resuming from altered sums.  */
static uint64_t checksum(const char *p, size_t n)
{
  uint64_t h = 0xcbf29ce484222325u;
  for (size_t i = 0; i < n; i++) {
    h ^= (unsigned char)p[i];
    h *= 0x100000001b3u;
  }
  return h;
}

/* Parse a checkpoint text (every rank has it) into s->saved after
   checking that it was made by the same command with the same options. */
static int parse_checkpoint(cli_mc_session *s, char *text)
{
  const char *path = s->o->resume;
  char *p = text, *line;
  size_t ln = 0;
  char *config = NULL;
  size_t clen = 0;
  int st = CLI_EUSAGE;
  /* The checksum covers every byte before the last line "end HEX".  */
  int sumok = 0;
  char *endline = strstr(text, "\nend ");
  while (endline && strstr(endline + 1, "\nend "))
    endline = strstr(endline + 1, "\nend ");
  if (endline) {
    unsigned long long want;
    char tail;
    if (sscanf(endline + 5, "%16llx%c", &want, &tail) == 2 && tail == '\n'
        && endline[22] == '\0')
      sumok = want == checksum(text, (size_t)(endline + 1 - text));
  }
  line = next_line(&p, &ln);
  if (!line || strcmp(line, CHECKPOINT_MAGIC) != 0) {
    say(s->message, sizeof s->message, "--resume %s: not a deq "
             "checkpoint", path);
    return CLI_EUSAGE;
  }
  line = next_line(&p, &ln);
  if (!line || strncmp(line, "version ", 8) != 0) goto malformed;
  if (strcmp(line + 8, PACKAGE_VERSION) != 0) {
    say(s->message, sizeof s->message, "--resume %s: the checkpoint was "
             "made by deq %s, this is deq %s", path, line + 8, PACKAGE_VERSION);
    return CLI_EUSAGE;
  }
  line = next_line(&p, &ln);
  if (!line || strncmp(line, "command ", 8) != 0) goto malformed;
  if (strcmp(line + 8, s->cmd) != 0) {
    say(s->message, sizeof s->message, "--resume %s: the checkpoint is "
             "of 'deq %s', not 'deq %s'", path, line + 8, s->cmd);
    return CLI_EUSAGE;
  }
  while ((line = next_line(&p, &ln)) && strncmp(line, "option ", 7) == 0) {
    size_t l = strlen(line + 7);
    char *c = realloc(config, clen + l + 2);
    if (!c) goto nomem;
    config = c;
    memcpy(config + clen, line + 7, l);
    clen += l;
    config[clen++] = '\n';
    config[clen] = '\0';
  }
  if (!config_well_formed(config)) goto malformed;
  if (!sumok) {
    say(s->message, sizeof s->message, "--resume %s: checksum mismatch: the "
        "checkpoint was damaged or edited", path);
    free(config);
    return CLI_EUSAGE;
  }
  if (config_differs(s->message, sizeof s->message, path, config,
                     s->o->config)) {
    free(config);
    return CLI_EUSAGE;
  }
  size_t n;
  char tail;
  if (!line || sscanf(line, "loops %zu%c", &n, &tail) != 1) goto malformed;
  if (n > SIZE_MAX / sizeof *s->saved) goto malformed;
  s->saved = calloc(n ? n : 1, sizeof *s->saved);
  if (!s->saved) goto nomem;
  for (size_t i = 0; i < n; i++) {
    loop_state *l = &s->saved[i];
    line = next_line(&p, &ln);
    if (!line || sscanf(line, "loop %zu %zu %zu%c", &l->m, &l->trials,
                        &l->done, &tail) != 3
        || l->done > l->trials || l->m > SIZE_MAX / sizeof(double))
      goto malformed;
    s->nsaved = i + 1;
    l->mean = malloc((l->m ? l->m : 1) * sizeof *l->mean);
    l->m2 = malloc((l->m ? l->m : 1) * sizeof *l->m2);
    if (!l->mean || !l->m2) goto nomem;
    line = next_line(&p, &ln);
    if (!line || parse_doubles(l->mean, l->m, "mean", line) != 0)
      goto malformed;
    line = next_line(&p, &ln);
    if (!line || parse_doubles(l->m2, l->m, "m2", line) != 0)
      goto malformed;
    for (size_t j = 0; j < l->m; j++)
      if (!isfinite(l->mean[j]) || !(l->m2[j] >= 0) || !isfinite(l->m2[j]))
        goto malformed;
  }
  line = next_line(&p, &ln);
  if (!line || strncmp(line, "end ", 4) != 0) goto malformed;
  free(config);
  return CLI_OK;
nomem:
  st = CLI_ENUM;
  say(s->message, sizeof s->message, "--resume %s: out of memory", path);
  free(config);
  return st;
malformed:
  say(s->message, sizeof s->message, "--resume %s: line %zu: malformed "
           "checkpoint", path, ln);
  free(config);
  return st;
}

/* ------------------------------------------------------------ progress */

static void show_progress(cli_mc_session *s, size_t loop, size_t done,
                          size_t trials, int last)
{
  double t = now(), elapsed = t - s->start;
  if (!s->show || (!s->shown && s->o->progress < 0 && elapsed < PROGRESS_AFTER))
    return;
  double every = s->tty ? 0.25 : 10.0;
  if (!last && s->shown && t - s->last_show < every) return;
  s->last_show = t;
  s->shown = 1;
  double rate = elapsed > 0 ? (double)s->run_trials / elapsed : 0;
  double left = (double)(trials - done);
  if (s->npoints > loop + 1)
    left += (double)(s->npoints - loop - 1) * (double)trials;
  char eta[64] = "";
  if (rate > 0)
    snprintf(eta, sizeof eta, ", %.0f s left", ceil(left / rate));
  char where[64];
  if (loop < s->npoints)
    snprintf(where, sizeof where, "point %zu/%zu", loop + 1, s->npoints);
  else
    snprintf(where, sizeof where, "loop %zu", loop + 1);
  fprintf(stderr, "%s# deq %s: %s: %zu/%zu trials, %.3g trials/s%s%s",
          s->tty ? "\r" : "", s->cmd, where, done, trials, rate, eta,
          s->tty ? "\033[K" : "\n");
  fflush(stderr);
}

/* ------------------------------------------------------------ the hooks */

static deq_status on_begin(void *ctx, size_t loop, size_t m, size_t trials,
                           double *mean, double *m2, size_t *done)
{
  cli_mc_session *s = ctx;
  if (loop != s->nloop) return fail(s, DEQ_EINVAL, "internal error: loop "
                                    "order%s%s", "", "");
  if (s->nloop == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 16;
    loop_state *l = realloc(s->loop, cap * sizeof *l);
    if (!l) return DEQ_ENOMEM;
    s->loop = l;
    s->cap = cap;
  }
  loop_state *l = &s->loop[s->nloop];
  memset(l, 0, sizeof *l);
  l->mean = malloc((m ? m : 1) * sizeof *l->mean);
  l->m2 = malloc((m ? m : 1) * sizeof *l->m2);
  if (!l->mean || !l->m2) {
    free(l->mean);
    free(l->m2);
    return DEQ_ENOMEM;
  }
  s->nloop++;
  l->m = m;
  l->trials = trials;
  if (loop < s->nsaved) {
    const loop_state *v = &s->saved[loop];
    if (v->m != m || v->trials != trials) {
      char a[64], b[64];
      snprintf(a, sizeof a, "%zu", loop);
      snprintf(b, sizeof b, "%zu x %zu there, %zu x %zu here", v->m,
               v->trials, m, trials);
      return fail(s, DEQ_EINVAL, "--resume: the checkpoint does not match "
                  "this run at loop %s (quantities x trials: %s)", a, b);
    }
    memcpy(mean, v->mean, m * sizeof *mean);
    memcpy(m2, v->m2, m * sizeof *m2);
    *done = v->done;
  }
  memcpy(l->mean, mean, m * sizeof *mean);
  memcpy(l->m2, m2, m * sizeof *m2);
  l->done = *done;
  return DEQ_OK;
}

static void on_share(void *ctx, size_t n, size_t *lo, size_t *hi)
{
  (void)ctx;
  cli_mpi_share(n, lo, hi);
}

static deq_status on_gather(void *ctx, double *res, deq_status *st, size_t m,
                            size_t n)
{
  (void)ctx;
  return cli_mpi_gather(res, st, m, n);
}

static deq_status on_fold(void *ctx, size_t loop, size_t m, size_t done,
                          size_t trials, const double *mean, const double *m2)
{
  cli_mc_session *s = ctx;
  if (loop >= s->nloop) return DEQ_EINVAL;
  loop_state *l = &s->loop[loop];
  s->run_trials += done - l->done;
  l->done = done;
  memcpy(l->mean, mean, m * sizeof *mean);
  memcpy(l->m2, m2, m * sizeof *m2);
  show_progress(s, loop, done, trials, 0);
  if (s->path && now() - s->last_write >= s->o->every)
    return write_checkpoint(s);
  return DEQ_OK;
}

/* ------------------------------------------------------------ start, end */

int cli_mc_session_start(cli_mc_session **out, const cli_mc_run *o,
                         const char *cmd, size_t npoints, int threads)
{
  cli_mc_session *s = calloc(1, sizeof *s);
  *out = s;
  if (!s) {
    cli_error(cmd, "out of memory");
    return CLI_ENUM;
  }
  s->o = o;
  s->cmd = cmd;
  s->npoints = npoints;
  s->start = s->last_write = now();
  /* Only rank 0 writes: the checkpoint and the progress too.  */
  int writer = cli_mpi_rank() == 0;
  s->path = writer ? (o->checkpoint ? o->checkpoint : o->resume) : NULL;
  s->tty = isatty(STDERR_FILENO);
  s->show = writer && (o->progress > 0 || (o->progress < 0 && s->tty));
  if (o->resume) {
    char why[256] = "";
    char *text = writer ? read_file(o->resume, why, sizeof why) : NULL;
    text = cli_mpi_bcast_text(text);
    int st = CLI_OK;
    if (!text) {
      say(s->message, sizeof s->message, "--resume %s: %s", o->resume,
               why[0] ? why : "cannot read it");
      st = CLI_EUSAGE;
    } else {
      st = parse_checkpoint(s, text);
    }
    free(text);
    if (st != CLI_OK) {
      cli_error(cmd, "%s", s->message);
      return st;
    }
  }
  int tt = cli_mc_threads(threads), ranks = cli_mpi_size();
  /* Chunks small enough for frequent progress and checkpoints, large
     enough that each thread of each rank has work between gathers.  */
  size_t chunk = 16 * (size_t)tt * (size_t)ranks;
  /* Every rank must cut the same chunks, whatever its own threads.  */
  chunk = cli_mpi_max(chunk);
  deq_mc_hooks h = { .ctx = s, .chunk = chunk < 1024 ? chunk : 1024,
                     .blas_threads = o->blas_threads, .begin = on_begin,
                     .fold = on_fold };
  if (ranks > 1) {
    h.share = on_share;
    h.gather = on_gather;
  }
  deq_mc_set_hooks(&h);
  return CLI_OK;
}

const char *cli_mc_session_error(const cli_mc_session *s)
{
  return s && s->message[0] ? s->message : NULL;
}

int cli_mc_session_end(cli_mc_session *s, int ok)
{
  int st = CLI_OK;
  deq_mc_set_hooks(NULL);
  if (!s) return st;
  if (s->shown && s->tty) {
    fputs("\r\033[K", stderr);
  } else if (s->shown) {
    fprintf(stderr, "# deq %s: %zu trials in %.1f s\n", s->cmd,
            s->run_trials, now() - s->start);
  }
  /* A finished run leaves a complete checkpoint: resuming it only
     rewrites the output.  */
  if (ok && s->path && write_checkpoint(s) != DEQ_OK)
    fprintf(stderr, "deq %s: warning: the final checkpoint was not written "
            "(%s); the results follow\n", s->cmd, s->message);
  free_states(s->loop, s->nloop);
  free_states(s->saved, s->nsaved);
  free(s);
  return st;
}
