/* tools/cli_model.c -- the one command-line engine for every model type
 * (deq/model.h): `deq MODEL` and `deq mc MODEL` take their options,
 * --help, checks, grids, statuses, tables, plots and Monte Carlo columns
 * from the model's descriptor.  A model command is its type object plus,
 * at most, one extra mode (cli_model_cmd).  */
#include <config.h>

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_PARAM = 2000, OPT_EXTRA = 1999, OPT_CERTIFY = 1998, OPT_EXACT = 1997 };

/* Does the model take a spectrum (and so have an --exact option)?  */
static int takes_spectra(const deq_model_type *t)
{
  for (size_t i = 0; i < t->nparam; i++)
    if (t->params[i].kind == DEQ_PARAM_SPECTRUM
        || t->params[i].kind == DEQ_PARAM_SPECTRA)
      return 1;
  return 0;
}

/* --certify: the precision of the MPFR twin.  */
#define CERTIFY_BITS 256

static const char spectrum_kinds[] =
  "iso:n=N[,scale=S] | loguniform:n=N,lo=A,hi=B | powerlaw:alpha=A,n=N|inf"
  "[,scale=S,head=H,exact_max=M] | file:PATH (lines 'eigenvalue "
  "[target_power [multiplicity]]')";
static const char target_kinds[] =
  "source:r=R[,amp=A] (power law) | iso[:norm=W2] | file:PATH (one target "
  "power per atom) | none; required unless the spectrum is a file";
static const char corr_kinds[] =
  "ar1:rho=R (K_ij = R^|i-j|, -1 < R < 1) | blocks:m=M,c=C (M must divide "
  "P) | equi:c=C | iid (K = I) | acf:file=PATH (autocorrelations, one per "
  "line from lag 0; normalised by lag 0) | file:PATH (a P x P matrix, one "
  "row per line; rescaled to tr K = P)";

/* ------------------------------------------------------------ help text */

typedef struct text {
  char *s;
  size_t len, cap;
  int failed;
} text;

static void put(text *t, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static void put(text *t, const char *fmt, ...)
{
  va_list ap;
  for (;;) {
    size_t room = t->cap - t->len;
    va_start(ap, fmt);
    int n = t->s ? vsnprintf(t->s + t->len, room, fmt, ap) : -1;
    va_end(ap);
    if (n >= 0 && (size_t)n < room) {
      t->len += (size_t)n;
      return;
    }
    size_t cap = t->cap ? 2 * t->cap : 4096;
    if (n >= 0 && cap < t->len + (size_t)n + 1) cap = t->len + (size_t)n + 1;
    char *s = realloc(t->s, cap);
    if (!s) {
      t->failed = 1;
      return;
    }
    t->s = s;
    t->cap = cap;
  }
}

/* "  NAME                 words..." wrapped at 78 columns, continuation
   lines indented to column 23.  */
static void put_item(text *t, const char *name, const char *help)
{
  const int indent = 23, width = 78;
  int col = (int)strlen(name) + 2;
  put(t, "  %s", name);
  if (col >= indent - 1) {
    put(t, "\n");
    col = 0;
  }
  const char *p = help;
  int first = 1;
  while (*p) {
    size_t w = strcspn(p, " ");
    if (!first && col + 1 + (int)w > width) {
      put(t, "\n");
      col = 0;
      first = 1;
    }
    if (first) {
      put(t, "%*s", indent - col, "");
      col = indent;
    } else {
      put(t, " ");
      col++;
    }
    put(t, "%.*s", (int)w, p);
    col += (int)w;
    first = 0;
    p += w;
    while (*p == ' ') p++;
  }
  put(t, "\n");
}

static const char *param_meta(const deq_param *p)
{
  return p->meta ? p->meta : "X";
}

static char *make_help(const cli_model_cmd *c, int mc)
{
  const deq_model_type *t = c->type;
  text h = { 0 };
  put(&h, "Usage: deq %s%s", mc ? "mc " : "", t->name);
  for (size_t i = 0; i < t->nparam; i++) {
    const deq_param *p = &t->params[i];
    if (p->flags & DEQ_PARAM_REQUIRED) {
      put(&h, " --%s %s", p->name, param_meta(p));
      if (p->kind == DEQ_PARAM_SPECTRUM && strcmp(p->name, "spectrum") == 0)
        put(&h, " [--target TARGET]");
    }
  }
  put(&h, " [OPTIONS]\n");
  if (mc)
    put(&h, "Monte Carlo of %s", t->summary);
  else   /* the summary is a phrase: capitalise it as a sentence */
    put(&h, "%c%s", toupper((unsigned char)t->summary[0]), t->summary + 1);
  put(&h, "%s%s%s.\n\n", t->reference ? " (" : "",
      t->reference ? t->reference : "", t->reference ? ")" : "");
  char name[64];
  for (size_t i = 0; i < t->nparam; i++) {
    const deq_param *p = &t->params[i];
    if ((p->flags & DEQ_PARAM_MC_ONLY) && !mc) continue;
    if (p->kind == DEQ_PARAM_FLAG)
      snprintf(name, sizeof name, "--%s", p->name);
    else
      snprintf(name, sizeof name, "--%s %s", p->name, param_meta(p));
    text item = { 0 };
    put(&item, "%s", p->help);
    if (p->kind == DEQ_PARAM_SPECTRUM) put(&item, ": %s", spectrum_kinds);
    if (p->kind == DEQ_PARAM_CORR) put(&item, ": %s", corr_kinds);
    if (mc && p->kind == DEQ_PARAM_COUNT && (p->flags & DEQ_PARAM_GRID))
      put(&item, " (integers: a range is rounded)");
    if (p->kind == DEQ_PARAM_CHOICE) put(&item, " (default %s)",
                                         p->choices[(size_t)p->def]);
    else if ((p->kind == DEQ_PARAM_REAL || p->kind == DEQ_PARAM_COUNT)
             && !(p->flags & DEQ_PARAM_REQUIRED) && isfinite(p->def))
      put(&item, " (default %g)", p->def);
    put_item(&h, name, item.failed ? "" : item.s);
    free(item.s);
    if (p->kind == DEQ_PARAM_SPECTRUM && strcmp(p->name, "spectrum") == 0)
      put_item(&h, "--target TARGET", target_kinds);
  }
  if (c->extra_name && !mc) {
    snprintf(name, sizeof name, "--%s", c->extra_name);
    put_item(&h, name, c->extra_help);
  }
  if (takes_spectra(t) && !mc)
    put_item(&h, "--exact", "sum over every atom of the spectra instead of "
             "their compressed Gauss rules (sums within 8.1e-16 relative; "
             "printed columns measured within 2e-14, tested to 1e-13; see "
             "the manual, Compressed spectra, and for sgd, SGD "
             "compressed)");
  if (t->mp && !mc)
    put_item(&h, "--certify", "also solve every point with the MPFR twin "
             "(256 bits) and print on stderr the largest relative difference "
             "over every column");
  put_item(&h, "--threads K", "threads (default 0: one per core); results "
           "do not depend on K");
  if (mc) {
    put_item(&h, "--trials T", "trials per point (>= 2, default 100)");
    put_item(&h, "--seed S", "random seed (default 1); outer point i uses "
             "seed + i 2^32");
    put_item(&h, "--checkpoint FILE", "save the running sums to FILE every "
             "few seconds (atomically) and at the end");
    put_item(&h, "--resume FILE", "continue the run saved in FILE (same "
             "options; the output is bitwise that of an uninterrupted run); "
             "keeps checkpointing into FILE unless --checkpoint says otherwise");
    put_item(&h, "--checkpoint-every S", "seconds between checkpoints "
             "(default 5; 0: after every chunk of trials)");
    put_item(&h, "--progress", "show progress on stderr even when it is not "
             "a terminal (default: on a terminal, after 2 s)");
    put_item(&h, "--quiet", "never show progress");
    put_item(&h, "--blas-threads K", "BLAS/LAPACK threads inside each trial "
             "(default 1), for a few big trials; then the trial threads "
             "default to cores/K, and the last bits may differ from K = 1 "
             "(reproducible for the same K)");
  }
  put_item(&h, "--format tsv|json", "output format (default tsv); JSON writes "
           "\"inf\", \"-inf\" and \"nan\" as strings and each row's status");
  snprintf(name, sizeof name, "draw %s against the first axis with gnuplot",
           t->plot_y);
  put_item(&h, "--plot FILE.svg|png", name);
  put_item(&h, "-h, --help", "print this help");
  put(&h, "\nA GRID is a value, a list v1,v2,... or start:stop:count[:log].\n");
  if (mc)
    put(&h, "\nUnder mpirun (configure --with-mpi) the trials are shared "
        "among the ranks; the output is bitwise the same for any number of "
        "ranks and threads, and only rank 0 writes.\n");
  put(&h, "\nColumns:\n");
  if (!mc) {
    for (size_t j = 0; j < t->ncolumn; j++)
      put_item(&h, t->columns[j].name, t->columns[j].help);
  } else {
    for (size_t j = 0; j < t->nmc_column; j++) {
      int k = deq_model_column(t, t->mc_columns[j]);
      put_item(&h, t->mc_columns[j], k >= 0 ? t->columns[k].help : "");
    }
    for (size_t q = 0; q < t->nmc; q++) {
      char what[160];
      snprintf(name, sizeof name, "%s_mc %s_se %s_z", t->mc_quantities[q].name,
               t->mc_quantities[q].name, t->mc_quantities[q].name);
      snprintf(what, sizeof what, "Monte Carlo mean, its standard error, and "
               "the z-score against %s", t->mc_quantities[q].theory);
      put_item(&h, name, what);
    }
  }
  if (h.failed) {
    free(h.s);
    return NULL;
  }
  return h.s;
}

/* ------------------------------------------------------------ a run */

typedef struct run {
  const cli_model_cmd *c;
  const deq_model_type *t;
  const char *cmd;             /* "ridge" or "mc ridge" */
  int mc, extra, certify;
  const char **texts;          /* per parameter: its option text(s) */
  size_t *ntexts;
  unsigned char *given;
  double *x;
  const void **obj;
  cli_grid *grid;              /* per parameter (grid parameters) */
  cli_spec *spec;              /* per parameter (spectra) */
  deq_spectrum **sp;           /* per parameter (spectra) */
  cli_corr *corr;              /* per parameter (correlations) */
  deq_model_list *list;        /* per parameter (lists) */
  deq_model_spectra *spectra;  /* per parameter (lists of spectra) */
  cli_views *views;            /* per parameter (member files) */
  deq_table **table;           /* per parameter (tables) */
  const char *target;
  cli_output out;
  uint64_t trials, seed;
  int threads;
  cli_mc_run mcr;              /* deq mc: checkpoint, progress, ... */
  const struct option *opts;   /* getopt's table (option names) */
  deq_model_axis axes[16];
  size_t axis_param[16], naxes;
} run;

/* Texts of repeatable options are kept in argv order.  */
#define MAX_TEXTS 64

static void run_free(run *r)
{
  const deq_model_type *t = r->t;
  for (size_t i = 0; r->grid && i < t->nparam; i++) {
    cli_grid_free(&r->grid[i]);
    deq_spectrum_free(r->sp[i]);
    cli_corr_free(&r->corr[i]);
    if (r->spectra[i].sp)
      for (size_t k = 0; k < r->spectra[i].n; k++)
        deq_spectrum_free((deq_spectrum *)r->spectra[i].sp[k]);
    free((void *)r->spectra[i].sp);
    if (r->views) cli_views_free(&r->views[i]);
    if (r->table) deq_table_free(r->table[i]);
  }
  cli_mc_run_free(&r->mcr);
  free(r->texts);
  free(r->ntexts);
  free(r->given);
  free(r->x);
  free(r->obj);
  free(r->grid);
  free(r->spec);
  free(r->sp);
  free(r->corr);
  free(r->list);
  free(r->spectra);
  free(r->views);
  free(r->table);
}

static int run_alloc(run *r, const cli_model_cmd *c, int mc)
{
  size_t n = c->type->nparam;
  memset(r, 0, sizeof *r);
  r->c = c;
  r->t = c->type;
  r->mc = mc;
  r->cmd = mc ? c->mc_cmd : c->type->name;
  r->out.command = r->cmd;
  r->out.format = CLI_FORMAT_TSV;
  r->trials = 100;
  r->seed = 1;
  cli_mc_run_init(&r->mcr);
  r->texts = calloc(n * MAX_TEXTS, sizeof *r->texts);
  r->ntexts = calloc(n, sizeof *r->ntexts);
  r->given = calloc(n, 1);
  r->x = calloc(n, sizeof *r->x);
  r->obj = calloc(n, sizeof *r->obj);
  r->grid = calloc(n, sizeof *r->grid);
  r->spec = calloc(n, sizeof *r->spec);
  r->sp = calloc(n, sizeof *r->sp);
  r->corr = calloc(n, sizeof *r->corr);
  r->list = calloc(n, sizeof *r->list);
  r->spectra = calloc(n, sizeof *r->spectra);
  r->views = calloc(n, sizeof *r->views);
  r->table = calloc(n, sizeof *r->table);
  if (!r->texts || !r->ntexts || !r->given || !r->x || !r->obj || !r->grid
      || !r->spec || !r->sp || !r->corr || !r->list || !r->spectra
      || !r->views || !r->table) {
    cli_error(r->cmd, "out of memory");
    return CLI_ENUM;
  }
  for (size_t i = 0; i < n; i++) r->x[i] = c->type->params[i].def;
  return CLI_OK;
}

/* The long name of option `code` in r's getopt table.  */
static const char *option_name(const run *r, int code)
{
  for (const struct option *o = r->opts; o && o->name; o++)
    if (o->val == code) return o->name;
  return NULL;
}

static int on_option(void *ctx, int code, const char *arg)
{
  run *r = ctx;
  int repeatable = code >= OPT_PARAM && code < OPT_PARAM + (int)r->t->nparam
                   && r->t->params[code - OPT_PARAM].kind == DEQ_PARAM_SPECTRA;
  if (r->mc && cli_mc_run_record(&r->mcr, option_name(r, code), arg,
                                 repeatable) != CLI_OK) {
    cli_error(r->cmd, "out of memory");
    return CLI_ENUM;
  }
  if (code >= OPT_PARAM && code < OPT_PARAM + (int)r->t->nparam) {
    size_t i = (size_t)(code - OPT_PARAM);
    const deq_param *p = &r->t->params[i];
    r->given[i] = 1;
    if (p->kind == DEQ_PARAM_SPECTRA) {
      if (r->ntexts[i] == MAX_TEXTS) {
        cli_error(r->cmd, "--%s: at most %d", p->name, MAX_TEXTS);
        return CLI_EUSAGE;
      }
      r->texts[i * MAX_TEXTS + r->ntexts[i]++] = arg;
    } else {
      r->texts[i * MAX_TEXTS] = arg;   /* the last one wins */
      r->ntexts[i] = 1;
    }
    return CLI_OK;
  }
  switch (code) {
  case OPT_TARGET: r->target = arg; return CLI_OK;
  case OPT_FORMAT: return cli_format_parse(&r->out.format, r->cmd, arg);
  case OPT_PLOT: return cli_plot_parse(&r->out.plot, r->cmd, arg);
  case OPT_EXTRA: r->extra = 1; return CLI_OK;
  case OPT_CERTIFY: r->certify = 1; return CLI_OK;
  case OPT_EXACT: deq_spectrum_exact_sums_default(1); return CLI_OK;
  case OPT_TRIALS:
  case OPT_SEED:
  case OPT_THREADS:
    return cli_mc_option(&r->trials, &r->seed, &r->threads, r->cmd, code, arg);
  case OPT_CHECKPOINT: case OPT_RESUME: case OPT_CHECKPOINT_EVERY:
  case OPT_PROGRESS: case OPT_QUIET: case OPT_BLAS_THREADS:
    return cli_mc_run_option(&r->mcr, r->cmd, code, arg);
  }
  cli_error(r->cmd, "internal error: option %d", code);
  return CLI_EUSAGE;
}

/* Parse one numeric parameter (a grid or one value) and check its range. */
static int parse_numeric(run *r, size_t i, const char *text)
{
  const deq_param *p = &r->t->params[i];
  char opt[64];
  snprintf(opt, sizeof opt, "--%s", p->name);
  int integer = (p->flags & DEQ_PARAM_INTEGER)
                || (p->kind == DEQ_PARAM_COUNT && r->mc);
  int cons = ((p->flags & DEQ_PARAM_INF) ? CLI_INF : 0)
             | (integer ? CLI_ROUND : 0);
  cli_grid g = { 0, NULL };
  int st;
  if (p->flags & DEQ_PARAM_GRID) {
    st = cli_grid_parse(&g, r->cmd, opt, text, cons);
  } else {
    double v;
    st = cli_scalar_parse(&v, r->cmd, opt, text, 0);
    if (st == CLI_OK && (g.v = malloc(sizeof *g.v)) != NULL) {
      g.v[0] = v;
      g.n = 1;
    } else if (st == CLI_OK) {
      st = CLI_ENUM;
    }
  }
  for (size_t k = 0; st == CLI_OK && k < g.n; k++) {
    /* the library's rule and message ("NAME: value X must be ..."),
       with the option and its text in place of the name */
    deq_error err;
    deq_error_clear(&err);
    if (deq_model_check_value(r->t, i, g.v[k], r->mc, &err)
        != DEQ_OK) {
      const char *why = err.message;
      size_t len = strlen(p->name);
      if (strncmp(why, p->name, len) == 0 && why[len] == ':') why += len + 2;
      cli_error(r->cmd, "%s '%s': %s", opt, text, why);
      st = CLI_EUSAGE;
    }
  }
  if (st == CLI_OK) {
    r->grid[i] = g;
    r->x[i] = g.v[0];
  } else {
    cli_grid_free(&g);
  }
  return st;
}

static int parse_choice(run *r, size_t i, const char *text)
{
  const deq_param *p = &r->t->params[i];
  for (size_t k = 0; p->choices[k]; k++)
    if (strcmp(text, p->choices[k]) == 0
        /* "k" for "K": choice words are case-insensitive when unique */
        || (strlen(text) == 1 && strlen(p->choices[k]) == 1
            && (text[0] ^ 32) == p->choices[k][0])) {
      r->x[i] = (double)k;
      return CLI_OK;
    }
  cli_error(r->cmd, "--%s '%s': want %s", p->name, text, param_meta(p));
  return CLI_EUSAGE;
}

/* A spectrum with its target (--target for the parameter "spectrum").  */
static int parse_spectrum(run *r, size_t i, const char *text)
{
  int main_spec = strcmp(r->t->params[i].name, "spectrum") == 0;
  int need_target = main_spec && !(r->extra && r->c->extra_needs_no_grid);
  int st = cli_spec_parse(&r->spec[i], r->cmd, text,
                          main_spec ? r->target : "none", need_target);
  if (st != CLI_OK || (r->extra && r->c->extra_needs_no_grid)) return st;
  st = cli_spec_build_order(&r->sp[i], r->cmd, &r->spec[i],
                            (r->t->params[i].flags & DEQ_PARAM_ORDERED) != 0);
  r->obj[i] = r->sp[i];
  if (st == CLI_OK && r->mc && main_spec)
    st = cli_mc_check_sampleable(r->sp[i], r->cmd, text);
  return st;
}

/* A list of spectra, one per text ("identity": NULL).  */
static int parse_spectra(run *r, size_t i)
{
  const deq_param *p = &r->t->params[i];
  size_t n = r->ntexts[i];
  const deq_spectrum **sp = calloc(n ? n : 1, sizeof *sp);
  if (!sp) return CLI_ENUM;
  r->spectra[i] = (deq_model_spectra){ sp, n };
  r->obj[i] = &r->spectra[i];
  char who[80];
  /* messages read "deq rf --layer-spectrum: --spectrum ...": one line */
  snprintf(who, sizeof who, "%s --%s", r->cmd, p->name);
  for (size_t k = 0; k < n; k++) {
    const char *text = r->texts[i * MAX_TEXTS + k];
    if (strcmp(text, "identity") == 0) continue;
    cli_spec s;
    deq_spectrum *built = NULL;
    int st = cli_spec_parse(&s, who, text, "none", 0);
    if (st == CLI_OK) st = cli_spec_build(&built, who, &s);
    sp[k] = built;
    if (st != CLI_OK) return st;
  }
  return CLI_OK;
}

/* A DEQ_PARAM_REALS list from a file: one number per line, '#' comments
   (deq_read_column); messages name the file and line.  */
static int parse_list_file(cli_grid *g, const char *cmd, const char *opt,
                           const char *path)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    cli_error(cmd, "%s: cannot open '%s'", opt, path);
    return CLI_EUSAGE;
  }
  deq_error err;
  deq_error_clear(&err);
  double *v = NULL;
  size_t n = 0;
  deq_status st = deq_read_column(&v, &n, f, &err);
  fclose(f);
  if (st == DEQ_OK && n == 0) st = DEQ_EPARSE;
  for (size_t k = 0; st == DEQ_OK && k < n; k++)
    if (!isfinite(v[k])) st = DEQ_EDOM;
  if (st != DEQ_OK) {
    free(v);
    if (err.line > 0)
      cli_error(cmd, "%s: %s line %ld: %s", opt, path, (long)err.line,
                err.message[0] ? err.message : deq_strerror(st));
    else
      cli_error(cmd, "%s: %s: %s", opt, path,
                n == 0 && st == DEQ_EPARSE ? "no numbers" : deq_strerror(st));
    return CLI_EUSAGE;
  }
  cli_grid_free(g);
  g->v = v;
  g->n = n;
  return CLI_OK;
}

static int parse_param(run *r, size_t i)
{
  const deq_param *p = &r->t->params[i];
  const char *text = r->texts[i * MAX_TEXTS];
  if (!r->given[i]) {
    if (!(p->flags & DEQ_PARAM_REQUIRED)) return CLI_OK;
    if (r->extra && r->c->extra_needs_no_grid && (p->flags & DEQ_PARAM_GRID))
      return CLI_OK;
    cli_error(r->cmd, "--%s is required", p->name);
    return CLI_EUSAGE;
  }
  switch (p->kind) {
  case DEQ_PARAM_REAL:
  case DEQ_PARAM_COUNT: return parse_numeric(r, i, text);
  case DEQ_PARAM_CHOICE: return parse_choice(r, i, text);
  case DEQ_PARAM_FLAG: r->x[i] = 1; return CLI_OK;
  case DEQ_PARAM_SPECTRUM: return parse_spectrum(r, i, text);
  case DEQ_PARAM_SPECTRA: return parse_spectra(r, i);
  case DEQ_PARAM_CORR: {
    int st = cli_corr_parse(&r->corr[i], r->cmd, text, 0);
    r->obj[i] = &r->corr[i].model;
    return st;
  }
  case DEQ_PARAM_TEXT: r->obj[i] = text; return CLI_OK;
  case DEQ_PARAM_VIEWS: {
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", p->name);
    int st = cli_views_read(&r->views[i], r->cmd, opt, text);
    r->obj[i] = &r->views[i].views;
    return st;
  }
  case DEQ_PARAM_TABLE: {
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", p->name);
    const char *path = strncmp(text, "file:", 5) == 0 ? text + 5 : text;
    deq_error err;
    deq_error_clear(&err);
    deq_status ds = deq_table_read_file(&r->table[i], path, &err);
    r->obj[i] = r->table[i];
    if (ds == DEQ_OK) return CLI_OK;
    if (ds == DEQ_EIO && err.message[0]) {   /* "PATH: reason" already */
      cli_error(r->cmd, "%s: %s", opt, err.message);
      return CLI_EUSAGE;
    }
    return cli_file_error(r->cmd, opt, path, err.line, err.column, ds, &err);
  }
  case DEQ_PARAM_LIST: {
    char opt[64];
    snprintf(opt, sizeof opt, "--%s", p->name);
    int reals = (p->flags & DEQ_PARAM_REALS) != 0;
    int st = reals && strncmp(text, "file:", 5) == 0
             ? parse_list_file(&r->grid[i], r->cmd, opt, text + 5)
             : cli_grid_parse(&r->grid[i], r->cmd, opt, text, reals ? 0
                              : CLI_POSITIVE | (r->mc ? CLI_INTEGER : 0));
    r->list[i] = (deq_model_list){ r->grid[i].v, r->grid[i].n };
    r->obj[i] = &r->list[i];
    return st;
  }
  }
  return CLI_EUSAGE;
}

/* The grid axes: each grid parameter's values, or its default.  */
static int make_axes(run *r)
{
  const deq_model_type *t = r->t;
  r->naxes = 0;
  for (size_t i = 0; i < t->nparam; i++) {
    if (!(t->params[i].flags & DEQ_PARAM_GRID)) continue;
    size_t gen = r->grid[i].n == 0 && t->axis
                 ? t->axis(NULL, 0, i, r->x, r->obj, r->given) : 0;
    if (gen > 0) {   /* an axis the other parameters imply */
      cli_grid *g = &r->grid[i];
      if (!(g->v = malloc(gen * sizeof *g->v))) return CLI_ENUM;
      g->n = t->axis(g->v, gen, i, r->x, r->obj, r->given);
    } else if (r->grid[i].n == 0) {
      cli_grid *g = &r->grid[i];
      if (!(g->v = malloc(sizeof *g->v))) return CLI_ENUM;
      g->v[0] = t->params[i].def;
      g->n = 1;
    }
    r->axis_param[r->naxes] = i;
    r->axes[r->naxes++] = (deq_model_axis){ r->grid[i].v, r->grid[i].n };
  }
  if (deq_model_npoints(t, r->axes) == 0
      || deq_model_npoints(t, r->axes) > SIZE_MAX / t->point_size / 4) {
    cli_error(r->cmd, "the grid is too large");
    return CLI_EUSAGE;
  }
  return CLI_OK;
}

static int parse_args(run *r, int argc, char **argv)
{
  const deq_model_type *t = r->t;
  size_t n = t->nparam;
  struct option *opts = calloc(n + 13 + CLI_MC_RUN_NOPTIONS, sizeof *opts);
  char **pos = malloc((size_t)argc * sizeof *pos);
  char *help = make_help(r->c, r->mc);
  int st = opts && pos && help ? CLI_OK : CLI_ENUM;
  if (st != CLI_OK) cli_error(r->cmd, "out of memory");
  size_t k = 0;
  for (size_t i = 0; st == CLI_OK && i < n; i++) {
    const deq_param *p = &t->params[i];
    if ((p->flags & DEQ_PARAM_MC_ONLY) && !r->mc) continue;
    opts[k++] = (struct option){ p->name, p->kind == DEQ_PARAM_FLAG
                                 ? no_argument : required_argument, NULL,
                                 OPT_PARAM + (int)i };
    if (p->kind == DEQ_PARAM_SPECTRUM && strcmp(p->name, "spectrum") == 0)
      opts[k++] = (struct option){ "target", required_argument, NULL,
                                   OPT_TARGET };
  }
  if (r->c->extra_name && !r->mc)
    opts[k++] = (struct option){ r->c->extra_name, no_argument, NULL,
                                 OPT_EXTRA };
  if (takes_spectra(t) && !r->mc)
    opts[k++] = (struct option){ "exact", no_argument, NULL, OPT_EXACT };
  if (t->mp && !r->mc)
    opts[k++] = (struct option){ "certify", no_argument, NULL, OPT_CERTIFY };
  if (r->mc) {
    opts[k++] = (struct option){ "trials", required_argument, NULL, OPT_TRIALS };
    opts[k++] = (struct option){ "seed", required_argument, NULL, OPT_SEED };
    static const struct option run_opts[] = { CLI_MC_RUN_OPTIONS };
    for (size_t j = 0; j < CLI_MC_RUN_NOPTIONS; j++) opts[k++] = run_opts[j];
  }
  opts[k++] = (struct option){ "threads", required_argument, NULL,
                               OPT_THREADS };
  opts[k++] = (struct option){ "format", required_argument, NULL, OPT_FORMAT };
  opts[k++] = (struct option){ "plot", required_argument, NULL, OPT_PLOT };
  opts[k++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
  int npos = 0;
  r->opts = opts;
  if (st == CLI_OK)
    st = cli_getopt(argc, argv, r->cmd, opts, help, on_option, r, &npos, pos);
  if (st == CLI_OK && npos > 0) {
    cli_error(r->cmd, "unexpected argument '%s'", pos[0]);
    st = CLI_EUSAGE;
  }
  /* Spectra last: their messages come after the simpler options'.  */
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; st == CLI_OK && i < n; i++) {
      int is_spec = t->params[i].kind == DEQ_PARAM_SPECTRUM
                    || t->params[i].kind == DEQ_PARAM_SPECTRA;
      if (is_spec == pass) st = parse_param(r, i);
    }
  if (st == CLI_OK && r->extra && r->out.plot) {
    cli_error(r->cmd, "--plot: --%s has no curve to plot", r->c->extra_name);
    st = CLI_EUSAGE;
  }
  if (st == CLI_OK && t->validate) {
    deq_error err;
    deq_error_clear(&err);
    deq_status ds = t->validate(r->x, r->obj, r->given, &err);
    if (ds != DEQ_OK) {
      cli_error(r->cmd, "%s", err.message[0] ? err.message : deq_strerror(ds));
      st = CLI_EUSAGE;
    }
  }
  if (st == CLI_OK && !(r->extra && r->c->extra_needs_no_grid))
    st = make_axes(r);
  r->opts = NULL;
  free(opts);
  free(pos);
  free(help);
  return st;
}

/* ------------------------------------------------------------ statuses */

/* "P=100, lambda=0" for point k (its axis values).  */
static const char *point_name(char *buf, size_t len, const run *r, size_t k)
{
  size_t idx[16];
  for (size_t a = r->naxes; a-- > 0;) {
    idx[a] = k % r->axes[a].n;
    k /= r->axes[a].n;
  }
  buf[0] = '\0';
  for (size_t a = 0; a < r->naxes; a++) {
    if (isnan(r->axes[a].v[idx[a]])) continue;   /* an unused axis */
    char num[32];
    size_t used = strlen(buf);
    snprintf(buf + used, len - used, "%s%s=%s", used ? ", " : "",
             r->t->params[r->axis_param[a]].name,
             cli_num(num, r->axes[a].v[idx[a]]));
  }
  return buf;
}

/* Report divergences (stderr, exit 0) or the first failure.  */
static int check_points(const run *r, deq_status ret, const void *pts,
                        size_t npts, const deq_error *err)
{
  const deq_model_type *t = r->t;
  int ycol = deq_model_column(t, t->plot_y);
  double *row = malloc(t->ncolumn * sizeof *row);
  if (!row) return CLI_ENUM;
  char where[256];
  int st = CLI_OK;
  for (size_t k = 0; k < npts && st == CLI_OK; k++) {
    deq_status ps = deq_model_point_status(t, pts, k);
    if (ps == DEQ_EDIVERGE) {
      t->row(row, (const char *)pts + k * t->point_size);
      char val[32];
      if (isinf(row[ycol]))
        snprintf(val, sizeof val, "is infinite");
      else
        snprintf(val, sizeof val, "= %s (noiseless limit)", cli_num(where, row[ycol]));
      fprintf(stderr, "deq %s: %s: %s; %s %s\n", r->cmd,
              point_name(where, sizeof where, r, k),
              t->divergence ? t->divergence : "interpolation peak",
              t->plot_y, val);
    } else if (ps != DEQ_OK && ret != DEQ_OK && ret != DEQ_EDIVERGE) {
      if (err->message[0])
        cli_error(r->cmd, "%s: %s", point_name(where, sizeof where, r, k),
                  err->message);
      else
        cli_error(r->cmd, "%s: %s", point_name(where, sizeof where, r, k),
                  deq_strerror(ps));
      st = cli_status_exit(ps) == CLI_EUSAGE && err->message[0]
           ? CLI_EUSAGE : CLI_ENUM;
    }
  }
  if (st == CLI_OK && ret != DEQ_OK && ret != DEQ_EDIVERGE) {
    cli_error(r->cmd, "%s", err->message[0] ? err->message : deq_strerror(ret));
    st = cli_status_exit(ret);
  }
  free(row);
  return st;
}

/* ------------------------------------------------------------ output */

/* The column that holds a parameter's value.  */
static const char *param_column(const deq_param *p)
{
  return p->column ? p->column : p->name;
}

/* The plot: y against the first continuation axis, one curve per value
   of the outermost other axis that has several values.  */
static cli_plot make_plot(const run *r, const cli_table *tab, int mc)
{
  const deq_model_type *t = r->t;
  /* x: the axis just outside the innermost (shared) one: P; when it has
     a single value, the innermost axis that has several (the members
     of deq ensemble --no-free-lunch).  */
  size_t xa = r->naxes >= 2 ? r->naxes - 2 : 0;
  /* a single value there: the innermost axis that has several */
  for (size_t a = r->naxes; r->naxes && r->axes[xa].n < 2 && a-- > 0;)
    if (r->axes[a].n > 1) xa = a;
  for (size_t a = 0; t->plot_x && a < r->naxes; a++)
    if (strcmp(t->params[r->axis_param[a]].name, t->plot_x) == 0) xa = a;
  int series = -1;
  for (size_t a = 0; a < r->naxes && series < 0; a++)
    if (a != xa && r->axes[a].n > 1)
      series = cli_table_column(tab, param_column(&t->params[r->axis_param[a]]));
  char y_mc[64], y_se[64];
  snprintf(y_mc, sizeof y_mc, "%s_mc", t->plot_y);
  snprintf(y_se, sizeof y_se, "%s_se", t->plot_y);
  cli_plot p = { cli_table_column(tab, param_column(&t->params[r->axis_param[xa]])),
                 cli_table_column(tab, t->plot_y),
                 mc ? cli_table_column(tab, y_mc) : -1,
                 mc ? cli_table_column(tab, y_se) : -1, series };
  return p;
}

static int write_theory(const run *r, const void *pts, size_t npts)
{
  const deq_model_type *t = r->t;
  const char **names = malloc((t->ncolumn + 1) * sizeof *names);
  double *row = malloc((t->ncolumn + 1) * sizeof *row);
  int st = names && row ? CLI_OK : CLI_ENUM;
  cli_table tab;
  for (size_t j = 0; names && j < t->ncolumn; j++) names[j] = t->columns[j].name;
  cli_table_init(&tab, t->ncolumn, names);
  for (size_t k = 0; st == CLI_OK && k < npts; k++) {
    t->row(row, (const char *)pts + k * t->point_size);
    st = cli_table_add(&tab, r->cmd, row);
    if (st == CLI_OK)
      cli_table_set_status(&tab, k, deq_model_point_status(t, pts, k));
  }
  cli_plot plot = make_plot(r, &tab, 0);
  if (st == CLI_OK) st = cli_table_write(&tab, &r->out, &plot);
  cli_table_free(&tab);
  free(names);
  free(row);
  return st;
}

static int write_mc(const run *r, const void *pts, size_t npts,
                    const deq_mc_estimate *est)
{
  const deq_model_type *t = r->t;
  size_t ncol = t->nmc_column + 3 * t->nmc;
  char **owned = calloc(3 * t->nmc, sizeof *owned);
  const char **names = malloc(ncol * sizeof *names);
  int *theory_col = malloc((ncol + t->nmc) * sizeof *theory_col);
  double *full = malloc(t->ncolumn * sizeof *full);
  double *row = malloc(ncol * sizeof *row);
  int st = owned && names && theory_col && full && row ? CLI_OK : CLI_ENUM;
  if (st != CLI_OK) cli_error(r->cmd, "out of memory");
  for (size_t j = 0; st == CLI_OK && j < t->nmc_column; j++) {
    names[j] = t->mc_columns[j];
    theory_col[j] = deq_model_column(t, t->mc_columns[j]);
  }
  static const char *const suffix[3] = { "mc", "se", "z" };
  for (size_t q = 0; st == CLI_OK && q < t->nmc; q++) {
    theory_col[t->nmc_column + q] = deq_model_column(t, t->mc_quantities[q].theory);
    for (size_t s = 0; s < 3; s++) {
      size_t len = strlen(t->mc_quantities[q].name) + 4;
      if (!(owned[3 * q + s] = malloc(len))) {
        st = CLI_ENUM;
        break;
      }
      snprintf(owned[3 * q + s], len, "%s_%s", t->mc_quantities[q].name,
               suffix[s]);
      names[t->nmc_column + 3 * q + s] = owned[3 * q + s];
    }
  }
  cli_table tab;
  cli_table_init(&tab, ncol, names);
  for (size_t k = 0; st == CLI_OK && k < npts; k++) {
    t->row(full, (const char *)pts + k * t->point_size);
    for (size_t j = 0; j < t->nmc_column; j++) row[j] = full[theory_col[j]];
    for (size_t q = 0; q < t->nmc; q++)
      cli_mc_estimate_cells(row + t->nmc_column + 3 * q, &est[k * t->nmc + q],
                            full[theory_col[t->nmc_column + q]]);
    st = cli_table_add(&tab, r->cmd, row);
    if (st == CLI_OK)
      cli_table_set_status(&tab, k, deq_model_point_status(t, pts, k));
  }
  cli_plot plot = make_plot(r, &tab, 1);
  if (st == CLI_OK) st = cli_table_write(&tab, &r->out, &plot);
  cli_table_free(&tab);
  for (size_t i = 0; owned && i < 3 * t->nmc; i++) free(owned[i]);
  free(owned);
  free(names);
  free(theory_col);
  free(full);
  free(row);
  return st;
}

/* ------------------------------------------------------------ --certify */

static int certify(const run *r, const void *pts)
{
  double maxrel;
  size_t n, k, j;
  deq_status ds = deq_model_certify(&maxrel, &n, &k, &j, r->t, r->x, r->obj,
                                    r->axes, pts, CERTIFY_BITS);
  if (ds != DEQ_OK) {
    cli_error(r->cmd, "--certify: %s", ds == DEQ_EUNSUP
              ? "the MPFR twin does not cover these options" : deq_strerror(ds));
    return cli_status_exit(ds);
  }
  char where[256];
  fprintf(stderr, "# deq %s: MPFR check (%d bits) of %zu of %zu points: "
          "largest relative difference %.3g (column %s at %s)\n", r->cmd,
          CERTIFY_BITS, n, deq_model_npoints(r->t, r->axes), maxrel,
          r->t->columns[j].name, point_name(where, sizeof where, r, k));
  return CLI_OK;
}

/* ------------------------------------------------------------ the command */

static int simulate(const run *r, const void *pts, size_t npts)
{
  const deq_model_type *t = r->t;
  deq_mc_estimate *est = calloc(npts * t->nmc, sizeof *est);
  if (!est) {
    cli_error(r->cmd, "out of memory");
    return CLI_ENUM;
  }
  /* --blas-threads K: K BLAS threads inside each trial, and by default
     as many trial threads as leave one core to each.  */
  int threads = r->threads;
  if (threads == 0 && r->mcr.blas_threads > 1) {
    threads = cli_mc_threads(0) / r->mcr.blas_threads;
    if (threads < 1) threads = 1;
  }
  cli_mc_session *ses = NULL;
  size_t shared = r->naxes ? r->axes[r->naxes - 1].n : 1;
  int st = cli_mc_session_start(&ses, &r->mcr, r->cmd,
                                shared ? npts / shared : npts, threads);
  if (st != CLI_OK) {
    cli_mc_session_end(ses, 0);
    free(est);
    return st;
  }
  cli_mc_banner(r->cmd, r->seed, r->trials, threads);
  size_t failed = 0;
  deq_error err;
  deq_error_clear(&err);
  deq_status ds = deq_model_mc(est, &failed, t, r->x, r->obj, r->axes, pts,
                               (size_t)r->trials, r->seed, threads, &err);
  if (ds != DEQ_OK && cli_mc_session_error(ses)) {
    cli_error(r->cmd, "%s", cli_mc_session_error(ses));
    st = ds == DEQ_ENOMEM ? CLI_ENUM : CLI_EUSAGE;
  } else if (ds != DEQ_OK) {
    char where[256];
    cli_error(r->cmd, "%s: Monte Carlo failed: %s%s%s%s",
              point_name(where, sizeof where, r, failed), deq_strerror(ds),
              err.message[0] ? " (" : "", err.message,
              err.message[0] ? ")" : "");
    st = cli_status_exit(ds);
  }
  int end = cli_mc_session_end(ses, st == CLI_OK);
  if (st == CLI_OK) st = end;
  /* Only rank 0 writes (under mpirun).  */
  if (st == CLI_OK && cli_mpi_rank() == 0) st = write_mc(r, pts, npts, est);
  free(est);
  return st;
}

int cli_model_main(const cli_model_cmd *c, int mc, int argc, char **argv)
{
  run r;
  int st = run_alloc(&r, c, mc);
  if (st == CLI_OK) st = parse_args(&r, argc, argv);
  if (st != CLI_OK) {
    run_free(&r);
    return st < 0 ? CLI_OK : st;
  }
  if (r.extra) {
    cli_model_extra e = { r.cmd, r.x, r.obj, r.given, r.spec, &r.out,
                          r.axes };
    st = c->extra_run(&e);
    run_free(&r);
    return st;
  }
  const deq_model_type *t = r.t;
  size_t npts = deq_model_npoints(t, r.axes);
  void *pts = calloc(npts, t->point_size);
  if (!pts) {
    cli_error(r.cmd, "out of memory for %zu points", npts);
    run_free(&r);
    return CLI_ENUM;
  }
  deq_error err;
  deq_error_clear(&err);
  deq_status ret = deq_model_grid_threads(pts, t, r.x, r.obj, r.axes,
                                          r.threads, &err);
  st = check_points(&r, ret, pts, npts, &err);
  if (st == CLI_OK && r.certify) st = certify(&r, pts);
  if (st == CLI_OK) st = mc ? simulate(&r, pts, npts) : write_theory(&r, pts, npts);
  free(pts);
  run_free(&r);
  return st;
}
