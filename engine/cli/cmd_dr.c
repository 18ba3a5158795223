/* cmd_dr.c - `stk dr redeploy` and `stk dr status`: disaster recovery.
 *
 * redeploy plans the same definitions (the work tree, or a commit with
 * --rev, read from git as `stk apply -rev` reads it: engine/git/source.h)
 * for another region into a separate workspace and hands them to the
 * ordinary `stk apply` (plan, approval unless -auto-approve, apply,
 * outputs; git provenance and protected-workspace checks).  The region is set the
 * way the configuration defines it: the root module's default provider
 * "aws" block must say `region = var.NAME`; redeploy passes
 * -var NAME=REGION (last, so it wins).  A literal region is refused.
 *
 * The region of a workspace is the value of that variable recorded with
 * the workspace's latest state change (the plan JSON of its history row,
 * state/history.h) - so it lives in the state database and travels with
 * its S3 backup; with a literal region it is that literal; failing both,
 * the region most ARNs in the state name.  redeploy refuses to touch a
 * workspace deploying elsewhere: the target may not be the source
 * workspace, may not hold state for another region, the source must not
 * already deploy to REGION, and no other workspace may already deploy to
 * REGION.
 *
 * status lists every local workspace: region, resource count, the latest
 * state change (time, serial, git commit) and whether the S3 backup holds
 * that serial (the backend's digest record, state/remote.h). */
#include "cli/cli.h"
#define STK_MODE_MANAGED STK_ADDR_MODE_MANAGED   /* state/addr.h and config.h both name these */
#define STK_MODE_DATA STK_ADDR_MODE_DATA
#include "cli/backend_cli.h"
#include "state/history.h"
#include "state/workspace.h"
#undef STK_MODE_MANAGED
#undef STK_MODE_DATA
#include "config/config.h"
#include "git/source.h"
#include "util/strbuf.h"
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help_dr(void)
{
    printf("Usage: stk dr <subcommand> [options]\n"
           "\n"
           "  Disaster recovery (see docs/disaster-recovery.md).\n"
           "\n"
           "Subcommands:\n"
           "  redeploy --region REGION   Deploy the same definitions to another region,\n"
           "                             in a workspace of its own\n"
           "  status                     Each workspace's region, resources, last change,\n"
           "                             git commit and S3 backup\n"
           "\n"
           "State recovery after losing the machine is `stk init` (it restores the\n"
           "latest backup from S3); `stk dr COMMAND -help` shows a subcommand's options.\n");
}

static void help_redeploy(void)
{
    printf("Usage: stk dr redeploy --region REGION [options] [DIR]\n"
           "\n"
           "  Plan the configuration in DIR (default: the current directory) for REGION\n"
           "  in a separate workspace, show the plan, ask for approval, apply it and\n"
           "  print the outputs (the new endpoints).  The original workspace and its\n"
           "  region are not touched.\n"
           "\n"
           "  The root module's provider \"aws\" block must take its region from a\n"
           "  variable (region = var.aws_region): redeploy passes -var aws_region=REGION.\n"
           "  Region-specific values (AMIs, availability zones) should come from data\n"
           "  sources, and names of global objects (IAM, S3 buckets, CloudFront) should\n"
           "  include the region.\n"
           "\n"
           "Options:\n"
           "  -region=REGION      The region to deploy to (required)\n"
           "  -workspace=NAME     The workspace to deploy into (default:\n"
           "                      \"<current workspace>-<REGION>\"); created when missing\n"
           "  -rev=REV            Deploy the configuration as committed at REV (commit,\n"
           "                      tag, branch) instead of the work tree\n"
           "  -auto-approve       Apply without asking\n"
           "  -allow-dirty        Allow a protected target workspace to take a dirty tree\n"
           "                      or an unpushed commit\n"
           "  -var, -var-file     Set variables (the region variable is always REGION)\n"
           "  -no-color, -json, -input=false, -lock=false, -lock-timeout=DUR,\n"
           "  -parallelism=N      Passed to apply\n"
           "\n"
           "Refused (exit 1): a literal region in the provider block; REGION being the\n"
           "region of the current workspace; a target workspace that is the current one,\n"
           "or holds state for another region; another workspace already deploying to\n"
           "REGION; a target workspace whose state exists only in the S3 backend\n"
           "(restore it first: STK_WORKSPACE=NAME stk init).\n");
}

static void help_status(void)
{
    printf("Usage: stk dr status [options] [DIR]\n"
           "\n"
           "  For every workspace: its region, the number of resource instances in its\n"
           "  state, the latest state change (time and serial), the git commit it was\n"
           "  made from (\"*\" when the tree was dirty) and whether the S3 backup holds\n"
           "  the local serial (\"current\"), an older one, a newer one, or nothing;\n"
           "  \"no backend\" without `stk init` of an S3 backend.  Workspaces the backend\n"
           "  holds but this machine does not are listed as \"only in the backend\", with\n"
           "  the command that restores them.  The region is the provider's region\n"
           "  variable (found in the configuration in DIR, default: the current\n"
           "  directory) as recorded with each workspace's last change.\n"
           "\n"
           "Options:\n"
           "  -json        One JSON object (also the outputs of each workspace)\n"
           "  -no-color    Accepted (the table has no colours)\n");
}

static void print_diags(stk_diags *d, int no_color)
{
    if (d->len) stk_cli_print_diags(stderr, d, stk_cli_use_color(stderr, no_color));
    stk_diags_free(d);
}

/* ---- the region as the configuration defines it ------------------------------ */

typedef struct {
    char *var;        /* region = var.NAME: NAME */
    char *literal;    /* region = "eu-north-1" */
} region_source;

static void region_source_free(region_source *rs)
{
    free(rs->var);
    free(rs->literal);
    memset(rs, 0, sizeof *rs);
}

static const stk_expr *unwrap(const stk_expr *e)
{
    while (e && (e->kind == STK_EX_TEMPLATE_WRAP || e->kind == STK_EX_PAREN)) e = e->u.wrapped;
    return e;
}

/* Where the root module's default aws provider gets its region.  0 found
   (var or literal set), -1 with an error (no such block / no region / an
   expression other than var.NAME or a literal). */
static int find_region_source(const stk_config *c, region_source *rs, stk_diags *d)
{
    memset(rs, 0, sizeof *rs);
    const stk_provider_config *p = NULL;
    for (size_t i = 0; i < c->root->nproviders; i++)
        if (!strcmp(c->root->providers[i]->name, "aws") && !c->root->providers[i]->alias) p = c->root->providers[i];
    if (!p) {
        stk_diags_error(d, NULL, "No provider \"aws\" block",
                        "The root module of %s has no default provider \"aws\" block, so stk cannot tell how the "
                        "region is set. Add one that takes the region from a variable:\n"
                        "    variable \"aws_region\" { default = \"eu-north-1\" }\n"
                        "    provider \"aws\" { region = var.aws_region }",
                        c->root_dir);
        return -1;
    }
    const stk_hcl_attr *a = NULL;
    for (size_t i = 0; p->body && i < p->body->nattrs; i++)
        if (!strcmp(p->body->attrs[i]->name, "region")) a = p->body->attrs[i];
    if (!a) {
        stk_diags_error(d, &p->decl_range, "The provider has no region argument",
                        "stk dr redeploy sets the region through a variable of the configuration. Add a variable "
                        "and use it:\n"
                        "    variable \"aws_region\" { default = \"eu-north-1\" }\n"
                        "    provider \"aws\" { region = var.aws_region }");
        return -1;
    }
    const stk_expr *e = unwrap(a->expr);
    if (e && e->kind == STK_EX_GETATTR && e->u.getattr.obj && e->u.getattr.obj->kind == STK_EX_VARIABLE &&
        !strcmp(e->u.getattr.obj->u.name, "var")) {
        rs->var = stk_xstrdup(e->u.getattr.name);
        return 0;
    }
    if (e && e->kind == STK_EX_LITERAL) {
        json_t *j = stk_value_to_json(e->u.literal);
        if (json_is_string(j)) rs->literal = stk_xstrdup(json_string_value(j));
        json_decref(j);
        if (rs->literal) return 0;
    }
    stk_diags_error(d, &a->range, "The region is not a variable",
                    "stk dr redeploy sets the region through a variable of the configuration, but this provider's "
                    "region is %s. Declare a variable and use it directly:\n"
                    "    variable \"aws_region\" { default = \"...\" }\n"
                    "    provider \"aws\" { region = var.aws_region }",
                    e && e->kind == STK_EX_LITERAL ? "a literal" : "an expression stk cannot set");
    return -1;
}

/* ---- the region of a workspace ---------------------------------------------- */

/* The most frequent region field of the ARNs in the state's attributes. */
static char *region_from_arns(stk_state *st)
{
    stk_diags d = STK_DIAGS_INIT;
    stk_state_instance_list l = {0};
    char *best = NULL;
    if (stk_state_list(st, NULL, 0, &l, &d) == 0) {
        char *names[32];
        size_t counts[32], n = 0, bestn = 0;
        for (size_t i = 0; i < l.len; i++) {
            const char *s = l.items[i].attributes;
            while (s && (s = strstr(s, "arn:aws")) != NULL) {
                /* arn:PARTITION:SERVICE:REGION:ACCOUNT:... */
                const char *f = s;
                for (int k = 0; k < 3 && f; k++) {
                    f = strchr(f, ':');
                    if (f) f++;
                }
                s += 7;
                if (!f) break;
                size_t len = strcspn(f, ":\"");
                if (f[len] != ':' || len == 0 || len > 30) continue;
                size_t j = 0;
                while (j < n && (strlen(names[j]) != len || strncmp(names[j], f, len))) j++;
                if (j == n) {
                    if (n == 32) continue;
                    names[n] = stk_xstrndup(f, len);
                    counts[n++] = 0;
                }
                if (++counts[j] > bestn) bestn = counts[j], best = names[j];
            }
        }
        best = best ? stk_xstrdup(best) : NULL;
        for (size_t j = 0; j < n; j++) free(names[j]);
        stk_state_instance_list_free(&l);
    }
    stk_diags_free(&d);
    return best;
}

/* The region variable's value recorded with the latest history row that
   has it (NULL when none). */
static char *region_from_history(const stk_history_entry *h, size_t nh, const char *var)
{
    for (size_t i = nh; var && i-- > 0;) {
        if (!h[i].plan_json) continue;
        json_t *pj = json_loads(h[i].plan_json, 0, NULL);
        json_t *v = json_object_get(json_object_get(json_object_get(pj, "variables"), var), "value");
        char *r = json_is_string(v) ? stk_xstrdup(json_string_value(v)) : NULL;
        json_decref(pj);
        if (r) return r;
    }
    return NULL;
}

typedef struct {
    char *name;
    int selected;
    int ok;                    /* the state could be read */
    char *region;              /* NULL: unknown */
    const char *region_from;   /* "history", "configuration", "arns" */
    size_t instances, outputs;
    int64_t serial;
    char *lineage, *sha;
    stk_history_entry *h;      /* the latest history row (or NULL) */
    stk_history_entry *all;
    size_t nall;
    json_t *outs;              /* name -> value (sensitive ones masked) */
    char *error;
} ws_info;

static void ws_info_free(ws_info *w)
{
    free(w->name);
    free(w->region);
    free(w->lineage);
    free(w->sha);
    stk_history_entries_free(w->all, w->nall);
    json_decref(w->outs);
    free(w->error);
    memset(w, 0, sizeof *w);
}

/* Read what status and redeploy need about one local workspace (never
   creates it: callers check it exists). */
static void ws_read(const char *name, const region_source *rs, ws_info *w)
{
    memset(w, 0, sizeof *w);
    w->name = stk_xstrdup(name);
    stk_diags d = STK_DIAGS_INIT;
    stk_state *st = NULL;
    char *path = stk_xasprintf("./.stk/%s.db", name);
    int exists = access(path, F_OK) == 0;
    if (!exists) {   /* "default" before its first use: empty, and reading it must not create it */
        free(path);
        w->ok = 1;
        w->outs = json_object();
        return;
    }
    int orc = stk_state_open_path(path, 0, &st, &d);
    free(path);
    if (orc) {
        w->error = stk_xstrdup(d.len ? d.items[0].summary : "cannot open the state");
        stk_diags_free(&d);
        return;
    }
    w->ok = 1;
    w->serial = stk_state_serial(st);
    w->lineage = stk_xstrdup(stk_state_lineage(st));
    w->sha = stk_remote_state_sha256(st, &d);
    stk_state_count(st, &w->instances, &w->outputs, &d);
    if (stk_history_list(st, &w->all, &w->nall, &d) == 0 && w->nall) w->h = &w->all[w->nall - 1];
    w->outs = json_object();
    stk_state_output_list ol = {0};
    if (stk_state_list_outputs(st, &ol, &d) == 0) {
        for (size_t i = 0; i < ol.len; i++) {
            json_t *v = ol.items[i].sensitive ? json_string("(sensitive)")
                                              : json_loads(ol.items[i].value, JSON_DECODE_ANY, NULL);
            json_object_set_new(w->outs, ol.items[i].name, v ? v : json_null());
        }
        stk_state_output_list_free(&ol);
    }
    if (rs && rs->var && (w->region = region_from_history(w->all, w->nall, rs->var))) w->region_from = "history";
    else if (rs && rs->literal && w->instances) w->region = stk_xstrdup(rs->literal), w->region_from = "configuration";
    else if (w->instances && (w->region = region_from_arns(st))) w->region_from = "arns";
    stk_state_close(st);
    stk_diags_free(&d);
}

/* The value the configuration gives the region variable now (defaults,
   tfvars, TF_VAR_, the command's -var/-var-file), or NULL. */
static char *configured_region(stk_config *c, const region_source *rs, const stk_vararg *vars, size_t nvars,
                               const stk_fs *varfile_fs)
{
    if (rs->literal) return stk_xstrdup(rs->literal);
    extern char **environ;
    stk_diags d = STK_DIAGS_INIT;
    stk_var_inputs in = {vars, nvars, environ, varfile_fs};
    char *r = NULL;
    if (stk_config_set_vars(c, &in, &d) == 0) {
        const stk_variable *v = stk_strmap_get(&c->root->var_map, rs->var);
        if (v && c->var_values && c->var_values[v->index]) {
            json_t *j = stk_value_to_json(c->var_values[v->index]);
            if (json_is_string(j)) r = stk_xstrdup(json_string_value(j));
            json_decref(j);
        }
    }
    stk_diags_free(&d);
    return r;
}

/* ---- redeploy ------------------------------------------------------------------ */

static int redeploy(int argc, char **argv)
{
    const char *region = NULL, *target_opt = NULL, *rev = NULL, *dir = NULL;
    int no_color = 0, json_out = 0, rc = STK_EXIT_ERROR, created = 0;
    char **pass = stk_xcalloc((size_t)argc + 6, sizeof *pass);
    char **owned = stk_xcalloc((size_t)argc + 6, sizeof *owned);
    stk_vararg *vars = stk_xcalloc((size_t)argc + 1, sizeof *vars);
    int npass = 0, nowned = 0;
    size_t nvars = 0;
    pass[npass++] = "apply";
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            help_redeploy();
            rc = STK_EXIT_OK;
            goto done;
        } else if (stk_cli_opt(argc, argv, &i, "region", &v)) {
            region = v;
        } else if (stk_cli_opt(argc, argv, &i, "workspace", &v)) {
            target_opt = v;
        } else if (stk_cli_opt(argc, argv, &i, "rev", &v)) {
            rev = v;
        } else if (stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            vars[nvars].kind = STK_VARARG_FILE;
            vars[nvars++].text = v;
            owned[nowned++] = pass[npass++] = stk_xasprintf("-var-file=%s", v);
        } else if (stk_cli_opt(argc, argv, &i, "var", &v)) {
            vars[nvars].kind = STK_VARARG_VAR;
            vars[nvars++].text = v;
            owned[nowned++] = pass[npass++] = stk_xasprintf("-var=%s", v);
        } else if (stk_cli_opt(argc, argv, &i, "lock-timeout", &v)) {
            owned[nowned++] = pass[npass++] = stk_xasprintf("-lock-timeout=%s", v);
        } else if (stk_cli_opt(argc, argv, &i, "parallelism", &v)) {
            owned[nowned++] = pass[npass++] = stk_xasprintf("-parallelism=%s", v);
        } else if (stk_cli_flag(argv[i], "json")) {
            json_out = 1;
            pass[npass++] = argv[i];
        } else if (stk_cli_flag(argv[i], "auto-approve") || stk_cli_flag(argv[i], "allow-dirty") ||
                   !strncmp(argv[i], "-lock=", 6) || !strncmp(argv[i], "--lock=", 7) ||
                   !strncmp(argv[i], "-input=", 7) || !strncmp(argv[i], "--input=", 8)) {
            pass[npass++] = argv[i];
        } else if (stk_cli_flag(argv[i], "no-color")) {
            no_color = 1;
            pass[npass++] = argv[i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s for `stk dr redeploy`\n\nRun `stk dr redeploy -help` for usage.\n",
                    argv[i]);
            goto done;
        } else if (!dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "Error: `stk dr redeploy` takes at most one directory argument\n");
            goto done;
        }
    }
    if (!region || !*region) {
        fprintf(stderr, "Error: `stk dr redeploy` needs --region REGION (the region to deploy to)\n");
        goto done;
    }
    for (const char *p = region; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
            fprintf(stderr, "Error: \"%s\" is not a region name (e.g. eu-west-1)\n", region);
            goto done;
        }

    stk_diags d = STK_DIAGS_INIT;
    char *source = NULL, *target = NULL, *src_region = NULL;
    stk_config_source cs;
    int have_cs = 0;
    stk_config *c = NULL;
    region_source rs = {0};
    ws_info src = {0}, tgt = {0};
    char **names = NULL;
    size_t nnames = 0;
    stk_backend_session bs = {0};
    stk_lock *unused_lock = NULL;

    if (stk_config_source_open(&cs, dir, rev, NULL, &d)) goto fail;
    have_cs = 1;
    c = stk_config_load(cs.fs, cs.cfg_dir, &d);
    if (!c || stk_diags_has_errors(&d)) goto fail;
    if (find_region_source(c, &rs, &d)) goto fail;
    if (rs.literal) {
        const stk_provider_config *p = NULL;
        const stk_hcl_attr *a = NULL;
        for (size_t i = 0; i < c->root->nproviders; i++)
            if (!strcmp(c->root->providers[i]->name, "aws") && !c->root->providers[i]->alias) p = c->root->providers[i];
        for (size_t i = 0; p && i < p->body->nattrs; i++)
            if (!strcmp(p->body->attrs[i]->name, "region")) a = p->body->attrs[i];
        stk_diags_error(&d, a ? &a->range : NULL, "The region is a literal",
                        "The provider's region is fixed to \"%s\", so the same definitions cannot be deployed to "
                        "%s. Make it a variable (keeping today's value as its default) and run the command again:\n"
                        "    variable \"aws_region\" { default = \"%s\" }\n"
                        "    provider \"aws\" { region = var.aws_region }",
                        rs.literal, region, rs.literal);
        goto fail;
    }

    /* the source workspace and its region */
    source = stk_workspace_current(".");
    target = target_opt ? stk_xstrdup(target_opt) : stk_xasprintf("%s-%s", source, region);
    if (!stk_workspace_valid_name(target)) {
        stk_diags_error(&d, NULL, "Invalid workspace name",
                        "\"%s\" is not a workspace name (letters, digits, '-', '_' and '.'; at most 90 characters).",
                        target);
        goto fail;
    }
    if (!strcmp(target, source)) {
        stk_diags_error(&d, NULL, "Refusing to redeploy into the current workspace",
                        "Workspace \"%s\" is the one selected (the source of the redeploy); its state belongs to the "
                        "original region and stk dr redeploy never touches it. Choose another --workspace, or leave "
                        "it out to use \"%s-%s\".",
                        target, source, region);
        goto fail;
    }
    if (stk_workspace_exists(".", source)) {
        ws_read(source, &rs, &src);
        src_region = src.region ? stk_xstrdup(src.region) : NULL;
    }
    if (!src_region) src_region = configured_region(c, &rs, vars, nvars, cs.varfile_fs);
    if (src_region && !strcmp(src_region, region)) {
        if (src.instances)
            stk_diags_error(&d, NULL, "REGION is the current workspace's region",
                            "Workspace \"%s\" already deploys this configuration to %s; redeploy to another region "
                            "(or select the workspace of the recovered region first).",
                            source, region);
        else
            stk_diags_error(&d, NULL, "REGION is the current workspace's region",
                            "The current workspace \"%s\" is empty and set up for %s already: deploy there with "
                            "`stk apply`, or redeploy to another region.",
                            source, region);
        goto fail;
    }
    /* no other workspace may already deploy to REGION */
    if (stk_workspace_list(".", &names, &nnames, &d)) goto fail;
    for (size_t i = 0; i < nnames; i++) {
        if (!strcmp(names[i], target) || !strcmp(names[i], source)) continue;
        ws_info w;
        ws_read(names[i], &rs, &w);
        int clash = w.ok && w.instances && w.region && !strcmp(w.region, region);
        if (clash)
            stk_diags_error(&d, NULL, "Another workspace already deploys to this region",
                            "Workspace \"%s\" holds %zu resource instance(s) in %s. Two copies of one configuration in "
                            "one region collide on names; to update that deployment use --workspace %s.",
                            w.name, w.instances, region, w.name);
        ws_info_free(&w);
        if (clash) goto fail;
    }
    /* the target: fresh, or an earlier redeploy to the same region */
    if (stk_backend_unlock_target(".", target, &bs, &unused_lock, &d)) goto fail;
    if (unused_lock) stk_lock_free(unused_lock);
    unused_lock = NULL;
    if (stk_workspace_exists(".", target)) {
        ws_read(target, &rs, &tgt);
        if (!tgt.ok) {
            stk_diags_error(&d, NULL, "Cannot read the target workspace", "Workspace \"%s\": %s.", target,
                            tgt.error ? tgt.error : "unreadable state");
            goto fail;
        }
        if (tgt.instances && (!tgt.region || strcmp(tgt.region, region))) {
            stk_diags_error(&d, NULL, "The target workspace holds state for another region",
                            "Workspace \"%s\" holds %zu resource instance(s) in %s. stk dr redeploy only creates or "
                            "updates a deployment of REGION; choose another --workspace.",
                            target, tgt.instances, tgt.region ? tgt.region : "an unknown region");
            goto fail;
        }
    } else {
        if (bs.active) {
            stk_remote_digest dg;
            if (stk_remote_read_digest(bs.remote, &dg, &d)) goto fail;
            int found = dg.found;
            stk_remote_digest_free(&dg);
            if (found) {
                stk_diags_error(&d, NULL, "The target workspace exists in the backend",
                                "The S3 backend holds a state for workspace \"%s\" (s3://%s/%s) but this machine "
                                "does not. Restore it first with `STK_WORKSPACE=%s stk init`, then run the command "
                                "again.",
                                target, stk_remote_bucket(bs.remote), stk_remote_state_key(bs.remote), target);
                goto fail;
            }
        }
        if (stk_workspace_new(".", target, &d)) goto fail;
        created = 1;
    }

    if (!json_out)
        printf("Redeploying %s%s%s to %s in workspace \"%s\" (%s).\n"
           "The current workspace \"%s\"%s%s%s is not touched.\n\n",
           dir ? dir : "the configuration", cs.commit ? " as committed at " : "", cs.commit ? cs.commit : "", region,
           target,
           created ? "new" : "an earlier redeploy to the same region", source, src_region ? " (" : "",
           src_region ? src_region : "", src_region ? ")" : "");
    fflush(stdout);
    print_diags(&d, no_color);   /* warnings */

    /* the same commit apply reads again (a branch could move meanwhile);
       apply records the provenance and checks a protected workspace */
    if (cs.commit) owned[nowned++] = pass[npass++] = stk_xasprintf("-rev=%s", cs.commit);
    owned[nowned++] = pass[npass++] = stk_xasprintf("-var=%s=%s", rs.var, region);
    if (dir) pass[npass++] = (char *)dir;
    char *old_ws = getenv("STK_WORKSPACE") ? stk_xstrdup(getenv("STK_WORKSPACE")) : NULL;
    setenv("STK_WORKSPACE", target, 1);
    rc = stk_cli_plan_apply(npass, pass, STK_CLI_APPLY);
    if (old_ws) setenv("STK_WORKSPACE", old_ws, 1);
    else unsetenv("STK_WORKSPACE");
    free(old_ws);
    if (rc == STK_EXIT_OK) {
        ws_info w;
        ws_read(target, &rs, &w);
        if (w.ok && w.serial > 0 && !json_out) {
            printf("\nWorkspace \"%s\" now deploys to %s (%zu resource instances, serial %" PRId64 ").\n"
                   "Point DNS at the new endpoints above; check both regions with `stk dr status`.\n"
                   "Plan this workspace later with:\n"
                   "    STK_WORKSPACE=%s stk plan -var %s=%s\n",
                   target, region, w.instances, w.serial, target, rs.var, region);
        }
        ws_info_free(&w);
    } else if (created) {
        /* nothing was applied (refused, cancelled, failed before any change):
           do not leave an empty workspace behind */
        ws_info w;
        ws_read(target, &rs, &w);
        if (w.ok && w.serial == 0 && w.instances == 0) {
            stk_diags dd = STK_DIAGS_INIT;
            stk_workspace_delete(".", target, 0, 0, &dd);
            stk_diags_free(&dd);
        }
        ws_info_free(&w);
    }
    goto cleanup;
fail:
    print_diags(&d, no_color);
    rc = STK_EXIT_ERROR;
cleanup:
    stk_diags_free(&d);
    stk_backend_session_free(&bs);
    stk_workspace_names_free(names, nnames);
    ws_info_free(&src);
    ws_info_free(&tgt);
    region_source_free(&rs);
    stk_config_free(c);
    if (have_cs) stk_config_source_close(&cs);
    free(source);
    free(target);
    free(src_region);
done:
    for (int k = 0; k < nowned; k++) free(owned[k]);
    free(owned);
    free(pass);
    free(vars);
    return rc;
}

/* ---- status -------------------------------------------------------------------- */

typedef struct {
    const char *status;   /* current / local newer / backup newer / no backup / other lineage / diverged / error */
    int64_t serial;
    int found;
    char *detail;
} backup_info;

static void backup_of(stk_backend_session *bs, const ws_info *w, backup_info *b)
{
    memset(b, 0, sizeof *b);
    if (!bs->active) {
        b->status = "no backend";
        return;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_remote_digest dg;
    if (stk_remote_read_digest(bs->remote, &dg, &d)) {
        b->status = "error";
        b->detail = stk_xstrdup(d.len ? (d.items[0].detail ? d.items[0].detail : d.items[0].summary) : "unreadable");
        stk_diags_free(&d);
        return;
    }
    stk_diags_free(&d);
    b->found = dg.found;
    b->serial = dg.serial;
    if (!dg.found) b->status = w->serial == 0 ? "none (empty)" : "no backup";
    else if (dg.lineage && w->lineage && strcmp(dg.lineage, w->lineage)) b->status = "other lineage";
    else if (dg.serial < w->serial) b->status = "behind";
    else if (dg.serial > w->serial) b->status = "newer (stk init)";
    else if (dg.state_sha256 && w->sha && strcmp(dg.state_sha256, w->sha)) b->status = "diverged";
    else b->status = "current";
    stk_remote_digest_free(&dg);
}

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static int status(int argc, char **argv)
{
    int json_out = 0;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (stk_cli_is_help(argv[i])) {
            help_status();
            return STK_EXIT_OK;
        } else if (stk_cli_flag(argv[i], "json")) {
            json_out = 1;
        } else if (stk_cli_flag(argv[i], "no-color")) {
            continue;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "Error: unknown option %s for `stk dr status`\n\nRun `stk dr status -help` for usage.\n",
                    argv[i]);
            return STK_EXIT_ERROR;
        } else if (!dir) {
            dir = argv[i];
        } else {
            fprintf(stderr, "Error: `stk dr status` takes at most one directory argument\n");
            return STK_EXIT_ERROR;
        }
    }
    stk_diags d = STK_DIAGS_INIT;
    /* the region variable (a configuration that does not load only loses
       the region column's first source) */
    region_source rs = {0};
    {
        stk_diags cd = STK_DIAGS_INIT;
        stk_config *c = stk_config_load(stk_fs_os(), dir ? dir : ".", &cd);
        if (!c || stk_diags_has_errors(&cd) || find_region_source(c, &rs, &cd)) region_source_free(&rs);
        stk_config_free(c);
        stk_diags_free(&cd);
    }
    char **names = NULL;
    size_t n = 0;
    if (stk_workspace_list(".", &names, &n, &d)) {
        print_diags(&d, 0);
        region_source_free(&rs);
        return STK_EXIT_ERROR;
    }
    char *cur = stk_workspace_current(".");
    /* workspaces whose state is only in the backend (a new machine) */
    size_t nlocal = n;
    {
        stk_backend_session bs = {0};
        stk_lock *l = NULL;
        stk_diags ld = STK_DIAGS_INIT;
        char **rn = NULL;
        size_t nr = 0;
        if (stk_backend_unlock_target(".", cur, &bs, &l, &ld) == 0 && bs.active &&
            stk_remote_list_workspaces(bs.remote, &rn, &nr, &ld) == 0) {
            for (size_t i = 0; i < nr; i++) {
                int here = 0;
                for (size_t j = 0; j < nlocal && !here; j++) here = !strcmp(rn[i], names[j]);
                if (here) {
                    free(rn[i]);
                    continue;
                }
                names = stk_xrealloc(names, (n + 1) * sizeof *names);
                names[n++] = rn[i];
            }
        } else {
            for (size_t i = 0; i < nr; i++) free(rn[i]);
        }
        free(rn);
        if (stk_diags_has_errors(&ld))   /* e.g. no s3:ListBucket permission: the rest still works */
            stk_diags_warning(&d, NULL, "Cannot list the backend's workspaces", "%s%s%s", ld.items[0].summary,
                              ld.items[0].detail ? ": " : "", ld.items[0].detail ? ld.items[0].detail : "");
        stk_diags_free(&ld);
        if (l) stk_lock_free(l);
        stk_backend_session_free(&bs);
    }
    json_t *arr = json_array();
    int backend_active = 0, errors = 0;
    json_t *backend = json_null();
    if (!json_out)
        printf("%-2s%-24s %-16s %9s %7s  %-20s %-13s %s\n", "", "WORKSPACE", "REGION", "RESOURCES", "SERIAL",
               "LAST CHANGE (UTC)", "COMMIT", "S3 BACKUP");
    for (size_t i = 0; i < n; i++) {
        ws_info w;
        int local = i < nlocal;
        if (local) {
            ws_read(names[i], &rs, &w);
        } else {
            memset(&w, 0, sizeof w);
            w.name = stk_xstrdup(names[i]);
            w.ok = 1;
        }
        w.selected = !strcmp(names[i], cur);
        stk_backend_session bs = {0};
        stk_lock *l = NULL;
        backup_info b = {0};
        if (stk_backend_unlock_target(".", names[i], &bs, &l, &d) == 0) {
            if (l) stk_lock_free(l);
            if (bs.active && !backend_active) {
                backend_active = 1;
                json_decref(backend);
                backend = json_pack("{s:s,s:s,s:s?}", "bucket", bs.cfg.bucket, "region", bs.cfg.region,
                                    "dynamodb_table", bs.cfg.dynamodb_table);
            }
            backup_of(&bs, &w, &b);
            if (!local && b.found) b.status = "only in the backend";
        } else {
            b.status = "error";
            b.detail = stk_xstrdup(d.len ? d.items[d.len - 1].summary : "backend");
        }
        if (!w.ok || !strcmp(b.status, "error")) errors = 1;
        const stk_history_entry *h = w.h;
        char commit[16] = "-";
        if (h && h->git_commit) snprintf(commit, sizeof commit, "%.12s%s", h->git_commit, h->git_dirty == 1 ? "*" : "");
        char when[32] = "-";
        if (h && h->at) {
            snprintf(when, sizeof when, "%s", h->at);
            char *t = strchr(when, 'T');
            if (t) *t = ' ';
            size_t L = strlen(when);
            if (L && when[L - 1] == 'Z') when[L - 1] = 0;
        }
        if (json_out) {
            json_t *o = json_pack("{s:s,s:b,s:b,s:o,s:o,s:I,s:I,s:I,s:o}", "workspace", w.name, "selected", w.selected,
                                  "local", local,
                                  "region", jstr(w.region), "region_from", jstr(w.region_from),
                                  "resources", (json_int_t)w.instances, "outputs_count", (json_int_t)w.outputs,
                                  "serial", (json_int_t)w.serial, "lineage", jstr(w.lineage));
            json_object_set_new(o, "last_change",
                                h ? json_pack("{s:I,s:o,s:o,s:o,s:o}", "serial", (json_int_t)h->serial, "at", jstr(h->at),
                                              "who", jstr(h->who), "command", jstr(h->command), "summary",
                                              jstr(h->plan_summary))
                                  : json_null());
            json_object_set_new(o, "git",
                                h && h->git_commit
                                    ? json_pack("{s:s,s:o,s:o,s:o,s:o}", "commit", h->git_commit, "dirty",
                                                h->git_dirty < 0 ? json_null() : json_boolean(h->git_dirty),
                                                "branch", jstr(h->git_branch), "author", jstr(h->git_author),
                                                "subject", jstr(h->git_subject))
                                    : json_null());
            json_t *bj = json_pack("{s:s}", "status", b.status);
            if (bs.active) {
                json_object_set_new(bj, "object", json_sprintf("s3://%s/%s", stk_remote_bucket(bs.remote),
                                                               stk_remote_state_key(bs.remote)));
                json_object_set_new(bj, "serial", b.found ? json_integer((json_int_t)b.serial) : json_null());
            }
            if (b.detail) json_object_set_new(bj, "error", json_string(b.detail));
            json_object_set_new(o, "backup", bj);
            json_object_set(o, "outputs", w.outs ? w.outs : json_object());
            if (w.error) json_object_set_new(o, "error", json_string(w.error));
            json_array_append_new(arr, o);
        } else {
            char bk[96];
            if (bs.active && b.found && strcmp(b.status, "current"))
                snprintf(bk, sizeof bk, "%s (backup serial %" PRId64 ")", b.status, b.serial);
            else if (bs.active && b.found)
                snprintf(bk, sizeof bk, "current");
            else
                snprintf(bk, sizeof bk, "%s%s%s", b.status, b.detail ? ": " : "", b.detail ? b.detail : "");
            if (!local)
                printf("%-2s%-24s %-16s %9s %7s  %-20s %-13s only in the backend (serial %" PRId64
                       "): STK_WORKSPACE=%s stk init\n",
                       w.selected ? "*" : "", w.name, "-", "-", "-", "-", "-", b.serial, w.name);
            else if (!w.ok)
                printf("%-2s%-24s error: %s\n", w.selected ? "*" : "", w.name, w.error ? w.error : "unreadable state");
            else
                printf("%-2s%-24s %-16s %9zu %7" PRId64 "  %-20s %-13s %s\n", w.selected ? "*" : "", w.name,
                       w.region ? w.region : "-", w.instances, w.serial, when, commit, bk);
        }
        free(b.detail);
        stk_backend_session_free(&bs);
        ws_info_free(&w);
    }
    if (json_out) {
        json_t *top = json_pack("{s:o,s:s,s:o}", "backend", backend, "selected", cur, "workspaces", arr);
        char *s = json_dumps(top, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
        json_decref(top);
    } else {
        json_decref(arr);
        json_decref(backend);
        if (backend_active) printf("\nBackend: S3 (see .stk/backend.json); \"current\" = the backup holds the local serial.\n");
        else printf("\nNo backend: the state lives in .stk/ only (docs/backend.md, `stk init`).\n");
    }
    free(cur);
    stk_workspace_names_free(names, n);
    region_source_free(&rs);
    print_diags(&d, 0);
    return errors ? STK_EXIT_ERROR : STK_EXIT_OK;
}

int cmd_dr(int argc, char **argv)
{
    if (argc < 2 || stk_cli_is_help(argv[1])) {
        help_dr();
        return argc < 2 ? STK_EXIT_ERROR : STK_EXIT_OK;
    }
    if (!strcmp(argv[1], "redeploy")) return redeploy(argc - 1, argv + 1);
    if (!strcmp(argv[1], "status")) return status(argc - 1, argv + 1);
    fprintf(stderr, "Error: unknown subcommand \"%s\" for `stk dr` (redeploy, status)\n\nRun `stk dr -help` for usage.\n",
            argv[1]);
    return STK_EXIT_ERROR;
}
