/*
 * client.h: XML-RPC calls to oned over libcurl, as OpenNebula's OCA makes them.
 *
 * One client holds one CURL handle, so a command that makes several calls
 * (resolve a name, then act) reuses the keep-alive connection.  Every call
 * sends the session string ("user:password" or "user:token") as its first
 * parameter and unwraps OpenNebula's result envelope [ok, value, code, ...].
 */
#ifndef CLI_CLIENT_H
#define CLI_CLIENT_H

#include <stdarg.h>
#include "lib/xmlrpc.h"

#define CLI_DEFAULT_ENDPOINT "http://localhost:2633/RPC2"

typedef struct cli_client cli_client;

/*
 * Connect settings: endpoint is `--endpoint`, else $ONE_XMLRPC, else
 * CLI_DEFAULT_ENDPOINT; credentials are user+password when both are given,
 * else the first line of the file named by $ONE_AUTH (default
 * ~/.one/one_auth).  $ONE_XMLRPC_TIMEOUT bounds each call (seconds).
 * Returns 0, or -1 with the error recorded.  No network traffic yet.
 */
int cli_client_open(cli_client **out, const char *endpoint, const char *user,
                    const char *password);
void cli_client_free(cli_client *c);

/*
 * Call method(session, params...).  fmt gives one letter per parameter:
 *   'i' int, 'b' bool (passed as int), 's' const char *,
 *   'I' int array (const int *ids, size_t n).
 * Returns 0 with the envelope's value (index 1) moved to *result (free with
 * nb_xv_free; result may be NULL to drop it), or -1 with the error recorded:
 * transport failure, HTTP error, XML-RPC fault, or the server's message when
 * the envelope says ok=false.
 */
int cli_call(cli_client *c, nb_xv *result, const char *method, const char *fmt, ...);
int cli_vcall(cli_client *c, nb_xv *result, const char *method, const char *fmt, va_list ap);

/* cli_call expecting a string result (XML document, token): *out is allocated. */
int cli_call_string(cli_client *c, char **out, const char *method, const char *fmt, ...);
/* cli_call expecting an int result (an object id). */
int cli_call_int(cli_client *c, int *out, const char *method, const char *fmt, ...);

#endif
