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
int cmd_spectrum(int argc, char **argv);
int cmd_mc(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_gcv(int argc, char **argv);       /* tools/cmd_gcv.c */
int cmd_mc_spectrum(int argc, char **argv); /* tools/cmd_spectrum.c */
int cmd_spectrum_data(int argc, char **argv); /* deq spectrum --data */
int cmd_fit_spectrum(int argc, char **argv);  /* deq fit --spectrum */
int cmd_fit_joint(int argc, char **argv);     /* deq fit --joint */
int cmd_gcv_learning_curve(int argc, char **argv); /* deq gcv --learning-curve */
/* Whether argv has the long option `name` ("--data"), as NAME or NAME=V
   (dispatch of the data modes above).  */
int cli_has_option(int argc, char **argv, const char *name);

/* ------------------------------------------------------------ messages */
/* "deq <cmd>: <message>\n" on stderr.  */
void cli_error(const char *cmd, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* A file's error, one format everywhere: "deq CMD: OPT: PATH:LINE:FIELD:
   message" (OPT may be NULL; LINE and FIELD are left out when 0); the
   message is err's, or the status text.  Returns the exit status.  */
int cli_file_error(const char *cmd, const char *opt, const char *path,
                   long line, long field, deq_status st, const deq_error *err);
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
  OPT_X, OPT_Y, OPT_SE, OPT_FLOOR, OPT_XMIN, OPT_XMAX, OPT_LOCAL,
  OPT_CHECKPOINT, OPT_RESUME, OPT_CHECKPOINT_EVERY, OPT_PROGRESS, OPT_QUIET,
  OPT_BLAS_THREADS
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
/* An unsigned decimal integer, no sign (leading zeros are not octal).  */
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
  CLI_INTEGER = 4,      /* integral value */
  CLI_INF = 8,          /* a listed value may be inf (grids) */
  CLI_ROUND = 16        /* a range's values are rounded to integers */
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

/* ------------------------------------------------------ kind:key=value */
/* Every spec option (--spectrum, --target, --corr, ...) is KIND or
   KIND:key=value,...; one parser reads the key=value list.  */
typedef struct cli_key {
  const char *name;
  double *value;
  int required;
  int allow_inf;
  int seen;           /* set by the parser */
} cli_key;

/* For messages: "deq CMD: OPT 'TEXT': ... for KIND".  */
typedef struct cli_key_ctx {
  const char *cmd, *opt, *text;
  const char *kind;
} cli_key_ctx;

/* Parse "k1=v1,k2=v2" (body may be NULL or empty) into keys: unknown,
   duplicate, malformed and missing required keys are errors.  */
int cli_keys_parse(const cli_key_ctx *c, cli_key *keys, size_t nkeys,
                   const char *body);

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
/* The same; keep_order: the atoms stay in the order given (no merging or
   sorting), for spectra whose directions are paired with another's.  */
int cli_spec_build_order(deq_spectrum **out, const char *cmd,
                         const cli_spec *spec, int keep_order);

/* ------------------------------------------------------------ --corr */
/* The --corr option (tools/cli_corr.c), the same in deq corr and deq gcv.  */
typedef struct cli_corr {
  const char *text;
  deq_corr_model model;
  double *data;          /* acf or matrix read from a file (owned) */
  deq_spectrum *eigs;    /* eigs:file=PATH: K's eigenvalues (owned) */
} cli_corr;

/* allow_eigs: accept eigs:file=PATH (K given by its P eigenvalues, for a
   fixed data set); then out->eigs is set instead of out->model.  */
int cli_corr_parse(cli_corr *out, const char *cmd, const char *text,
                   int allow_eigs);
void cli_corr_free(cli_corr *c);

/* ------------------------------------------------------------ --views */
/* A member file (tools/cli_views.c): one ensemble member a line,
   "SUBSET [key=value,...]" with SUBSET like 1-50,60 (1-based) or the keys
   fraction= and seed= instead, and eta=, lambda=.  Errors name the file,
   line and field.  */
typedef struct cli_views {
  deq_views views;
  deq_views_member *member;   /* owned, with their idx and labels */
} cli_views;

int cli_views_read(cli_views *out, const char *cmd, const char *opt,
                   const char *path);
void cli_views_free(cli_views *v);

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
  deq_status *status;     /* per row, or NULL if never set */
} cli_table;

void cli_table_init(cli_table *t, size_t ncol, const char *const *names);
void cli_table_free(cli_table *t);
/* Append a row of numbers / of cells.  Return CLI_OK or CLI_ENUM (memory).  */
int cli_table_add(cli_table *t, const char *cmd, const double *row);
int cli_table_add_cells(cli_table *t, const char *cmd, const cli_cell *row);
/* Row i's status (JSON "status"); rows default to DEQ_OK.  */
void cli_table_set_status(cli_table *t, size_t i, deq_status st);
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

/* ------------------------------------------------------------ models */
/* What an extra mode of a model command sees (tools/cli_model.c).  */
typedef struct cli_model_extra {
  const char *cmd;
  const double *x;              /* the parameters' values */
  const void *const *obj;
  const unsigned char *given;
  const cli_spec *spec;         /* per parameter: parsed spectrum specs */
  const cli_output *out;
  const deq_model_axis *axes;   /* the grids (empty if extra_needs_no_grid) */
} cli_model_extra;

/* A model command: its type object (deq/model.h) and at most one extra
   flag that replaces the table (ridge: --predict-exponent).  */
typedef struct cli_model_cmd {
  const deq_model_type *type;
  const char *mc_cmd;           /* "mc ridge" */
  const char *extra_name, *extra_help;
  int extra_needs_no_grid;      /* the extra mode takes no grid or build */
  int (*extra_run)(const cli_model_extra *e);
} cli_model_cmd;

/* deq MODEL (mc = 0) or deq mc MODEL (mc = 1): options, help, grid,
   statuses, table, plot and Monte Carlo columns from the descriptor.  */
int cli_model_main(const cli_model_cmd *c, int mc, int argc, char **argv);
/* The model commands (tools/cmd_models.c); NULL if name is none.  */
const cli_model_cmd *cli_model_command(const char *name);
/* The command that `deq [mc] NAME ARGV...` runs instead of NAME (ensemble
   with --views: subsample), or NULL.  */
const cli_model_cmd *cli_model_forward(const char *name, int argc,
                                       char **argv);

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
   in [2, 1e8], any unsigned 64-bit decimal seed, threads in [0, 4096]
   (0: one per core; more threads than that would only exhaust the
   OpenMP runtime, which crashes rather than fails).  */
#define CLI_MC_MAX_TRIALS 100000000u
#define CLI_MC_MAX_THREADS 4096u
int cli_mc_option(uint64_t *trials, uint64_t *seed, int *threads,
                  const char *cmd, int code, const char *arg);
/* The stderr line every deq mc command starts with: seed, trials,
   threads, and how often |z| > 2 by chance with that many trials.  */
void cli_mc_banner(const char *cmd, uint64_t seed, uint64_t trials,
                   int threads);
/* The thread count the library will use for `threads` (0: one per core).  */
int cli_mc_threads(int threads);

/* ------------------------------------------------------------ deq mc runs (cli_mc_run.c) */

/* How `deq mc MODEL` runs: checkpoint and resume, progress, BLAS threads
   inside a trial, and the options that define the computation (recorded
   in the checkpoint, compared when resuming).  */
typedef struct cli_mc_run {
  const char *checkpoint, *resume;
  double every;        /* seconds between checkpoints (default 5) */
  int progress;        /* -1 when stderr is a terminal, 0 --quiet, 1 --progress */
  int blas_threads;    /* 0: BLAS single-threaded inside trials */
  char *config;        /* "name=value\n" per computing option, argv order */
  size_t config_len;
} cli_mc_run;

#define CLI_MC_RUN_OPTIONS                                                \
  { "checkpoint", required_argument, NULL, OPT_CHECKPOINT },              \
  { "resume", required_argument, NULL, OPT_RESUME },                      \
  { "checkpoint-every", required_argument, NULL, OPT_CHECKPOINT_EVERY },  \
  { "progress", no_argument, NULL, OPT_PROGRESS },                        \
  { "quiet", no_argument, NULL, OPT_QUIET },                              \
  { "blas-threads", required_argument, NULL, OPT_BLAS_THREADS }
#define CLI_MC_RUN_NOPTIONS 6

void cli_mc_run_init(cli_mc_run *o);
void cli_mc_run_free(cli_mc_run *o);
/* Parse one of CLI_MC_RUN_OPTIONS.  */
int cli_mc_run_option(cli_mc_run *o, const char *cmd, int code,
                      const char *arg);
/* Record option --name (value arg, NULL for a flag) for the checkpoint,
   unless it only changes how the run goes (--threads, --format, ...);
   repeatable: every occurrence counts (else the last one wins).  */
int cli_mc_run_record(cli_mc_run *o, const char *name, const char *arg,
                      int repeatable);

/* A run's hooks (deq_mc_set_hooks), installed by start until end:
   restores --resume's checkpoint (refusing one made with other options),
   shares the trials among MPI ranks, writes the checkpoint, shows
   progress.  npoints: the trial loops expected (for the time left).  On
   failure start has printed the message.  A failed Monte Carlo may have
   failed in a hook: cli_mc_session_error says why (NULL if not).  ok:
   the run succeeded (its final checkpoint is written).  */
typedef struct cli_mc_session cli_mc_session;
int cli_mc_session_start(cli_mc_session **s, const cli_mc_run *o,
                         const char *cmd, size_t npoints, int threads);
const char *cli_mc_session_error(const cli_mc_session *s);
int cli_mc_session_end(cli_mc_session *s, int ok);

/* ------------------------------------------------------------ MPI (cli_mpi.c) */

/* MPI_Init when started by mpirun or srun (else nothing: rank 0 of 1);
   ranks > 0 then write nothing on stdout and keep their stderr aside. */
void cli_mpi_init(int *argc, char ***argv);
int cli_mpi_rank(void);
int cli_mpi_size(void);
/* The exit status of the whole job from this rank's rc: every rank ends
   together; a rank that failed alone (the others never join it) shows
   its message and aborts the job.  Finalises MPI.  */
int cli_mpi_finish(int rc);
/* Rank r's share [lo, hi) of a chunk of n trials, and the gather of all
   shares' results into every rank (deq_mc_hooks share/gather).  */
void cli_mpi_share(size_t n, size_t *lo, size_t *hi);
deq_status cli_mpi_gather(double *res, deq_status *st, size_t m, size_t n);
/* The largest of the ranks' v, on every rank.  */
size_t cli_mpi_max(size_t v);
/* Rank 0's text (NULL: none) on every rank; rank 0 gets its own back,
   the others a malloc'ed copy.  */
char *cli_mpi_bcast_text(char *text);

/* ------------------------------------------------------------ data sets */
/* --kernel linear | rbf:gamma=G | poly[:degree=D,c=C] (default 2, 1) |
   laplace:gamma=G (tools/cli_data.c).  */
int cli_kernel_parse(deq_kernel *k, const char *cmd, const char *text);
/* The kernel as a spec text that reads back.  */
const char *cli_kernel_name(char *buf, size_t size, const deq_kernel *k);

typedef struct cli_data_opts {
  const char *path, *y, *columns;
  int standardize;
  uint64_t max_rows;        /* 0: all rows */
  deq_kernel kernel;
} cli_data_opts;

/* A prepared data set (deq_data_prepare): X column-major n x d.  */
typedef struct cli_data {
  size_t n, d;
  double *X, *y;
  double y_mean;            /* before centring */
} cli_data;

/* Read and prepare; need_gram: enforce DEQ_DATA_MAX_ROWS (after
   --max-rows), with a message naming the limit and --max-rows.  */
int cli_data_load(cli_data *d, const char *cmd, const cli_data_opts *o,
                  int need_gram);
void cli_data_free(cli_data *d);

/* ------------------------------------------------------------ deq (mc) spectrum */

/* Sample the chain's eigenvalues and write the histogram or the KS row
   (cmd_mc_spectrum.c).  */
int mc_spectrum_write(const deq_freeprob_chain *c, uint64_t trials,
                      uint64_t seed, int threads, size_t bins, int ks,
                      const cli_output *out);

#endif
