/* tools/cli_corr.c -- the --corr option of deq corr and deq gcv: one
 * parser, one meaning.
 *
 *   ar1:rho=R | blocks:m=M,c=C | equi:c=C | iid | acf:file=PATH |
 *   file:PATH (a P x P matrix, one row per line) |
 *   eigs:file=PATH (K's eigenvalues, a spectrum file; deq gcv only)  */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int file_error(const char *cmd, const char *path, deq_status st,
                      const deq_error *err)
{
  cli_file_error(cmd, "--corr", path, err->line, err->column, st, err);
  return CLI_EUSAGE;
}

static int bad(const char *cmd, const char *text, const char *what)
{
  cli_error(cmd, "--corr '%s': %s", text, what);
  return CLI_EUSAGE;
}

/* The path of "file=PATH" (the rest of the text: paths may hold commas). */
static const char *file_key(const char *body)
{
  return body && strncmp(body, "file=", 5) == 0 && body[5] ? body + 5 : NULL;
}

int cli_corr_parse(cli_corr *out, const char *cmd, const char *text,
                   int allow_eigs)
{
  memset(out, 0, sizeof *out);
  out->text = text;
  const char *colon = strchr(text, ':');
  size_t klen = colon ? (size_t)(colon - text) : strlen(text);
  const char *body = colon ? colon + 1 : NULL;
  char kind[16] = "";
  if (klen < sizeof kind) memcpy(kind, text, klen);
  cli_key_ctx c = { cmd, "--corr", text, kind };
  deq_corr_model *m = &out->model;
  deq_error err;
  deq_error_clear(&err);
  if (strcmp(kind, "ar1") == 0) {
    m->kind = DEQ_CORR_AR1;
    cli_key keys[] = { { "rho", &m->rho, 1, 0, 0 } };
    int st = cli_keys_parse(&c, keys, 1, body);
    if (st == CLI_OK && !(fabs(m->rho) < 1))
      return bad(cmd, text, "rho must be in (-1, 1)");
    return st;
  }
  if (strcmp(kind, "blocks") == 0) {
    double size = 0;
    m->kind = DEQ_CORR_BLOCKS;
    cli_key keys[] = { { "m", &size, 1, 0, 0 }, { "c", &m->c, 1, 0, 0 } };
    int st = cli_keys_parse(&c, keys, 2, body);
    if (st != CLI_OK) return st;
    if (!(size >= 1) || size != floor(size) || size > 1e9)
      return bad(cmd, text, "m must be an integer >= 1");
    m->m = (size_t)size;
    return CLI_OK;
  }
  if (strcmp(kind, "equi") == 0) {
    m->kind = DEQ_CORR_EQUI;
    cli_key keys[] = { { "c", &m->c, 1, 0, 0 } };
    return cli_keys_parse(&c, keys, 1, body);
  }
  if (strcmp(kind, "iid") == 0 && !colon) {
    m->kind = DEQ_CORR_EQUI;   /* c = 0: K = I */
    return CLI_OK;
  }
  if (strcmp(kind, "acf") == 0) {
    const char *path = file_key(body);
    if (!path) return bad(cmd, text, "want acf:file=PATH");
    m->kind = DEQ_CORR_ACF;
    deq_status st = deq_corr_read_acf(&out->data, &m->nacf, path, &err);
    if (st) return file_error(cmd, path, st, &err);
    m->acf = out->data;
    return CLI_OK;
  }
  if (strcmp(kind, "file") == 0 && body && *body) {
    m->kind = DEQ_CORR_MATRIX;
    deq_status st = deq_corr_read_matrix(&out->data, &m->size, body, &err);
    if (st) return file_error(cmd, body, st, &err);
    m->K = out->data;
    return CLI_OK;
  }
  if (strcmp(kind, "eigs") == 0 && allow_eigs) {
    const char *path = file_key(body);
    if (!path) return bad(cmd, text, "want eigs:file=PATH");
    deq_status st = deq_spectrum_read_file(&out->eigs, path, &err);
    if (st) return file_error(cmd, path, st, &err);
    return CLI_OK;
  }
  cli_error(cmd, "--corr '%s': unknown correlation (ar1:rho=R, "
            "blocks:m=M,c=C, equi:c=C, iid, acf:file=PATH, file:PATH%s)", text,
            allow_eigs ? ", eigs:file=PATH" : "");
  return CLI_EUSAGE;
}

void cli_corr_free(cli_corr *c)
{
  free(c->data);
  deq_spectrum_free(c->eigs);
  c->data = NULL;
  c->eigs = NULL;
}
