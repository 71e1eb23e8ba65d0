/*
 * rpc_server.h: XML-RPC over HTTP with libmicrohttpd: POST /RPC2 on PORT,
 * keep-alive, exact Content-Length, request size limit; 404 for other paths
 * and 405 for other methods.  A thread pool runs the handlers so both cores
 * are busy under load.
 */
#ifndef NB_RPC_SERVER_H
#define NB_RPC_SERVER_H

#include "oned/config.h"
#include "oned/dispatch.h"

typedef struct nb_rpc_server nb_rpc_server;

nb_rpc_server *nb_rpc_start(const nb_config *cfg, nb_server_ctx *ctx, char **err);
/* Stop accepting, let in-flight calls finish, free. */
void nb_rpc_stop(nb_rpc_server *s);
/* The bound port (useful with PORT = 0). */
int nb_rpc_port(const nb_rpc_server *s);

#endif
