/* credentials.c - AWS credentials and region resolution (static values,
 * environment, shared credentials/config files, credential_process).
 * See credentials.h for the order; secrets never enter a diagnostic. */
#include "aws/client/credentials.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "util/strbuf.h"

extern char **environ;

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void wipe_free(char *s)
{
    if (!s) return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

void stk_aws_credentials_clear(stk_aws_credentials *c)
{
    if (!c) return;
    wipe_free(c->access_key);
    wipe_free(c->secret_key);
    wipe_free(c->token);
    free(c->source);
    free(c->process);
    memset(c, 0, sizeof *c);
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return stk_xstrndup(s, n);
}

char *stk_aws_ini_get(const char *path, const char *section, const char *key, int *found_section)
{
    if (found_section) *found_section = 0;
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) return NULL;
    char *line = NULL, *result = NULL;
    size_t cap = 0;
    ssize_t n;
    int in_section = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        char *s = line;
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
        if (n == 0) continue;
        if (isspace((unsigned char)s[0])) {
            /* nested sub-setting ("s3 =\n  key = v") or a blank line */
            continue;
        }
        if (s[0] == '#' || s[0] == ';') continue;
        if (s[0] == '[') {
            char *close = strchr(s, ']');
            if (!close) { in_section = 0; continue; }
            char *name = trim_dup(s + 1, (size_t)(close - s - 1));
            /* "profile   dev" counts as "profile dev" */
            char *norm = name;
            if (strncmp(name, "profile", 7) == 0 && isspace((unsigned char)name[7])) {
                char *rest = trim_dup(name + 7, strlen(name + 7));
                norm = stk_xasprintf("profile %s", rest);
                free(rest);
                free(name);
            }
            in_section = strcmp(norm, section) == 0;
            if (in_section && found_section) *found_section = 1;
            free(norm);
            continue;
        }
        if (!in_section) continue;
        char *eq = strchr(s, '=');
        if (!eq) continue;
        char *k = trim_dup(s, (size_t)(eq - s));
        if (strcmp(k, key) == 0) {
            free(result);
            result = trim_dup(eq + 1, strlen(eq + 1));
        }
        free(k);
    }
    if (line) OPENSSL_cleanse(line, cap);
    free(line);
    fclose(f);
    return result;
}

const char *stk_aws_profile_name(const stk_aws_config *cfg)
{
    if (cfg && cfg->profile && *cfg->profile) return cfg->profile;
    const char *p = env_nonempty("AWS_PROFILE");
    return p ? p : "default";
}

static char *expand_home(const char *p)
{
    if (p[0] == '~' && p[1] == '/') {
        const char *home = env_nonempty("HOME");
        if (home) return stk_xasprintf("%s%s", home, p + 1);
    }
    return stk_xstrdup(p);
}

static char *file_path(const char *cfgval, const char *envname, const char *leaf)
{
    if (cfgval && *cfgval) return expand_home(cfgval);
    const char *e = env_nonempty(envname);
    if (e) return expand_home(e);
    const char *home = env_nonempty("HOME");
    return home ? stk_xasprintf("%s/.aws/%s", home, leaf) : NULL;
}

static char *config_section(const char *profile)
{
    return strcmp(profile, "default") == 0 ? stk_xstrdup("default") : stk_xasprintf("profile %s", profile);
}

/* --- credential_process ------------------------------------------------ */

/* Split a command line into words: blanks separate, '...' and "..." group,
   backslash escapes the next character (outside single quotes). */
static char **split_words(const char *cmd, size_t *nwords)
{
    size_t cap = 8, n = 0;
    char **w = stk_xcalloc(cap + 1, sizeof *w);
    const char *s = cmd;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\n') s++;
        if (!*s) break;
        stk_strbuf b = STK_STRBUF_INIT;
        char quote = 0;
        while (*s && (quote || (*s != ' ' && *s != '\t' && *s != '\n'))) {
            if (quote == '\'') {
                if (*s == '\'') quote = 0; else stk_strbuf_putc(&b, *s);
            } else if (*s == '\\' && s[1]) {
                s++;
                stk_strbuf_putc(&b, *s);
            } else if (quote == '"') {
                if (*s == '"') quote = 0; else stk_strbuf_putc(&b, *s);
            } else if (*s == '\'' || *s == '"') {
                quote = *s;
            } else {
                stk_strbuf_putc(&b, *s);
            }
            s++;
        }
        if (n == cap) {
            cap *= 2;
            w = stk_xrealloc(w, (cap + 1) * sizeof *w);
        }
        w[n++] = stk_strbuf_detach(&b);
    }
    w[n] = NULL;
    *nwords = n;
    return w;
}

static int parse_iso8601(const char *s, time_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h, mi, sec;
    if (sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    /* an explicit offset such as +02:00 */
    const char *tz = s + strcspn(s, "Zz+");
    if (!*tz) {
        const char *minus = strrchr(s, '-');
        if (minus && minus > s + 10 && strchr(minus, ':')) tz = minus;
    }
    if (*tz == '+' || *tz == '-') {
        int oh = 0, om = 0;
        if (sscanf(tz + 1, "%d:%d", &oh, &om) >= 1) {
            long off = oh * 3600L + om * 60L;
            t += *tz == '+' ? -off : off;
        }
    }
    *out = t;
    return 0;
}

#define PROCESS_OUTPUT_MAX (1024 * 1024)

int stk_aws_credentials_from_process(const char *command, stk_aws_credentials *out, stk_diags *d)
{
    memset(out, 0, sizeof *out);
    size_t nw;
    char **argv = split_words(command, &nw);
    int rc = -1;
    if (nw == 0) {
        stk_diags_error(d, NULL, "credential_process is empty", NULL);
        goto done_argv;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        stk_diags_error(d, NULL, "credential_process: cannot create a pipe", "%s", strerror(errno));
        goto done_argv;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (err != 0) {
        close(fds[0]);
        stk_diags_error(d, NULL, "credential_process could not be started",
                        "Running \"%s\": %s.", argv[0], strerror(err));
        goto done_argv;
    }
    stk_strbuf b = STK_STRBUF_INIT;
    char buf[4096];
    ssize_t r;
    int too_big = 0;
    while ((r = read(fds[0], buf, sizeof buf)) != 0) {
        if (r < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (b.len + (size_t)r > PROCESS_OUTPUT_MAX) too_big = 1;
        else stk_strbuf_add(&b, buf, (size_t)r);
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        stk_diags_error(d, NULL, "credential_process failed",
                        "\"%s\" exited with status %d.", argv[0],
                        WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        goto done_buf;
    }
    if (too_big) {
        stk_diags_error(d, NULL, "credential_process output is too large",
                        "\"%s\" wrote more than 1 MiB.", argv[0]);
        goto done_buf;
    }
    json_error_t je;
    json_t *j = json_loadb(stk_strbuf_cstr(&b), b.len, 0, &je);
    if (!j || !json_is_object(j)) {
        /* the output may hold secrets: do not quote it */
        stk_diags_error(d, NULL, "credential_process output is not a JSON object",
                        "\"%s\" must print {\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...}.",
                        argv[0]);
        json_decref(j);
        goto done_buf;
    }
    json_t *ver = json_object_get(j, "Version");
    const char *ak = json_string_value(json_object_get(j, "AccessKeyId"));
    const char *sk = json_string_value(json_object_get(j, "SecretAccessKey"));
    const char *tok = json_string_value(json_object_get(j, "SessionToken"));
    const char *exp = json_string_value(json_object_get(j, "Expiration"));
    if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
        stk_diags_error(d, NULL, "credential_process output has an unsupported Version",
                        "\"%s\" must print \"Version\": 1.", argv[0]);
    } else if (!ak || !*ak || !sk || !*sk) {
        stk_diags_error(d, NULL, "credential_process output lacks AccessKeyId or SecretAccessKey",
                        "Command \"%s\".", argv[0]);
    } else if (exp && parse_iso8601(exp, &out->expiration) != 0) {
        stk_diags_error(d, NULL, "credential_process output has an unreadable Expiration",
                        "Expected an ISO 8601 time such as 2026-01-02T03:04:05Z.");
    } else {
        out->access_key = stk_xstrdup(ak);
        out->secret_key = stk_xstrdup(sk);
        out->token = tok && *tok ? stk_xstrdup(tok) : NULL;
        out->process = stk_xstrdup(command);
        out->source = stk_xstrdup("credential_process");
        rc = 0;
    }
    /* wipe the parsed secrets held by jansson's strings */
    if (sk) OPENSSL_cleanse((char *)sk, strlen(sk));
    if (tok) OPENSSL_cleanse((char *)tok, strlen(tok));
    json_decref(j);
done_buf:
    if (b.s) OPENSSL_cleanse(b.s, b.len);
    stk_strbuf_free(&b);
done_argv:
    for (size_t i = 0; i < nw; i++) free(argv[i]);
    free(argv);
    return rc;
}

/* --- profiles --------------------------------------------------------- */

/* 0: found (out filled), 1: profile has no credentials, -1: error in d. */
static int from_profile(const stk_aws_config *cfg, const char *profile, int must_exist,
                        stk_aws_credentials *out, stk_strbuf *tried, stk_diags *d)
{
    char *credfile = file_path(cfg ? cfg->shared_credentials_file : NULL, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    char *conffile = file_path(cfg ? cfg->shared_config_file : NULL, "AWS_CONFIG_FILE", "config");
    char *csec = config_section(profile);
    int in_cred = 0, in_conf = 0, rc = 1;
    char *ak = NULL, *sk = NULL, *tok = NULL, *proc = NULL;

    ak = stk_aws_ini_get(credfile, profile, "aws_access_key_id", &in_cred);
    sk = stk_aws_ini_get(credfile, profile, "aws_secret_access_key", NULL);
    if (ak && *ak && sk && *sk) {
        tok = stk_aws_ini_get(credfile, profile, "aws_session_token", NULL);
        out->source = stk_xasprintf("profile \"%s\" in %s", profile, credfile);
        goto found;
    }
    wipe_free(ak);
    wipe_free(sk);
    ak = sk = NULL;
    proc = stk_aws_ini_get(credfile, profile, "credential_process", NULL);
    if (!proc) proc = stk_aws_ini_get(conffile, csec, "credential_process", &in_conf);
    if (proc && *proc) {
        stk_diags pd = STK_DIAGS_INIT;
        rc = stk_aws_credentials_from_process(proc, out, &pd);
        if (rc != 0) {
            stk_diags_error(d, NULL, "Could not get credentials from credential_process",
                            "Profile \"%s\": %s%s%s", profile,
                            pd.len ? pd.items[0].summary : "failed",
                            pd.len && pd.items[0].detail ? " - " : "",
                            pd.len && pd.items[0].detail ? pd.items[0].detail : "");
            stk_diags_free(&pd);
            rc = -1;
            goto out;
        }
        free(out->source);
        out->source = stk_xasprintf("credential_process of profile \"%s\"", profile);
        goto out;
    }
    ak = stk_aws_ini_get(conffile, csec, "aws_access_key_id", &in_conf);
    sk = stk_aws_ini_get(conffile, csec, "aws_secret_access_key", NULL);
    if (ak && *ak && sk && *sk) {
        tok = stk_aws_ini_get(conffile, csec, "aws_session_token", NULL);
        out->source = stk_xasprintf("profile \"%s\" in %s", profile, conffile);
        goto found;
    }
    /* Recognised but not supported sources: say so rather than fall through. */
    static const char *const unsupported[] = {"role_arn", "sso_session", "sso_start_url", "web_identity_token_file"};
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        char *v = stk_aws_ini_get(credfile, profile, unsupported[i], NULL);
        if (!v) v = stk_aws_ini_get(conffile, csec, unsupported[i], NULL);
        if (v) {
            free(v);
            stk_diags_error(d, NULL, "Unsupported credential source in AWS profile",
                            "Profile \"%s\" uses %s, which stk does not support yet; use access keys, "
                            "credential_process or environment variables.", profile, unsupported[i]);
            rc = -1;
            goto out;
        }
    }
    if (!in_cred && !in_conf && must_exist) {
        stk_diags_error(d, NULL, "AWS profile not found",
                        "The profile \"%s\" is neither in %s nor in %s.", profile,
                        credfile ? credfile : "(no credentials file: HOME is not set)",
                        conffile ? conffile : "(no config file: HOME is not set)");
        rc = -1;
        goto out;
    }
    stk_strbuf_printf(tried, "; profile \"%s\" in %s (%s) and %s (%s)", profile,
                      credfile ? credfile : "~/.aws/credentials", in_cred ? "no keys" : "not there",
                      conffile ? conffile : "~/.aws/config", in_conf ? "no keys" : "not there");
    goto out;
found:
    out->access_key = ak;
    out->secret_key = sk;
    out->token = tok && *tok ? tok : (wipe_free(tok), NULL);
    ak = sk = tok = NULL;
    rc = 0;
out:
    wipe_free(ak);
    wipe_free(sk);
    free(proc);
    free(csec);
    free(credfile);
    free(conffile);
    return rc;
}

int stk_aws_credentials_resolve(const stk_aws_config *cfg, stk_aws_credentials *out, stk_diags *d)
{
    memset(out, 0, sizeof *out);
    stk_strbuf tried = STK_STRBUF_INIT;

    /* 1. static values of the provider block */
    if (cfg && cfg->access_key && *cfg->access_key) {
        if (!cfg->secret_key || !*cfg->secret_key) {
            stk_diags_error(d, NULL, "access_key is set but secret_key is not",
                            "Static credentials need both access_key and secret_key.");
            return -1;
        }
        out->access_key = stk_xstrdup(cfg->access_key);
        out->secret_key = stk_xstrdup(cfg->secret_key);
        out->token = cfg->token && *cfg->token ? stk_xstrdup(cfg->token) : NULL;
        out->source = stk_xstrdup("static credentials");
        return 0;
    }
    stk_strbuf_puts(&tried, "static access_key/secret_key (not set)");

    /* 2. a profile named in the provider block wins over the environment */
    int explicit_profile = cfg && cfg->profile && *cfg->profile;
    if (explicit_profile) {
        int rc = from_profile(cfg, cfg->profile, 1, out, &tried, d);
        if (rc <= 0) {
            stk_strbuf_free(&tried);
            return rc;
        }
    } else {
        const char *ak = env_nonempty("AWS_ACCESS_KEY_ID"), *sk = env_nonempty("AWS_SECRET_ACCESS_KEY");
        if (ak && sk) {
            const char *tok = env_nonempty("AWS_SESSION_TOKEN");
            out->access_key = stk_xstrdup(ak);
            out->secret_key = stk_xstrdup(sk);
            out->token = tok ? stk_xstrdup(tok) : NULL;
            out->source = stk_xstrdup("environment");
            stk_strbuf_free(&tried);
            return 0;
        }
        if (ak || sk) {
            stk_diags_error(d, NULL, "Incomplete AWS credentials in the environment",
                            "%s is set but %s is not.", ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                            ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
            stk_strbuf_free(&tried);
            return -1;
        }
        stk_strbuf_puts(&tried, "; environment AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (not set)");
        /* 3. the profile from AWS_PROFILE or "default" */
        const char *envp = env_nonempty("AWS_PROFILE");
        int rc = from_profile(cfg, envp ? envp : "default", envp != NULL, out, &tried, d);
        if (rc <= 0) {
            stk_strbuf_free(&tried);
            return rc;
        }
    }
    stk_diags_error(d, NULL, "No valid credential sources found",
                    "Tried: %s. Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile in the shared "
                    "credentials file, or access_key/secret_key in the provider block. (Container and "
                    "EC2 instance-metadata credentials are not supported yet.)",
                    stk_strbuf_cstr(&tried));
    stk_strbuf_free(&tried);
    return -1;
}

char *stk_aws_region_resolve(const stk_aws_config *cfg, stk_diags *d)
{
    if (cfg && cfg->region && *cfg->region) return stk_xstrdup(cfg->region);
    const char *e = env_nonempty("AWS_REGION");
    if (!e) e = env_nonempty("AWS_DEFAULT_REGION");
    if (e) return stk_xstrdup(e);
    const char *profile = stk_aws_profile_name(cfg);
    char *conffile = file_path(cfg ? cfg->shared_config_file : NULL, "AWS_CONFIG_FILE", "config");
    char *sec = config_section(profile);
    char *r = stk_aws_ini_get(conffile, sec, "region", NULL);
    if (r && !*r) {
        free(r);
        r = NULL;
    }
    if (!r)
        stk_diags_error(d, NULL, "No AWS region found",
                        "Tried: region in the provider block, AWS_REGION, AWS_DEFAULT_REGION and region "
                        "of profile \"%s\" in %s.", profile, conffile ? conffile : "~/.aws/config");
    free(sec);
    free(conffile);
    return r;
}
