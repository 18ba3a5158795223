/* backend_cli.c - the remote wiring of state sessions (see backend_cli.h). */
#include "cli/backend_cli.h"
#include "state/workspace.h"
#include "util/strbuf.h"
#include <stdlib.h>
#include <string.h>

/* Secrets for a config read from backend.json. */
static void fill_secrets(const char *dir, stk_backend_config *cfg)
{
    stk_backend_config_env_secrets(cfg);
    if (!cfg->secrets_from_block) return;
    stk_backend_config blk;
    stk_diags ignore = STK_DIAGS_INIT;
    if (stk_backend_resolve(dir, NULL, &blk, &ignore) == 1) {
#define TAKE(f) if (!cfg->f && blk.f) { cfg->f = blk.f; blk.f = NULL; }
        TAKE(access_key); TAKE(secret_key); TAKE(token);
        if (!cfg->encryption_key_file) TAKE(encryption_passphrase);
#undef TAKE
        stk_backend_config_free(&blk);
    }
    stk_diags_free(&ignore);
}

static int load_active(const char *dir, const char *workspace, stk_backend_session *bs, stk_diags *d)
{
    memset(bs, 0, sizeof *bs);
    stk_backend_config_init(&bs->cfg);
    int found = stk_backend_load(dir, &bs->cfg, d);
    if (found <= 0) {
        stk_backend_config_free(&bs->cfg);
        return found;
    }
    fill_secrets(dir, &bs->cfg);
    bs->workspace = workspace ? stk_xstrdup(workspace) : stk_workspace_current(dir);
    if (stk_remote_new(&bs->cfg, bs->workspace, &bs->remote, d)) {
        stk_backend_session_free(bs);
        return -1;
    }
    bs->active = 1;
    return 1;
}

int stk_backend_session_opts(const char *dir, stk_session_opts *o, stk_backend_session *bs, stk_diags *d)
{
    int rc = load_active(dir, o->workspace, bs, d);
    if (rc <= 0) return rc;
    if (!stk_workspace_exists(dir, bs->workspace)) {
        stk_diags_error(d, NULL, "Workspace does not exist",
                        "The selected workspace \"%s\" does not exist (check STK_WORKSPACE and .stk/environment); "
                        "create it with `stk workspace new %s`.", bs->workspace, bs->workspace);
        stk_backend_session_free(bs);
        return -1;
    }
    if (!o->no_lock && stk_remote_ready(bs->remote, d)) {
        stk_backend_session_free(bs);
        return -1;
    }
    if (!o->no_lock) {
        char *db = stk_xasprintf("%s/.stk/%s.db", dir, bs->workspace);
        o->lock = stk_remote_session_lock(bs->remote, db);
        free(db);
    }
    return 0;
}

void stk_backend_session_attach(stk_backend_session *bs, stk_state_session *s)
{
    if (!bs->active || !s->st) return;
    stk_backup_hook h;
    stk_remote_backup_hook(bs->remote, &h);
    stk_state_set_backup_hook(s->st, &h);
}

void stk_backend_session_free(stk_backend_session *bs)
{
    stk_remote_free(bs->remote);
    stk_backend_config_free(&bs->cfg);
    free(bs->workspace);
    memset(bs, 0, sizeof *bs);
}

int stk_backend_unlock_target(const char *dir, const char *workspace, stk_backend_session *bs, stk_lock **lock,
                              stk_diags *d)
{
    *lock = NULL;
    int rc = load_active(dir, workspace, bs, d);
    if (rc <= 0) return rc;
    *lock = stk_remote_lock(bs->remote);
    return 0;
}

int stk_backend_workspace_deleted(const char *dir, const char *workspace, long lock_timeout_ms, stk_diags *d)
{
    stk_backend_session bs;
    int rc = load_active(dir, workspace, &bs, d);
    if (rc <= 0) return rc;
    stk_lock *l = stk_remote_lock(bs.remote);
    char *path = stk_xasprintf("%s/%s", bs.cfg.bucket, stk_remote_state_key(bs.remote));
    rc = l ? stk_lock_acquire(l, "workspace delete", path, lock_timeout_ms, NULL, d) : 0;
    if (rc == 0) rc = stk_remote_delete_state(bs.remote, d);
    if (rc)
        stk_diags_error(d, NULL, "The workspace's remote state was not removed",
                        "The local workspace \"%s\" is deleted, but s3://%s could not be removed; remove it by hand "
                        "before creating a workspace of the same name.", workspace, path);
    free(path);
    stk_lock_free(l);
    stk_backend_session_free(&bs);
    return rc;
}
