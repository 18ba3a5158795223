/* cmd_init.c - `stk init`: set up the working directory's backend, as
 * `terraform init` does for its backend part.
 *
 * Reads the configuration's `terraform { backend "s3" { ... } }` block
 * (variables allowed), merges -backend-config=KEY=VALUE / FILE in order,
 * writes the result without secrets to .stk/backend.json (0600), and brings
 * the selected workspace's local store in line with the backend:
 *   backend empty, local state present  -> uploads the local state;
 *   local store missing or older        -> pulls the latest snapshot;
 *   local newer (same lineage)          -> uploads it;
 *   other lineage / diverged copies     -> error, unless -reconfigure (the
 *       backend's state replaces the local copy, which is kept as
 *       .stk/<workspace>.db.<serial>.bak) or -migrate-state (the local
 *       state replaces the backend's latest; older versions stay in S3).
 * A workspace that does not exist locally (a new machine; selected with
 * STK_WORKSPACE) or exists only as an empty new store is restored from the
 * backend when the backend holds its state; -all-workspaces does the same
 * for every workspace the backend holds (stk_remote_list_workspaces).
 * A changed backend configuration needs -reconfigure or -migrate-state. */
#include "cli/backend_cli.h"
#include "cli/cli.h"
#include "state/workspace.h"
#include "util/strbuf.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    int reconfigure, migrate, no_lock, no_color, all_workspaces;
    long timeout_ms;
} init_opts;

static void print_diags(stk_diags *d, int no_color)
{
    if (d->len) stk_cli_print_diags(stderr, d, stk_cli_use_color(stderr, no_color));
    stk_diags_free(d);
}

static void remove_db_files(const char *path)
{
    char *w = stk_xasprintf("%s-wal", path), *s = stk_xasprintf("%s-shm", path);
    unlink(path);
    unlink(w);
    unlink(s);
    free(w);
    free(s);
}

static void describe(const stk_backend_config *c, const char *ws, const char *key)
{
    printf("Backend \"s3\": s3://%s/%s (region %s, workspace \"%s\")\n", c->bucket, key, c->region, ws);
    printf("  lock:                   %s%s%s\n",
           c->dynamodb_table ? "DynamoDB table " : "", c->dynamodb_table ? c->dynamodb_table : "",
           c->use_lockfile ? (c->dynamodb_table ? " + S3 lock file" : "S3 lock file (<key>.tflock)")
                           : (c->dynamodb_table ? "" : "none configured (local lock only)"));
    printf("  server-side encryption: %s\n",
           !c->encrypt ? "off" : (c->kms_key_id && *c->kms_key_id ? "aws:kms" : "AES256"));
    printf("  client-side encryption: %s\n",
           c->encryption_passphrase ? "AES-256-GCM, key from a passphrase"
           : c->encryption_key_file ? "AES-256-GCM, key file"
                                    : "off");
}

/* Upload the local state of ws now, under the remote lock. */
static int upload_local(stk_remote *r, const char *ws, const init_opts *o, stk_diags *d)
{
    stk_lock *l = o->no_lock ? NULL : stk_remote_lock(r);
    char *db = stk_xasprintf("./.stk/%s.db", ws);
    int rc = 0;
    if (l) rc = stk_lock_acquire(l, "init", db, o->timeout_ms, NULL, d);
    stk_state *st = NULL;
    if (rc == 0) rc = stk_state_open(".", ws, &st, d);
    if (rc == 0) {
        stk_backup_hook h;
        stk_remote_backup_hook(r, &h);
        stk_state_set_backup_hook(st, &h);
        rc = stk_state_backup(st, d);
        if (rc == 0)
            printf("Uploaded the local state (serial %" PRId64 ", lineage %s) to s3://%s/%s.\n",
                   stk_state_serial(st), stk_state_lineage(st), stk_remote_bucket(r), stk_remote_state_key(r));
        stk_state_close(st);
    }
    if (l) stk_lock_free(l);
    free(db);
    return rc;
}

/* Pull the latest snapshot over the local store (keeping a copy of the old
   one in *backup when backup is set). */
static int pull(stk_remote *r, const char *ws, const char *backup, const init_opts *o, stk_diags *d)
{
    char *db = stk_xasprintf("./.stk/%s.db", ws);
    char *tmp = stk_xasprintf("./.stk/%s.db.pull.%ld", ws, (long)getpid());
    stk_lock *local = stk_lock_local_new(".", ws);
    int rc = o->no_lock ? 0 : stk_lock_acquire(local, "init (pull)", db, o->timeout_ms, NULL, d);
    stk_remote_snapshot info = {0};
    if (rc == 0) {
        int got = stk_remote_download(r, NULL, NULL, NULL, tmp, &info, d);
        if (got == 0)
            stk_diags_error(d, NULL, "The backend state disappeared", "s3://%s/%s is gone.", stk_remote_bucket(r),
                            stk_remote_state_key(r));
        rc = got == 1 ? 0 : -1;
    }
    if (rc == 0 && backup) {
        rc = stk_remote_install(db, backup, d);
        if (rc == 0) printf("The previous local state is kept in %s.\n", backup);
    }
    if (rc == 0) rc = stk_remote_install(tmp, db, d);
    if (rc == 0)
        printf("Pulled the latest state from s3://%s/%s: serial %" PRId64 ", lineage %s%s%s%s.\n",
               stk_remote_bucket(r), stk_remote_state_key(r), info.serial, info.lineage,
               info.version_id ? ", version " : "", info.version_id ? info.version_id : "",
               info.encrypted ? ", decrypted" : "");
    remove_db_files(tmp);
    stk_remote_snapshot_free(&info);
    stk_lock_free(local);
    free(tmp);
    free(db);
    return rc;
}

static int sync_workspace(stk_remote *r, const char *ws, const init_opts *o, stk_diags *d)
{
    stk_remote_digest dg;
    if (stk_remote_read_digest(r, &dg, d)) {
        stk_diags_error(d, NULL, "Cannot read the backend",
                        "Check the bucket, region, endpoints and credentials; `stk backend bootstrap` creates the "
                        "bucket and lock table.");
        return -1;
    }
    char *db = stk_xasprintf("./.stk/%s.db", ws);
    int have_local = access(db, F_OK) == 0;
    int64_t serial = 0;
    char *lineage = NULL, *sha = NULL;
    int rc = 0;
    if (have_local) {
        stk_state *st = NULL;
        if (stk_state_open(".", ws, &st, d)) {
            rc = -1;
            goto out;
        }
        serial = stk_state_serial(st);
        lineage = stk_xstrdup(stk_state_lineage(st));
        sha = stk_remote_state_sha256(st, d);
        size_t ni = 0, no = 0;
        stk_state_count(st, &ni, &no, d);
        stk_state_close(st);
        /* an empty new store (`stk workspace new` on a new machine) holds
           nothing to keep: the backend's state, if any, replaces it */
        if (serial == 0 && ni == 0 && no == 0) have_local = 0;
    }
    if (!dg.found) {
        if (have_local) rc = upload_local(r, ws, o, d);
        else printf("The backend holds no state for workspace \"%s\" yet; the first state-changing command "
                    "uploads it.\n", ws);
        goto out;
    }
    if (!have_local) {
        rc = pull(r, ws, NULL, o, d);
        goto out;
    }
    int foreign = dg.lineage && strcmp(dg.lineage, lineage) != 0;
    int diverged = !foreign && serial == dg.serial && dg.state_sha256 && sha && strcmp(dg.state_sha256, sha) != 0;
    if (foreign || diverged) {
        if (o->migrate) {
            rc = upload_local(r, ws, o, d);
        } else if (o->reconfigure) {
            char *bak = stk_xasprintf("./.stk/%s.db.%" PRId64 ".bak", ws, serial);
            rc = pull(r, ws, bak, o, d);
            free(bak);
        } else {
            if (foreign)
                stk_diags_error(d, NULL, "Local state does not match the backend",
                                "The local state (lineage %s, serial %" PRId64 ") is not the backend's (lineage %s, "
                                "serial %" PRId64 "). Run `stk init -reconfigure` to replace the local copy with "
                                "the backend's (the local one is kept as a .bak file), or `stk init -migrate-state` "
                                "to upload the local state over the backend's.",
                                lineage, serial, dg.lineage, dg.serial);
            else
                stk_diags_error(d, NULL, "State digest mismatch",
                                "The local state and the backend's are both at serial %" PRId64 " (lineage %s) but "
                                "differ. Run `stk init -reconfigure` to take the backend's copy, or `stk init "
                                "-migrate-state` to upload the local one.", serial, lineage);
            rc = -1;
        }
        goto out;
    }
    if (serial < dg.serial) rc = pull(r, ws, NULL, o, d);
    else if (serial > dg.serial) rc = upload_local(r, ws, o, d);
    else printf("The local state of workspace \"%s\" is up to date with the backend (serial %" PRId64 ").\n", ws,
                serial);
out:
    free(db);
    free(lineage);
    free(sha);
    stk_remote_digest_free(&dg);
    return rc;
}

int cmd_init(int argc, char **argv)
{
    init_opts o = {0};
    const char **bcfg = stk_xcalloc((size_t)argc + 1, sizeof *bcfg);
    stk_backend_var *vars = stk_xcalloc((size_t)argc + 1, sizeof *vars);
    size_t nb = 0, nv = 0;
    int skip_backend = 0, rc = STK_EXIT_ERROR;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (stk_cli_is_help(argv[i])) {
            printf("Usage: stk init [options]\n\n"
                   "  Initialise the working directory: read the backend block of the\n"
                   "  configuration (terraform { backend \"s3\" { ... } }, variables allowed),\n"
                   "  record its settings in .stk/backend.json (secrets are never stored) and\n"
                   "  pull the latest state when the local copy is missing or older.\n\n"
                   "Options:\n"
                   "  -backend-config=KEY=VALUE  Set one backend setting (repeatable)\n"
                   "  -backend-config=FILE       Settings from an HCL file of attributes\n"
                   "                             (later -backend-config arguments win)\n"
                   "  -reconfigure               Accept a changed backend; on a lineage mismatch\n"
                   "                             take the backend's state (local copy kept as .bak)\n"
                   "  -migrate-state             Accept a changed backend and upload the local\n"
                   "                             state over the backend's\n"
                   "  -all-workspaces            Also sync every other workspace the backend holds\n"
                   "                             (a new machine: restores them all)\n"
                   "  -backend=false             Skip the backend (keep the local state only)\n"
                   "  -var NAME=VALUE, -var-file=FILE   Variables for the backend block\n"
                   "  -lock=false                Don't take the state lock\n"
                   "  -lock-timeout=DUR          Wait up to DUR for the state lock\n\n"
                   "Secrets (secret_key, encryption_passphrase) are used but never written to\n"
                   ".stk/backend.json; later commands take them from the environment\n"
                   "(AWS_SECRET_ACCESS_KEY, STK_BACKEND_ENCRYPTION_PASSPHRASE) or from the\n"
                   "backend block again.\n");
            rc = STK_EXIT_OK;
            goto done;
        }
        if (stk_cli_opt(argc, argv, &i, "backend-config", &v)) bcfg[nb++] = v;
        else if (stk_cli_opt(argc, argv, &i, "var-file", &v)) {
            vars[nv].is_file = 1;
            vars[nv++].text = v;
        } else if (stk_cli_opt(argc, argv, &i, "var", &v)) {
            vars[nv].is_file = 0;
            vars[nv++].text = v;
        } else if (stk_cli_flag(argv[i], "reconfigure")) o.reconfigure = 1;
        else if (stk_cli_flag(argv[i], "all-workspaces")) o.all_workspaces = 1;
        else if (stk_cli_flag(argv[i], "migrate-state") || stk_cli_flag(argv[i], "force-copy")) o.migrate = 1;
        else if (stk_cli_flag(argv[i], "backend=false")) skip_backend = 1;
        else if (stk_cli_flag(argv[i], "backend") || stk_cli_flag(argv[i], "backend=true")) skip_backend = 0;
        else if (stk_cli_flag(argv[i], "lock=false")) o.no_lock = 1;
        else if (stk_cli_flag(argv[i], "lock") || stk_cli_flag(argv[i], "lock=true")) o.no_lock = 0;
        else if (stk_cli_opt(argc, argv, &i, "lock-timeout", &v)) {
            if (stk_lock_parse_timeout(v, &o.timeout_ms)) {
                fprintf(stderr, "Error: invalid -lock-timeout \"%s\" (use e.g. 30s, 2m, 500ms)\n", v);
                goto done;
            }
        } else if (stk_cli_flag(argv[i], "no-color")) o.no_color = 1;
        else if (stk_cli_flag(argv[i], "input=false") || stk_cli_flag(argv[i], "input=true") ||
                 stk_cli_flag(argv[i], "upgrade"))
            continue;   /* accepted for Terraform scripts; stk never prompts here */
        else {
            fprintf(stderr, "Error: unknown option %s for `stk init`\n\nRun `stk init -help` for usage.\n", argv[i]);
            goto done;
        }
    }
    if (o.reconfigure && o.migrate) {
        fprintf(stderr, "Error: -reconfigure and -migrate-state exclude each other\n");
        goto done;
    }
    mkdir(".stk", 0700);
    if (skip_backend) {
        printf("Skipped the backend (-backend=false): the state stays in .stk/.\n");
        rc = STK_EXIT_OK;
        goto done;
    }
    stk_diags d = STK_DIAGS_INIT;
    stk_backend_inputs in = {bcfg, nb, vars, nv};
    stk_backend_config cfg, old;
    stk_backend_config_init(&old);
    int have_old = stk_backend_load(".", &old, &d);
    int found = have_old < 0 ? -1 : stk_backend_resolve(".", &in, &cfg, &d);
    if (found < 0) {
        if (have_old < 0) fprintf(stderr, "(remove .stk/backend.json and run `stk init` again)\n");
        stk_backend_config_free(&old);
        print_diags(&d, o.no_color);
        goto done;
    }
    if (found == 0) {
        if (have_old == 1 && !o.reconfigure && !o.migrate) {
            stk_diags_error(&d, NULL, "Backend configuration changed",
                            "The configuration no longer has a backend block, but this directory was initialised "
                            "with the s3 backend (s3://%s/%s). Run `stk init -reconfigure` to keep the state "
                            "local from now on (the local copy is kept).", old.bucket, old.key);
        } else {
            if (have_old == 1) {
                unlink(".stk/backend.json");
                printf("Removed the s3 backend settings: the state is local (.stk/) from now on.\n");
            } else {
                printf("No backend block: the state stays local in .stk/ (SQLite, one database per workspace).\n");
            }
            rc = STK_EXIT_OK;
        }
        stk_backend_config_free(&old);
        print_diags(&d, o.no_color);
        goto done;
    }
    if (have_old == 1 && !o.reconfigure && !o.migrate) {
        json_t *a = stk_backend_config_to_json(&old), *b = stk_backend_config_to_json(&cfg);
        json_object_del(json_object_get(a, "secrets"), "from_block");
        json_object_del(json_object_get(b, "secrets"), "from_block");
        if (!json_equal(a, b))
            stk_diags_error(&d, NULL, "Backend configuration changed",
                            "The backend settings differ from those this directory was initialised with "
                            "(.stk/backend.json). Run `stk init -reconfigure` to use the new settings, or "
                            "`stk init -migrate-state` to also upload the local state to the new location.");
        json_decref(a);
        json_decref(b);
    }
    stk_backend_config_free(&old);
    if (stk_diags_has_errors(&d)) {
        stk_backend_config_free(&cfg);
        print_diags(&d, o.no_color);
        goto done;
    }
    char *ws = stk_workspace_current(".");
    char *key = stk_backend_state_key(&cfg, ws);
    stk_remote *r = NULL;
    int ok = stk_remote_new(&cfg, ws, &r, &d) == 0;
    if (ok && !stk_workspace_exists(".", ws)) {
        /* a workspace missing here (a new machine, STK_WORKSPACE=NAME) is
           restored when the backend holds its state */
        stk_remote_digest dg;
        ok = stk_remote_read_digest(r, &dg, &d) == 0 && dg.found;
        if (ok) printf("Workspace \"%s\" is not on this machine; restoring it from the backend.\n", ws);
        else if (!stk_diags_has_errors(&d))
            stk_diags_error(&d, NULL, "Workspace does not exist",
                            "The selected workspace \"%s\" does not exist here and the backend holds no state for "
                            "it (s3://%s/%s).", ws, cfg.bucket, key);
        stk_remote_digest_free(&dg);
    }
    if (ok) {
        describe(&cfg, ws, key);
        ok = sync_workspace(r, ws, &o, &d) == 0;
    }
    if (ok && o.all_workspaces) {
        /* every other workspace the backend holds (not the local-only ones) */
        char **names = NULL;
        size_t n = 0;
        ok = stk_remote_list_workspaces(r, &names, &n, &d) == 0;
        for (size_t i = 0; ok && i < n; i++) {
            if (!strcmp(names[i], ws)) continue;
            stk_remote *ro = NULL;
            char *k = stk_backend_state_key(&cfg, names[i]);
            printf("\nWorkspace \"%s\" (s3://%s/%s):\n", names[i], cfg.bucket, k);
            free(k);
            ok = stk_remote_new(&cfg, names[i], &ro, &d) == 0 && sync_workspace(ro, names[i], &o, &d) == 0;
            stk_remote_free(ro);
        }
        stk_workspace_names_free(names, n);
    }
    if (ok) ok = stk_backend_save(".", &cfg, &d) == 0;
    if (ok) printf("\nstk has been successfully initialized! Settings saved in .stk/backend.json.\n");
    stk_remote_free(r);
    free(key);
    free(ws);
    stk_backend_config_free(&cfg);
    print_diags(&d, o.no_color);
    rc = ok ? STK_EXIT_OK : STK_EXIT_ERROR;
done:
    free(bcfg);
    free(vars);
    return rc;
}
