/* cmd_aws.c - `stk aws`: low-level AWS calls for debugging (hidden from
 * `stk --help`, documented in `stk aws -help`).  Every call goes through the
 * same model-driven layer the resource types use (stk_aws_call), so this is
 * also how tests and people check the wire protocols against a real or
 * local AWS.  Configuration comes from the environment only: credentials
 * (AWS_ACCESS_KEY_ID..., AWS_PROFILE, shared files), AWS_REGION and
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>. */
#include "cli/cli.h"
#include "aws/protocol/call.h"
#include "aws/protocol/model.h"
#include "util/strbuf.h"
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void aws_usage(FILE *f)
{
    fprintf(f,
            "Usage: stk aws call [-paginate] [-body=FILE] [-out=FILE] [-repeat=N] [-parallel=N]\n"
            "                    [-stats] [-dry-run]\n"
            "                    SERVICE OPERATION [PARAMS]\n"
            "       stk aws wait [-timeout=SECONDS] SERVICE WAITER [PARAMS]\n"
            "       stk aws parse [-status=N] [-header=NAME:VALUE]... SERVICE OPERATION FILE\n"
            "       stk aws operations SERVICE\n"
            "       stk aws services\n"
            "\n"
            "  Low-level AWS calls, for debugging.  PARAMS is a JSON object following the\n"
            "  operation's input shape with botocore's member names (the AWS API reference\n"
            "  names), given inline, as @FILE, or as - for standard input; the result is\n"
            "  printed as JSON.  Parameters are checked against the model before anything\n"
            "  is sent.  Example:\n"
            "\n"
            "    stk aws call ec2 CreateVpc '{\"CidrBlock\": \"10.0.0.0/16\"}'\n"
            "    stk aws call -paginate s3 ListObjectsV2 '{\"Bucket\": \"b\"}'\n"
            "    stk aws wait ec2 VpcAvailable '{\"VpcIds\": [\"vpc-0123\"]}'\n"
            "\n"
            "  Services: %s.\n"
            "\n"
            "Options:\n"
            "  -paginate        Follow the operation's paginator and merge the pages\n"
            "  -body=FILE       Raw payload for operations with a blob body (S3 PutObject)\n"
            "  -out=FILE        Write a blob payload of the response (S3 GetObject) to FILE\n"
            "  -repeat=N        Make the call N times (load and fault testing); prints the\n"
            "                   last result, fails when any call failed\n"
            "  -parallel=N      Spread the repeated calls over N threads sharing one client\n"
            "  -stats           Print \"calls N, failed N, attempts N, retries N\" on stderr\n"
            "  -dry-run         Print the request the call would send (unsigned; the\n"
            "                   client adds Host, X-Amz-Date, Authorization) and stop\n"
            "  -timeout=SECONDS Give up waiting after SECONDS (default: the waiter's own limit)\n"
            "  (parse) -status=N, -header=NAME:VALUE: parse FILE as a response body with\n"
            "                   that status (default 200) and headers, print the result or\n"
            "                   the error (code, message, request id) as JSON\n"
            "\n"
            "Environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,\n"
            "  AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>,\n"
            "  STK_LOG=debug (log every request), STK_WAITER_DELAY_SCALE (tests).\n"
            "\n"
            "Exit status: 0 success, 1 error (the AWS error code and message are printed).\n",
            stk_aws_model_service_list());
}

static int read_all(FILE *f, stk_strbuf *b)
{
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) stk_strbuf_add(b, buf, n);
    return ferror(f) ? -1 : 0;
}

static int read_file(const char *path, stk_strbuf *b)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "Error: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = read_all(f, b);
    if (f != stdin) fclose(f);
    if (rc) fprintf(stderr, "Error: cannot read %s\n", path);
    return rc;
}

static json_t *parse_params(const char *arg)
{
    if (!arg) return json_object();
    stk_strbuf b = STK_STRBUF_INIT;
    if (arg[0] == '@' || strcmp(arg, "-") == 0) {
        if (read_file(arg[0] == '@' ? arg + 1 : "-", &b)) {
            stk_strbuf_free(&b);
            return NULL;
        }
    } else {
        stk_strbuf_puts(&b, arg);
    }
    json_error_t e;
    json_t *v = json_loadb(b.s ? b.s : "", b.len, 0, &e);
    stk_strbuf_free(&b);
    if (!v || !json_is_object(v)) {
        fprintf(stderr, "Error: PARAMS must be a JSON object: %s (line %d, column %d)\n",
                v ? "not an object" : e.text, e.line, e.column);
        json_decref(v);
        return NULL;
    }
    return v;
}

static stk_aws_client *make_client(stk_diags *d)
{
    stk_aws_config cfg;
    memset(&cfg, 0, sizeof cfg);
    return stk_aws_client_new(&cfg, d);
}

static int finish(stk_diags *d, int rc)
{
    stk_cli_print_diags(stderr, d, stk_cli_use_color(stderr, 0));
    stk_diags_free(d);
    return rc;
}

/* -parallel: worker threads sharing one client take call numbers from a
   counter until -repeat calls are made. */
typedef struct {
    stk_aws_client *c;
    const char *service, *operation;
    json_t *params;
    long repeat, next, failures, attempts;
    pthread_mutex_t lock;
    stk_diags diags;
    json_t *result;
} parallel_run;

static void *parallel_worker(void *arg)
{
    parallel_run *run = arg;
    for (;;) {
        pthread_mutex_lock(&run->lock);
        long n = run->next < run->repeat ? run->next++ : -1;
        pthread_mutex_unlock(&run->lock);
        if (n < 0) break;
        stk_aws_call_opts opts;
        memset(&opts, 0, sizeof opts);
        stk_diags d = STK_DIAGS_INIT;
        json_t *result = NULL;
        int one = stk_aws_call_ex(run->c, run->service, run->operation, run->params, &opts, &result, NULL, &d);
        pthread_mutex_lock(&run->lock);
        run->attempts += opts.attempts;
        if (one != 0) run->failures++;
        stk_diags_append(&run->diags, &d);
        if (result && !run->result) {
            run->result = result;
            result = NULL;
        }
        pthread_mutex_unlock(&run->lock);
        json_decref(result);
        stk_diags_free(&d);
    }
    return NULL;
}

static int aws_call_cmd(int argc, char **argv)
{
    int paginate = 0, stats = 0, dry_run = 0;
    long repeat = 1, parallel = 1;
    const char *body_file = NULL, *out_file = NULL, *repeat_s = NULL, *parallel_s = NULL;
    const char *pos[3] = {0};
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            aws_usage(stdout);
            return STK_EXIT_OK;
        }
        if (stk_cli_flag(argv[i], "paginate")) paginate = 1;
        else if (stk_cli_flag(argv[i], "stats")) stats = 1;
        else if (stk_cli_flag(argv[i], "dry-run")) dry_run = 1;
        else if (stk_cli_opt(argc, argv, &i, "parallel", &parallel_s)) {
            parallel = strtol(parallel_s, NULL, 10);
            if (parallel < 1 || parallel > 256) {
                fprintf(stderr, "Error: -parallel needs a count from 1 to 256\n");
                return STK_EXIT_ERROR;
            }
        } else if (stk_cli_opt(argc, argv, &i, "repeat", &repeat_s)) {
            repeat = strtol(repeat_s, NULL, 10);
            if (repeat < 1) {
                fprintf(stderr, "Error: -repeat needs a positive count\n");
                return STK_EXIT_ERROR;
            }
        }
        else if (stk_cli_opt(argc, argv, &i, "body", &body_file)) continue;
        else if (stk_cli_opt(argc, argv, &i, "out", &out_file)) continue;
        else if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "Error: unknown option %s for stk aws call\n", argv[i]);
            return STK_EXIT_ERROR;
        } else if (npos < 3) pos[npos++] = argv[i];
        else {
            fprintf(stderr, "Error: too many arguments for stk aws call\n");
            return STK_EXIT_ERROR;
        }
    }
    if (npos < 2) {
        aws_usage(stderr);
        return STK_EXIT_ERROR;
    }
    json_t *params = parse_params(pos[2]);
    if (!params) return STK_EXIT_ERROR;
    stk_diags d = STK_DIAGS_INIT;
    stk_strbuf body = STK_STRBUF_INIT;
    if (body_file && read_file(body_file, &body)) {
        json_decref(params);
        return STK_EXIT_ERROR;
    }
    if (dry_run) {
        stk_aws_request req;
        int rc = stk_aws_serialize(pos[0], pos[1], params, body_file ? (const unsigned char *)(body.s ? body.s : "") : NULL,
                                   body.len, &req, &d);
        if (rc == 0) {
            printf("%s %s%s%s\n", req.method, req.path, req.query ? "?" : "", req.query ? req.query : "");
            if (req.host_prefix) printf("host-prefix: %s\n", req.host_prefix);
            for (size_t i = 0; i < req.nheaders; i++) printf("%s: %s\n", req.headers[i].name, req.headers[i].value);
            printf("\n");
            if (req.body_len) fwrite(req.body, 1, req.body_len, stdout);
            printf("\n");
            stk_aws_request_clear(&req);
        }
        json_decref(params);
        stk_strbuf_free(&body);
        return finish(&d, rc == 0 ? STK_EXIT_OK : STK_EXIT_ERROR);
    }
    stk_aws_client *c = make_client(&d);
    if (!c) {
        json_decref(params);
        stk_strbuf_free(&body);
        return finish(&d, STK_EXIT_ERROR);
    }
    json_t *result = NULL;
    unsigned char *out = NULL;
    size_t out_len = 0;
    int rc = 0;
    long failures = 0, attempts = 0;
    if (parallel > 1 && (paginate || body_file || out_file)) {
        fprintf(stderr, "Error: -parallel works with plain calls (no -paginate, -body, -out)\n");
        parallel = 1;
        repeat = 0;
        rc = -1;
    }
    if (parallel > 1) {
        parallel_run run;
        memset(&run, 0, sizeof run);
        run.c = c;
        run.service = pos[0];
        run.operation = pos[1];
        run.params = params;
        run.repeat = repeat;
        pthread_mutex_init(&run.lock, NULL);
        pthread_t th[256];
        long started = 0;
        for (; started < parallel; started++)
            if (pthread_create(&th[started], NULL, parallel_worker, &run) != 0) break;
        for (long t = 0; t < started; t++) pthread_join(th[t], NULL);
        pthread_mutex_destroy(&run.lock);
        failures = run.failures;
        attempts = run.attempts;
        result = run.result;
        stk_diags_append(&d, &run.diags);
        if (failures || run.next < repeat) rc = -1;
        repeat = run.next;
    }
    for (long n = 0; parallel == 1 && n < repeat; n++) {
        json_decref(result);
        result = NULL;
        free(out);
        out = NULL;
        int one;
        if (paginate) {
            one = stk_aws_paginate(c, pos[0], pos[1], params, &result, &d);
            attempts++;
        } else {
            stk_aws_call_opts opts;
            memset(&opts, 0, sizeof opts);
            if (body_file) {
                opts.body = (const unsigned char *)(body.s ? body.s : "");
                opts.body_len = body.len;
            }
            if (out_file) {
                opts.out_body = &out;
                opts.out_body_len = &out_len;
            }
            one = stk_aws_call_ex(c, pos[0], pos[1], params, &opts, &result, NULL, &d);
            attempts += opts.attempts;
        }
        if (one != 0) {
            failures++;
            rc = -1;
        }
    }
    if (stats)
        fprintf(stderr, "calls %ld, failed %ld, attempts %ld, retries %ld\n", repeat, failures, attempts,
                stk_aws_client_retry_count(c));
    if (rc == 0 && out_file && out) {
        FILE *f = fopen(out_file, "wb");
        if (!f || fwrite(out, 1, out_len, f) != out_len) {
            fprintf(stderr, "Error: cannot write %s: %s\n", out_file, strerror(errno));
            rc = -1;
        }
        if (f) fclose(f);
    }
    if (result) {
        char *text = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", text ? text : "{}");
        free(text);
    }
    free(out);
    json_decref(result);
    json_decref(params);
    stk_strbuf_free(&body);
    stk_aws_client_free(c);
    return finish(&d, rc == 0 ? STK_EXIT_OK : STK_EXIT_ERROR);
}

static int aws_wait_cmd(int argc, char **argv)
{
    const char *timeout = NULL;
    const char *pos[3] = {0};
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            aws_usage(stdout);
            return STK_EXIT_OK;
        }
        if (stk_cli_opt(argc, argv, &i, "timeout", &timeout)) continue;
        if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "Error: unknown option %s for stk aws wait\n", argv[i]);
            return STK_EXIT_ERROR;
        }
        if (npos < 3) pos[npos++] = argv[i];
    }
    if (npos < 2) {
        aws_usage(stderr);
        return STK_EXIT_ERROR;
    }
    json_t *params = parse_params(pos[2]);
    if (!params) return STK_EXIT_ERROR;
    stk_diags d = STK_DIAGS_INIT;
    stk_aws_client *c = make_client(&d);
    if (!c) {
        json_decref(params);
        return finish(&d, STK_EXIT_ERROR);
    }
    int rc = stk_aws_wait(c, pos[0], pos[1], params, timeout ? strtod(timeout, NULL) : 0, &d);
    if (rc == 0) printf("%s %s: done\n", pos[0], pos[1]);
    json_decref(params);
    stk_aws_client_free(c);
    return finish(&d, rc == 0 ? STK_EXIT_OK : STK_EXIT_ERROR);
}

static int aws_parse_cmd(int argc, char **argv)
{
    const char *status_s = "200", *pos[3] = {0};
    stk_http_header hdrs[64];
    size_t nh = 0;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *h = NULL;
        if (stk_cli_opt(argc, argv, &i, "status", &status_s)) continue;
        if (stk_cli_opt(argc, argv, &i, "header", &h)) {
            const char *colon = strchr(h, ':');
            if (!colon || nh == 64) {
                fprintf(stderr, "Error: -header wants NAME:VALUE\n");
                return STK_EXIT_ERROR;
            }
            hdrs[nh].name = stk_xstrndup(h, (size_t)(colon - h));
            hdrs[nh].value = (char *)colon + 1;
            nh++;
            continue;
        }
        if (npos < 3) pos[npos++] = argv[i];
    }
    if (npos < 3) {
        aws_usage(stderr);
        return STK_EXIT_ERROR;
    }
    stk_strbuf body = STK_STRBUF_INIT;
    int rc = read_file(pos[2], &body);
    stk_diags d = STK_DIAGS_INIT;
    if (rc == 0) {
        stk_aws_response resp;
        memset(&resp, 0, sizeof resp);
        resp.status = strtol(status_s, NULL, 10);
        resp.body = (unsigned char *)(body.s ? body.s : "");
        resp.body_len = body.len;
        resp.headers = nh ? hdrs : NULL;
        resp.nheaders = nh;
        json_t *result = NULL;
        stk_aws_error e;
        memset(&e, 0, sizeof e);
        int pr = stk_aws_parse(pos[0], pos[1], &resp, &result, &e, NULL, NULL, &d);
        if (pr == 1)
            result = json_pack("{s:{s:s?,s:s?,s:s?,s:I}}", "Error", "Code", e.code, "Message", e.message,
                               "RequestId", e.request_id, "HTTPStatusCode", (json_int_t)e.status);
        if (result) {
            char *text = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            printf("%s\n", text ? text : "{}");
            free(text);
        }
        rc = pr < 0 ? -1 : 0;
        json_decref(result);
        stk_aws_error_clear(&e);
    }
    for (size_t i = 0; i < nh; i++) free(hdrs[i].name);
    stk_strbuf_free(&body);
    return finish(&d, rc == 0 ? STK_EXIT_OK : STK_EXIT_ERROR);
}

static int aws_list_cmd(int argc, char **argv)
{
    if (argc < 2) {
        aws_usage(stderr);
        return STK_EXIT_ERROR;
    }
    stk_diags d = STK_DIAGS_INIT;
    const stk_aws_model *m = stk_aws_model_get(argv[1], &d);
    if (!m) return finish(&d, STK_EXIT_ERROR);
    printf("%s (%s protocol, API %s)\n", stk_aws_model_name(m), stk_aws_model_protocol(m),
           stk_aws_model_meta(m, "apiVersion"));
    const char *k;
    json_t *v;
    json_object_foreach(stk_aws_model_operations(m), k, v) printf("  %s%s\n", k,
                                                                  stk_aws_model_paginator(m, k) ? "  (paginated)" : "");
    if (json_object_size(stk_aws_model_waiters(m))) {
        printf("waiters:\n");
        json_object_foreach(stk_aws_model_waiters(m), k, v) printf("  %s  (%s)\n", k,
                                                                   json_string_value(json_object_get(v, "operation")));
    }
    return finish(&d, STK_EXIT_OK);
}

int cmd_aws(int argc, char **argv)
{
    if (argc < 2 || stk_cli_is_help(argv[1])) {
        aws_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? STK_EXIT_ERROR : STK_EXIT_OK;
    }
    if (strcmp(argv[1], "call") == 0) return aws_call_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "wait") == 0) return aws_wait_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "operations") == 0) return aws_list_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "parse") == 0) return aws_parse_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "services") == 0) {
        printf("%s\n", stk_aws_model_service_list());
        return STK_EXIT_OK;
    }
    fprintf(stderr, "Error: unknown subcommand \"stk aws %s\"\n\n", argv[1]);
    aws_usage(stderr);
    return STK_EXIT_ERROR;
}
