/* tools/cli.h -- shared pieces of the deq command-line tool.
 *
 * Every command is a function cmd_<name>(argc, argv) with argv[0] the
 * command name; it returns the process exit status:
 *   CLI_OK (0)     success,
 *   CLI_EUSAGE (1) usage or input error (bad option, file, number),
 *   CLI_ENUM (2)   numerical failure.
 * Helpers that can fail print one line "deq <command>: <message>" on
 * stderr themselves and return CLI_EUSAGE or CLI_ENUM, so that a command
 * only has to pass the status up.  Nothing is written to stdout until a
 * command's whole table has been computed.  */
#ifndef DEQ_CLI_H
#define DEQ_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <getopt.h>
#include "deq.h"

enum { CLI_OK = 0, CLI_EUSAGE = 1, CLI_ENUM = 2 };

/* ------------------------------------------------------------ commands */
int cmd_ridge(int argc, char **argv);
int cmd_spectrum(int argc, char **argv);
int cmd_mc(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_rf(int argc, char **argv);        /* tools/cmd_rf.c */
int cmd_corr(int argc, char **argv);      /* tools/cmd_corr.c */
int cmd_gcv(int argc, char **argv);       /* tools/cmd_gcv.c */
int cmd_mc_rf(int argc, char **argv);     /* tools/cmd_rf.c */
int cmd_mc_corr(int argc, char **argv);   /* tools/cmd_corr.c */
int cmd_mc_spectrum(int argc, char **argv); /* tools/cmd_mc_spectrum.c */

/* ------------------------------------------------------------ messages */
/* "deq <cmd>: <message>\n" on stderr.  */
void cli_error(const char *cmd, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* Exit status for a library status: input problems are 1, numerics 2.  */
int cli_status_exit(deq_status st);
/* Shortest "%.*g" text of x that reads back as x (for messages).  */
const char *cli_num(char buf[32], double x);

/* ------------------------------------------------------------ options */
/* Long option codes shared by the commands (beyond any char value).  */
enum {
  OPT_HELP = 'h',
  OPT_SPECTRUM = 256, OPT_TARGET, OPT_NOISE, OPT_P, OPT_LAMBDA,
  OPT_OPTIMAL, OPT_PREDICT, OPT_FORMAT, OPT_PLOT, OPT_SUMMARY,
  OPT_TRIALS, OPT_SEED, OPT_THREADS,
  OPT_X, OPT_Y, OPT_SE, OPT_FLOOR, OPT_XMIN, OPT_XMAX, OPT_LOCAL
};

/* Run getopt_long over argv with GNU conventions and deq's messages.
   Calls handle(ctx, code, optarg) for each option; handle returns
   CLI_OK or an exit status.  Positional arguments are collected in
   *npos/pos (pos has room for argc entries).  Returns CLI_OK or an exit
   status (after printing the message).  --help prints `help` on stdout
   and returns -1 so that the command exits 0.  */
typedef int (*cli_option_fn)(void *ctx, int code, const char *arg);
int cli_getopt(int argc, char **argv, const char *cmd,
               const struct option *opts, const char *help,
               cli_option_fn handle, void *ctx, int *npos, char **pos);

/* ------------------------------------------------------- numbers and grids */
/* A whole string as a finite double / as a double that may be +inf.  */
int cli_parse_number(double *out, const char *text);
int cli_parse_number_or_inf(double *out, const char *text);
/* An unsigned integer (decimal, or 0x hex), no sign.  */
int cli_parse_uint(uint64_t *out, const char *text);
/* An integer option (--trials, --seed, --threads, ...) in [min, max]; on
   error a message naming the option and CLI_EUSAGE.  */
int cli_count_parse(uint64_t *out, const char *cmd, const char *opt,
                    const char *arg, uint64_t min, uint64_t max);

typedef struct cli_grid {
  size_t n;
  double *v;
} cli_grid;

/* Value constraints for grids and scalar options.  */
enum {
  CLI_POSITIVE = 1,     /* > 0 */
  CLI_NONNEGATIVE = 2,  /* >= 0 */
  CLI_INTEGER = 4       /* integral value */
};

/* Parse a grid option: "v", "v1,v2,...", or "start:stop:count[:log|lin]".
   `opt` ("--P") names the option in messages.  out is replaced (the old
   values are freed).  */
int cli_grid_parse(cli_grid *out, const char *cmd, const char *opt,
                   const char *text, int constraints);
void cli_grid_free(cli_grid *g);
/* One number with constraints (e.g. --noise, --xmin).  */
int cli_scalar_parse(double *out, const char *cmd, const char *opt,
                     const char *text, int constraints);

/* ------------------------------------------------------------ spectra */
typedef enum cli_spectrum_kind {
  CLI_SPEC_ISO, CLI_SPEC_LOGUNIFORM, CLI_SPEC_POWERLAW, CLI_SPEC_FILE
} cli_spectrum_kind;

typedef enum cli_target_kind {
  CLI_TARGET_UNSET,   /* no --target given */
  CLI_TARGET_SOURCE,  /* source:r=..[,amp=..] (power law only) */
  CLI_TARGET_ISO,     /* iso:norm=.. */
  CLI_TARGET_FILE,    /* file:PATH */
  CLI_TARGET_NONE     /* none */
} cli_target_kind;

typedef struct cli_spec {
  cli_spectrum_kind kind;
  const char *text;         /* the --spectrum text, for messages */
  double n, scale, lo, hi;  /* iso, loguniform */
  deq_powerlaw powerlaw;    /* powerlaw (r, amp filled from the target) */
  const char *path;         /* file */
  cli_target_kind target;
  const char *target_text;
  double norm2;             /* iso target */
  const char *target_path;  /* file target */
} cli_spec;

/* Parse --spectrum and --target texts (target may be NULL).  With
   target_required, a missing --target is an error unless the spectrum is
   a file (which carries its own target column).  */
int cli_spec_parse(cli_spec *out, const char *cmd, const char *spectrum,
                   const char *target, int target_required);
/* Build the spectrum (with its target), then compress it.  */
int cli_spec_build(deq_spectrum **out, const char *cmd, const cli_spec *spec);

/* ------------------------------------------------------------ tables */
typedef enum cli_format { CLI_FORMAT_TSV, CLI_FORMAT_JSON } cli_format;

/* Output options shared by every command.  */
typedef struct cli_output {
  const char *command;   /* "ridge", "mc ridge", ... (JSON "command") */
  cli_format format;
  const char *plot;      /* --plot FILE or NULL */
} cli_output;

int cli_format_parse(cli_format *out, const char *cmd, const char *text);
/* Accepts FILE.svg or FILE.png only.  */
int cli_plot_parse(const char **out, const char *cmd, const char *text);

/* A cell is a number, or a constant string when s != NULL.  */
typedef struct cli_cell {
  double x;
  const char *s;
} cli_cell;

typedef struct cli_table {
  size_t ncol, nrow, cap;
  const char *const *names;
  double *x;              /* numbers, row-major */
  const char **s;         /* strings (NULL: the cell is x), or NULL if none */
} cli_table;

void cli_table_init(cli_table *t, size_t ncol, const char *const *names);
void cli_table_free(cli_table *t);
/* Append a row of numbers / of cells.  Return CLI_OK or CLI_ENUM (memory).  */
int cli_table_add(cli_table *t, const char *cmd, const double *row);
int cli_table_add_cells(cli_table *t, const char *cmd, const cli_cell *row);
/* Index of a column by name (-1 if absent).  */
int cli_table_column(const cli_table *t, const char *name);

/* What --plot draws: column y (and y_mc with error bars y_se, if >= 0)
   against column x on log-log axes, one curve per value of column
   `series` (if >= 0).  */
typedef struct cli_plot {
  int x, y, y_mc, y_se, series;
} cli_plot;

/* Draw the plot (if o->plot) and then print the table on stdout.  A
   missing gnuplot is a warning; a failing one an error (nothing printed).
   plot may be NULL when the command has nothing to draw.  */
int cli_table_write(const cli_table *t, const cli_output *o,
                    const cli_plot *plot);

/* ------------------------------------------------------------ ridge options */
/* The options of `deq ridge`, also used by `deq mc ridge`.  */
typedef struct cli_ridge_opts {
  const char *cmd;           /* "ridge" or "mc ridge" */
  int mc;                    /* accept --trials/--seed/--threads */
  const char *spectrum, *target;
  cli_spec spec;             /* parsed --spectrum/--target */
  double noise;
  cli_grid P, lambda;
  int lambda_given;
  int optimal, predict;
  cli_output out;
  uint64_t trials, seed;
  int threads;
} cli_ridge_opts;

/* Parse and validate.  mc_help is NULL for `deq ridge`; for `deq mc
   ridge` it is that command's --help text, and --trials, --seed and
   --threads are accepted.  On success the caller owns o
   (cli_ridge_opts_free).  Returns -1 after --help, else CLI_OK or an
   exit status.  */
int cli_ridge_opts_parse(cli_ridge_opts *o, int argc, char **argv,
                         const char *mc_help);
void cli_ridge_opts_free(cli_ridge_opts *o);

/* Solve the ridge points the options ask for (the P x lambda grid, or
   the optimal ridge at each P) and check them with cli_ridge_check; on
   success *out holds *n points, P-major.  */
int cli_ridge_solve(deq_ridge_point **out, size_t *n, const deq_spectrum *sp,
                    const cli_ridge_opts *o);

/* Report the status of solved ridge points: one stderr line per
   divergence (returns CLI_OK), or the first failure (returns its exit
   status).  `ret` is what the solver returned.  */
int cli_ridge_check(const char *cmd, deq_status ret,
                    const deq_ridge_point *pts, size_t n);

/* ------------------------------------------------------------ deq mc (cli_mc.c) */

/* CLI_OK if the spectrum can be sampled (exact, finite integer dimension);
   otherwise an error naming --spectrum.  */
int cli_mc_check_sampleable(const deq_spectrum *sp, const char *cmd,
                            const char *spectrum);
/* row[0..2] = mean, standard error, z-score against theory.  */
void cli_mc_estimate_cells(double *row, const deq_mc_estimate *e,
                           double theory);
/* getopt entries of the options every `deq mc MODEL` takes.  */
#define CLI_MC_OPTIONS                                       \
  { "trials", required_argument, NULL, OPT_TRIALS },        \
  { "seed", required_argument, NULL, OPT_SEED },            \
  { "threads", required_argument, NULL, OPT_THREADS }
/* Parse one of them (code OPT_TRIALS, OPT_SEED or OPT_THREADS): trials
   >= 2, any unsigned 64-bit seed, threads >= 0 (0: one per core).  */
int cli_mc_option(uint64_t *trials, uint64_t *seed, int *threads,
                  const char *cmd, int code, const char *arg);
/* The seed of the i-th grid point: independent streams per point.  */
uint64_t cli_mc_seed(uint64_t seed, size_t i);
/* The thread count the library will use for `threads` (0: one per core).  */
int cli_mc_threads(int threads);

/* ------------------------------------------------------------ deq (mc) spectrum */

/* `deq mc spectrum`: the model options of `deq spectrum` (cmd_spectrum.c). */
int spectrum_mc_main(int argc, char **argv);
/* Sample the chain's eigenvalues and write the histogram or the KS row
   (cmd_mc_spectrum.c).  */
int mc_spectrum_write(const deq_freeprob_chain *c, uint64_t trials,
                      uint64_t seed, int threads, size_t bins, int ks,
                      const cli_output *out);

#endif
