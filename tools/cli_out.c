/* tools/cli_out.c -- messages, and the table writer (TSV, JSON, gnuplot).
 *
 * Tables are built in memory and written only when complete, so that a
 * failing command never leaves rows that look valid on stdout.  Numbers
 * are written with "%.17g" (round-trip exact); non-finite numbers are
 * "inf", "-inf", "nan" in TSV and null in JSON.  */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/* ------------------------------------------------------------ messages */

void cli_error(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  fflush(stdout);
  fprintf(stderr, "deq %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

int cli_file_error(const char *cmd, const char *opt, const char *path,
                   long line, long field, deq_status st, const deq_error *err)
{
  const char *msg = err && err->message[0] ? err->message : deq_strerror(st);
  if (st == DEQ_EIO && !(err && err->message[0]))
    msg = "cannot open or read the file";
  char where[64] = "";
  if (line > 0 && field > 0)
    snprintf(where, sizeof where, ":%ld:%ld", line, field);
  else if (line > 0)
    snprintf(where, sizeof where, ":%ld", line);
  cli_error(cmd, "%s%s%s%s: %s", opt ? opt : "", opt ? ": " : "", path, where,
            msg);
  return cli_status_exit(st);
}

int cli_status_exit(deq_status st)
{
  switch (st) {
  case DEQ_OK:
    return CLI_OK;
  case DEQ_EINVAL: case DEQ_EDOM: case DEQ_EIO: case DEQ_EPARSE:
  case DEQ_EUNSUP:
    return CLI_EUSAGE;
  default:
    return CLI_ENUM;
  }
}

const char *cli_num(char buf[32], double x)
{
  if (x == floor(x) && fabs(x) < 1e15) {  /* integers in full: P=1000000 */
    snprintf(buf, 32, "%.0f", x);
    return buf;
  }
  for (int prec = 6; prec <= 17; prec++) {
    snprintf(buf, 32, "%.*g", prec, x);
    if (strtod(buf, NULL) == x || isnan(x))
      break;
  }
  return buf;
}

/* ---------------------------------------------------------- output options */

int cli_format_parse(cli_format *out, const char *cmd, const char *text)
{
  if (strcmp(text, "tsv") == 0)
    *out = CLI_FORMAT_TSV;
  else if (strcmp(text, "json") == 0)
    *out = CLI_FORMAT_JSON;
  else {
    cli_error(cmd, "--format '%s': must be tsv or json", text);
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

static const char *extension(const char *path)
{
  const char *slash = strrchr(path, '/');
  const char *dot = strrchr(slash ? slash : path, '.');
  return dot ? dot + 1 : "";
}

int cli_plot_parse(const char **out, const char *cmd, const char *text)
{
  const char *ext = extension(text);
  if (strcmp(ext, "svg") != 0 && strcmp(ext, "png") != 0) {
    cli_error(cmd, "--plot '%s': the file name must end in .svg or .png", text);
    return CLI_EUSAGE;
  }
  *out = text;
  return CLI_OK;
}

/* ------------------------------------------------------------ tables */

void cli_table_init(cli_table *t, size_t ncol, const char *const *names)
{
  t->ncol = ncol;
  t->nrow = t->cap = 0;
  t->names = names;
  t->x = NULL;
  t->s = NULL;
  t->status = NULL;
}

void cli_table_free(cli_table *t)
{
  free(t->x);
  free(t->s);
  free(t->status);
  t->x = NULL;
  t->s = NULL;
  t->status = NULL;
  t->nrow = t->cap = 0;
}

/* Room for one more row; the string cells exist only once one is used.  */
static int grow(cli_table *t, const char *cmd, int strings)
{
  size_t cap = t->cap;
  if (t->nrow == cap) {
    cap = cap ? 2 * cap : 64;
    double *x = realloc(t->x, cap * t->ncol * sizeof *x);
    if (!x)
      goto nomem;
    t->x = x;
  }
  if (t->s || strings) {
    const char **s = realloc(t->s, cap * t->ncol * sizeof *s);
    if (!s)
      goto nomem;
    if (!t->s)
      memset(s, 0, t->nrow * t->ncol * sizeof *s);
    t->s = s;
  }
  if (t->status && cap > t->cap) {
    deq_status *st = realloc(t->status, cap * sizeof *st);
    if (!st)
      goto nomem;
    memset(st + t->cap, 0, (cap - t->cap) * sizeof *st);
    t->status = st;
  }
  t->cap = cap;
  return CLI_OK;
nomem:
  cli_error(cmd, "out of memory for %zu output rows", cap);
  return CLI_ENUM;
}

int cli_table_add(cli_table *t, const char *cmd, const double *row)
{
  if (grow(t, cmd, 0) != CLI_OK)
    return CLI_ENUM;
  size_t base = t->nrow++ * t->ncol;
  memcpy(t->x + base, row, t->ncol * sizeof *row);
  if (t->s)
    memset(t->s + base, 0, t->ncol * sizeof *t->s);
  return CLI_OK;
}

int cli_table_add_cells(cli_table *t, const char *cmd, const cli_cell *row)
{
  if (grow(t, cmd, 1) != CLI_OK)
    return CLI_ENUM;
  size_t base = t->nrow++ * t->ncol;
  for (size_t j = 0; j < t->ncol; j++) {
    t->x[base + j] = row[j].x;
    t->s[base + j] = row[j].s;
  }
  return CLI_OK;
}

void cli_table_set_status(cli_table *t, size_t i, deq_status st)
{
  if (!t->status && st == DEQ_OK)
    return;
  if (!t->status && !(t->status = calloc(t->cap, sizeof *t->status)))
    return;   /* out of memory: the row keeps "ok"; stderr already says why */
  if (i < t->cap)
    t->status[i] = st;
}

/* The short name of a row status in JSON.  */
static const char *status_name(deq_status st)
{
  switch (st) {
  case DEQ_OK: return "ok";
  case DEQ_EINVAL: return "invalid";
  case DEQ_EDOM: return "domain";
  case DEQ_ENOCONV: return "noconv";
  case DEQ_EDIVERGE: return "diverge";
  case DEQ_ENOMEM: return "nomem";
  case DEQ_EIO: return "io";
  case DEQ_EPARSE: return "parse";
  case DEQ_ELAPACK: return "lapack";
  case DEQ_EUNSUP: return "unsupported";
  }
  return "unknown";
}

/* The string in cell (i, j), or NULL for a number.  */
static const char *cell_str(const cli_table *t, size_t i, size_t j)
{
  return t->s ? t->s[i * t->ncol + j] : NULL;
}

static double cell_num(const cli_table *t, size_t i, size_t j)
{
  return t->x[i * t->ncol + j];
}

int cli_table_column(const cli_table *t, const char *name)
{
  for (size_t j = 0; j < t->ncol; j++)
    if (strcmp(t->names[j], name) == 0)
      return (int)j;
  return -1;
}

/* ------------------------------------------------------------ TSV and JSON */

static void write_tsv(const cli_table *t, FILE *f)
{
  for (size_t j = 0; j < t->ncol; j++)
    fprintf(f, "%s%c", t->names[j], j + 1 < t->ncol ? '\t' : '\n');
  for (size_t i = 0; i < t->nrow; i++)
    for (size_t j = 0; j < t->ncol; j++) {
      const char *str = cell_str(t, i, j);
      if (str)
        fputs(str, f);
      else
        fprintf(f, "%.17g", cell_num(t, i, j));
      fputc(j + 1 < t->ncol ? '\t' : '\n', f);
    }
}

static void json_string(FILE *f, const char *s)
{
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

static void write_json(const cli_table *t, const char *command, FILE *f)
{
  fputs("{\"command\": ", f);
  json_string(f, command);
  fputs(", \"columns\": [", f);
  for (size_t j = 0; j < t->ncol; j++) {
    if (j)
      fputs(", ", f);
    json_string(f, t->names[j]);
  }
  fputs("], \"rows\": [", f);
  for (size_t i = 0; i < t->nrow; i++) {
    fputs(i ? ",\n  [" : "\n  [", f);
    for (size_t j = 0; j < t->ncol; j++) {
      const char *str = cell_str(t, i, j);
      double x = cell_num(t, i, j);
      if (j)
        fputs(", ", f);
      if (str)
        json_string(f, str);
      else if (isfinite(x))
        fprintf(f, "%.17g", x);
      else   /* JSON has no infinities: strings that float() reads */
        fputs(isnan(x) ? "\"nan\"" : x > 0 ? "\"inf\"" : "\"-inf\"", f);
    }
    fputc(']', f);
  }
  fputs(t->nrow ? "\n], \"status\": [" : "], \"status\": [", f);
  for (size_t i = 0; i < t->nrow; i++) {
    fputs(i ? ", " : "", f);
    json_string(f, status_name(t->status ? t->status[i] : DEQ_OK));
  }
  fputs("]}\n", f);
}

/* ------------------------------------------------------------ gnuplot */

/* The gnuplot program: $DEQ_GNUPLOT, else the one configure found.  */
static const char *gnuplot_program(void)
{
  const char *env = getenv("DEQ_GNUPLOT");
  return env && *env ? env : DEQ_GNUPLOT;
}

/* Whether prog can be executed (searching PATH for a bare name).  */
static int program_exists(const char *prog)
{
  if (strchr(prog, '/'))
    return access(prog, X_OK) == 0;
  const char *path = getenv("PATH");
  if (!path)
    return 0;
  size_t plen = strlen(prog);
  for (const char *p = path;; ) {
    const char *colon = strchr(p, ':');
    size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
    char *full = malloc(dlen + plen + 3);
    if (!full)
      return 0;
    /* An empty PATH entry means the current directory.  */
    snprintf(full, dlen + plen + 3, "%.*s/%s", dlen ? (int)dlen : 1,
             dlen ? p : ".", prog);
    int ok = access(full, X_OK) == 0;
    free(full);
    if (ok)
      return 1;
    if (!colon)
      return 0;
    p = colon + 1;
  }
}

/* A gnuplot single-quoted string (a quote is doubled).  */
static void gp_string(FILE *f, const char *s)
{
  fputc('\'', f);
  for (; *s; s++) {
    if (*s == '\'')
      fputc('\'', f);
    fputc(*s, f);
  }
  fputc('\'', f);
}

/* Whether cell (i, j) is a number log axes can show (j < 0: no column).  */
static int positive(const cli_table *t, size_t i, int j)
{
  if (j < 0 || cell_str(t, i, (size_t)j))
    return 0;
  double x = cell_num(t, i, (size_t)j);
  return isfinite(x) && x > 0;
}

/* Data for log axes: non-finite or non-positive values are missing.  */
static void gp_value(FILE *f, const cli_table *t, size_t i, int j)
{
  if (positive(t, i, j))
    fprintf(f, " %.17g", cell_num(t, i, (size_t)j));
  else
    fputs(" ?", f);
}

static int same_series(const cli_table *t, const cli_plot *p, size_t a,
                       size_t b)
{
  if (p->series < 0)
    return 1;
  double x = cell_num(t, a, (size_t)p->series);
  double y = cell_num(t, b, (size_t)p->series);
  return x == y || (isnan(x) && isnan(y));
}

/* Whether row i starts a new series (its value did not occur before).  */
static int series_head(const cli_table *t, const cli_plot *p, size_t i)
{
  for (size_t k = 0; k < i; k++)
    if (same_series(t, p, k, i))
      return 0;
  return 1;
}

static void gp_data(FILE *f, const cli_table *t, const cli_plot *p, size_t head)
{
  for (size_t i = head; i < t->nrow; i++) {
    if (!same_series(t, p, head, i))
      continue;
    gp_value(f, t, i, p->x);
    gp_value(f, t, i, p->y);
    if (p->y_mc >= 0) {
      gp_value(f, t, i, p->y_mc);
      gp_value(f, t, i, p->y_se);
    }
    fputc('\n', f);
  }
}

static void gp_script(FILE *f, const cli_table *t, const char *file,
                      const cli_plot *p)
{
  int png = strcmp(extension(file), "png") == 0;
  fprintf(f, "set terminal %s size 800,600 noenhanced\nset output ",
          png ? "png" : "svg");
  gp_string(f, file);
  fprintf(f, "\nset logscale xy\nset grid\nset key top right\n"
          "set xlabel '%s'\nset ylabel '%s'\n", t->names[p->x], t->names[p->y]);
  size_t ncurve = 0;
  for (size_t i = 0; i < t->nrow; i++) {
    if (!series_head(t, p, i))
      continue;
    fprintf(f, "$d%zu << EOD\n", ncurve++);
    gp_data(f, t, p, i);
    fputs("EOD\n", f);
  }
  fputs("plot", f);
  size_t k = 0;
  for (size_t i = 0; i < t->nrow; i++) {
    if (!series_head(t, p, i))
      continue;
    char label[64] = "";
    if (p->series >= 0) {
      char buf[32];
      snprintf(label, sizeof label, ", %s=%s", t->names[p->series],
               cli_num(buf, cell_num(t, i, (size_t)p->series)));
    }
    fprintf(f, "%s $d%zu using 1:2 with lines lw 2 lc %zu title '%s%s'",
            k ? "," : "", k, k + 1, t->names[p->y], label);
    if (p->y_mc >= 0)
      fprintf(f, ", $d%zu using 1:3:4 with yerrorbars pt 6 ps 1.5 lw 1.5 lc %zu title '%s%s'",
              k, k + 1, t->names[p->y_mc], label);
    k++;
  }
  if (ncurve == 0)
    fputs(" 1/0 notitle", f);
  fputs("\nunset output\n", f);
}

/* Child side: stdin from the pipe, stdout to /dev/null (our stdout
   carries the table), stderr to `log`; then exec gnuplot.  */
static void exec_gnuplot(const char *prog, int fd[2], FILE *log)
{
  dup2(fd[0], STDIN_FILENO);
  close(fd[0]);
  close(fd[1]);
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0)
    dup2(null, STDOUT_FILENO);
  if (log)
    dup2(fileno(log), STDERR_FILENO);
  execlp(prog, prog, (char *)NULL);
  _exit(127);
}

/* Copy what gnuplot said to stderr (only shown when it failed).  */
static void show_log(FILE *log)
{
  char buf[512];
  if (!log)
    return;
  rewind(log);
  while (fgets(buf, sizeof buf, log))
    if (buf[strspn(buf, " \t\n")])
      fputs(buf, stderr);
}

/* Run gnuplot on the script.  1: not found; 0: ok; -1: failed.  */
static int run_gnuplot(const cli_table *t, const char *file, const cli_plot *p,
                       int *status)
{
  const char *prog = gnuplot_program();
  int fd[2];
  if (pipe(fd) != 0)
    return -1;
  FILE *log = tmpfile();
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0)
    exec_gnuplot(prog, fd, log);
  close(fd[0]);
  if (pid < 0) {
    close(fd[1]);
    if (log)
      fclose(log);
    return -1;
  }
  void (*old)(int) = signal(SIGPIPE, SIG_IGN);
  FILE *f = fdopen(fd[1], "w");
  if (f) {
    gp_script(f, t, file, p);
    fclose(f);
  } else
    close(fd[1]);
  signal(SIGPIPE, old);
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
    ;
  *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  int r = *status == 0 ? 0 : *status == 127 ? 1 : -1;
  if (r < 0)
    show_log(log);
  if (log)
    fclose(log);
  return r;
}

/* Whether some row has a point that log axes can show.  */
static int drawable(const cli_table *t, const cli_plot *p)
{
  for (size_t i = 0; i < t->nrow; i++)
    if (positive(t, i, p->x)
        && (positive(t, i, p->y) || positive(t, i, p->y_mc)))
      return 1;
  return 0;
}

static int write_plot(const cli_table *t, const cli_output *o,
                      const cli_plot *p)
{
  if (!p) {
    cli_error(o->command, "--plot: this output has no curve to plot");
    return CLI_EUSAGE;
  }
  if (!drawable(t, p)) {
    fprintf(stderr, "deq %s: warning: --plot: no finite positive %s to draw on "
            "log axes; %s not written\n", o->command, t->names[p->y], o->plot);
    return CLI_OK;
  }
  int status = 0;
  int r = 1;
  if (program_exists(gnuplot_program())) {
    /* Catch an unwritable output file before gnuplot does (it would only
       warn and write the image on its stdout).  */
    FILE *f = fopen(o->plot, "w");
    if (!f) {
      cli_error(o->command, "--plot: %s: %s", o->plot, strerror(errno));
      return CLI_EUSAGE;
    }
    fclose(f);
    r = run_gnuplot(t, o->plot, p, &status);
    if (r != 0)
      remove(o->plot);
  }
  if (r == 1) {
    fprintf(stderr, "deq %s: warning: --plot: gnuplot (%s) not found; %s not "
            "written\n", o->command, gnuplot_program(), o->plot);
    return CLI_OK;
  }
  if (r < 0) {
    cli_error(o->command, "--plot: gnuplot failed (status %d); %s not written",
              status, o->plot);
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

int cli_table_write(const cli_table *t, const cli_output *o, const cli_plot *p)
{
  /* Under mpirun only rank 0 writes (its stdout, and the --plot file).  */
  if (cli_mpi_rank() != 0)
    return CLI_OK;
  if (o->plot) {
    int st = write_plot(t, o, p);
    if (st != CLI_OK)
      return st;
  }
  if (o->format == CLI_FORMAT_JSON)
    write_json(t, o->command, stdout);
  else
    write_tsv(t, stdout);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error(o->command, "writing the output: %s", strerror(errno));
    return CLI_EUSAGE;
  }
  return CLI_OK;
}
