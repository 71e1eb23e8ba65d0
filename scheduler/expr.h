/*
 * expr.h: OpenNebula's requirement and rank expressions (reference §9.4),
 * compiled once into a small program that is then evaluated per candidate
 * (a host, later a datastore or a network).
 *
 * Requirements:  VAR = NUM | VAR != NUM | VAR > NUM | VAR < NUM | VAR @> NUM
 *                | VAR = STR | VAR != STR | VAR @> STR
 *                | e & e | e | e | ! e | ( e )      (empty text: true)
 *   &, | and ! have equal precedence and associate left, as in OpenNebula.
 *   String = and != are shell globs (fnmatch); @> is "some value of a
 *   multi-valued attribute equals / matches".  A missing attribute makes
 *   every comparison false, != included.
 * Ranks:         VAR | NUM | e (+ - * /) e | - e | ( e )  (empty text: 0)
 *   Float arithmetic, the usual precedence; a missing attribute is 0, and
 *   so is a division by zero.
 *
 * Pure: no I/O, no global state.  A program never changes after compile,
 * so one program may be evaluated from several threads at once.
 */
#ifndef NB_SCHEDULER_EXPR_H
#define NB_SCHEDULER_EXPR_H

#include <stdbool.h>
#include <stddef.h>

typedef struct nb_expr nb_expr;

enum nb_expr_kind {
    NB_EXPR_REQUIREMENT,
    NB_EXPR_RANK,
};

/*
 * The candidate's attribute `name` (a bare name such as FREE_CPU, or a
 * quoted path such as "CLUSTERS/ID", passed without its quotes): store up
 * to `max` of its values in vals and return how many it has (0: missing).
 * The strings must stay valid until the evaluation returns.
 */
typedef size_t (*nb_expr_lookup)(void *ctx, const char *name, const char **vals, size_t max);

/* Compile `text`; NULL with *err (malloc'd, e.g. "syntax error at column 7:
 * expected a value after '>'") when it is not a valid expression of that
 * kind.  Texts longer than NB_EXPR_MAX_TEXT or nested deeper than
 * NB_EXPR_MAX_DEPTH are refused the same way. */
#define NB_EXPR_MAX_TEXT 8192
#define NB_EXPR_MAX_DEPTH 64
nb_expr *nb_expr_compile(const char *text, enum nb_expr_kind kind, char **err);
void nb_expr_free(nb_expr *e);

/* Evaluate a requirement (true when it holds) or a rank. */
bool nb_expr_match(const nb_expr *e, nb_expr_lookup lookup, void *ctx);
double nb_expr_rank(const nb_expr *e, nb_expr_lookup lookup, void *ctx);

/* The distinct attribute names the program reads, in first-use order
 * (valid while e lives): callers may resolve them once per pass. */
size_t nb_expr_names(const nb_expr *e, const char *const **names);

#endif
