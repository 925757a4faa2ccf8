/* tools/cli_mpi.c -- deq under mpirun (configure --with-mpi): which rank
 * this process is, the trial share and gather of deq mc, the broadcast of
 * a checkpoint, and how the ranks end together.  Without MPI, or when not
 * started by an MPI launcher, every function is the one-process identity:
 * rank 0 of 1.  libdeq itself never sees MPI (see deq_mc_hooks).  */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifdef HAVE_MPI
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

/* A local failure (one rank only) leaves the others waiting in a gather:
   a failing rank that the others do not join within this many seconds
   aborts every rank.  */
#define END_TIMEOUT 10.0

static int active, rank, size;
static MPI_Comm work, end;      /* trial gathers; the end-of-run protocol */
static FILE *captured;          /* rank > 0: its stderr, shown only if needed */
static int real_stderr = -1;

/* Started by a launcher (mpirun, srun): its environment says so.  A plain
   run never initialises MPI, so it stays exactly as without MPI.  */
static int launched(void)
{
  return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE")
         || getenv("PMIX_RANK") || getenv("MPI_LOCALNRANKS");
}

void cli_mpi_init(int *argc, char ***argv)
{
  if (!launched()) return;
  MPI_Init(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_dup(MPI_COMM_WORLD, &work);
  MPI_Comm_dup(MPI_COMM_WORLD, &end);
  active = 1;
  if (rank == 0) return;
  /* Only rank 0 writes: the others' stdout is discarded and their stderr
     kept aside, to be shown if this rank alone fails.  */
  fflush(stdout);
  fflush(stderr);
  int null = open("/dev/null", O_WRONLY);
  if (null >= 0) {
    dup2(null, STDOUT_FILENO);
    close(null);
  }
  captured = tmpfile();
  real_stderr = dup(STDERR_FILENO);
  if (captured && real_stderr >= 0)
    dup2(fileno(captured), STDERR_FILENO);
}

int cli_mpi_rank(void) { return rank; }
int cli_mpi_size(void) { return active ? size : 1; }

/* This rank's captured stderr, each line prefixed with its rank.  */
static void show_captured(void)
{
  if (!captured || real_stderr < 0) return;
  fflush(stderr);
  FILE *out = fdopen(real_stderr, "w");
  if (!out) return;
  rewind(captured);
  char line[4096];
  int bol = 1;
  while (fgets(line, sizeof line, captured)) {
    if (bol) fprintf(out, "[rank %d] ", rank);
    fputs(line, out);
    bol = strchr(line, '\n') != NULL;
  }
  fflush(out);
}

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int cli_mpi_finish(int rc)
{
  if (!active) return rc;
  fflush(stdout);
  fflush(stderr);
  /* Every rank comes here unless one failed alone mid-run while the
     others wait for its share: a failing rank waits a little, then ends
     them all with its own message.  */
  MPI_Request req;
  MPI_Ibarrier(end, &req);
  int done = 0;
  if (rc == 0) {
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    done = 1;
  } else {
    double until = now() + END_TIMEOUT;
    while (!done && now() < until) {
      MPI_Test(&req, &done, MPI_STATUS_IGNORE);
      if (!done) {
        struct timespec ms = { 0, 10000000 };
        nanosleep(&ms, NULL);
      }
    }
  }
  if (!done) {
    show_captured();
    MPI_Abort(MPI_COMM_WORLD, rc);
  }
  int *all = malloc((size_t)size * sizeof *all);
  if (!all) MPI_Abort(MPI_COMM_WORLD, CLI_ENUM);
  MPI_Allgather(&rc, 1, MPI_INT, all, 1, MPI_INT, end);
  /* Rank 0 has said what went wrong if it failed (the same failure on
     every rank); otherwise a failing rank says it.  */
  if (all[0] == 0 && rc != 0) show_captured();
  int code = 0;
  for (int r = 0; r < size && code == 0; r++) code = all[r];
  free(all);
  if (captured) fclose(captured);
  MPI_Comm_free(&work);
  MPI_Comm_free(&end);
  MPI_Finalize();
  return code;
}

/* Rank r's rows [n r/R, n (r+1)/R) of a chunk of n trials.  */
static size_t share_start(size_t n, int r)
{
  return (size_t)((unsigned long long)n * (unsigned)r / (unsigned)size);
}

void cli_mpi_share(size_t n, size_t *lo, size_t *hi)
{
  if (!active) {
    *lo = 0;
    *hi = n;
    return;
  }
  *lo = share_start(n, rank);
  *hi = share_start(n, rank + 1);
}

_Static_assert(sizeof(deq_status) == sizeof(int),
               "statuses travel as MPI_INT");

deq_status cli_mpi_gather(double *res, deq_status *st, size_t m, size_t n)
{
  if (!active || size == 1) return DEQ_OK;
  if (m > INT32_MAX || n > INT32_MAX) return DEQ_EUNSUP;
  int *count = malloc(2 * (size_t)size * sizeof *count);
  if (!count) return DEQ_ENOMEM;
  int *displ = count + size;
  for (int r = 0; r < size; r++) {
    displ[r] = (int)share_start(n, r);
    count[r] = (int)share_start(n, r + 1) - displ[r];
  }
  MPI_Datatype row;   /* one trial's m results */
  MPI_Type_contiguous((int)m, MPI_DOUBLE, &row);
  MPI_Type_commit(&row);
  MPI_Allgatherv(MPI_IN_PLACE, 0, row, res, count, displ, row, work);
  MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_INT, st, count, displ, MPI_INT, work);
  MPI_Type_free(&row);
  free(count);
  return DEQ_OK;
}

size_t cli_mpi_max(size_t v)
{
  if (!active || size == 1) return v;
  unsigned long long mine = v, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, work);
  return (size_t)all;
}

char *cli_mpi_bcast_text(char *text)
{
  if (!active || size == 1) return text;
  /* UINT64_MAX: rank 0 has no text (it failed to read it).  */
  uint64_t len = rank == 0 && text ? strlen(text) : UINT64_MAX;
  MPI_Bcast(&len, 1, MPI_UINT64_T, 0, work);
  if (len == UINT64_MAX || len > INT32_MAX) {   /* no text on any rank */
    if (rank == 0) free(text);
    return NULL;
  }
  char *buf = rank == 0 ? text : malloc(len + 1);
  if (!buf) MPI_Abort(MPI_COMM_WORLD, CLI_ENUM);
  MPI_Bcast(buf, (int)len, MPI_CHAR, 0, work);
  buf[len] = '\0';
  return buf;
}

#else /* !HAVE_MPI */

void cli_mpi_init(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
}

int cli_mpi_rank(void) { return 0; }
int cli_mpi_size(void) { return 1; }
int cli_mpi_finish(int rc) { return rc; }

void cli_mpi_share(size_t n, size_t *lo, size_t *hi)
{
  *lo = 0;
  *hi = n;
}

deq_status cli_mpi_gather(double *res, deq_status *st, size_t m, size_t n)
{
  (void)res;
  (void)st;
  (void)m;
  (void)n;
  return DEQ_OK;
}

size_t cli_mpi_max(size_t v) { return v; }
char *cli_mpi_bcast_text(char *text) { return text; }

#endif
